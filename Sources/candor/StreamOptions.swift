import ArgumentParser
import CandorCore
import CandorModels
import Foundation

enum StdinFormat: String, ExpressibleByArgument, CaseIterable {
  case csv, jsonl
}

enum StdoutFormat: String, ExpressibleByArgument, CaseIterable {
  case jsonl
}

extension Setting {
  static let standardInput = Setting("stdinFormat")
}

/// `--stdin-format csv|jsonl [--columns a,b] --stdout-format jsonl`: a command as one stage of Spark's `RDD.pipe`,
/// which starts one process per partition, writes the partition's rows to its standard input, one per line, and
/// reads its standard output line by line. Standard output then carries data only (per-row results, or the
/// partition's partial result as one line at the end); messages go to standard error; bad input exits non-zero so
/// that Spark retries or fails the task.
///
/// A partition names its shard by a first line `#candor-shard I N` (Scala's `printPipeContext`, or PySpark's
/// `mapPartitionsWithIndex` in front of `pipe`), so `candor merge` can tell a missing or repeated partition; without
/// it the input is shard 0 of 1. Row numbers are the partition's own, which is why what is keyed by the row's number
/// in the whole data (the Poisson bootstrap) does not stream.
struct StreamOptions: ParsableArguments {
  @Option(name: .customLong("stdin-format"),
          help: "Read the rows from standard input: csv (lines without a header; --columns names their fields) or jsonl (one JSON object per line, keys the columns). A first line '#candor-shard I N' names the shard (Spark's pipe context).")
  var stdinFormat: StdinFormat?

  @Option(name: .customLong("stdout-format"),
          help: "jsonl: standard output carries data only — candor predict and candor explain write one JSON object per row, candor fairness its partial result as one line at the end of input, for candor merge.")
  var stdoutFormat: StdoutFormat?

  @Option(help: ArgumentHelp("With --stdin-format: the columns of each input line, in order (jsonl: the keys each object must have; default the first object's, sorted).", valueName: "a,b"))
  var columns: [String] = []

  var isStreaming: Bool { stdinFormat != nil }
  var columnNames: [String] { commaSeparated(columns) }

  func validate() throws {
    if stdinFormat == nil {
      if stdoutFormat != nil { throw ValidationError("--stdout-format jsonl needs --stdin-format (rows from standard input).") }
      if !columns.isEmpty { throw ValidationError("--columns names the fields of standard input; it needs --stdin-format.") }
      return
    }
    if stdinFormat == .csv && columnNames.isEmpty {
      throw ValidationError("--stdin-format csv needs --columns a,b,… (the lines on standard input have no header).")
    }
    let written = columns.joined(separator: ",")
    if !columns.isEmpty, written.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      throw ValidationError("--columns \(printable(written)) names a column with no name; every field needs one.")
    }
    if let duplicate = Dictionary(grouping: columnNames, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
      throw ValidationError("--columns names '\(printable(duplicate))' twice; column names must be unique.")
    }
  }

  /// What standard input held: the rows as a table, and the shard its context line named (0 of 1 without one).
  struct Input {
    var table: Table
    var shard: (index: Int, count: Int)
  }

  static let source = "standard input"

  /// Reads standard input to its end (a partition is bounded by Spark's partitioning).
  func readStandardInput(reading: ReadOptions, numericColumns: [String]) throws -> Input {
    // InputFile reads a pipe to its end, retrying reads a signal interrupts.
    try read(InputFile.read("/dev/stdin"), reading: reading, numericColumns: numericColumns)
  }

  func read(_ data: Data, reading: ReadOptions, numericColumns: [String]) throws -> Input {
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
      shard = try Self.context(String(decoding: first, as: UTF8.self))
      lines.removeFirst()
      skipped = 1
    }
    let names: [String]
    var csv: [UInt8]
    switch stdinFormat! {
    case .csv:
      names = columnNames
      csv = Array(lines.joined(separator: [UInt8(ascii: "\n")]))
    case .jsonl:
      (names, csv) = try Self.jsonLines(lines, columns: columnNames, firstLine: skipped + 1)
    }
    var options = reading.csvOptions()
    options.modelNumericColumns = numericColumns
    if lines.isEmpty {
      // An empty partition: a table of no rows (numeric columns unless declared categorical), whose part is empty.
      let categorical = Set(options.categoricalColumns)
      return Input(table: try Table(columns: names.map { name in
        categorical.contains(name) ? .categorical(CategoricalColumn(name: name, strings: [])) : .numeric(NumericColumn(name: name, values: []))
      }, source: Self.source), shard: shard)
    }
    let header = Array(names.map(Self.csvField).joined(separator: ",").utf8) + [UInt8(ascii: "\n")]
    // The header takes line 1; line k + 1 of the parsed bytes is line k + skipped of standard input.
    let delta = skipped - 1
    do {
      let table = try CSVReader.parse(Data(header + csv), source: Self.source, options: options)
      for note in table.readingNotes { warn(note.movingLines(by: delta).message(naming: Flags.spelling)) }
      return Input(table: table, shard: shard)
    } catch {
      // The header of standard input is --columns.
      if case let .wrongFieldCount(_, line, expected, found) = error.movingLines(by: delta) {
        throw StreamError(text: "\(Self.source), line \(line): \(found) field\(found == 1 ? "" : "s") where --columns names \(expected). Quote fields that contain commas.")
      }
      throw error.movingLines(by: delta)
    }
  }

  /// `#candor-shard I N`.
  static func context(_ line: String) throws -> (index: Int, count: Int) {
    let words = line.split(separator: " ")
    guard words.count == 3, let index = Int(words[1]), let count = Int(words[2]), (1...1_000_000).contains(count), (0..<count).contains(index) else {
      throw StreamError(text: "\(source), line 1: '\(printable(String(line.prefix(80))))' is not a shard line '#candor-shard I N' (0 ≤ I < N ≤ 1000000).")
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
  static func jsonLines(_ lines: [ArraySlice<UInt8>], columns: [String], firstLine: Int) throws -> (names: [String], csv: [UInt8]) {
    var names = columns
    var csv: [UInt8] = []
    let decoder = JSONDecoder()
    for (k, line) in lines.enumerated() {
      let number = firstLine + k
      if let duplicate = firstDuplicateJSONKey(in: Data(line)) {
        throw StreamError(text: "\(source), line \(number): the key '\(printable(duplicate.key))' appears twice in the object; each column once.")
      }
      guard let object = try? decoder.decode([String: Cell].self, from: Data(line)) else {
        // An object whose value for some key is not one cell (an array, an object, a number beyond a Double): name it.
        if let shapes = try? decoder.decode([String: CellShape].self, from: Data(line)),
          let key = shapes.keys.sorted().first(where: { shapes[$0]?.isCell == false })
        {
          throw StreamError(text: "\(source), line \(number): the value of '\(printable(key))' is not one cell (a finite number, a text, true, false or null).")
        }
        throw StreamError(text: "\(source), line \(number): '\(printable(String(decoding: line.prefix(80), as: UTF8.self)))' is not a JSON object (one per line, keys the columns).")
      }
      if names.isEmpty { names = object.keys.sorted() }
      if let missing = names.first(where: { object[$0] == nil }) {
        throw StreamError(text: "\(source), line \(number): the object has no key '\(printable(missing))'; every line needs the columns \(names.map { printable($0) }.joined(separator: ", ")).")
      }
      if object.count != names.count, let extra = object.keys.sorted().first(where: { !names.contains($0) }) {
        throw StreamError(text: "\(source), line \(number): the key '\(printable(extra))' is not one of the columns \(names.map { printable($0) }.joined(separator: ", ")).")
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
    }
    return (names, csv)
  }

  /// Writes `count` JSON values to standard output, one line each (`JSONLayout.line`), in blocks of about a megabyte.
  static func writeLines(count: Int, _ line: (Int) -> JSONValue) throws {
    var buffer = Data()
    for k in 0..<count {
      buffer += line(k).data(layout: .line)
      if buffer.count >= 1 << 20 {
        try writeOut(buffer)
        buffer.removeAll(keepingCapacity: true)
      }
    }
    try writeOut(buffer)
  }

  /// Writes to standard output; a closed, full or broken output is an error with its reason, not a trap.
  static func writeOut(_ data: Data) throws {
    do { try FileHandle.standardOutput.write(contentsOf: data) } catch {
      throw StreamError(text: "Standard output cannot be written (\((error as NSError).localizedDescription)); the rows were not all written.")
    }
  }

  /// A field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break.
  static func csvField(_ text: String) -> String {
    text.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
  }

}

/// Standard input that is not what --stdin-format declared.
struct StreamError: CandorError {
  let text: String
  func message(naming name: (Setting) -> String) -> String { text }
}
