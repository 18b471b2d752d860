import ArgumentParser
import CandorCore
import CandorExplain
import CandorModels
import CandorReport
import Foundation

struct Counterfactual: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "counterfactual",
    abstract: "Find the smallest changes to a row that would give it the class you want, several and diverse.",
    discussion: """
      Distance is DiCE's: each numeric change |Δ| over the feature's median absolute deviation in the data, averaged \
      over the numeric features, plus the share of categorical features switched. For a binary logistic model the \
      first counterfactual is the exact nearest under every constraint (a knapsack over the decision hyperplane, \
      branch and bound for whole-number columns) and each other is the exact nearest that changes just its \
      features; for other models a sparse beam search in batched model calls finds them. The rest are chosen for \
      diversity against proximity. Every answer is re-scored through the model; numeric values stay within the \
      training range (or --range), text values among the training levels (or --allowed), whole-number columns \
      whole. A row the model already gives the desired class gets an empty list (exit 0).
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "The data (CSV): the rows asked about, and the ranges, levels and deviations the search uses.")
  var data: String

  @Option(help: "The row, 0-based among the data rows (the header excluded).")
  var row: Int?

  @Option(help: ArgumentHelp("Many rows at once: a range 0:100 (end excluded) or a list 3,8,13.", valueName: "rows"))
  var rows: String?

  @Option(name: .customLong("desired-class"), help: "The class the counterfactuals must get.")
  var desiredClass: String

  @Option(help: "How many counterfactuals per row (default 4).")
  var count: Int = 4

  @Option(help: ArgumentHelp("Features kept as they are, comma-separated.", valueName: "col,…"))
  var immutable: String?

  @Option(name: .customLong("range"), help: ArgumentHelp("A numeric feature's permitted values, instead of its training min–max; repeat for several.", valueName: "col=lo:hi"))
  var ranges: [String] = []

  @Option(help: ArgumentHelp("A text feature's permitted levels; repeat for several.", valueName: "col=a,b,…"))
  var allowed: [String] = []

  @Option(name: .customLong("increase-only"), help: ArgumentHelp("Numeric features that may only grow, comma-separated.", valueName: "col,…"))
  var increaseOnly: String?

  @Option(name: .customLong("decrease-only"), help: ArgumentHelp("Numeric features that may only shrink, comma-separated.", valueName: "col,…"))
  var decreaseOnly: String?

  @Option(name: .customLong("max-changes"), help: "The most features one counterfactual may change.")
  var maxChanges: Int?

  @Option(help: "Seed of the search's random grid points (the answer is the same for the same seed).")
  var seed: UInt64 = 0

  @Flag(help: "Search even for a linear model (to compare with the exact answer).")
  var search = false

  @Option(name: .customLong("proximity-weight"), help: "Choosing the diverse set: weight of the mean distance to the row against the mean distance between answers (default 0.2).")
  var proximityWeight: Double = 0.2

  @Option(name: .customLong("sparsity-weight"), help: "Choosing the diverse set: weight of the mean number of features changed (default 0.4).")
  var sparsityWeight: Double = 0.4

  @OptionGroup var reading: ReadOptions

  @OptionGroup var outputs: ReportOutputs

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.data, data)] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func validate() throws {
    if row == nil && rows == nil { throw ValidationError("Give --row, the 0-based data row to change, or --rows for many.") }
    if row != nil && rows != nil { throw ValidationError("Give --row or --rows, not both.") }
    guard count >= 1 && count <= 100 else { throw ValidationError("--count \(count): give 1 to 100.") }
    if let maxChanges, maxChanges < 1 { throw ValidationError("--max-changes \(maxChanges): give at least 1.") }
    for (flag, weight) in [("--proximity-weight", proximityWeight), ("--sparsity-weight", sparsityWeight)] where !(weight.isFinite && weight >= 0) {
      throw ValidationError("\(flag) \(weight): give a finite number of at least 0.")
    }
  }

  static func list(_ text: String?) -> [String] {
    (text ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// --range, --allowed and the column lists as constraints; a column given twice in one flag is refused.
  func constraints() throws -> CounterfactualConstraints {
    var c = CounterfactualConstraints()
    c.immutable = Self.list(immutable)
    c.increaseOnly = Self.list(increaseOnly)
    c.decreaseOnly = Self.list(decreaseOnly)
    c.maxChanges = maxChanges
    for text in ranges {
      guard let equals = text.firstIndex(of: "="), let colon = text[equals...].firstIndex(of: ":"),
            let low = Column.number(from: String(text[text.index(after: equals)..<colon])),
            let high = Column.number(from: String(text[text.index(after: colon)...])) else {
        throw ValidationError("--range \(printable(text)): write col=lo:hi, e.g. duration=4:72.")
      }
      let column = String(text[..<equals])
      guard low.isFinite && high.isFinite else { throw ValidationError("--range \(printable(text)): the bounds must be finite numbers.") }
      guard low <= high else { throw ValidationError("--range \(printable(text)): \(formatNumber(low)) is above \(formatNumber(high)); write the lower bound first.") }
      guard c.ranges[column] == nil else { throw ValidationError("--range \(printable(text)): \(printable(column)) has a range already.") }
      c.ranges[column] = low...high
    }
    for text in allowed {
      guard let equals = text.firstIndex(of: "="), equals != text.startIndex else { throw ValidationError("--allowed \(printable(text)): write col=level,level.") }
      let column = String(text[..<equals])
      let levels = Self.list(String(text[text.index(after: equals)...]))
      guard !levels.isEmpty else { throw ValidationError("--allowed \(printable(text)): name at least one level.") }
      guard c.allowed[column] == nil else { throw ValidationError("--allowed \(printable(text)): \(printable(column)) has its levels already.") }
      c.allowed[column] = levels
    }
    return c
  }

  func run() throws {
    let files = try outputTransaction()
    let model = try modelOptions.load().model
    let table = try reading.read(data, for: model)
    let selected = try row.map { [$0] } ?? KernelSHAPRequest.rows(parsing: rows!, rowCount: table.rowCount)
    var request = CounterfactualRequest(model: model, data: table, rows: selected, desiredClass: desiredClass)
    request.count = count
    request.constraints = try constraints()
    request.seed = seed
    request.forceSearch = search
    request.proximityWeight = proximityWeight
    request.sparsityWeight = sparsityWeight
    let progress = Progress("counterfactuals", total: selected.count)
    let batch = try request.run { _, _ in progress.advance() }
    try outputs.write(into: files, json: { try (row != nil ? CounterfactualJSON.one(batch.queries[0]) : .batch(batch)).jsonData() },
                      html: { try Self.page(batch, model: model, data: table) })
    try files.commit()
    print(Self.text(batch, classes: model.classes, single: row != nil))
  }

  /// The page: the counterfactuals, their what-if curves and the interactive panel (`CounterfactualPage.sections`).
  static func page(_ batch: CounterfactualBatch, model: any Model, data: Table) throws -> String {
    let (section, panel) = try CounterfactualPage.sections(batch, model: model, data: data)
    return CounterfactualPage.html(section, panel: panel)
  }

  static func text(_ batch: CounterfactualBatch, classes: [String], single: Bool) -> String {
    var lines: [String] = []
    for q in batch.queries {
      let p = q.original.probabilities[q.desiredClass].map { " (P(\(printable(q.desiredClass))) = \(formatRounded($0)))" } ?? ""
      lines.append("Row \(q.row): the model gives class \(printable(q.original.prediction))\(p).")
      if let note = q.note { lines.append("  " + note); continue }
      if q.counterfactuals.isEmpty, let nothing = q.notFound {
        lines.append("  No counterfactual of class \(printable(q.desiredClass)) exists within the constraints; tried \(nothing.tried).")
        if let relax = nothing.relax {
          lines.append("  Relaxing \(Self.describe(relax)) would help most: the nearest would then be at distance \(formatRounded(relax.nearestDistance)).")
        } else {
          lines.append("  No single constraint's relaxation gives one.")
        }
        continue
      }
      let how = q.method == .search ? "beam search: \(q.searchReason ?? "")" : q.nearestIsExact ? "the first is the exact nearest" : "exact search"
      lines.append("  \(q.counterfactuals.count) counterfactual\(q.counterfactuals.count == 1 ? "" : "s") of class \(printable(q.desiredClass)) (\(how)):")
      for (i, c) in q.counterfactuals.enumerated() {
        let changes = c.changed.map { "\(printable($0)) \(WhatIf.show(q.original.values[$0] ?? .missing)) → \(WhatIf.show(c.values[$0] ?? .missing))" }.joined(separator: ", ")
        let pc = c.probabilities[q.desiredClass].map { "P(\(printable(q.desiredClass))) = \(formatProbability($0)), " } ?? ""
        lines.append("  \(i + 1). \(changes): \(pc)distance \(formatRounded(c.distance))")
      }
      if single { lines.append("  " + metricsLine(q.metrics)) }
    }
    if !single {
      let s = batch.summary
      lines.append("\(s.queries) rows (\(s.alreadyDesired) already of class \(printable(batch.desiredClass))), success rate \(formatRounded(s.successRate)), \(formatRounded(s.secondsPerQuery * 1000)) ms a row.")
      lines.append(metricsLine(s.metrics))
    }
    return lines.joined(separator: "\n")
  }

  static func describe(_ r: CounterfactualResult.Relaxation) -> String {
    let flag = Flags.spelling(Setting(r.constraint))
    return r.column.map { "\(flag) on \(printable($0))" } ?? flag
  }

  static func metricsLine(_ m: CounterfactualMetrics) -> String {
    "Validity \(formatRounded(m.validity)), proximity numeric \(formatRounded(m.proximityNumeric)) / categorical \(formatRounded(m.proximityCategorical)), "
      + "sparsity \(formatRounded(m.sparsity)), diversity numeric \(formatRounded(m.diversityNumeric)) / categorical \(formatRounded(m.diversityCategorical)), "
      + "count diversity \(formatRounded(m.countDiversity)), redundancy \(formatRounded(m.redundancy)), violations \(m.violations)."
  }
}

/// `--json`: one query's object for --row, the batch (queries and aggregated metrics) for --rows.
enum CounterfactualJSON: Encodable, JSONDocument {
  case one(CounterfactualResult)
  case batch(CounterfactualBatch)

  func encode(to encoder: any Encoder) throws {
    switch self {
    case let .one(result): try result.encode(to: encoder)
    case let .batch(batch): try batch.encode(to: encoder)
    }
  }
}
