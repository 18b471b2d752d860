import CandorCore
import CandorModels
import Foundation

extension SVGChart {
  /// A decision tree drawn top down: each node a box with the condition that leads into it, its rows and its
  /// prediction (class shares or mean); leaves spread evenly, every inner node centred over its children.
  public static func tree(_ tree: DecisionTree, title: String) -> Chart {
    let boxWidth = 132.0, boxHeight = 50.0, levelHeight = 80.0, top = 30.0
    // Leaves in order, left to right; a node's x is the middle of its leaves.
    var x = [Double](repeating: 0, count: tree.nodeCount), depth = [Int](repeating: 0, count: tree.nodeCount)
    var nextLeaf = 0.0
    func place(_ node: Int) {
      if tree.left[node] < 0 {
        x[node] = nextLeaf * (boxWidth + 12) + boxWidth / 2
        nextLeaf += 1
        return
      }
      let l = Int(tree.left[node]), r = Int(tree.right[node])
      depth[l] = depth[node] + 1
      depth[r] = depth[node] + 1
      place(l)
      place(r)
      x[node] = (x[l] + x[r]) / 2
    }
    place(0)
    let width = max(nextLeaf * (boxWidth + 12), 300), height = top + levelHeight * Double(tree.depth) + boxHeight + 20
    var svg = open(title: title, width: width, height: height)
    func y(_ node: Int) -> Double { top + levelHeight * Double(depth[node]) }
    // The condition that leads into each node, written in its box.
    var condition = [String](repeating: "all rows", count: tree.nodeCount)
    for node in 0..<tree.nodeCount where tree.left[node] >= 0 {
      for (child, goesLeft) in [(Int(tree.left[node]), true), (Int(tree.right[node]), false)] {
        let x1 = x[node], y1 = y(node) + boxHeight, x2 = x[child], y2 = y(child)
        svg += "<line x1=\"\(f(x1))\" y1=\"\(f(y1))\" x2=\"\(f(x2))\" y2=\"\(f(y2))\" stroke=\"#999\"/>"
        condition[child] = tree.condition(node: node, goesLeft: goesLeft)
      }
    }
    func prediction(_ node: Int) -> String {
      tree.isRegression ? "mean \(formatRounded(tree.value[node][0], significantDigits: 4))"
        : zip(tree.classes, tree.value[node]).map { "\($0): \(formatRounded($1 * 100, significantDigits: 3)) %" }.joined(separator: ", ")
    }
    for node in 0..<tree.nodeCount {
      let shares = prediction(node)
      let left = x[node] - boxWidth / 2, topY = y(node)
      let isLeaf = tree.left[node] < 0
      // Shade by the share of the last class (binary: the positive one); a regression tree stays grey.
      let share = tree.isRegression ? 0 : tree.value[node].last ?? 0
      let fill = tree.isRegression ? "#f3f3f3" : "rgb(\(Int(255 - 120 * share)),\(Int(255 - 60 * share)),255)"
      svg += "<rect x=\"\(f(left))\" y=\"\(f(topY))\" width=\"\(f(boxWidth))\" height=\"\(f(boxHeight))\" rx=\"4\" fill=\"\(fill)\" stroke=\"\(isLeaf ? "#333" : "#888")\"/>"
      svg += "<text x=\"\(f(x[node]))\" y=\"\(f(topY + 13))\" font-size=\"8.5\" text-anchor=\"middle\" font-style=\"italic\">\(escapeHTML(truncated(condition[node], 28)))<title>\(escapeHTML(condition[node]))</title></text>"
      svg += "<text x=\"\(f(x[node]))\" y=\"\(f(topY + 27))\" font-size=\"9\" text-anchor=\"middle\" font-weight=\"600\">\(tree.samples[node]) rows</text>"
      svg += "<text x=\"\(f(x[node]))\" y=\"\(f(topY + 41))\" font-size=\"8.5\" text-anchor=\"middle\">\(escapeHTML(truncated(shares, 30)))<title>\(escapeHTML(shares))</title></text>"
    }
    // The table lists the nodes in the order a reader walks the drawing: depth first, left before right.
    var rows: [[String]] = []
    func list(_ node: Int) {
      rows.append([String(repeating: "· ", count: depth[node]) + condition[node], String(depth[node]), String(tree.samples[node]),
                   tree.left[node] < 0 ? "leaf" : "split", prediction(node)])
      if tree.left[node] >= 0 {
        list(Int(tree.left[node]))
        list(Int(tree.right[node]))
      }
    }
    list(0)
    return Chart(title: title, svg: svg + "</svg>", header: ["condition leading to the node", "depth", "rows", "node", "prediction"], rows: rows)
  }
}
