import CandorCore
import CandorExplain

/// `candor whatif --html`: the answer in words, the edits and both points' probabilities, the row's what-if curve
/// with the decision threshold, and with `--explain` how each feature's SHAP share moved.
public struct WhatIfSection: ReportSection {
  public var report: WhatIfReport
  public var classes: [String]
  /// Batch cases (`--edits`), shown as a table; empty for one scenario.
  public var cases: [WhatIfResult]

  public init(_ report: WhatIfReport, classes: [String], cases: [WhatIfResult] = []) {
    (self.report, self.classes, self.cases) = (report, classes, cases)
  }

  public var title: String { "What-if" }
  public var anchor: String { "whatif" }

  var binary: Bool { classes.count == 2 }
  /// The class whose probability the page follows: the positive class of a binary model, else the predicted one.
  var focus: String { binary ? classes[1] : report.before.prediction }

  static func point(_ p: WhatIfPoint, focus: String) -> String {
    p.probabilities[focus].map { "class \(p.prediction) (P(\(focus)) = \(formatProbability($0)))" } ?? "\(p.prediction)"
  }

  static func edits(_ changes: [WhatIfResult.Change]) -> String {
    changes.map { "\($0.column) \(CounterfactualSection.show($0.from)) → \(CounterfactualSection.show($0.to))" }.joined(separator: ", ")
  }

  public static func finding(_ r: WhatIfReport, focus: String) -> String {
    let who = r.row.map { "Row \($0)" } ?? "The row given"
    var text = "\(who) gets \(point(r.before, focus: focus))."
    if let changes = r.edits, let after = r.after {
      text += changes.isEmpty ? " With no edits it stays so." : " After \(edits(changes)) it gets \(point(after, focus: focus))"
      if !changes.isEmpty { text += r.flipped == true ? ": the decision flips." : ": the decision stays." }
    }
    if let curve = r.curve {
      let flips = curve.flips.compactMap(\.at)
      text += flips.isEmpty ? " Along \(curve.feature) the decision does not flip on this grid."
        : " Along \(curve.feature) the decision flips at \(flips.map { formatRounded($0, significantDigits: 10) }.joined(separator: ", "))."
    }
    return text
  }

  public func render(into page: inout HTMLWriter) {
    if !cases.isEmpty {
      let flips = cases.count { $0.flipped }
      page.paragraph(HTMLText(words: "\(cases.count) scenarios, scored in one model call; \(flips) flip the decision."))
      page.table(caption: "Scenarios, one per line", header: ["Row", "Edits", "Before", "After", "Δ P(\(focus))"],
                 rows: cases.map { c in [String(c.row), c.edits.isEmpty ? "(none)" : Self.edits(c.edits), Self.point(c.before, focus: focus), Self.point(c.after, focus: focus),
                                         c.delta[focus].map { formatRounded($0) } ?? "—"] },
                 flags: cases.map(\.flipped), textColumns: [1, 2, 3])
      page.note("Highlighted rows flip the decision.")
      return
    }
    page.paragraph(HTMLText(words: Self.finding(report, focus: focus)))
    if let changes = report.edits, let after = report.after {
      page.table(caption: "Probabilities before and after the edits", header: ["Class", "Before", "After", "Change"], rows: classes.map { c in
        [c, report.before.probabilities[c].map { formatProbability($0) } ?? "—", after.probabilities[c].map { formatProbability($0) } ?? "—",
         report.delta?[c].map { formatRounded($0) } ?? "—"]
      }, flags: classes.map { $0 == after.prediction && report.flipped == true })
      if !changes.isEmpty {
        page.table(caption: "The edits", header: ["Feature", "From", "To"], rows: changes.map { [$0.column, CounterfactualSection.show($0.from), CounterfactualSection.show($0.to)] }, textColumns: [1, 2])
      }
    }
    if let curve = report.curve {
      page.heading("What-if curve over \(curve.feature)", anchor: "curve")
      let start = curve.ofEditedRow == true ? report.after : report.before
      if let chart = WhatIfCurveChart.chart(curve, focusClass: focus, binary: binary, rowProbability: start?.probabilities[focus], rowLabel: curve.ofEditedRow == true ? "edited row" : "row") {
        page.paragraph(HTMLText(words: "P(\(focus)) as \(curve.feature) moves over the grid, every other value held at the \(curve.ofEditedRow == true ? "edited " : "")row's\(binary ? "; the grey line is the decision threshold, P = 0.5" : "")."))
        page.grid { $0.figure(chart) }
      } else {
        page.table(caption: "Predictions over \(curve.feature)", header: [curve.feature, "Prediction", "P(\(focus))"], rows: zip(curve.grid, curve.points).map { value, p in
          [CounterfactualSection.show(value), p.prediction, p.probabilities[focus].map { formatProbability($0) } ?? "—"]
        }, textColumns: [0, 1])
      }
    }
    if let e = report.explanation {
      page.heading("How each feature's share moved", anchor: "explanation")
      page.paragraph(HTMLText(words: "\(e.method == .treeshap ? "TreeSHAP" : "KernelSHAP")\(e.exact ? " (exact)" : "") values of P(\(e.output)) before and after the edits, against one background drawn from the data (base value \(formatRounded(e.baseValue))); the largest moves first."))
      let order = e.difference.keys.sorted { abs(e.difference[$0]!) > abs(e.difference[$1]!) || (abs(e.difference[$0]!) == abs(e.difference[$1]!) && $0 < $1) }
      page.table(caption: "SHAP values before and after the edits", header: ["Feature", "Before", "After", "Change"], rows: order.map { [$0, formatRounded(e.before[$0]!), formatRounded(e.after[$0]!), formatRounded(e.difference[$0]!)] })
    }
  }
}

/// Reports of `candor whatif`: the what-if, then the interactive panel when given.
public enum WhatIfPage {
  public static func html(_ section: WhatIfSection, panel: WhatIfPanelSection?) -> String {
    let title = section.report.row.map { "What-if for row \($0)" } ?? "What-if"
    return HTMLDocument(title: title, sections: [section] + (panel.map { [$0] } ?? [])).rendered()
  }
}
