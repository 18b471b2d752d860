import Foundation

/// Rows read from standard input, as Spark's `RDD.pipe` writes a partition: one row per line, CSV fields without a
/// header (the columns are declared) or one JSON object per line, after an optional first line `#candor-shard I N`
/// that names the partition's shard. The lines become a CSV table read by `CSVReader`, so they are typed and checked
/// as a file is; errors and notes name the lines of standard input.
public enum StreamRows {
  public enum Format: String, Sendable, CaseIterable {
    case csv, jsonl
  }

  /// What standard input held: the rows as a table, the shard its context line named (0 of 1 without one), and what
  /// the reader noticed, on standard input's lines.
  public struct Input {
    public var table: Table
    public var shard: (index: Int, count: Int)
    public var notes: [ReadingNote]
  }

  public static let source = "standard input"

  /// `columns`: the fields' names (CSV: required; JSON Lines: the keys every object must have, or empty for the first
  /// object's keys, sorted). `options`: how the CSV reader types them.
  /// - Throws: `StreamError` for lines that are not what the format declares, `TableError` for what the CSV reader
  ///   refuses, both naming standard input's line.
  public static func read(_ data: Data, format: Format, columns: [String], options: CSVOptions) throws -> Input {
    var bytes = [UInt8](data)
    // A byte-order mark is not part of the first field (the file reader drops it too).
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
    var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { $0.last == UInt8(ascii: "\r") ? $0.dropLast() : $0 }
    if lines.last?.isEmpty == true { lines.removeLast() }
    // Only line breaks: an empty partition.
    if lines.allSatisfy(\.isEmpty) { lines = [] }
    var shard = (index: 0, count: 1)
    var skipped = 0
    if let first = lines.first, first.starts(with: Array("#candor-shard".utf8)) {
      shard = try context(String(decoding: first, as: UTF8.self))
      lines.removeFirst()
      skipped = 1
    }
    let names: [String]
    var csv: [UInt8]
    switch format {
    case .csv:
      names = columns
      csv = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    case .jsonl:
      (names, csv) = try jsonLines(lines, columns: columns, firstLine: skipped + 1)
    }
    if lines.isEmpty {
      // An empty partition: a table of no rows (numeric columns unless declared categorical), whose part is empty.
      let categorical = Set(options.categoricalColumns)
      return Input(table: try Table(columns: names.map { name in
        categorical.contains(name) ? .categorical(CategoricalColumn(name: name, strings: [])) : .numeric(NumericColumn(name: name, values: []))
      }, source: source), shard: shard, notes: [])
    }
    let header = Array(names.map(csvField).joined(separator: ",").utf8) + [UInt8(ascii: "\n")]
    // The header takes line 1; line k + 1 of the parsed bytes is line k + skipped of standard input.
    let delta = skipped - 1
    do {
      let table = try CSVReader.parse(Data(header + csv), source: source, options: options)
      return Input(table: table, shard: shard, notes: table.readingNotes.map { $0.movingLines(by: delta) })
    } catch {
      // The header of standard input is --columns.
      if case let .wrongFieldCount(_, line, expected, found) = error.movingLines(by: delta) {
        throw StreamError { name in
          "\(source), line \(line): \(found) field\(found == 1 ? "" : "s") where \(name(.streamColumns)) names \(expected). Quote fields that contain commas."
        }
      }
      throw error.movingLines(by: delta)
    }
  }

  /// `#candor-shard I N`.
  static func context(_ line: String) throws(StreamError) -> (index: Int, count: Int) {
    let words = line.split(separator: " ")
    guard words.count == 3, let index = Int(words[1]), let count = Int(words[2]), (1...1_000_000).contains(count), (0..<count).contains(index) else {
      throw StreamError { _ in "\(source), line 1: '\(printable(String(line.prefix(80))))' is not a shard line '#candor-shard I N' (0 ≤ I < N ≤ 1000000)." }
    }
    return (index, count)
  }

  /// A JSON value of one cell.
  enum Cell: Decodable {
    case missing, number(Double), text(String)
    init(from decoder: any Decoder) throws {
      let container = try decoder.singleValueContainer()
      if container.decodeNil() { self = .missing; return }
      if let flag = try? container.decode(Bool.self) { self = .text(flag ? "true" : "false"); return }
      if let number = try? container.decode(Double.self) { self = .number(number); return }
      self = .text(try container.decode(String.self))
    }
  }

  /// Whether a JSON value is one cell, for naming the key whose value is not (never throws).
  struct CellShape: Decodable {
    var isCell: Bool
    init(from decoder: any Decoder) {
      isCell = (try? Cell(from: decoder)) != nil
    }
  }

  /// JSON lines as CSV lines under `columns` (default: the first object's keys, sorted), so that they are read, typed
  /// and checked as a CSV file is. Every object must have exactly the columns.
  static func jsonLines(_ lines: [ArraySlice<UInt8>], columns: [String], firstLine: Int) throws(StreamError) -> (names: [String], csv: [UInt8]) {
    var names = columns
    var csv: [UInt8] = []
    let decoder = JSONDecoder()
    for (k, line) in lines.enumerated() {
      let number = firstLine + k
      if let duplicate = firstDuplicateJSONKey(in: Data(line)) {
        throw StreamError { _ in "\(source), line \(number): the key '\(printable(duplicate.key))' appears twice in the object; each column once." }
      }
      guard let object = try? decoder.decode([String: Cell].self, from: Data(line)) else {
        // An object whose value for some key is not one cell (an array, an object, a number beyond a Double): name it.
        if let shapes = try? decoder.decode([String: CellShape].self, from: Data(line)),
          let key = shapes.keys.sorted().first(where: { shapes[$0]?.isCell == false })
        {
          throw StreamError { _ in "\(source), line \(number): the value of '\(printable(key))' is not one cell (a finite number, a text, true, false or null)." }
        }
        throw StreamError { _ in "\(source), line \(number): '\(printable(String(decoding: line.prefix(80), as: UTF8.self)))' is not a JSON object (one per line, keys the columns)." }
      }
      if names.isEmpty {
        names = object.keys.sorted()
        if names.contains("") { throw StreamError { _ in "\(source), line \(number): the object has an empty key; every column needs a name." } }
      }
      let listed = names
      if let missing = names.first(where: { object[$0] == nil }) {
        throw StreamError { _ in "\(source), line \(number): the object has no key '\(printable(missing))'; every line needs the columns \(listed.map { printable($0) }.joined(separator: ", "))." }
      }
      if object.count != names.count, let extra = object.keys.sorted().first(where: { !names.contains($0) }) {
        throw StreamError { _ in "\(source), line \(number): the key '\(printable(extra))' is not one of the columns \(listed.map { printable($0) }.joined(separator: ", "))." }
      }
      if k > 0 { csv.append(UInt8(ascii: "\n")) }
      for (c, name) in names.enumerated() {
        if c > 0 { csv.append(UInt8(ascii: ",")) }
        switch object[name]! {
        case .missing: break
        // Whole numbers as integers, as a CSV file writes them (a level "39" stays "39", not "39.0").
        case let .number(value): csv += Array((value == value.rounded() && abs(value) < 0x1p53 ? "\(Int(value))" : "\(value)").utf8)
        case let .text(text): csv += Array(csvField(text).utf8)
        }
      }
      // A lone empty cell (null or "") is written "" (quoted empty): an empty line would be a blank line, which the
      // CSV reader skips, and the row would be lost.
      if names.count == 1, csv.last == UInt8(ascii: "\n") || csv.isEmpty { csv += [UInt8(ascii: "\""), UInt8(ascii: "\"")] }
    }
    return (names, csv)
  }

  /// A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.
  public static func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }
}

extension Setting {
  /// `--columns`: the fields of standard input's rows.
  public static let streamColumns = Setting("streamColumns")
}

/// Standard input that is not what the stream format declared; its words name the flags as the front end spells them.
public struct StreamError: CandorError {
  let words: @Sendable ((Setting) -> String) -> String
  init(_ words: @escaping @Sendable ((Setting) -> String) -> String) { self.words = words }
  public func message(naming name: (Setting) -> String) -> String { withoutActuallyEscaping(name) { words($0) } }
}
