import ArgumentParser
import CandorCore
import CandorExplain
import CandorModels
import CandorReport
import Foundation

struct WhatIf: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "whatif",
    abstract: "Ask a model about one row with some of its values changed, and where along one feature its decision flips.",
    discussion: """
      --set col=v sets a value (a number, or a level the column takes in the data), col*=f scales a numeric value \
      and col+=d (or col-=d) shifts it, in float64, neither rounded nor clipped to the training range; several \
      --set apply in order, as one scenario, scored with the row in one model call. --curve f gives the row's \
      ICE curve over f: --grid-size quantiles of f in the data (NumPy's linear method, duplicates kept) or every \
      level of a text column, and each point where the decision flips, found to 1e-9 of f's range in the data by \
      a 32-way section search (one batched call per step). A binary model predicts its positive class when its \
      probability is above 0.5.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: "The data (CSV) the row is taken from; its levels are the values a text column may be set to.")
  var data: String

  @Option(help: "The row, 0-based among the data rows (the header excluded).")
  var row: Int?

  @Option(help: ArgumentHelp("A whole row instead of --row: every feature the model reads, comma-separated.", valueName: "col=v,…"))
  var values: String?

  @Option(name: .customLong("edits"), help: ArgumentHelp("Many scenarios in one model call: a CSV whose lines are cases; a cell sets its column (v, or *=f, +=d), an empty cell leaves it; a 'row' column picks each case's data row (else --row).", valueName: "FILE.csv"))
  var editsFile: String?

  @Option(name: .customLong("set"), help: ArgumentHelp("An edit: col=v, col*=f or col+=d; repeat for several.", valueName: "edit"))
  var edits: [String] = []

  @Option(help: ArgumentHelp("The feature to draw the row's what-if curve over.", valueName: "f"))
  var curve: String?

  @Option(name: .customLong("grid-size"), help: "How many quantiles of the feature the curve has (default 10).")
  var gridSizeGiven: Int?
  var gridSize: Int { gridSizeGiven ?? 10 }

  @Flag(help: "Explain both points: their SHAP values (TreeSHAP for a tree ensemble, else KernelSHAP) and each feature's change.")
  var explain = false

  @Option(name: .customLong("background-size"), help: "--explain: background rows drawn from the data (default 100).")
  var backgroundSizeGiven: Int?
  var backgroundSize: Int { backgroundSizeGiven ?? 100 }

  @OptionGroup var reading: ReadOptions

  @OptionGroup var outputs: ReportOutputs

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.data, data), (.edits, editsFile)] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func validate() throws {
    if edits.isEmpty && curve == nil && editsFile == nil { throw ValidationError("Give --set edits, a --curve feature, --edits FILE.csv, or several.") }
    if editsFile != nil && (!edits.isEmpty || curve != nil) { throw ValidationError("--edits runs its own cases; give --set and --curve in a separate run.") }
    if row == nil && editsFile == nil && values == nil { throw ValidationError("Give --row, the 0-based data row to ask about, or the whole row as --values.") }
    if row != nil && values != nil { throw ValidationError("Give --row (a data row) or --values (a whole row), not both.") }
    if values != nil && editsFile != nil { throw ValidationError("--edits picks data rows; give --values in a separate run.") }
    if explain && edits.isEmpty { throw ValidationError("--explain explains a row before and after its --set edits; give some.") }
    if gridSizeGiven != nil && curve == nil { throw ValidationError("--grid-size sets the points of a --curve; give --curve f, or leave --grid-size out.") }
    if backgroundSizeGiven != nil && !explain { throw ValidationError("--background-size is the background of --explain; give --explain, or leave --background-size out.") }
    guard backgroundSize >= 1 else { throw ValidationError("--background-size \(backgroundSize): it needs at least 1.") }
    guard gridSize >= 2 && gridSize <= 10_000 else { throw ValidationError("--grid-size \(gridSize): give 2 to 10000.") }
  }

  func run() throws {
    let files = try outputTransaction()
    let model = try modelOptions.load().model
    var table = try reading.read(data, for: model)
    if let editsFile {
      let cases = try Self.cases(try reading.read(editsFile, numericColumns: []), row: row, file: editsFile)
      let request = WhatIfRequest(model: model, table: table, cases: cases)
      for (i, c) in cases.enumerated() {
        do { try request.check(c, setting: .edits) } catch let error as ExplainError {
          throw ValidationError("--edits \(editsFile), line \(i + 2): \(Self.reason(error))")
        }
      }
      let results = try request.run()
      let report = WhatIfBatch(cases: results)
      try outputs.write(into: files, json: { try report.jsonData() }, html: {
        let first = WhatIfReport(row: results[0].row, before: results[0].before, scenario: results[0], curve: nil)
        let presets = try [("Row \(results[0].row)", try Self.values(of: table, row: results[0].row, model: model))]
          + results.enumerated().filter { $0.element.row == results[0].row }.prefix(12).map { ("Case \($0.offset + 1)", try Self.values(of: try $0.element.editedRow(in: table), row: 0, model: model)) }
        return WhatIfPage.html(WhatIfSection(first, classes: model.classes, cases: results),
                               panel: WhatIfPanelSection(model: model, data: table, row: results[0].row, presets: presets, focusClass: model.classes.count == 2 ? model.classes[1] : nil))
      })
      try files.commit()
      print(results.map { Self.text(WhatIfReport(row: $0.row, before: $0.before, scenario: $0, curve: nil), classes: model.classes) }.joined(separator: "\n"))
      return
    }
    var row = self.row ?? 0
    if let values {
      let given = try values.split(separator: ",", omittingEmptySubsequences: false).map { part -> WhatIfEdit in
        guard let edit = WhatIfEdit(parsing: String(part)), edit.operation == .set else { throw ValidationError("--values \(part): write col=value, comma-separated.") }
        return edit
      }
      table = try WhatIfRequest.appending(given, features: model.featureNames, to: table)
      row = table.rowCount - 1
    }
    let parsed = try edits.map { text -> WhatIfEdit in
      guard let edit = WhatIfEdit(parsing: text) else { throw ValidationError("--set \(text): write col=value, col*=factor or col+=amount.") }
      return edit
    }
    var scenario: WhatIfResult?
    if !parsed.isEmpty { scenario = try WhatIfRequest(model: model, table: table, row: row, scenarios: [parsed]).run().first }
    var curveResult: WhatIfCurve?
    if let curve {
      // With --set, the curve is of the edited row (appended to the data), reported as the row's.
      let curveTable = try scenario.map { try table.concatenating([try $0.editedRow(in: table)]) } ?? table
      var request = WhatIfCurveRequest(model: model, table: curveTable, rows: [scenario == nil ? row : curveTable.rowCount - 1], feature: curve)
      request.gridSize = gridSize
      curveResult = try request.run().first
      if scenario != nil {
        curveResult?.row = row
        curveResult?.ofEditedRow = true
      }
    }
    let before = try scenario?.before ?? WhatIfRequest(model: model, table: table, row: row, scenarios: [[]]).run()[0].before
    var report = WhatIfReport(row: values == nil ? row : nil, before: before, scenario: scenario, curve: curveResult)
    if explain, let scenario {
      report.explanation = try WhatIfExplanation.explain(model: model, data: table, row: row, edited: try scenario.editedRow(in: table),
                                                         outputClass: model.classes.count == 2 ? model.classes[1] : scenario.before.prediction,
                                                         backgroundRows: backgroundSize)
    }
    try outputs.write(into: files, json: { try report.jsonData() }, html: {
      var presets = [("Row \(values == nil ? String(row) : "given")", try Self.values(of: table, row: row, model: model))]
      if let scenario { presets.append(("Edited", try Self.values(of: try scenario.editedRow(in: table), row: 0, model: model))) }
      return WhatIfPage.html(WhatIfSection(report, classes: model.classes),
                             panel: WhatIfPanelSection(model: model, data: table, row: row, presets: presets, focusClass: model.classes.count == 2 ? model.classes[1] : nil))
    })
    try files.commit()
    print(Self.text(report, classes: model.classes))
  }

  /// The cases of an --edits file: one per line, its non-empty cells the edits (v sets, *=f scales, +=d and -=d
  /// shift), in column order; a `row` column gives the data row.
  static func cases(_ file: Table, row: Int?, file path: String) throws -> [WhatIfRequest.Case] {
    try (0..<file.rowCount).map { r in
      var caseRow = row
      var edits: [WhatIfEdit] = []
      for column in file.columns {
        guard let cell = column.text(at: r) else { continue }
        if column.name == "row" {
          guard let given = Int(cell) else { throw ValidationError("--edits \(path): line \(r + 2), column row: \(printable(cell)) is not a row number.") }
          caseRow = given
          continue
        }
        let text = ["*=", "+=", "-="].contains(where: cell.hasPrefix) ? column.name + cell : column.name + "=" + cell
        edits.append(WhatIfEdit(parsing: text)!)
      }
      guard let caseRow else { throw ValidationError("--edits \(path): line \(r + 2) names no row; add a row column or give --row.") }
      return WhatIfRequest.Case(row: caseRow, edits: edits)
    }
  }

  /// The model's features in one row of `table`.
  static func values(of table: Table, row: Int, model: any Model) throws -> [String: WhatIfValue] {
    let one = table.selecting(rows: [row])
    return Dictionary(uniqueKeysWithValues: try model.featureNames.map { ($0, try WhatIfValue(of: one, column: $0)) })
  }

  /// An error's message without the setting it names (the caller names the file and line).
  static func reason(_ error: ExplainError) -> String {
    switch error {
    case let .invalidSetting(invalid): "column \(printable(String(invalid.value.prefix { !"*+-=".contains($0) }))): \(invalid.requirement)."
    case let .rowOutOfRange(row, count): "row \(row) is out of range: the data has rows 0 to \(count - 1)."
    default: error.message(naming: Flags.spelling)
    }
  }

  static func show(_ value: WhatIfValue) -> String {
    switch value {
    case let .number(x): formatRounded(x)
    case let .level(text): printable(text)
    case .missing: "(missing)"
    }
  }

  static func show(_ point: WhatIfPoint, classes: [String]) -> String {
    guard let positive = classes.last, classes.count == 2, let p = point.probabilities[positive] else {
      return "prediction \(printable(point.prediction))" + (point.probabilities.isEmpty ? "" : " (" + classes.map { "P(\(printable($0))) = \(formatRounded(point.probabilities[$0] ?? .nan))" }.joined(separator: ", ") + ")")
    }
    return "prediction \(printable(point.prediction)) (P(\(printable(positive))) = \(formatProbability(p)))"
  }

  static func text(_ r: WhatIfReport, classes: [String]) -> String {
    var lines = ["\(r.row.map { "Row \($0)" } ?? "The row given"): \(show(r.before, classes: classes))."]
    if let edits = r.edits, edits.isEmpty, let after = r.after {
      lines.append("With no edits (an empty line): \(show(after, classes: classes)).")
    } else if let edits = r.edits, let after = r.after {
      let changes = edits.map { "\(printable($0.column)) \(show($0.from)) → \(show($0.to))" }.joined(separator: ", ")
      let delta = classes.count == 2 ? r.delta?[classes[1]].map { ", Δ P(\(printable(classes[1]))) = \(formatRounded($0))" } ?? "" : ""
      lines.append("After \(changes): \(show(after, classes: classes))\(delta)\(r.flipped == true ? "; the decision flips" : "").")
    }
    if let e = r.explanation {
      let order = e.difference.keys.sorted { abs(e.difference[$0]!) > abs(e.difference[$1]!) || (abs(e.difference[$0]!) == abs(e.difference[$1]!) && $0 < $1) }
      lines.append("\(e.method == .treeshap ? "TreeSHAP" : "KernelSHAP")\(e.exact ? " (exact)" : "") for \(printable(e.output)), base value \(formatRounded(e.baseValue)); the features whose share moved most:")
      for name in order.prefix(6) {
        lines.append("  \(printable(name)): \(formatRounded(e.before[name]!)) → \(formatRounded(e.after[name]!)) (\(e.difference[name]! >= 0 ? "+" : "")\(formatRounded(e.difference[name]!)))")
      }
    }
    if let curve = r.curve {
      lines.append("What-if curve over \(printable(curve.feature))\(curve.ofEditedRow == true ? " of the edited row" : "") (its value \(show(curve.original))):")
      for (value, point) in zip(curve.grid, curve.points) { lines.append("  \(show(value)): \(show(point, classes: classes))") }
      if curve.flips.isEmpty {
        lines.append("  The decision does not flip on this grid.")
      } else {
        for flip in curve.flips {
          let at = flip.at.map { " at \(formatRounded($0, significantDigits: 10))" } ?? " at \(show(flip.between[1]))"
          lines.append("  Flips from \(printable(flip.from)) to \(printable(flip.to))\(at) (between \(show(flip.between[0])) and \(show(flip.between[1]))).")
        }
      }
    }
    return lines.joined(separator: "\n")
  }
}

/// What `candor whatif --edits --json` writes.
struct WhatIfBatch: Encodable, JSONDocument {
  var cases: [WhatIfResult]
}

extension Setting {
  static let edits = Setting("edits")
}
