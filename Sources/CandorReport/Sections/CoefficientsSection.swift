import CandorCore
import CandorExplain

/// `candor explain --method coefficients --html`: a linear model as a scorecard — the finding in words, every term
/// with its estimate, standard error, z, p-value, 95 % interval and odds ratio, and a chart of the estimates with
/// their intervals.
public struct CoefficientsSection: ReportSection {
  public var table: CoefficientTable
  /// The model file, as the user named it.
  public var source: String

  public init(_ table: CoefficientTable, source: String) { (self.table, self.source) = (table, source) }

  public var title: String { "Coefficients" }
  public var anchor: String { "coefficients" }

  public static func finding(_ t: CoefficientTable) -> String {
    let kind = t.model == "logistic" ? "logistic" : "ridge"
    guard t.inferenceValid else { return "The \(kind) model has \(t.terms.count) terms. \(t.note ?? "")" }
    let clear = t.terms.filter { $0.term != "intercept" && ($0.pValue ?? 1) < 0.05 }
    let strongest = t.terms.filter { $0.term != "intercept" }.max { abs($0.z ?? 0) < abs($1.z ?? 0) }
    var text = "The unpenalized \(kind) model has \(t.terms.count) terms; \(clear.count) of the \(t.terms.count - 1) besides the intercept have 95 % intervals that exclude 0 (p < 0.05)."
    if let s = strongest, let z = s.z {
      text += " The clearest is \(s.term) (estimate \(formatRounded(s.estimate, significantDigits: 4)), z = \(formatRounded(z, significantDigits: 3))\(s.oddsRatio.map { ", odds ratio \(formatRounded($0, significantDigits: 4))" } ?? ""))."
    }
    return text
  }

  public func render(into page: inout HTMLWriter) {
    page.paragraph(HTMLText(words: Self.finding(table)))
    if !table.referenceLevels.isEmpty {
      let references = table.referenceLevels.keys.sorted().map { "\($0) = \(table.referenceLevels[$0]!)" }.joined(separator: ", ")
      page.note(HTMLText(words: "Categorical terms are measured against each feature's reference level (\(references)); numeric terms are per standard deviation of the training data."))
    } else {
      page.note("Numeric terms are per standard deviation of the training data.")
    }
    let hasInference = table.inferenceValid
    let header = ["Term"] + (table.terms.contains { $0.outputClass != nil } ? ["Class"] : []) + ["Estimate"]
      + (hasInference ? ["Std. error", "z", "p-value", "95 % interval"] : []) + (table.model == "logistic" ? ["Odds ratio"] : [])
    let rows = table.terms.map { t -> [String] in
      var row = [t.term] + (t.outputClass.map { [$0] } ?? []) + [formatRounded(t.estimate, significantDigits: 6)]
      if hasInference {
        row += [formatRounded(t.stdError!, significantDigits: 4), formatRounded(t.z!, significantDigits: 4), Self.pValue(t.pValue!),
                "\(formatRounded(t.ciLow!, significantDigits: 4)) to \(formatRounded(t.ciHigh!, significantDigits: 4))"]
      }
      if let odds = t.oddsRatio { row.append(formatRounded(odds, significantDigits: 4)) }
      return row
    }
    page.table(caption: "Coefficients", header: header, rows: rows, flags: table.terms.map { ($0.pValue ?? 1) < 0.05 && $0.term != "intercept" }, textColumns: [0])
    if hasInference { page.note("Highlighted: terms whose 95 % interval excludes 0. Wald intervals and normal p-values, as statsmodels' Logit summary.") }
    let shown = table.terms.filter { $0.term != "intercept" }
    let labels = shown.map { t in (t.outputClass.map { "\($0): " } ?? "") + t.term }
    let unit = table.model == "logistic" ? "log-odds" : "target units"
    page.figure(SVGChart.forest(title: hasInference ? "Estimates with 95 % intervals" : "Estimates", labels: labels, estimates: shown.map(\.estimate),
                                     intervals: hasInference ? shown.map { [$0.ciLow!, $0.ciHigh!] } : [],
                                     xLabel: "estimate (\(unit); 0 = no effect)", labelName: "term"))
  }

  static func pValue(_ p: Double) -> String { p < 1e-4 ? String(format: "%.1e", p) : formatRounded(p, significantDigits: 3) }
}

extension ExplainPage {
  public static func coefficientsText(_ t: CoefficientTable) -> String {
    var lines = [CoefficientsSection.finding(t)]
    let width = max(10, (t.terms.map { printable($0.term).count + ($0.outputClass.map { $0.count + 2 } ?? 0) }.max() ?? 0) + 2)
    func cell(_ s: String, _ w: Int = 11) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
    lines.append("  " + "term".padding(toLength: width, withPad: " ", startingAt: 0) + cell("estimate")
      + (t.inferenceValid ? cell("std error") + cell("z", 9) + cell("p", 10) : "") + (t.model == "logistic" ? cell("odds ratio", 12) : "")
      + (t.inferenceValid ? "  95 % interval" : ""))
    for term in t.terms {
      let name = (term.outputClass.map { "\($0): " } ?? "") + printable(term.term)
      var line = "  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + cell(formatRounded(term.estimate, significantDigits: 5))
      if let se = term.stdError, let z = term.z, let p = term.pValue {
        line += cell(formatRounded(se, significantDigits: 4)) + cell(formatRounded(z, significantDigits: 3), 9) + cell(CoefficientsSection.pValue(p), 10)
      }
      if let odds = term.oddsRatio { line += cell(formatRounded(odds, significantDigits: 4), 12) }
      if let lo = term.ciLow, let hi = term.ciHigh { line += "  [\(formatRounded(lo, significantDigits: 4)), \(formatRounded(hi, significantDigits: 4))]" }
      lines.append(line)
    }
    if !t.referenceLevels.isEmpty {
      lines.append("Reference levels: " + t.referenceLevels.keys.sorted().map { "\(printable($0)) = \(printable(t.referenceLevels[$0]!))" }.joined(separator: ", ")
        + "; numeric terms are per standard deviation.")
    }
    return lines.joined(separator: "\n")
  }

  public static func coefficientsHTML(_ t: CoefficientTable, source: String) -> String {
    HTMLDocument(CoefficientsSection(t, source: source)).rendered()
  }
}
