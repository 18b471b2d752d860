import CandorCore
import CandorModels
import Foundation

/// Reports of `candor compare-models`: the page and the stdout summary.
public enum ModelComparisonPage {
  /// A split's value or threshold in full (the shortest text that reads back as the same double): the point is
  /// often the last digit.
  static func exact(_ x: Double) -> String { x.isNaN ? "missing" : "\(x)" }

  public static func html(_ comparison: ModelComparison, source: String) -> String {
    HTMLDocument(ModelComparisonSection(comparison, source: source)).rendered()
  }

  /// A difference in three significant digits ("1.99e-07", "0.00406").
  static func small(_ x: Double) -> String { x == 0 ? "0" : String(format: "%.3g", x) }

  /// The finding in one or two sentences.
  static func finding(_ c: ModelComparison) -> String {
    let spread = "largest difference \(small(c.maxAbsDifference)), mean \(small(c.meanAbsDifference))"
    switch (c.decisionFlips ?? 0, c.rowsBeyondTolerance) {
    case (0, 0):
      return "The models agree: " + (c.decisionFlips == nil ? "" : "every decision is the same and ")
        + "no output differs by more than \(small(c.tolerance)) (\(spread))."
    case (0, let beyond):
      return (c.decisionFlips == nil ? "" : "Every decision is the same, but ") + "\(beyond) of \(c.rows) rows have outputs more than \(small(c.tolerance)) apart (\(spread))."
    case (let flips, let beyond):
      return "The models disagree: \(flips) of \(c.rows) decisions differ, and \(beyond) rows have outputs more than \(small(c.tolerance)) apart (\(spread))."
    }
  }

  public static func text(_ c: ModelComparison) -> String {
    var lines = ["\(printable(c.a.path)) vs \(printable(c.b.path)) on \(c.rows) rows. " + finding(c)]
    for d in c.flipped.prefix(5) {
      lines.append("  row \(d.row): A \(d.a.map { formatValue($0, decimals: 8) }.joined(separator: ", ")) (\(printable(d.decisionA ?? ""))), "
        + "B \(d.b.map { formatValue($0, decimals: 8) }.joined(separator: ", ")) (\(printable(d.decisionB ?? "")))")
    }
    for d in c.divergences.prefix(5) {
      lines.append("  row \(d.row), tree \(d.tree), depth \(d.depth): \(printable(d.feature)) = \(exact(d.a.value)); "
        + "A: t \(exact(d.a.threshold)), \(d.a.rule) → \(d.a.goes); B: t \(exact(d.b.threshold)), \(d.b.rule) → \(d.b.goes) (\(d.cause))")
    }
    if c.treeComparison != "walked" { lines.append("  Tree paths \(c.treeComparison).") }
    return lines.joined(separator: "\n")
  }
}
