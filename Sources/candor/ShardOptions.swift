import ArgumentParser
import CandorCore
import Foundation

extension Setting {
  static let partialOut = Setting("partialOut")
}

/// `--shard-index i --shard-count n --partial-out FILE`: compute the part of an analysis that rows
/// ⌊i·N/n⌋ ..< ⌊(i+1)·N/n⌋ of the data give, for `candor merge` to combine with the other parts. Slicing by row
/// number makes a retried shard recompute exactly the same part; the part is written as every output is (staged,
/// then renamed into place), so a killed shard never leaves a torn file.
struct ShardOptions: ParsableArguments {
  @Option(name: .customLong("shard-index"),
          help: "This shard's number, from 0 to --shard-count − 1 (default: $JOB_COMPLETION_INDEX, which a Kubernetes Indexed Job sets).")
  var index: Int?

  @Option(name: .customLong("shard-count"),
          help: "Split the rows by row number into this many shards and compute only this one's part (written with --partial-out; combine the parts with candor merge).")
  var count: Int?

  @Option(name: .customLong("partial-out"), help: "With --shard-count: write this shard's part here.")
  var partialOut: String?

  /// The flags, as they appear on a command line, that say which part is computed and where it goes: left out of
  /// the arguments a part records, which must be the same in every part.
  static let flags: Set<String> = ["--shard-index", "--shard-count", "--partial-out"]

  var isSharded: Bool { count != nil }

  func validate() throws {
    guard let count else {
      if index != nil || partialOut != nil {
        throw ValidationError("\(index != nil ? "--shard-index" : "--partial-out") needs --shard-count (the number of shards).")
      }
      return
    }
    guard count >= 1 && count <= 1_000_000 else { throw ValidationError("--shard-count \(count): give from 1 to 1000000 shards.") }
    guard partialOut != nil else { throw ValidationError("--shard-count needs --partial-out (where this shard's part is written).") }
    _ = try shard()
  }

  /// This shard's number: --shard-index, else $JOB_COMPLETION_INDEX.
  func shard() throws -> Int {
    let count = count ?? 1
    if let index {
      guard index >= 0 && index < count else {
        throw ValidationError("--shard-index \(index): the shards of --shard-count \(count) are numbered 0 to \(count - 1).")
      }
      return index
    }
    guard let text = ProcessInfo.processInfo.environment["JOB_COMPLETION_INDEX"] else {
      throw ValidationError("Give --shard-index (this shard's number), or run where JOB_COMPLETION_INDEX is set (a Kubernetes Indexed Job).")
    }
    guard let index = Int(text), index >= 0, index < count else {
      throw ValidationError("JOB_COMPLETION_INDEX is '\(printable(text))': the shards of --shard-count \(count) are numbered 0 to \(count - 1).")
    }
    return index
  }

  /// Writes `result` as this shard's part of `command`'s run over rows `rows` of `total` (staged, then renamed into
  /// place with the transaction's other files), with what `candor merge` checks: the versions, the command line
  /// without the shard flags, the BLAKE3 digest of every input. Says on stdout what was written, `what` naming the rows.
  /// `commandWords`: the words before the command's arguments (the program and the command: 2 for `candor
  /// fairness`, 3 for `candor privacy query`), left out of the recorded arguments. `read`: the shard's rows as
  /// `readRows` gave them, whose file's digest is known and whose columns' kinds the part records (unless not
  /// `recordingKinds`: an analysis that reads cells alike whatever their column's kind).
  func writePart<Result: Codable>(_ result: Result, command: String, inputs: [(Setting, String?)], rows: Range<Int>, total: Int,
                                  read: (path: String, shard: TableShard)? = nil, recordingKinds: Bool = true, what: String? = nil,
                                  commandWords: Int = 2, files: OutputTransaction) throws {
    var document = try Sharding.part(result, command: command, inputs: inputs, commandWords: commandWords,
                                     slice: .init(index: try shard(), count: count!, firstRow: rows.lowerBound, rows: rows.count, totalRows: total),
                                     knownDigests: read.map { [$0.path: $0.shard.blake3] } ?? [:])
    if let read, recordingKinds, read.shard.table.rowCount > 0 { document.columnKinds = Sharding.kinds(of: read.shard.table) }
    try files.write(.partialOut, try CandorJSON.data(document, layout: .compact))
    try files.commit()
    let described = what ?? "rows \(rows.lowerBound) to \(rows.upperBound - 1) of \(total)"
    print("Shard \(document.shard.index) of \(document.shard.count): \(described), written to \(partialOut!); combine the parts with candor merge.")
  }

  /// This shard's rows of the CSV file at `path`, read and typed alone (only its bytes are parsed when the file
  /// has no quotes), with the file's BLAKE3 digest; what the reader noticed goes to stderr.
  func readRows(_ path: String, reading: ReadOptions, numericColumns: [String]) throws -> (path: String, shard: TableShard) {
    var options = reading.csvOptions()
    options.modelNumericColumns = numericColumns
    let read = try CSVReader.read(path: path, options: options, shard: try shard(), of: count!)
    for note in read.table.readingNotes { warn(note.message(naming: Flags.spelling)) }
    return (path, read)
  }

  /// The rows of this shard among `total`.
  func rows(of total: Int) throws -> Range<Int> {
    let count = count ?? 1, index = try shard()
    return ShardSlice.rows(index: index, count: count, total: total)
  }
}

/// A partial result as written by a sharded command and read by `candor merge`.
struct ShardPart<Result: Codable>: Codable {
  static var format: String { "candor-partial" }
  var format = Self.format
  /// 2 since parts record BLAKE3, not SHA-256, of their inputs.
  var formatVersion = 2
  var candorVersion: String
  /// The command that computed the part (`fairness`).
  var command: String
  /// Its arguments, without the shard flags: the same in every part of one run, and what `candor merge` reads the
  /// analysis's settings from.
  var arguments: [String]
  /// BLAKE3 of each input, by flag in flag order: the same in every part.
  var inputs: [InputHash]
  var shard: ShardSlice
  /// How a shard that typed its rows alone read each column ("numeric" or "categorical"); absent when the shard read
  /// the whole table, or had no rows. Every part that has them must agree.
  var columnKinds: [ColumnKind]? = nil
  var result: Result

  enum CodingKeys: String, CodingKey {
    case format, command, arguments, inputs, shard, result
    case formatVersion = "format_version"
    case candorVersion = "candor_version"
    case columnKinds = "column_kinds"
  }
}

/// How a shard read one column: "numeric" or "categorical".
struct ColumnKind: Codable, Equatable {
  var name: String
  var kind: String
}

/// The BLAKE3 digest of one input file, named by its flag.
struct InputHash: Codable, Equatable {
  var flag: String
  var blake3: String
}

/// Which rows of the data a shard holds.
struct ShardSlice: Codable, Equatable {
  var index: Int
  var count: Int
  var firstRow: Int
  var rows: Int
  var totalRows: Int
  /// A partition read from standard input (`--stdin-format`): its rows are numbered from 0 and its place among the
  /// others is known only by its index, so the merge checks indices, not row ranges.
  var streamed: Bool? = nil
  /// A party's part masked for secure aggregation (`candor privacy query --mask-with`): the party's own data, whose
  /// rows are not said (rows and total rows 0), its sums masked; the merge checks indices only.
  var masked: Bool? = nil

  /// Rows ⌊index·total/count⌋ ..< ⌊(index+1)·total/count⌋.
  static func rows(index: Int, count: Int, total: Int) -> Range<Int> { ShardRows.rows(index: index, count: count, total: total) }

  enum CodingKeys: String, CodingKey {
    case index, count, rows, streamed, masked
    case firstRow = "first_row"
    case totalRows = "total_rows"
  }
}

/// What a sharded command records in its part.
enum Sharding {
  /// `result` in the envelope `candor merge` checks: the versions, the command line without the shard flags, the
  /// BLAKE3 digest of every input file given.
  /// `knownDigests`: BLAKE3 digests of files already read, by path.
  /// `dropping`: more flags left out of the recorded arguments with their values (those each party of a masked
  /// run gives its own).
  static func part<Result: Codable>(_ result: Result, command: String, inputs: [(Setting, String?)], commandWords: Int = 2,
                                    slice: ShardSlice, knownDigests: [String: String] = [:], dropping: Set<String> = []) throws -> ShardPart<Result> {
    ShardPart(candorVersion: Candor.version, command: command,
              arguments: recordedArguments(Array(CommandLine.arguments.dropFirst(commandWords)), dropping: dropping),
              inputs: try hashes(inputs, known: knownDigests), shard: slice, result: result)
  }

  /// Each column's kind, in file order: what parts typed alone record.
  static func kinds(of table: Table) -> [ColumnKind] {
    table.columns.map { ColumnKind(name: $0.name, kind: $0.isNumeric ? "numeric" : "categorical") }
  }

  /// The command line's arguments without the shard flags and their values.
  static func recordedArguments(_ arguments: [String], dropping: Set<String> = []) -> [String] {
    var kept: [String] = [], skipNext = false
    let flags = ShardOptions.flags.union(dropping)
    for argument in arguments {
      if skipNext { skipNext = false; continue }
      if flags.contains(argument) { skipNext = true; continue }
      if let equals = argument.firstIndex(of: "="), flags.contains(String(argument[..<equals])) { continue }
      kept.append(argument)
    }
    return kept
  }

  /// BLAKE3 of each input file given, by flag (a model behind a URL or a command: of its text).
  static func hashes(_ inputs: [(Setting, String?)], known: [String: String] = [:]) throws -> [InputHash] {
    try inputs.compactMap { setting, path in
      try path.map { InputHash(flag: Flags.spelling(setting), blake3: try known[$0] ?? BLAKE3.hex(try InputFile.read($0))) }
    }.sorted { $0.flag < $1.flag }
  }
}
