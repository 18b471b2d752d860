import CandorCore
import CandorExplain
import CandorModels

/// `candor explain --method surrogate --html`: the surrogate's fidelity up front, its rules (or coefficients), and
/// the leaves where it represents the model worst.
public struct SurrogateSection: ReportSection {
  public var result: SurrogateResult
  public var source: String
  /// A tree surrogate, drawn.
  public var tree: DecisionTree?

  public init(_ result: SurrogateResult, source: String, tree: DecisionTree? = nil) { (self.result, self.source, self.tree) = (result, source, tree) }

  public var title: String { "Surrogate model" }
  public var anchor: String { "surrogate" }

  public static func finding(_ r: SurrogateResult) -> String {
    let what = r.surrogate == .tree ? "This tree" : "This linear model"
    let lo = r.fidelityInterval[0], hi = r.fidelityInterval[1]
    if r.fidelityMeasure == "agreement" {
      return "\(what) agrees with the model on \(percent(r.fidelity)) [\(percent(lo, sign: false)), \(percent(hi, sign: false))] of \(r.heldOutRows) held-out rows (fitted to the model's predictions on \(r.trainingRows) others; 95 % Wilson interval)."
    }
    return "\(what) explains R² = \(formatRounded(r.fidelity, significantDigits: 4)) [\(formatRounded(lo, significantDigits: 4)), \(formatRounded(hi, significantDigits: 4))] of the model's scores on \(r.heldOutRows) held-out rows (fitted on \(r.trainingRows) others; 95 % bootstrap interval)."
  }

  static func percent(_ p: Double, sign: Bool = true) -> String { formatRounded(p * 100, significantDigits: 3) + (sign ? " %" : "") }

  public func render(into page: inout HTMLWriter) {
    page.paragraph(HTMLText(words: Self.finding(result)))
    if result.fidelity < 0.9 { page.note("Fidelity is below 90 %: read the surrogate as a rough sketch of the model, not as its explanation.") }
    if let tree {
      page.heading("The tree", anchor: "tree")
      page.figure(SVGChart.tree(tree, title: "Surrogate tree: rows and class shares per node"), wide: true)
      page.note("Each box: the condition that leads into it, the training rows that reach it and their share of each class of the model's predictions (darker blue: more of the last class).")
    }
    if let rules = result.rules {
      page.heading("Its rules", anchor: "rules")
      page.table(caption: "The surrogate tree as rules", header: ["Rule (each line is inside the one above)"], rows: rules.map { [$0.replacingOccurrences(of: "  ", with: "\u{2003}")] }, textColumns: [0])
    }
    if let leaves = result.leaves, !leaves.isEmpty {
      page.heading("Where it agrees least", anchor: "leaves")
      page.table(caption: "The surrogate\u{2019}s leaves, least faithful first", header: ["Leaf", "Predicts", "Held-out rows", result.fidelityMeasure == "agreement" ? "Agreement" : "R²"],
                 rows: leaves.map { [$0.condition.isEmpty ? "(all rows)" : $0.condition, $0.prediction, String($0.heldOutRows), $0.fidelity.map { formatRounded($0, significantDigits: 4) } ?? "—"] },
                 flags: leaves.map { ($0.fidelity ?? 1) < result.fidelity }, textColumns: [0, 1])
      page.note("Highlighted: leaves less faithful than the surrogate overall.")
    }
    if let coefficients = result.coefficients {
      page.heading("Its coefficients", anchor: "coefficients")
      page.table(caption: "The surrogate\u{2019}s coefficients", header: ["Term", "Estimate"] + (coefficients.model == "logistic" ? ["Odds ratio"] : []),
                 rows: coefficients.terms.map { [$0.term, formatRounded($0.estimate, significantDigits: 5)] + ($0.oddsRatio.map { [formatRounded($0, significantDigits: 4)] } ?? []) },
                 textColumns: [0])
    }
  }
}

extension ExplainPage {
  public static func surrogateText(_ r: SurrogateResult) -> String {
    var lines = [SurrogateSection.finding(r)]
    if let rules = r.rules { lines.append("Rules:"); lines += rules.map { "  " + $0 } }
    if let leaves = r.leaves {
      lines.append("Least faithful leaves (held-out rows):")
      for leaf in leaves.prefix(5) {
        lines.append("  \(leaf.fidelity.map { formatRounded($0, significantDigits: 4) } ?? "—") on \(leaf.heldOutRows) rows: \(leaf.condition.isEmpty ? "(all rows)" : leaf.condition) → \(leaf.prediction)")
      }
    }
    if let c = r.coefficients { lines.append("Coefficients:"); lines += c.terms.map { "  \(printable($0.term)): \(formatRounded($0.estimate, significantDigits: 5))" } }
    return lines.joined(separator: "\n")
  }

  public static func surrogateHTML(_ r: SurrogateResult, source: String, tree: DecisionTree? = nil) -> String {
    HTMLDocument(SurrogateSection(r, source: source, tree: tree)).rendered()
  }
}
