extension SVGChart {
  /// One row of a beeswarm: a label and one point per observation.
  public struct BeeswarmRow: Sendable {
    public var label: String
    /// The point positions on the shared x axis, one per observation.
    public var values: [Double]
    /// What colours each point, blue (lowest) to red (highest), such as the feature's value; nil, or a
    /// non-finite entry, draws grey.
    public var colorValues: [Double]?

    public init(label: String, values: [Double], colorValues: [Double]? = nil) {
      self.label = label
      self.values = values
      self.colorValues = colorValues
    }
  }

  /// Rows of dots on a shared axis symmetric about 0 (a SHAP summary plot): one dot per observation and row,
  /// jittered vertically inside the row, with the zero line, ticks at −limit, 0 and limit, and an axis label.
  /// - Parameter pointNames: the observation of each point, for its tooltip ("row 12").
  /// - Returns: the chart, its table one line per row: the points' count, mean absolute value, lowest and highest
  ///   (every point would be rows × observations cells; the page's own tables list them).
  /// - Complexity: linear in rows × observations.
  public static func beeswarm(title: String, rows: [BeeswarmRow], pointNames: [String], xLabel: String, labelName: String = "") -> Chart {
    let rowHeight = 22.0, labelWidth = 150.0, plotWidth = 200.0, top = 28.0
    let bottom = top + rowHeight * Double(rows.count)
    var limit = 0.0
    for row in rows { for v in row.values where v.isFinite { limit = max(limit, abs(v)) } }
    limit = max(limit, 1e-12)
    func x(_ v: Double) -> Double { labelWidth + (v + limit) / (2 * limit) * plotWidth }
    var svg = open(title: title, width: labelWidth + plotWidth + 20, height: bottom + 36)
    svg += "<line x1=\"\(f(x(0)))\" x2=\"\(f(x(0)))\" y1=\"\(f(top))\" y2=\"\(f(bottom))\" stroke=\"#999\"/>"
    svg += axis(ticks: [-limit, 0, limit], at: x, y: bottom, label: xLabel, labelX: x(0))
    for (position, row) in rows.enumerated() {
      let y = top + rowHeight * Double(position)
      svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + 14))\" font-size=\"11\" text-anchor=\"end\">\(escapeHTML(truncated(row.label, rowLabelLength)))</text>"
      var low = Double.infinity, high = -Double.infinity
      for v in row.colorValues ?? [] where v.isFinite {
        low = min(low, v)
        high = max(high, v)
      }
      for (r, value) in row.values.enumerated() where value.isFinite {
        let jitter = Double((r * 7919) % 13) / 13 * (rowHeight - 8) + 4
        var fill = "#888"
        // t is NaN only when high − low overflows to inf; such a point stays grey.
        if let shade = row.colorValues?[r], shade.isFinite, high > low, case let t = (shade - low) / (high - low), t.isFinite {
          fill = "rgb(\(Int(30 + 225 * t)),\(Int(80 * (1 - t) + 30)),\(Int(230 * (1 - t) + 25)))"
        }
        svg += "<circle cx=\"\(f(x(value)))\" cy=\"\(f(y + jitter))\" r=\"2.4\" fill=\"\(fill)\"><title>\(escapeHTML(pointNames[r])): \(formatValue(value))</title></circle>"
      }
    }
    let summary = rows.map { row -> [String] in
      let finite = row.values.filter(\.isFinite)
      let meanAbsolute = finite.isEmpty ? Double.nan : finite.reduce(0) { $0 + abs($1) } / Double(finite.count)
      return [row.label, String(finite.count), Chart.cell(meanAbsolute), Chart.cell(finite.min() ?? .nan), Chart.cell(finite.max() ?? .nan)]
    }
    return Chart(title: title, svg: svg + "</svg>", header: [labelName, "points", "mean |\(xLabel)|", "lowest", "highest"], rows: summary)
  }
}
