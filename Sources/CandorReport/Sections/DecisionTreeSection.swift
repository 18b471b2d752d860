import CandorCore
import CandorModels

/// `candor inspect --model tree.json --html`: a CART tree read whole — its size and first split in words, the tree
/// drawn with each node's rows and class shares, and its rules.
public struct DecisionTreeSection: ReportSection {
  public var tree: DecisionTree
  public var source: String

  public init(_ tree: DecisionTree, source: String) { (self.tree, self.source) = (tree, source) }

  public var title: String { "Decision tree" }
  public var anchor: String { "tree" }

  public static func finding(_ tree: DecisionTree) -> String {
    let leaves = tree.left.count { $0 < 0 }
    var text = "This \(tree.isRegression ? "regression" : "classification") tree (\(tree.criterion.rawValue)) has \(leaves) leaves at depth \(tree.depth), grown on \(tree.samples[0]) training rows."
    if tree.nodeCount > 1 { text += " It splits first on \(tree.condition(node: 0, goesLeft: true))." }
    return text
  }

  public func render(into page: inout HTMLWriter) {
    page.paragraph(HTMLText(words: Self.finding(tree)))
    if tree.nodeCount > 63 { page.note("A tree of more than 63 nodes is drawn in a box that scrolls; its rules below list every leaf.") }
    page.figure(SVGChart.tree(tree, title: tree.isRegression ? "Tree: rows and mean per node" : "Tree: rows and class shares per node"), wide: true)
    page.note(tree.isRegression ? "Each box: the condition that leads into it, its training rows and their mean target."
      : "Each box: the condition that leads into it, the training rows that reach it and their share of each class (darker blue: more of the last class).")
    page.heading("Its rules", anchor: "rules")
    page.table(caption: "The tree as rules", header: ["Rule (each line is inside the one above)"], rows: tree.rules.map { [$0.replacingOccurrences(of: "  ", with: "\u{2003}")] }, textColumns: [0])
    page.note("A missing numeric value is read as its training mean and goes the mean's way; a missing text value is the level missing.")
  }
}

extension ExplainPage {
  public static func treeHTML(_ tree: DecisionTree, source: String) -> String {
    HTMLDocument(DecisionTreeSection(tree, source: source)).rendered()
  }
}
