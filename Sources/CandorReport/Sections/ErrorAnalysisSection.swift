import CandorCore
import CandorExplain

/// `candor explain --method error-analysis --html`: where the model errs — the overall error, the cohorts worst
/// first (each a condition `--cohort` takes back), and the heat maps of the error over the tree's first features.
public struct ErrorAnalysisSection: ReportSection {
  public var result: ErrorAnalysisResult
  public var source: String

  public init(_ result: ErrorAnalysisResult, source: String) { (self.result, self.source) = (result, source) }

  public var title: String { "Error analysis" }
  public var anchor: String { "error-analysis" }

  static func rate(_ r: ErrorAnalysisResult, _ x: Double) -> String {
    r.error == "misclassification" ? formatRounded(x * 100, significantDigits: 3) + " %" : formatRounded(x, significantDigits: 4)
  }

  public static func finding(_ r: ErrorAnalysisResult) -> String {
    let what = r.error == "misclassification" ? "misclassifies" : "has a mean absolute error of"
    var text = "The model \(what) \(rate(r, r.overallError))\(r.error == "misclassification" ? " of the \(r.rows) rows" : " over \(r.rows) rows")."
    if let worst = r.cohorts.first, r.cohorts.count > 1 {
      text += " It errs most where \(worst.condition): \(rate(r, worst.errorRate))\(worst.interval.map { " [\(rate(r, $0[0])), \(rate(r, $0[1]))]" } ?? "") of \(worst.rows) rows."
    }
    return text
  }

  public func render(into page: inout HTMLWriter) {
    let r = result
    page.paragraph(HTMLText(words: Self.finding(r)))
    if let note = r.note { page.note(HTMLText(words: note)) }
    page.heading("Cohorts, worst first", anchor: "cohorts")
    let header = ["Cohort", "Rows", r.error == "misclassification" ? "Error rate" : "Mean absolute error"] + (r.error == "misclassification" ? ["95 % interval"] : [])
    page.table(caption: "Cohorts, worst first", header: header, rows: r.cohorts.map { c in
      [c.condition, String(c.rows), Self.rate(r, c.errorRate)] + (c.interval.map { ["\(Self.rate(r, $0[0])) to \(Self.rate(r, $0[1]))"] } ?? [])
    }, flags: r.cohorts.map { $0.errorRate > r.overallError }, textColumns: [0])
    page.note("Highlighted: cohorts that err more than the model overall. Each cohort's condition can be given back as --cohort \"…\" to candor fairness or explain.")
    if !r.heatMaps.isEmpty { page.heading("Heat maps", anchor: "heat-maps") }
    for map in r.heatMaps {
      page.figure(SVGChart.heatMap(title: map.features.count == 1 ? "Error by \(map.features[0])" : "Error by \(map.features[0]) × \(map.features[1])",
                                        rowLabels: map.bins[0], columnLabels: map.bins.count > 1 ? map.bins[1] : ["all"], values: map.errorRates, counts: map.rows,
                                        rowTitle: map.features[0], columnTitle: map.features.count > 1 ? map.features[1] : "",
                                        format: { Self.rate(r, $0) }, valueName: r.error == "misclassification" ? "error rate" : "mean absolute error"))
    }
  }
}

extension ExplainPage {
  public static func errorAnalysisText(_ r: ErrorAnalysisResult) -> String {
    var lines = [ErrorAnalysisSection.finding(r)] + (r.note.map { [$0] } ?? []) + ["Cohorts, worst first:"]
    for c in r.cohorts {
      lines.append("  \(ErrorAnalysisSection.rate(r, c.errorRate))\(c.interval.map { " [\(ErrorAnalysisSection.rate(r, $0[0])), \(ErrorAnalysisSection.rate(r, $0[1]))]" } ?? "") of \(c.rows) rows: \(c.condition)")
    }
    return lines.joined(separator: "\n")
  }

  public static func errorAnalysisHTML(_ r: ErrorAnalysisResult, source: String) -> String {
    HTMLDocument(ErrorAnalysisSection(r, source: source)).rendered()
  }
}
