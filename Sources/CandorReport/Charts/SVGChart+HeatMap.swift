import CandorCore
import Foundation

extension SVGChart {
  /// A grid of cells shaded by value (white at the smallest, dark red at the largest), each with its value and row
  /// count; labelled rows and columns, and a legend of the scale.
  public static func heatMap(title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]], counts: [[Int]],
                             rowTitle: String, columnTitle: String, format: (Double) -> String, valueName: String = "error") -> Chart {
    let cell = 64.0, cellHeight = 34.0, left = 150.0, top = 44.0
    let finite = values.flatMap { $0 }.compactMap { $0 }
    let low = finite.min() ?? 0, high = finite.max() ?? 1
    let width = left + cell * Double(columnLabels.count) + 20, height = top + cellHeight * Double(rowLabels.count) + 56
    var svg = open(title: title, width: max(width, left + 320), height: height)
    if !columnTitle.isEmpty { svg += "<text x=\"\(f(left + cell * Double(columnLabels.count) / 2))\" y=\"\(f(top - 22))\" font-size=\"10\" text-anchor=\"middle\">\(escapeHTML(columnTitle))</text>" }
    for (j, label) in columnLabels.enumerated() {
      svg += "<text x=\"\(f(left + cell * (Double(j) + 0.5)))\" y=\"\(f(top - 6))\" font-size=\"9\" text-anchor=\"middle\">\(escapeHTML(truncated(label, 12)))<title>\(escapeHTML(label))</title></text>"
    }
    for (i, label) in rowLabels.enumerated() {
      let y = top + cellHeight * Double(i)
      svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + cellHeight / 2 + 3))\" font-size=\"10\" text-anchor=\"end\">\(escapeHTML(truncated(label, 24)))<title>\(escapeHTML(label))</title></text>"
      for j in columnLabels.indices {
        let x = left + cell * Double(j)
        let value = i < values.count && j < values[i].count ? values[i][j] : nil
        let share = value.map { high > low ? ($0 - low) / (high - low) : 0.5 } ?? 0
        let fill = value == nil ? "#f4f4f4" : "rgb(\(Int(255 - 75 * share)),\(Int(255 - 215 * share)),\(Int(255 - 215 * share)))"
        let count = i < counts.count && j < counts[i].count ? counts[i][j] : 0
        svg += "<rect x=\"\(f(x))\" y=\"\(f(y))\" width=\"\(f(cell - 2))\" height=\"\(f(cellHeight - 2))\" fill=\"\(fill)\"><title>\(escapeHTML(label)), \(escapeHTML(columnLabels[j])): \(value.map(format) ?? "no rows") (\(count) rows)</title></rect>"
        svg += "<text x=\"\(f(x + cell / 2 - 1))\" y=\"\(f(y + 14))\" font-size=\"10\" text-anchor=\"middle\" fill=\"\(share > 0.6 ? "#fff" : "#111")\">\(escapeHTML(value.map(format) ?? "—"))</text>"
        svg += "<text x=\"\(f(x + cell / 2 - 1))\" y=\"\(f(y + 26))\" font-size=\"8\" text-anchor=\"middle\" fill=\"\(share > 0.6 ? "#fff" : "#555")\">n=\(count)</text>"
      }
    }
    if !rowTitle.isEmpty { svg += "<text x=\"4\" y=\"\(f(top - 6))\" font-size=\"10\">\(escapeHTML(rowTitle)) ↓</text>" }
    let legendY = top + cellHeight * Double(rowLabels.count) + 18
    svg += "<rect x=\"\(f(left))\" y=\"\(f(legendY))\" width=\"12\" height=\"10\" fill=\"rgb(255,255,255)\" stroke=\"#ccc\"/><text x=\"\(f(left + 16))\" y=\"\(f(legendY + 9))\" font-size=\"9\">\(escapeHTML(format(low)))</text>"
    svg += "<rect x=\"\(f(left + 90))\" y=\"\(f(legendY))\" width=\"12\" height=\"10\" fill=\"rgb(180,40,40)\"/><text x=\"\(f(left + 106))\" y=\"\(f(legendY + 9))\" font-size=\"9\">\(escapeHTML(format(high)))</text>"
    svg += "<text x=\"\(f(left + 180))\" y=\"\(f(legendY + 9))\" font-size=\"9\">error (darker is worse)</text>"
    var rows: [[String]] = []
    for (i, label) in rowLabels.enumerated() {
      for (j, column) in columnLabels.enumerated() {
        let value = i < values.count && j < values[i].count ? values[i][j] : nil
        let count = i < counts.count && j < counts[i].count ? counts[i][j] : 0
        rows.append(columnLabels.count == 1 ? [label, value.map(format) ?? "no rows", String(count)] : [label, column, value.map(format) ?? "no rows", String(count)])
      }
    }
    let header = (columnLabels.count == 1 ? [rowTitle] : [rowTitle, columnTitle]) + [valueName, "rows"]
    return Chart(title: title, svg: svg + "</svg>", header: header, rows: rows)
  }
}
