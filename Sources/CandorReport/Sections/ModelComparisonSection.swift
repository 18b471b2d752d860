import CandorCore
import CandorModels

/// Two models on the same rows (`candor compare-models`): the finding in words, the rows whose decision differs,
/// the rows farthest apart, and where tree paths part.
public struct ModelComparisonSection: ReportSection {
  public var comparison: ModelComparison
  /// The data file, as the user named it.
  public var source: String

  public init(_ comparison: ModelComparison, source: String) {
    self.comparison = comparison
    self.source = source
  }

  public var title: String { "Model comparison" }
  public var anchor: String { "comparison" }

  public func render(into page: inout HTMLWriter) {
    let c = comparison
    page.paragraph(HTMLText(stringLiteral: ModelComparisonPage.finding(c)))
    for (name, side) in [("A", c.a), ("B", c.b)] {
      page.paragraph("Model \(name): \(side.path), \(side.format), classes \(list: side.classes), SHA-256 \(side.sha256 ?? "(not a file)").")
    }
    let compared = c.a.classes.count == 2 && c.outputs.count == 1 ? "the probability of the second class, \(c.outputs[0])" : c.outputs.joined(separator: ", ")
    page.paragraph("Data: \(source), \(c.rows) rows. Outputs compared by position: \(compared). Tolerance \(ModelComparisonPage.small(c.tolerance)).")
    func rows(_ list: [ModelComparison.RowDifference]) -> [[String]] {
      list.map { d in
        [String(d.row), d.a.map { formatValue($0, decimals: 8) }.joined(separator: ", "), d.b.map { formatValue($0, decimals: 8) }.joined(separator: ", "),
         ModelComparisonPage.small(d.difference), d.decisionA ?? "", d.decisionB ?? ""]
      }
    }
    let header = ["row (0-based)", "model A", "model B", "largest |A − B|", "A decides", "B decides"]
    if !c.flipped.isEmpty {
      page.heading("Rows whose decision differs")
      page.table(caption: "Rows whose decision differs", header: header, rows: rows(c.flipped))
    }
    if !c.divergences.isEmpty {
      page.heading("Where the tree paths part")
      page.paragraph("The first split, walking the trees in order, where the two models send the row different ways. Causes: "
        + "threshold (the same split stored as different numbers, such as a float32 rounding), comparison (the same value and threshold "
        + "under another rule: double against float32, < against <=), missing value (a missing value sent another way), input (the models "
        + "read different values), tree shape (the trees differ from here on).")
      page.table(caption: "Where the trees first part ways, per differing row", header: ["row", "tree", "depth", "feature", "value (A / B)", "A: threshold, rule, goes", "B: threshold, rule, goes", "cause"],
                 rows: c.divergences.map { d in
                   [String(d.row), String(d.tree), String(d.depth), d.feature, "\(ModelComparisonPage.exact(d.a.value)) / \(ModelComparisonPage.exact(d.b.value))",
                    "\(ModelComparisonPage.exact(d.a.threshold)), \(d.a.rule), \(d.a.goes)", "\(ModelComparisonPage.exact(d.b.threshold)), \(d.b.rule), \(d.b.goes)", d.cause]
                 })
    }
    if !c.largest.isEmpty {
      page.heading("Rows farthest apart")
      page.table(caption: "Rows farthest apart", header: header, rows: rows(c.largest))
    }
    if c.treeComparison != "walked" { page.note(HTMLText(stringLiteral: "Tree paths " + c.treeComparison + ".")) }
  }
}
