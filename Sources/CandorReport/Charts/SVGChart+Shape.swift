import CandorCore
import Foundation

extension SVGChart {
  /// A numeric feature's shape function: the score of each bin drawn as a step line over the feature's values, 0
  /// dashed, and below it a density rug — one bar per bin, its height the bin's share of training rows.
  /// - Parameters:
  ///   - cuts: the bin boundaries, ascending; bin k covers (cuts[k−1], cuts[k]].
  ///   - scores: one per bin (cuts.count + 1).
  ///   - weights: the training weight per bin.
  public static func shape(title: String, cuts: [Double], scores: [Double], weights: [Double], xLabel: String, yLabel: String) -> Chart {
    let width = 420.0, left = 56.0, top = 28.0, plot = 180.0, rug = 36.0
    let span = max((cuts.last ?? 1) - (cuts.first ?? 0), 1e-9)
    let x0 = (cuts.first ?? 0) - span * 0.06, x1 = (cuts.last ?? 1) + span * 0.06
    let finite = scores.filter(\.isFinite)
    var (y0, y1) = (min(finite.min() ?? 0, 0), max(finite.max() ?? 0, 0))
    if y1 - y0 < 1e-9 { (y0, y1) = (y0 - 0.5, y1 + 0.5) }
    let pad = (y1 - y0) * 0.06
    (y0, y1) = (y0 - pad, y1 + pad)
    func px(_ v: Double) -> Double { left + (min(max(v, x0), x1) - x0) / (x1 - x0) * (width - left - 16) }
    func py(_ v: Double) -> Double { top + (1 - (v - y0) / (y1 - y0)) * plot }
    let plotRight = width - 16
    let height = top + plot + 8 + rug + 48
    var svg = open(title: title, width: width, height: height)
    svg += "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotRight - left))\" height=\"\(f(plot))\" fill=\"none\" stroke=\"#999\"/>"
    svg += "<line x1=\"\(f(left))\" x2=\"\(f(plotRight))\" y1=\"\(f(py(0)))\" y2=\"\(f(py(0)))\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>"
    for k in 0...4 {
      let v = y0 + (y1 - y0) * Double(k) / 4
      svg += "<text x=\"\(f(left - 4))\" y=\"\(f(py(v) + 3))\" font-size=\"9\" text-anchor=\"end\">\(escapeHTML(formatValue(v, decimals: 2)))</text>"
      let t = x0 + (x1 - x0) * Double(k) / 4
      svg += "<text x=\"\(f(px(t)))\" y=\"\(f(top + plot + rug + 22))\" font-size=\"9\" text-anchor=\"middle\">\(escapeHTML(formatRounded(t, significantDigits: 4)))</text>"
    }
    // The step line: bin k spans from its lower cut (or x0) to its upper cut (or x1).
    var path: [String] = []
    for k in scores.indices {
      let lo = k == 0 ? x0 : cuts[k - 1], hi = k == cuts.count ? x1 : cuts[k]
      path.append("\(f(px(lo))),\(f(py(scores[k])))")
      path.append("\(f(px(hi))),\(f(py(scores[k])))")
    }
    svg += "<polyline points=\"\(path.joined(separator: " "))\" fill=\"none\" stroke=\"\(color(0))\" stroke-width=\"1.8\"><title>\(escapeHTML(title))</title></polyline>"
    // The density rug.
    let total = max(weights.reduce(0, +), .leastNonzeroMagnitude), largest = max(weights.max() ?? 0, .leastNonzeroMagnitude)
    let rugTop = top + plot + 8
    for k in weights.indices where weights[k] > 0 {
      let lo = k == 0 ? x0 : cuts[k - 1], hi = k == cuts.count ? x1 : cuts[k]
      let h = weights[k] / largest * rug
      let range = k == 0 ? "≤ \(formatNumber(cuts.first ?? 0))" : k == cuts.count ? "> \(formatNumber(cuts.last ?? 0))" : "(\(formatNumber(lo)), \(formatNumber(hi))]"
      svg += "<rect x=\"\(f(px(lo)))\" y=\"\(f(rugTop + rug - h))\" width=\"\(f(max(px(hi) - px(lo) - 0.3, 0.6)))\" height=\"\(f(h))\" fill=\"#9498a0\"><title>\(escapeHTML(range)): score \(formatValue(scores[k], decimals: 3)), \(formatRounded(weights[k] / total * 100, significantDigits: 3)) % of training rows</title></rect>"
    }
    svg += "<text x=\"\(f(left - 4))\" y=\"\(f(rugTop + rug - 2))\" font-size=\"8\" text-anchor=\"end\" fill=\"#555\">rows</text>"
    svg += "<text x=\"\(f((left + plotRight) / 2))\" y=\"\(f(top + plot + rug + 36))\" font-size=\"10\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>"
    svg += "<text x=\"10\" y=\"\(f(top + plot / 2))\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 10 \(f(top + plot / 2)))\">\(escapeHTML(yLabel))</text>"
    let legendY = top + plot + rug + 48
    svg += "<rect x=\"\(f(left))\" y=\"\(f(legendY - 7))\" width=\"10\" height=\"3\" fill=\"\(color(0))\"/><text x=\"\(f(left + 14))\" y=\"\(f(legendY - 3))\" font-size=\"9\">score per bin</text>"
    svg += "<rect x=\"\(f(left + 110))\" y=\"\(f(legendY - 9))\" width=\"8\" height=\"7\" fill=\"#9498a0\"/><text x=\"\(f(left + 122))\" y=\"\(f(legendY - 3))\" font-size=\"9\">training rows per bin (density)</text>"
    let rows = scores.indices.map { k -> [String] in
      let range = k == 0 ? "≤ \(formatNumber(cuts.first ?? 0))" : k == cuts.count ? "> \(formatNumber(cuts.last ?? 0))" : "(\(formatNumber(cuts[k - 1])), \(formatNumber(cuts[k]))]"
      let weight = k < weights.count ? weights[k] : 0
      return [cuts.isEmpty ? "all values" : range, Chart.cell(scores[k]), Chart.cell(weight), formatRounded(weight / total * 100, significantDigits: 3) + " %"]
    }
    return Chart(title: title, svg: svg + "</svg>", header: ["\(xLabel) in", yLabel, "training rows (weight)", "share of rows"], rows: rows)
  }

  /// A pair's scores over its two features' bins: small cells shaded blue (below 0) to white (0) to red (above 0) on
  /// one symmetric scale, the row and column labels thinned to fit, a legend of the scale; empty cells grey.
  public static func scoreMap(title: String, rowLabels: [String], columnLabels: [String], scores: [[Double]], weights: [[Double]],
                              rowTitle: String, columnTitle: String, unit: String) -> Chart {
    let left = 130.0, top = 96.0
    let cell = max(6.0, min(28.0, 520.0 / Double(max(columnLabels.count, 1))))
    let cellHeight = max(6.0, min(22.0, 360.0 / Double(max(rowLabels.count, 1))))
    let scale = max(scores.flatMap { $0 }.filter(\.isFinite).map(abs).max() ?? 1, 1e-12)
    let width = max(left + cell * Double(columnLabels.count) + 24, left + 460), height = top + cellHeight * Double(rowLabels.count) + 84
    var svg = open(title: title, width: width, height: height)
    func fill(_ v: Double) -> String {
      let s = min(abs(v) / scale, 1)
      return v >= 0 ? "rgb(255,\(Int(255 - 200 * s)),\(Int(255 - 200 * s)))" : "rgb(\(Int(255 - 200 * s)),\(Int(255 - 150 * s)),255)"
    }
    // At most one label per 14 units.
    let columnStep = max(1, Int((14 / cell).rounded(.up))), rowStep = max(1, Int((12 / cellHeight).rounded(.up)))
    for (j, label) in columnLabels.enumerated() where j % columnStep == 0 {
      let x = left + cell * (Double(j) + 0.5)
      svg += "<text x=\"\(f(x))\" y=\"\(f(top - 4))\" font-size=\"8\" text-anchor=\"start\" transform=\"rotate(-40 \(f(x)) \(f(top - 4)))\">\(escapeHTML(truncated(label, 10)))<title>\(escapeHTML(label))</title></text>"
    }
    for (i, label) in rowLabels.enumerated() {
      let y = top + cellHeight * Double(i)
      if i % rowStep == 0 {
        svg += "<text x=\"\(f(left - 4))\" y=\"\(f(y + min(cellHeight, 12) / 2 + 3))\" font-size=\"8\" text-anchor=\"end\">\(escapeHTML(truncated(label, 22)))<title>\(escapeHTML(label))</title></text>"
      }
      for j in columnLabels.indices {
        let v = scores[i][j], w = weights[i][j]
        svg += "<rect x=\"\(f(left + cell * Double(j)))\" y=\"\(f(y))\" width=\"\(f(cell))\" height=\"\(f(cellHeight))\" fill=\"\(w > 0 ? fill(v) : "#e4e4e4")\"><title>\(escapeHTML(label)), \(escapeHTML(columnLabels[j])): \(formatValue(v, decimals: 3)) \(escapeHTML(unit)) (\(formatRounded(w, significantDigits: 4)) training rows)</title></rect>"
      }
    }
    let below = top + cellHeight * Double(rowLabels.count)
    svg += "<text x=\"\(f(left + cell * Double(columnLabels.count) / 2))\" y=\"\(f(below + 16))\" font-size=\"10\" text-anchor=\"middle\">\(escapeHTML(columnTitle)) (columns)</text>"
    svg += "<text x=\"4\" y=\"\(f(below + 16))\" font-size=\"10\">\(escapeHTML(truncated(rowTitle, 20))) (rows)</text>"
    let legendY = below + 34
    for (k, v) in [-scale, 0, scale].enumerated() {
      let x = left + Double(k) * 110
      svg += "<rect x=\"\(f(x))\" y=\"\(f(legendY))\" width=\"12\" height=\"10\" fill=\"\(fill(v))\" stroke=\"#bbb\"/><text x=\"\(f(x + 16))\" y=\"\(f(legendY + 9))\" font-size=\"9\">\(escapeHTML(formatValue(v, decimals: 3))) \(escapeHTML(unit))</text>"
    }
    svg += "<rect x=\"\(f(left + 330))\" y=\"\(f(legendY))\" width=\"12\" height=\"10\" fill=\"#e4e4e4\"/><text x=\"\(f(left + 346))\" y=\"\(f(legendY + 9))\" font-size=\"9\">no training rows</text>"
    // Cells without training rows carry no score worth reading; the note says how many were left out.
    var rows: [[String]] = [], empty = 0
    for (i, label) in rowLabels.enumerated() {
      for (j, column) in columnLabels.enumerated() {
        guard weights[i][j] > 0 else { empty += 1; continue }
        rows.append([label, column, Chart.cell(scores[i][j]), Chart.cell(weights[i][j])])
      }
    }
    return Chart(title: title, svg: svg + "</svg>", header: [rowTitle, columnTitle, "score (\(unit))", "training rows (weight)"], rows: rows,
                 note: empty == 0 ? nil : "Not listed: \(empty) cell\(empty == 1 ? "" : "s") without training rows.")
  }
}
