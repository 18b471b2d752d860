import ArgumentParser
import CandorCore
import CandorModels
import Foundation

struct Predict: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "predict",
    abstract: "Score a CSV file with a model; write row, prediction and one probability column per class.",
    discussion: """
      The model format is detected from the file's content. A binary model predicts its positive class when the \
      probability is above 0.5; a threshold policy (candor mitigate threshold) draws each prediction at random \
      with its probability, reproducibly with --seed (each row's draw depends on the seed and the row's number, so \
      a sharded run draws what the whole run draws).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "CSV file (RFC 4180, header row, UTF-8); or the rows on standard input with --stdin-format.")
  var data: String?

  @OptionGroup var reading: ReadOptions

  @Option(help: "Where to write the predictions CSV (a shard writes --partial-out instead).")
  var out: String?

  @Option(help: "Target column in the data: also print accuracy (classifiers) or R² (regression).")
  var target: String?

  @Option(help: "Seed for the draws of a randomized model (a threshold policy from candor mitigate threshold).")
  var seed: UInt64 = 0

  @OptionGroup(title: "Sharding") var shards: ShardOptions

  @OptionGroup(title: "Streaming (Spark's RDD.pipe)") var stream: StreamOptions

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.data, data)] }
  var outputFiles: [(Setting, String?)] { [(.out, out), (.partialOut, shards.partialOut)] }

  func validate() throws {
    if shards.isSharded, out != nil {
      throw ValidationError("--out does nothing with --shard-count: a shard writes its part (--partial-out); candor merge --out writes the predictions.")
    }
    if stream.isStreaming {
      if let flag = [("--data", data != nil), ("--out", out != nil), ("--shard-count", shards.isSharded)].first(where: \.1)?.0 {
        throw ValidationError("\(flag) does nothing with --stdin-format: the rows come from standard input\(stream.stdoutFormat == nil ? "" : " and the predictions go to standard output").")
      }
      if stream.stdoutFormat == nil { throw ValidationError("--stdin-format needs --stdout-format jsonl: the predictions go to standard output, one JSON object per row.") }
      if target != nil { throw ValidationError("--target does nothing with --stdout-format jsonl: standard output carries the predictions only.") }
      return
    }
    if data == nil { throw ValidationError("Missing expected argument '--data <data>'.") }
    if !shards.isSharded, out == nil { throw ValidationError("Missing expected argument '--out <out>'.") }
  }

  func run() throws {
    let outputs = try outputTransaction()
    var phases = PhaseClock()
    let model = try modelOptions.load().model
    phases.mark("load model")
    if stream.isStreaming {
      let input = try stream.readStandardInput(reading: reading, numericColumns: model.numericFeatureNames)
      let predictions = try Predictions(model: model, table: input.table, seed: seed)
      try Self.writeLines(predictions)
      return
    }
    if shards.isSharded {
      // A shard reads and scores only its rows.
      let read = try shards.readRows(data!, reading: reading, numericColumns: model.numericFeatureNames)
      let (table, rows) = (read.shard.table, read.shard.rows)
      let predictions = try Predictions(model: model, table: table, seed: seed, firstRow: rows.lowerBound)
      let part = PredictionsPart(predictions, target: try target.map { name in
        _ = try table.column(name)
        var excerpt = TableExcerpt(table, rows: Array(0..<table.rowCount), columns: [name])
        excerpt.rows = Array(rows)  // numbered in the whole file
        return excerpt
      })
      return try shards.writePart(part, command: Self.configuration.commandName!, inputs: inputFiles + [(Setting("modelSpec"), modelOptions.modelSpec)],
                                  rows: rows, total: read.shard.totalRows, read: read, files: outputs)
    }
    let table = try reading.read(data!, for: model)
    phases.mark("read data")
    let targetColumn = try target.map { try table.column($0) }
    let predictions = try Predictions(model: model, table: table, seed: seed)
    phases.mark("score")
    try Self.write(predictions, target: targetColumn, to: out!, files: outputs)
    phases.mark("write")
    phases.report()
  }

  /// Writes the predictions to `path` and says so, with their score against the target: one definition for a run
  /// and for the merge of a sharded one.
  static func write(_ predictions: Predictions, target: Column?, to path: String, files: OutputTransaction) throws {
    let score = try target.map { try predictions.score(against: $0) }
    try files.write(.out) { predictions.writeCSV(to: $0) }
    try files.commit()
    print("Wrote \(predictions.labels.count) predictions to \(path).")
    if let target, let score {
      print("\(score.name) against '\(target.name)': \(String(format: "%.5f", score.value))")
    }
  }
}

extension Predict {
  /// One JSON object per row on standard output — `{"row":0,"prediction":"1","probability_0":0.2,"probability_1":0.8}`,
  /// the CSV file's columns — in blocks of about a megabyte.
  static func writeLines(_ predictions: Predictions) throws {
    let names = predictions.outputKind == .regression ? [] : predictions.classes.map { "probability_\($0)" }
    try StreamOptions.writeLines(count: predictions.labels.count) { r in
      let prediction: JSONValue = predictions.outputKind == .regression ? .number(predictions.values[r, 0]) : .string(predictions.labels[r])
      return .object([("row", .integer(r)), ("prediction", prediction)] + names.enumerated().map { ($1, .number(predictions.values[r, $0])) })
    }
  }
}

/// A shard's predictions: its rows' labels and values, and their target values when --target is given, so that the
/// merge writes the whole file and scores it exactly as the unsharded run does.
struct PredictionsPart: Codable {
  var outputKind: OutputKind
  var classes: [String]
  var labels: [String]
  /// Rows × `columns`, row by row.
  var values: [Double]
  var columns: Int
  var target: TableExcerpt?

  init(_ predictions: Predictions, target: TableExcerpt?) {
    (outputKind, classes, labels) = (predictions.outputKind, predictions.classes, predictions.labels)
    (values, columns, self.target) = (Array(predictions.values.storage), predictions.values.columns, target)
  }

  /// Whether it holds `rows` predictions of one shape, their target values if any, and labels among the classes.
  func isWellFormed(rows: Int) -> Bool {
    guard labels.count == rows, columns >= 1, columns <= 100_000, values.count == rows * columns else { return false }
    guard outputKind == .regression ? columns == 1 : columns == classes.count else { return false }
    if outputKind != .regression, !labels.allSatisfy(Set(classes).contains) { return false }
    return target.map { $0.isWellFormed && $0.rows.count == rows && $0.columns.count == 1 } ?? true
  }

  enum CodingKeys: String, CodingKey {
    case classes, labels, values, columns, target
    case outputKind = "output_kind"
  }

  /// The values packed (`PackedArray`).
  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(outputKind, forKey: .outputKind)
    try container.encode(classes, forKey: .classes)
    try container.encode(labels, forKey: .labels)
    try container.encodePacked(values, forKey: .values)
    try container.encode(columns, forKey: .columns)
    try container.encodeIfPresent(target, forKey: .target)
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    outputKind = try container.decode(OutputKind.self, forKey: .outputKind)
    classes = try container.decode([String].self, forKey: .classes)
    labels = try container.decode([String].self, forKey: .labels)
    values = try container.decodePacked([Double].self, forKey: .values)
    columns = try container.decode(Int.self, forKey: .columns)
    target = try container.decodeIfPresent(TableExcerpt.self, forKey: .target)
  }
}

/// Wall time of a command's phases, printed to stderr when CANDOR_PHASE_TIMES=1 (for bench/, which times the
/// scoring part alone against the peers').
struct PhaseClock {
  private var last = DispatchTime.now().uptimeNanoseconds
  private var phases: [(String, Double)] = []
  private let enabled = ProcessInfo.processInfo.environment["CANDOR_PHASE_TIMES"] == "1"

  mutating func mark(_ phase: String) {
    guard enabled else { return }
    let now = DispatchTime.now().uptimeNanoseconds
    phases.append((phase, Double(now - last) / 1e9))
    last = now
  }

  func report() {
    guard enabled else { return }
    FileHandle.standardError.write(Data(("phases: " + phases.map { "\($0.0) \(String(format: "%.4f", $0.1)) s" }.joined(separator: ", ") + "\n").utf8))
  }
}
