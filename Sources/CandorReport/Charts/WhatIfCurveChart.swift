import CandorCore
import CandorExplain

/// A row's what-if curve as a chart: the probability of one class over a numeric feature, the decision threshold of
/// a binary model (P = 0.5), a ring at the row's own value and one at each flip.
enum WhatIfCurveChart {
  /// nil for a curve over a text feature (its levels are a table, not a line).
  static func chart(_ curve: WhatIfCurve, focusClass: String, binary: Bool, rowProbability: Double?, rowLabel: String) -> Chart? {
    var points: [(x: Double, y: Double)] = []
    for (value, point) in zip(curve.grid, curve.points) {
      if case let .number(x) = value, let p = point.probabilities[focusClass] { points.append((x, p)) }
    }
    guard let lowX = points.first?.x, let highX = points.last?.x, lowX < highX else { return nil }
    var series = [SVGChart.Series(name: "P(\(focusClass))", points: points)]
    if binary { series.append(SVGChart.Series(name: "decision threshold 0.5", points: [(lowX, 0.5), (highX, 0.5)], color: "#888")) }
    var highlights: [(x: Double, y: Double, label: String)] = []
    if case let .number(x) = curve.original, let p = rowProbability { highlights.append((x, p, "\(rowLabel): \(formatRounded(x))")) }
    if binary { for flip in curve.flips { if let at = flip.at { highlights.append((at, 0.5, "flips at \(formatRounded(at))")) } } }
    return SVGChart.xy(title: "P(\(focusClass)) over \(curve.feature)", series: series, highlights: highlights,
                       xLabel: curve.feature, yLabel: "P(\(focusClass))", xDomain: (lowX, highX), yDomain: (0, 1))
  }
}
