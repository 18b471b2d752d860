import CandorCore
import CandorExplain

/// KernelSHAP explanations, per model output: mean |φ| by feature, a beeswarm of every explained row's φ
/// coloured by the feature's value, and a waterfall for each of the first rows.
public struct KernelSHAPSection: ReportSection {
  /// Rows drawn as waterfalls, and features in each.
  static let waterfallRows = 12, waterfallFeatures = 12

  public var result: KernelSHAP
  /// The explained rows' table (indexed by `RowExplanation.row`), for the feature values that colour the dots.
  public var explained: Table
  /// The data file, as the user named it.
  public var source: String

  public init(_ result: KernelSHAP, explained: Table, source: String) {
    self.result = result
    self.explained = explained
    self.source = source
  }

  public var title: String { "KernelSHAP explanations" }
  public var anchor: String { "kernelshap" }

  public func render(into page: inout HTMLWriter) {
    page.paragraph("Data: \(source). \(result.rows.count) rows explained against the background; "
      + (result.exact ? "every coalition enumerated (exact Shapley values)." : "\(result.nsamples) coalitions per row, standard errors by jackknife.")
      + " Link: \(result.link.rawValue). Base value: \(result.baseValue.map { formatValue($0) }.joined(separator: ", ")).")
    let depth = result.outputs.count > 1 ? 2 : 1
    for (k, output) in result.outputs.enumerated() {
      if result.outputs.count > 1 { page.heading("Output \(output)") }
      let order = result.features.indices.sorted { result.meanAbs[result.features[$0]]![k] > result.meanAbs[result.features[$1]]![k] }
      page.grid { page in
        page.figure(svg: SVGChart.bars(title: "mean |φ|", labels: order.map { result.features[$0] },
                                       values: order.map { result.meanAbs[result.features[$0]]![k] }))
        page.figure(svg: beeswarm(output: k, order: order))
      }
      page.heading("Rows", depth: depth)
      page.grid { page in
        for row in result.rows.prefix(Self.waterfallRows) { page.figure(svg: waterfall(row, output: k)) }
      }
    }
  }

  /// The output's scale, for axis labels.
  private var scale: String { result.link == .identity ? "" : " (\(result.link.rawValue))" }

  /// One dot per explained row and feature at its φ, coloured by the feature's value (grey for categorical
  /// features).
  private func beeswarm(output k: Int, order: [Int]) -> String {
    let rows = order.map { j in
      let name = result.features[j]
      var shades: [Double]?
      if case let .numeric(column)? = explained[name] { shades = result.rows.map { column.values[$0.row] } }
      return SVGChart.BeeswarmRow(label: name, values: result.rows.map { $0.values[k][j] }, colorValues: shades)
    }
    return SVGChart.beeswarm(title: "φ by feature (colour: feature value)", rows: rows, pointNames: result.rows.map { "row \($0.row)" },
                             xLabel: "SHAP value\(scale)")
  }

  /// From the base value towards the prediction, the row's largest |φ| first.
  private func waterfall(_ row: KernelSHAP.RowExplanation, output k: Int) -> String {
    let values = row.values[k]
    let order = Array(result.features.indices.sorted { abs(values[$0]) > abs(values[$1]) }.prefix(Self.waterfallFeatures))
    let base = result.baseValue[k]
    let end = order.reduce(base) { $0 + values[$1] }
    return SVGChart.waterfall(title: "row \(row.row): \(formatValue(base)) → \(formatValue(end))", base: base,
                              labels: order.map { result.features[$0] }, contributions: order.map { values[$0] },
                              errors: order.map { row.stdErrors[k][$0] }, xLabel: "output\(scale)")
  }
}
