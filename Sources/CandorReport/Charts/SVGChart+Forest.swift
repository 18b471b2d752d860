import CandorCore
import Foundation

extension SVGChart {
  /// A forest plot: one row per term, its estimate as a dot and its interval as a whisker, a dashed line at
  /// `null` (no effect), and a value axis labelled `xLabel`. Labels get a column wide enough for `labelLength`
  /// characters (longer ones end in "…", the tooltip keeps them whole).
  public static func forest(title: String, labels: [String], estimates: [Double], intervals: [[Double]], xLabel: String,
                            null: Double = 0, labelLength: Int = 34, labelName: String = "") -> Chart {
    let rowHeight = 18.0, labelWidth = 6.2 * Double(labelLength), plotWidth = 300.0, top = 28.0
    let values = (estimates + intervals.flatMap { $0 } + [null]).filter(\.isFinite)
    var low = values.min() ?? -1, high = values.max() ?? 1
    if high - low < 1e-12 { (low, high) = (low - 1, high + 1) }
    let pad = (high - low) * 0.05
    (low, high) = (low - pad, high + pad)
    func x(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
    let plotBottom = top + rowHeight * Double(labels.count)
    var svg = open(title: title, width: labelWidth + plotWidth + 20, height: plotBottom + 44)
    svg += "<line x1=\"\(f(x(null)))\" x2=\"\(f(x(null)))\" y1=\"\(f(top - 2))\" y2=\"\(f(plotBottom))\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>"
    for (i, label) in labels.enumerated() {
      let y = top + rowHeight * Double(i) + rowHeight / 2
      svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + 4))\" font-size=\"10\" text-anchor=\"end\">\(escapeHTML(truncated(label, labelLength)))<title>\(escapeHTML(label))</title></text>"
      let interval = i < intervals.count ? intervals[i] : []
      if interval.count == 2, interval.allSatisfy(\.isFinite) {
        svg += "<line x1=\"\(f(x(interval[0])))\" x2=\"\(f(x(interval[1])))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#222\" stroke-width=\"1.2\"/>"
      }
      if estimates[i].isFinite {
        let text = interval.count == 2 ? "\(formatValue(estimates[i])) [\(formatValue(interval[0])), \(formatValue(interval[1]))]" : formatValue(estimates[i])
        svg += "<circle cx=\"\(f(x(estimates[i])))\" cy=\"\(f(y))\" r=\"3.2\" fill=\"\(color(0))\"><title>\(escapeHTML(label)): \(text)</title></circle>"
      }
    }
    let step = (high - low) / 4
    svg += axis(ticks: (0...4).map { low + step * Double($0) }, at: x, y: plotBottom + 4, label: xLabel, labelX: labelWidth + plotWidth / 2)
    let rows = labels.indices.map { i -> [String] in
      let interval = i < intervals.count && intervals[i].count == 2 ? intervals[i].map(Chart.cell) : ["—", "—"]
      return [labels[i], Chart.cell(estimates[i])] + interval
    }
    return Chart(title: title, svg: svg + "</svg>", header: [labelName, xLabel, "interval from", "interval to"], rows: rows)
  }
}
