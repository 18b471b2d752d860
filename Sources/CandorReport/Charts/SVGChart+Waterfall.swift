extension SVGChart {
  /// From a base value through each contribution in the order given, one bar per label from the running total
  /// before it to the one after (red up, blue down), with the value beside it, a dashed line at the base, and
  /// an axis from the lowest to the highest running total.
  /// - Parameter errors: a standard error per contribution, shown in the bar's tooltip.
  /// `domain`: the value axis's range, to share one scale across several waterfalls (default: this one's totals);
  /// the axis is extended to round ticks either way. The data table lists the base, each contribution with the
  /// running total after it, and the end value.
  public static func waterfall(title: String, base: Double, labels: [String], contributions: [Double], errors: [Double]? = nil,
                               xLabel: String, domain: (low: Double, high: Double)? = nil, labelName: String = "",
                               baseLabel: String = "start (dashed line)") -> Chart {
    precondition(labels.count == contributions.count, "\(labels.count) labels for \(contributions.count) contributions")
    var running = base, totals = [base]
    totals.reserveCapacity(contributions.count + 1)
    for value in contributions {
      running += value
      totals.append(running)
    }
    let finite = totals.filter(\.isFinite)
    let ticks = roundTicks(domain?.low ?? finite.min() ?? 0, domain?.high ?? finite.max() ?? 1, count: 3)
    let low = ticks.first!, high = max(ticks.last!, low + 1e-12)
    // Labels are "feature = value": room for about 40 characters at font size 10.
    let rowHeight = 20.0, labelWidth = 225.0, plotWidth = 180.0, top = 28.0
    let bottom = top + rowHeight * Double(labels.count)
    func x(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
    var svg = open(title: title, width: labelWidth + plotWidth + 60, height: bottom + 36)
    svg += "<line x1=\"\(f(x(base)))\" x2=\"\(f(x(base)))\" y1=\"\(f(top))\" y2=\"\(f(bottom))\" stroke=\"#999\" stroke-dasharray=\"3 3\"/>"
    svg += axis(ticks: ticks, at: x, y: bottom, label: xLabel, labelX: labelWidth + plotWidth / 2, round: true)
    for (position, label) in labels.enumerated() {
      let y = top + rowHeight * Double(position), value = contributions[position]
      let a = x(totals[position]), b = x(totals[position + 1])
      let error = errors.map { " ± \(formatValue($0[position]))" } ?? ""
      svg += "<text x=\"\(f(labelWidth - 6))\" y=\"\(f(y + 13))\" font-size=\"10\" text-anchor=\"end\">\(escapeHTML(truncated(label, 40)))</text>"
      svg += "<rect x=\"\(f(min(a, b)))\" y=\"\(f(y + 3))\" width=\"\(f(max(abs(b - a), 0.5)))\" height=\"\(f(rowHeight - 6))\" "
        + "fill=\"\(value >= 0 ? "#d62728" : "#1f77b4")\"><title>\(escapeHTML(label)): \(formatValue(value))\(error)</title></rect>"
      svg += "<text x=\"\(f(labelWidth + plotWidth + 6))\" y=\"\(f(y + 13))\" font-size=\"9\">\(formatValue(value, decimals: 3))</text>"
    }
    let blank = errors == nil ? [] : [""]
    var rows = [[baseLabel, "", Chart.cell(base)] + blank]
    for (k, label) in labels.enumerated() {
      rows.append([label, Chart.cell(contributions[k]), Chart.cell(totals[k + 1])] + (errors.map { [Chart.cell($0[k])] } ?? []))
    }
    rows.append(["end", "", Chart.cell(totals.last!)] + blank)
    return Chart(title: title, svg: svg + "</svg>", header: [labelName, "contribution", "running total (\(xLabel))"] + (errors == nil ? [] : ["standard error"]), rows: rows)
  }
}
