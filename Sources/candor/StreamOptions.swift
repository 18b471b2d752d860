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

  typealias Input = StreamRows.Input

  static let source = StreamRows.source

  /// Reads standard input to its end (a partition is bounded by Spark's partitioning).
  func readStandardInput(reading: ReadOptions, numericColumns: [String]) throws -> Input {
    // InputFile reads a pipe to its end, retrying reads a signal interrupts.
    try read(InputFile.read("/dev/stdin"), reading: reading, numericColumns: numericColumns)
  }

  /// The rows `data` holds in the declared format (`StreamRows.read`); what the reader noticed goes to stderr.
  func read(_ data: Data, reading: ReadOptions, numericColumns: [String]) throws -> Input {
    var options = reading.csvOptions()
    options.modelNumericColumns = numericColumns
    let input = try StreamRows.read(data, format: stdinFormat! == .csv ? .csv : .jsonl, columns: columnNames, options: options)
    for note in input.notes { warn(note.message(naming: Flags.spelling)) }
    return input
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
      throw StandardOutputError(reason: (error as NSError).localizedDescription)
    }
  }
}

/// Standard output closed, full or broken while rows were being written.
struct StandardOutputError: CandorError {
  let reason: String
  func message(naming name: (Setting) -> String) -> String { "Standard output cannot be written (\(reason)); the rows were not all written." }
}
