import CandorCore
import CandorExplain
import Foundation

/// Reports of `candor explain`: pages and stdout summaries.
public enum ExplainPage {
  // MARK: - Permutation importance

  public static func permutationText(_ result: PermutationImportance) -> String {
    var lines = ["Permutation importance (\(result.scorer.rawValue), baseline \(formatValue(result.baselineScore)), \(result.repeats) repeats, seed \(result.seed)):"]
    let width = max(8, (result.features.map(\.count).max() ?? 0) + 2)
    for name in result.features.sorted(by: { result.importances[$0]!.mean > result.importances[$1]!.mean }) {
      let i = result.importances[name]!
      lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0)
        + "\(formatValue(i.mean))  ± \(formatValue(i.std))  [\(formatValue(i.ciLow)), \(formatValue(i.ciHigh))]")
    }
    return lines.joined(separator: "\n")
  }

  public static func permutationHTML(_ result: PermutationImportance, source: String) -> String {
    var page = HTMLPage(title: "Permutation importance")
    page.paragraph("Data: \(source). Importance = drop in \(result.scorer.rawValue) when a feature's values are shuffled (baseline "
      + "\(formatValue(result.baselineScore)), \(result.repeats) repeats, seed \(result.seed)). Whiskers: 95% interval of the mean.")
    let names = result.features.sorted { result.importances[$0]!.mean > result.importances[$1]!.mean }
    page.append(svg: SVGChart.bars(title: "importance (\(result.scorer.rawValue))", labels: names, values: names.map { result.importances[$0]!.mean },
                                   intervals: names.map { [result.importances[$0]!.ciLow, result.importances[$0]!.ciHigh] }, reference: 0,
                                   referenceLabel: "no effect"))
    page.table(header: ["feature", "mean", "std", "95% low", "95% high"], rows: names.map { n in
      let i = result.importances[n]!
      return [n, formatValue(i.mean), formatValue(i.std), formatValue(i.ciLow), formatValue(i.ciHigh)]
    })
    return page.rendered()
  }

  // MARK: - KernelSHAP

  public static func shapText(_ result: KernelSHAP) -> String {
    var lines = ["KernelSHAP (\(result.exact ? "exact: every coalition" : "\(result.nsamples) coalitions per row"), link \(result.link.rawValue), "
      + "\(result.rows.count) rows); base value \(result.baseValue.map { formatValue($0) }.joined(separator: ", "))."]
    if let k = result.maxFeatures { lines.append("Feature selection: only the \(k) largest |φ| per row were estimated (--max-features); the others are 0.") }
    if let t = result.tolerance {
      let met = result.rows.filter { $0.stoppedBy != .budget }.count
      lines.append("Tolerance \(formatValue(t)): \(met) of \(result.rows.count) rows reached it; the others spent the budget of \(result.nsamples) coalitions.")
    }
    lines.append("Mean |φ| by feature:")
    let width = max(8, (result.features.map(\.count).max() ?? 0) + 2)
    for name in result.features.sorted(by: { result.meanAbs[$0]![0] > result.meanAbs[$1]![0] }) {
      lines.append("  " + name.padding(toLength: width, withPad: " ", startingAt: 0) + result.meanAbs[name]!.map { formatValue($0) }.joined(separator: "  "))
    }
    return lines.joined(separator: "\n")
  }

  public static func shapHTML(_ result: KernelSHAP, explained: Table, source: String) -> String {
    var page = HTMLPage(title: "KernelSHAP explanations")
    page.paragraph("Data: \(source). \(result.rows.count) rows explained against the background; "
      + (result.exact ? "every coalition enumerated (exact Shapley values)." : "\(result.nsamples) coalitions per row, standard errors by jackknife.")
      + " Link: \(result.link.rawValue). Base value: \(result.baseValue.map { formatValue($0) }.joined(separator: ", ")).")
    for (k, output) in result.outputs.enumerated() {
      if result.outputs.count > 1 { page.heading("Output \(output)") }
      let order = result.features.indices.sorted { result.meanAbs[result.features[$0]]![k] > result.meanAbs[result.features[$1]]![k] }
      page.openGrid()
      page.append(svg: SVGChart.bars(title: "mean |φ|", labels: order.map { result.features[$0] }, values: order.map { result.meanAbs[result.features[$0]]![k] }))
      page.append(svg: beeswarm(result, output: k, order: order, explained: explained))
      page.closeGrid()
      page.heading("Rows", level: 3)
      page.openGrid()
      for row in result.rows.prefix(12) {
        page.append(svg: waterfall(result, row: row, output: k))
      }
      page.closeGrid()
    }
    return page.rendered()
  }

  /// One dot per explained row and feature at its φ, coloured by the feature's value (blue low, red high;
  /// grey for categorical features).
  static func beeswarm(_ result: KernelSHAP, output k: Int, order: [Int], explained: Table) -> String {
    let rowHeight = 22.0, labelWidth = 150.0, plotWidth = 200.0, top = 28.0
    let all = result.rows.flatMap { $0.values[k] }
    let limit = max(all.map(abs).max() ?? 1, 1e-12)
    func x(_ v: Double) -> Double { labelWidth + (v + limit) / (2 * limit) * plotWidth }
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(labelWidth + plotWidth + 20)) \(Int(top + rowHeight * Double(order.count) + 20))\" role=\"img\" aria-label=\"SHAP summary\">"
    svg += "<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"600\">φ by feature (colour: feature value)</text>"
    svg += "<line x1=\"\(x(0))\" x2=\"\(x(0))\" y1=\"\(top)\" y2=\"\(top + rowHeight * Double(order.count))\" stroke=\"#999\"/>"
    for (position, j) in order.enumerated() {
      let name = result.features[j]
      let y = top + rowHeight * Double(position)
      svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 14)\" font-size=\"11\" text-anchor=\"end\">\(escapeHTML(name))</text>"
      let column = explained[name]
      var numbers: [Double] = []
      if case let .numeric(numeric)? = column { numbers = result.rows.map { numeric.values[$0.row] } }
      let low = numbers.min() ?? 0, high = numbers.max() ?? 1
      for (r, row) in result.rows.enumerated() {
        let jitter = Double((r * 7919) % 13) / 13 * (rowHeight - 8) + 4
        var color = "#888"
        if !numbers.isEmpty, high > low {
          let t = (numbers[r] - low) / (high - low)
          color = "rgb(\(Int(30 + 225 * t)),\(Int(80 * (1 - t) + 30)),\(Int(230 * (1 - t) + 25)))"
        }
        svg += "<circle cx=\"\(String(format: "%.1f", x(row.values[k][j])))\" cy=\"\(String(format: "%.1f", y + jitter))\" r=\"2.4\" fill=\"\(color)\"><title>row \(row.row): \(formatValue(row.values[k][j]))</title></circle>"
      }
    }
    return svg + "</svg>"
  }

  /// From the base value to the prediction, one bar per feature (largest |φ| first).
  static func waterfall(_ result: KernelSHAP, row: KernelSHAP.RowExplanation, output k: Int) -> String {
    let order = result.features.indices.sorted { abs(row.values[k][$0]) > abs(row.values[k][$1]) }.prefix(12)
    let base = result.baseValue[k]
    var running = base
    var starts: [Double] = [], ends: [Double] = []
    for j in order {
      starts.append(running)
      running += row.values[k][j]
      ends.append(running)
    }
    let points = starts + ends + [base]
    let low = points.min()!, high = max(points.max()!, low + 1e-12)
    let rowHeight = 20.0, labelWidth = 130.0, plotWidth = 180.0, top = 28.0
    func x(_ v: Double) -> Double { labelWidth + (v - low) / (high - low) * plotWidth }
    var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(labelWidth + plotWidth + 60)) \(Int(top + rowHeight * Double(order.count) + 24))\" role=\"img\" aria-label=\"row \(row.row)\">"
    svg += "<text x=\"0\" y=\"16\" font-size=\"12\" font-weight=\"600\">row \(row.row): \(formatValue(base)) → \(formatValue(running))</text>"
    for (position, j) in order.enumerated() {
      let y = top + rowHeight * Double(position)
      let a = x(starts[position]), b = x(ends[position])
      let color = row.values[k][j] >= 0 ? "#d62728" : "#1f77b4"
      svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 13)\" font-size=\"10\" text-anchor=\"end\">\(escapeHTML(result.features[j]))</text>"
      svg += "<rect x=\"\(String(format: "%.1f", min(a, b)))\" y=\"\(y + 3)\" width=\"\(String(format: "%.1f", max(abs(b - a), 0.5)))\" height=\"\(rowHeight - 6)\" fill=\"\(color)\"><title>\(escapeHTML(result.features[j])): \(formatValue(row.values[k][j])) ± \(formatValue(row.stdErrors[k][j]))</title></rect>"
      svg += "<text x=\"\(String(format: "%.1f", labelWidth + plotWidth + 6))\" y=\"\(y + 13)\" font-size=\"9\">\(formatValue(row.values[k][j], decimals: 3))</text>"
    }
    return svg + "</svg>"
  }

  // MARK: - PDP / ICE / ALE

  public static func effectsText(_ result: FeatureEffects) -> String {
    var lines = [result.method == .ale ? "Accumulated local effects:" : "Partial dependence (average over rows):"]
    for name in result.features.keys.sorted() {
      let curve = result.features[name]!
      let xs = curve.grid.map { $0.map { formatValue($0) } } ?? curve.levels ?? []
      lines.append("  \(name): " + zip(xs, curve.average).map { "\($0)→\(formatValue($1))" }.joined(separator: ", "))
    }
    return lines.joined(separator: "\n")
  }

  public static func effectsHTML(_ result: FeatureEffects, source: String) -> String {
    var page = HTMLPage(title: result.method == .ale ? "Accumulated local effects" : "Partial dependence and ICE")
    page.paragraph("Data: \(source). " + (result.method == .ale
      ? "ALE (Apley & Zhu 2020): the accumulated average change of the output across quantile bins, centred at 0."
      : "PDP: the average output with the feature set to each grid value; thin lines: individual rows (ICE)."))
    page.openGrid()
    for name in result.features.keys.sorted() {
      let curve = result.features[name]!
      if let grid = curve.grid {
        let ice = (curve.individual ?? []).prefix(50).enumerated().map { r, values in
          SVGChart.Series(name: r == 0 ? "ICE (first 50 rows)" : "", points: zip(grid, values).map { (x: $0, y: $1) }, color: "#c8c8c8")
        }
        let average = SVGChart.Series(name: result.method == .ale ? "ALE" : "average", points: zip(grid, curve.average).map { (x: $0, y: $1) },
                                      markers: true)
        page.append(svg: SVGChart.xy(title: name, series: [average] + ice, xLabel: name, yLabel: result.method == .ale ? "effect" : "prediction"))
      } else if let levels = curve.levels {
        page.append(svg: SVGChart.bars(title: name, labels: levels, values: curve.average))
      }
    }
    page.closeGrid()
    return page.rendered()
  }
}
