import CandorCore
import CandorModels
import Foundation

/// libFuzzer target: the bytes are a `--feature-spec` file (`candor dp-train`). They go through
/// `FeatureSpecFile.decode`; a spec that decodes is encoded and decoded again, and encodes a small table that has its
/// columns (typical, missing and unseen values). A `ModelError` is a correct answer; a trap, a sanitizer report or a
/// broken invariant is a crash. Seeds: samples/adult_feature_spec.json and small hand-written specs.
///
/// Invariants: the encoding of a decoded spec decodes to the same encoder; encoded rows have the spec's encoded
/// width and one entry per feature, every value finite.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFeatureSpecFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  let encoder: FeatureEncoder
  do {
    encoder = try FeatureSpecFile.decode(data, path: "fuzz.spec.json")
  } catch {
    return 0
  }
  guard let encoded = try? JSONEncoder().encode(encoder) else { fail("a decoded feature spec does not encode") }
  require((try? FeatureSpecFile.decode(encoded, path: "again.json")) == encoder, "a spec's encoding decodes to another spec")
  // A table with the declared columns: numbers (one missing) for numeric features, a declared level, a missing cell
  // and an unseen level for categorical ones.
  var header: [String] = [], lines = ["", "", ""]
  for feature in encoder.features {
    header.append(csvField(feature.name))
    // A missing cell is written "" (quoted empty), so a one-column table's line is not blank (blank lines are skipped).
    let cells = feature.kind == .numeric ? ["1.5", "\"\"", "-3e300"] : [csvField(feature.categories?.first ?? "x"), "\"\"", "never-declared-\u{1F600}"]
    for i in 0..<3 { lines[i] += (header.count == 1 ? "" : ",") + cells[i] }
  }
  let text = ([header.joined(separator: ",")] + lines).joined(separator: "\n") + "\n"
  var options = CSVOptions()
  options.categoricalColumns = encoder.features.filter { $0.kind == .categorical }.map(\.name)
  options.numericColumns = encoder.features.filter { $0.kind == .numeric }.map(\.name)
  guard let table = try? CSVReader.parse(Data(text.utf8), source: "fuzz.csv", options: options) else { return 0 }
  guard let rows = try? encoder.encodedRows(table) else { return 0 }
  require(rows.columns == encoder.encodedColumnCount && rows.rows == table.rowCount && table.rowCount == 3, "encoded rows have the spec's shape")
  require(rows.values.allSatisfy { !$0.isNaN }, "an encoded value is NaN")
  return 0
}

func csvField(_ text: String) -> String { "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
