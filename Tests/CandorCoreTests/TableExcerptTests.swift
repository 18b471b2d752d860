import CandorCore
import Foundation
import Testing

@Suite struct TableExcerptTests {
  static let table = try! Table(columns: [
    .numeric(NumericColumn(name: "age", values: [30, .nan, 52, 41, 23, 67])),
    .categorical(CategoricalColumn(name: "race", strings: ["White", "Black", nil, "Asian", "Black", "Other"])),
  ], source: nil)

  static func strings(_ table: Table, _ name: String) -> [String?] {
    guard case let .categorical(column)? = table[name] else { return [] }
    return (0..<table.rowCount).map { column.value(at: $0) }
  }

  /// Equal to the bit (NaN is not == NaN): their packed bytes.
  static func same(_ a: TableExcerpt, _ b: TableExcerpt) throws -> Bool {
    try CandorJSON.data(a, layout: .compact) == CandorJSON.data(b, layout: .compact)
  }

  @Test("the excerpts of shards, joined, are the excerpt of the whole: values, missing ones, levels in order of first appearance")
  func shardsJoinToWhole() throws {
    let whole = TableExcerpt(Self.table, rows: Array(0..<6), columns: ["age", "race"])
    // Shard 1 meets its levels in another order than the whole does.
    let shards = [[0, 1], [2, 3, 4, 5]].map { TableExcerpt(Self.table, rows: $0, columns: ["age", "race"]) }
    let joined = TableExcerpt(concatenating: shards)
    #expect(try Self.same(joined, whole))
    #expect(joined.columns[0].numbers?.map(\.bitPattern) == [30, .nan, 52, 41, 23, 67].map(\.bitPattern))
    #expect(joined.columns[1].levels == ["White", "Black", "Asian", "Other"])
    #expect(joined.columns[1].codes == [0, 1, -1, 2, 1, 3])
    let table = try joined.table()
    #expect(Self.strings(table, "race") == ["White", "Black", nil, "Asian", "Black", "Other"])
    guard case let .categorical(column)? = table["race"] else { Issue.record("race is not text"); return }
    #expect(column.levels == CategoricalColumn(name: "race", strings: Self.strings(table, "race")).levels)
  }

  @Test("written and read back, an excerpt is the same; texts written by hand, unused or repeated levels read as the texts they name")
  func roundTrip() throws {
    let excerpt = TableExcerpt(Self.table, rows: [5, 1, 2], columns: ["race", "age"])
    #expect(try Self.same(CandorJSON.decode(TableExcerpt.self, from: CandorJSON.data(excerpt, layout: .compact)), excerpt))
    #expect(excerpt.columns[0].levels == ["Other", "Black"] && excerpt.columns[0].codes == [0, 1, -1])
    let rows = PackedArray.string([Int64(5), 1, 2])
    let byHand = #"{"rows": "\#(rows)", "columns": [{"name": "race", "texts": ["Other", "Black", null]}]}"#
    let edited = #"{"rows": "\#(rows)", "columns": [{"name": "race", "levels": ["x", "Black", "Other", "Black"], "codes": "\#(PackedArray.string([Int32(2), 3, -1]))"}]}"#
    for text in [byHand, edited] {
      let read = try CandorJSON.decode(TableExcerpt.self, from: Data(text.utf8))
      #expect(read.columns[0].levels == ["Other", "Black"] && read.columns[0].codes == [0, 1, -1], "\(text)")
      #expect(read.columns[0].texts == ["Other", "Black", nil])
      #expect(read.isWellFormed)
    }
    let bad = #"{"rows": "\#(rows)", "columns": [{"name": "race", "levels": ["a"], "codes": "\#(PackedArray.string([Int32(0), 1, -1]))"}]}"#
    #expect(throws: DecodingError.self) { try CandorJSON.decode(TableExcerpt.self, from: Data(bad.utf8)) }
  }
}
