import CandorCore
import Foundation
import CandorExplain

/// Shapley-value explanations (KernelSHAP or TreeSHAP), per model output: mean |φ| by feature, a beeswarm of every
/// explained row's φ coloured by the feature's value, and a waterfall for each of the first rows.
public struct ShapleyValuesSection: ReportSection {
  /// Rows drawn as waterfalls, and features in each.
  static let waterfallRows = 12, waterfallFeatures = 12

  /// One explained row: values[output][feature], and standard errors when estimated.
  public struct Row: Sendable {
    public var row: Int
    public var values: [[Double]]
    public var errors: [[Double]]?
  }

  public let title: String
  public let anchor: String
  /// How the values were computed, in a sentence or two.
  let method: HTMLText
  /// The outputs' scale for axis labels ("" for the model's output, " (logit)", " (margin)").
  let scale: String
  let features: [String]
  let outputs: [String]
  let baseValue: [Double]
  let rows: [Row]
  let meanAbs: [String: [Double]]
  /// Players the model never uses (φ = 0 exactly).
  let notRead: [String]
  /// What the estimates call for (`ExplanationWarnings.uncertainShapley`); none for exact values.
  let warnings: [String]
  /// The explained rows' table (indexed by `Row.row`, or through `explainedPositions`), for the feature values that
  /// colour the dots.
  public var explained: Table
  /// Where each explained row number is in `explained` when that table holds the explained rows only (a merged
  /// sharded run's excerpt); nil: `explained` is the whole data.
  public var explainedPositions: [Int: Int]?

  /// The row of `explained` holding data row `row`.
  func position(_ row: Int) -> Int? {
    let at: Int? = explainedPositions == nil ? row : explainedPositions![row]
    guard let at, at < explained.rowCount else { return nil }
    return at
  }
  /// The data file, as the user named it.
  public var source: String

  public init(_ result: KernelSHAP, explained: Table, source: String) {
    title = "KernelSHAP explanations"
    anchor = "kernelshap"
    method = HTMLText(words: (result.exact ? "every coalition enumerated (exact Shapley values)."
      : "\(result.nsamples) coalitions per row, standard errors by jackknife.") + " Link: \(result.link.rawValue).")
    scale = result.link == .identity ? "" : " (\(result.link.rawValue))"
    (features, outputs, baseValue, meanAbs) = (result.features, result.outputs, result.baseValue, result.meanAbs)
    rows = result.rows.map { Row(row: $0.row, values: $0.values, errors: $0.stdErrors) }
    notRead = result.featuresNotRead ?? []
    warnings = ExplanationWarnings.uncertainShapley(result)
    self.explained = explained
    self.source = source
  }

  public init(_ result: TreeSHAP, explained: Table, source: String) {
    title = "TreeSHAP explanations"
    anchor = "treeshap"
    method = HTMLText(words: "exact interventional Shapley values of the trees (Lundberg et al. 2020) against \(result.backgroundRows) "
      + "background rows, on the trees' margin: their score before the model's link (log-odds for a boosted classifier, "
      + "the probability itself for a forest that averages its trees' probabilities).")
    scale = " (margin)"
    (features, outputs, baseValue, meanAbs) = (result.features, result.outputs, result.baseValue, result.meanAbs)
    rows = result.rows.map { Row(row: $0.row, values: $0.values, errors: nil) }
    notRead = result.featuresNotRead ?? []
    warnings = []
    self.explained = explained
    self.source = source
  }

  public func render(into page: inout HTMLWriter) {
    let data: HTMLText = "Data: \(source). \(rows.count) rows explained against the background; "
    let base: HTMLText = " Base value: \(baseValue.map { formatValue($0) }.joined(separator: ", "))."
    page.paragraph(data + method + base)
    if !notRead.isEmpty { page.note("The model never uses \(list: notRead): φ = 0 for every row.") }
    for warning in warnings { page.warning(HTMLText(words: warning)) }
    let depth = outputs.count > 1 ? 2 : 1
    for (k, output) in outputs.enumerated() {
      if outputs.count > 1 { page.heading("Output \(output)") }
      let order = features.indices.sorted { meanAbs[features[$0]]![k] > meanAbs[features[$1]]![k] }
      page.grid { page in
        page.figure(SVGChart.bars(title: "mean |φ|", labels: order.map { features[$0] },
                                       values: order.map { meanAbs[features[$0]]![k] }, labelName: "feature"))
        page.figure(beeswarm(output: k, order: order))
      }
      page.heading("Rows", depth: depth)
      page.note("Each row's largest contributions, from the base value to its prediction, all on one scale; each bar is labelled with the row's value of the feature.")
      page.grid { page in
        let domain = sharedDomain(output: k)
        for row in rows.prefix(Self.waterfallRows) { page.figure(waterfall(row, output: k, domain: domain)) }
      }
    }
  }

  /// One dot per explained row and feature at its φ, coloured by the feature's value (grey for categorical
  /// features).
  private func beeswarm(output k: Int, order: [Int]) -> Chart {
    let swarm = order.map { j in
      let name = features[j]
      var shades: [Double]?
      if case let .numeric(column)? = explained[name] { shades = rows.map { position($0.row).map { column.values[$0] } ?? .nan } }
      return SVGChart.BeeswarmRow(label: name, values: rows.map { $0.values[k][j] }, colorValues: shades)
    }
    return SVGChart.beeswarm(title: "φ by feature (colour: feature value)", rows: swarm, pointNames: rows.map { "row \($0.row)" },
                             xLabel: "SHAP value\(scale)", labelName: "feature")
  }

  /// From the base value towards the prediction, the row's largest |φ| first, each bar labelled with the row's
  /// value of the feature (`marital_status = Never-married`); every row's waterfall on the scale of `domain`.
  private func waterfall(_ row: Row, output k: Int, domain: (low: Double, high: Double)) -> Chart {
    let values = row.values[k]
    let steps = Self.waterfallSteps(values)
    let base = baseValue[k]
    let end = steps.reduce(base) { $0 + $1.value }
    let labels = steps.map { step -> String in
      guard let j = step.feature else { return "\(values.count - steps.count + 1) other features" }
      guard let column = try? explained.column(features[j]), let at = position(row.row) else { return features[j] }
      let value = column.text(at: at)
      return features[j] + " = " + (value ?? "missing")
    }
    // On the logit scale the probability beside the log-odds.
    let probability = scale == " (logit)" ? " (P = \(formatValue(1 / (1 + exp(-end)), decimals: 3)))" : ""
    return SVGChart.waterfall(title: "row \(row.row): \(formatValue(base)) → \(formatValue(end))\(probability)", base: base,
                              labels: labels, contributions: steps.map(\.value),
                              errors: row.errors.map { errors in steps.map { $0.feature.map { errors[k][$0] } ?? .nan } },
                              xLabel: "output\(scale)", domain: domain, labelName: "feature = the row's value",
                              baseLabel: "base value (dashed line)")
  }

  /// A waterfall's bars: the largest |φ| first, and when there are more features than `waterfallFeatures`, the
  /// rest added up into one last bar (feature nil), so the bars still end at the prediction — as SHAP's waterfall
  /// plot does with its "N other features".
  static func waterfallSteps(_ values: [Double]) -> [(feature: Int?, value: Double)] {
    let order = values.indices.sorted { abs(values[$0]) > abs(values[$1]) }
    guard order.count > waterfallFeatures else { return order.map { ($0, values[$0]) } }
    let shown = order.prefix(waterfallFeatures - 1)
    return shown.map { ($0, values[$0]) } + [(nil, order.dropFirst(waterfallFeatures - 1).reduce(0) { $0 + values[$1] })]
  }

  /// The range every drawn waterfall of output `k` runs through, so they share one scale.
  private func sharedDomain(output k: Int) -> (low: Double, high: Double) {
    var low = baseValue[k], high = baseValue[k]
    for row in rows.prefix(Self.waterfallRows) {
      var running = baseValue[k]
      for step in Self.waterfallSteps(row.values[k]) where step.value.isFinite {
        running += step.value
        (low, high) = (min(low, running), max(high, running))
      }
    }
    return (low, high)
  }
}
