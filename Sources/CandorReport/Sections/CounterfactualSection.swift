import CandorCore
import CandorExplain
import CandorModels

/// `candor counterfactual --html`: the finding in words, the row beside its counterfactuals with the changed cells
/// marked, the row's what-if curves over the features they change with the decision threshold, and the quality
/// measures explained; for a batch, the aggregate and a line per row before the details.
public struct CounterfactualSection: ReportSection {
  public var batch: CounterfactualBatch
  /// Feature order for the tables (the model's).
  public var features: [String]
  /// What-if curves of the first row, over the numeric features its counterfactuals change.
  public var curves: [WhatIfCurve]
  /// True for a binary model (its decision threshold, P = 0.5, is drawn).
  public var binary: Bool
  /// Rows shown in detail in a batch.
  public static let detailLimit = 10

  public init(_ batch: CounterfactualBatch, features: [String], curves: [WhatIfCurve], binary: Bool) {
    (self.batch, self.features, self.curves, self.binary) = (batch, features, curves, binary)
  }

  public var title: String { "Counterfactuals" }
  public var anchor: String { "counterfactuals" }

  static func show(_ value: WhatIfValue?) -> String {
    switch value {
    case let .number(x)?: formatRounded(x, significantDigits: 10)
    case let .level(text)?: text
    case .missing?, nil: "(missing)"
    }
  }

  /// "checking_account moderate → not_known, duration 48 → 26".
  static func changes(_ c: CounterfactualAnswer, from original: CounterfactualResult.Original) -> String {
    c.changed.map { "\($0) \(show(original.values[$0])) → \(show(c.values[$0]))" }.joined(separator: ", ")
  }

  /// A constraint's setting as the command's flag: increaseOnly → --increase-only.
  static func flag(_ setting: String) -> String {
    "--" + setting.reduce(into: "") { out, c in if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) } }
  }

  /// One row's finding in a sentence or three.
  public static func finding(_ q: CounterfactualResult) -> String {
    let p = q.original.probabilities[q.desiredClass].map { " (P(\(q.desiredClass)) = \(formatProbability($0)))" } ?? ""
    var text = "The model gives row \(q.row) the class \(q.original.prediction)\(p)."
    if let note = q.note { return text + " " + note }
    guard let first = q.counterfactuals.first else {
      text += " No counterfactual of class \(q.desiredClass) exists within the constraints."
      if let relax = q.notFound?.relax {
        text += " Relaxing \(Self.flag(relax.constraint))\(relax.column.map { " on \($0)" } ?? "") would help most: the nearest would then be at distance \(formatRounded(relax.nearestDistance))."
      }
      return text
    }
    text += " The nearest change that gives class \(q.desiredClass) is \(changes(first, from: q.original)) (distance \(formatRounded(first.distance))"
    text += q.nearestIsExact ? "; exact: no nearer counterfactual exists within the constraints)." : "; found by search)."
    text += " \(q.counterfactuals.count) diverse counterfactual\(q.counterfactuals.count == 1 ? " is" : "s are") below, each re-scored through the model."
    return text
  }

  static let metricRows: [(name: String, meaning: String, value: @Sendable (CounterfactualMetrics) -> String)] = [
    ("Validity", "Share of the counterfactuals asked for that are distinct and really get the class (1 = all)", { formatRounded($0.validity) }),
    ("Numeric proximity (MADs)", "Mean distance to the row over numeric features, in median absolute deviations (lower is closer)", { formatRounded($0.proximityNumeric) }),
    ("Categorical proximity", "Mean share of text features changed (lower is closer)", { formatRounded($0.proximityCategorical) }),
    ("Sparsity (features)", "Mean number of features changed (lower is simpler)", { formatRounded($0.sparsity) }),
    ("Numeric diversity (MADs)", "Mean numeric distance between two counterfactuals (higher is more varied)", { formatRounded($0.diversityNumeric) }),
    ("Categorical diversity", "Mean share of text features in which two counterfactuals differ", { formatRounded($0.diversityCategorical) }),
    ("Count diversity", "Mean share of all features in which two counterfactuals differ", { formatRounded($0.countDiversity) }),
    ("Redundancy (changes)", "Changes per counterfactual that could be undone alone with the class kept (0 = every change needed)", { formatRounded($0.redundancy) }),
    ("Constraint violations", "Constraints broken (they hold by construction; checked again on every answer)", { String($0.violations) }),
  ]

  func metricTable(_ m: CounterfactualMetrics, into page: inout HTMLWriter) {
    page.table(caption: "Quality of the counterfactuals (DiCE\u{2019}s measures)", header: ["Measure", "Value", "What it means"], rows: Self.metricRows.map { [$0.name, $0.value(m), $0.meaning] }, textColumns: [2])
  }

  func detail(_ q: CounterfactualResult, into page: inout HTMLWriter) {
    guard !q.counterfactuals.isEmpty else { return }
    let header = ["Feature", "Row \(q.row)"] + q.counterfactuals.indices.map { "Counterfactual \($0 + 1)" }
    var rows: [[String]] = [], highlighted: Set<[Int]> = []
    for (r, name) in features.enumerated() {
      rows.append([name, Self.show(q.original.values[name])] + q.counterfactuals.map { Self.show($0.values[name]) })
      for (k, c) in q.counterfactuals.enumerated() where c.changed.contains(name) { highlighted.insert([r, k + 2]) }
    }
    let pOriginal = q.original.probabilities[q.desiredClass].map { formatProbability($0) } ?? "—"
    rows.append(["Prediction", q.original.prediction] + q.counterfactuals.map(\.prediction))
    rows.append(["P(\(q.desiredClass))", pOriginal] + q.counterfactuals.map { $0.probabilities[q.desiredClass].map { formatProbability($0) } ?? "—" })
    rows.append(["Distance", "0"] + q.counterfactuals.map { formatRounded($0.distance) })
    rows.append(["Features changed", "0"] + q.counterfactuals.map { String($0.changed.count) })
    page.table(caption: "Row \(q.row) and its counterfactuals, feature by feature", header: header, rows: rows, textColumns: Set(1..<header.count).subtracting([]), highlighted: highlighted)
    page.note(HTMLText(words: "Changed values are highlighted. Distance is DiCE's: each numeric change over the feature's median absolute deviation in the data, averaged over numeric features, plus the share of text features switched."))
  }

  func curveCharts(into page: inout HTMLWriter) {
    guard let row = curves.first?.row, let q = batch.queries.first(where: { $0.row == row }) else { return }
    page.heading("What-if curves of row \(q.row)", anchor: "curves")
    page.paragraph(HTMLText(words: "The model's probability of class \(q.desiredClass) as each feature the counterfactuals change moves over its range, every other value held at the row's\(binary ? "; the grey line is the decision threshold, P = 0.5, and a ring marks where the decision flips" : "")."))
    page.grid { grid in
      for curve in curves {
        if let chart = WhatIfCurveChart.chart(curve, focusClass: q.desiredClass, binary: binary, rowProbability: q.original.probabilities[q.desiredClass], rowLabel: "row \(q.row)") {
          grid.figure(chart)
        }
      }
    }
  }

  public func render(into page: inout HTMLWriter) {
    if batch.queries.count == 1, let q = batch.queries.first {
      page.paragraph(HTMLText(words: Self.finding(q)))
      if q.method == .search, let reason = q.searchReason { page.note(HTMLText(words: "Found by beam search: \(reason).")) }
      if q.counterfactuals.isEmpty, let nothing = q.notFound { page.note(HTMLText(words: "Tried \(nothing.tried).")) }
      detail(q, into: &page)
      curveCharts(into: &page)
      if !q.counterfactuals.isEmpty {
        page.heading("Quality", anchor: "quality")
        metricTable(q.metrics, into: &page)
      }
      return
    }
    let s = batch.summary
    let needing = s.queries - s.alreadyDesired
    page.paragraph(HTMLText(words: "Of \(s.queries) rows, \(s.alreadyDesired) already \(s.alreadyDesired == 1 ? "gets" : "get") class \(batch.desiredClass); for \(formatRounded(s.successRate * 100, significantDigits: 4)) % of the other \(needing) a counterfactual was found, \(formatRounded(s.secondsPerQuery * 1000, significantDigits: 3)) ms a row."))
    if s.metrics.violations > 0 { page.note(HTMLText(words: "\(s.metrics.violations) constraint violations: this should not happen; please report it.")) }
    page.heading("Quality over the rows", anchor: "quality")
    metricTable(s.metrics, into: &page)
    page.note(HTMLText(words: "Validity and diversity are averaged over every row that needed a change, proximity, sparsity and redundancy over those that got a counterfactual (DiCE's benchmark convention)."))
    page.heading("Rows", anchor: "rows")
    page.table(caption: "Each row, its prediction and its nearest counterfactual", header: ["Row", "Prediction", "P(\(batch.desiredClass))", "Nearest change", "Distance", "Counterfactuals"],
               rows: batch.queries.map { q in
                 [String(q.row), q.original.prediction, q.original.probabilities[batch.desiredClass].map { formatProbability($0) } ?? "—",
                  q.note != nil ? "none needed" : q.counterfactuals.first.map { Self.changes($0, from: q.original) } ?? "none within the constraints",
                  q.counterfactuals.first.map { formatRounded($0.distance) } ?? "—", String(q.counterfactuals.count)]
               }, textColumns: [1, 3])
    curveCharts(into: &page)
    for q in batch.queries.filter({ !$0.counterfactuals.isEmpty }).prefix(Self.detailLimit) {
      page.heading("Row \(q.row)", anchor: "row-\(q.row)")
      page.paragraph(HTMLText(words: Self.finding(q)))
      detail(q, into: &page)
    }
  }
}

/// Reports of `candor counterfactual`: the counterfactuals, then the interactive panel when one is given.
public enum CounterfactualPage {
  /// The sections of a batch: the counterfactuals, the first answered row's what-if curves over the numeric
  /// features its counterfactuals change (at most 3, 41 quantiles each), and the interactive panel on that row.
  public static func sections(_ batch: CounterfactualBatch, model: any Model, data: Table) throws -> (CounterfactualSection, WhatIfPanelSection) {
    let first = batch.queries.first { !$0.counterfactuals.isEmpty } ?? batch.queries[0]
    var changed: [String] = []
    for c in first.counterfactuals { for name in c.changed where !changed.contains(name) { changed.append(name) } }
    var curves: [WhatIfCurve] = []
    for name in changed where model.numericFeatureNames.contains(name) || { if case .numeric? = data[name] { true } else { false } }() {
      guard curves.count < 3 else { break }
      var request = WhatIfCurveRequest(model: model, table: data, rows: [first.row], feature: name)
      request.gridSize = 41
      curves += try request.run()
    }
    let section = CounterfactualSection(batch, features: model.featureNames, curves: curves, binary: model.outputKind == .binaryProbability)
    let presets = [("Row \(first.row)", first.original.values)] + first.counterfactuals.enumerated().map { ("Counterfactual \($0.offset + 1)", $0.element.values) }
    return (section, WhatIfPanelSection(model: model, data: data, row: first.row, presets: presets, focusClass: first.desiredClass))
  }

  public static func html(_ section: CounterfactualSection, panel: WhatIfPanelSection?) -> String {
    let rows = section.batch.queries.map(\.row)
    let title = rows.count == 1 ? "Counterfactuals for row \(rows[0]): class \(section.batch.desiredClass)" : "Counterfactuals for \(rows.count) rows: class \(section.batch.desiredClass)"
    return HTMLDocument(title: title, sections: [section] + (panel.map { [$0] } ?? [])).rendered()
  }
}
