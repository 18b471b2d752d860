import CandorExplain

/// Partial dependence with ICE curves, or accumulated local effects: one chart per feature (a line over the
/// grid for numeric features, bars over the levels for categorical ones).
public struct FeatureEffectsSection: ReportSection {
  public var result: FeatureEffects
  /// The data file, as the user named it.
  public var source: String
  /// What the data calls for (`ExplanationWarnings.correlatedFeatures`), shown under the method.
  public var warnings: [String]

  public init(_ result: FeatureEffects, source: String, warnings: [String] = []) {
    self.result = result
    self.source = source
    self.warnings = warnings
  }

  public var title: String { result.isAccumulatedLocalEffects ? "Accumulated local effects" : "Partial dependence and ICE" }
  public var anchor: String { "feature-effects" }

  public func render(into page: inout HTMLWriter) {
    let isALE = result.isAccumulatedLocalEffects
    page.paragraph("Data: \(source). " + (isALE
      ? "ALE (Apley & Zhu 2020): the accumulated average change of the output across quantile bins, centred at 0."
      : "PDP: the average output with the feature set to each grid value; thin lines: individual rows (ICE)."))
    for warning in warnings { page.warning(HTMLText(words: warning)) }
    page.grid { page in
      for name in result.features.keys.sorted() {
        let curve = result.features[name]!
        if let grid = curve.grid {
          let ice = (curve.individual ?? []).prefix(50).enumerated().map { r, values in
            SVGChart.Series(name: r == 0 ? "ICE (first 50 rows)" : "", points: zip(grid, values).map { (x: $0, y: $1) }, color: "#c8c8c8")
          }
          let average = SVGChart.Series(name: isALE ? "ALE" : "average", points: zip(grid, curve.average).map { (x: $0, y: $1) }, markers: true)
          page.figure(SVGChart.xy(title: name, series: [average] + ice, xLabel: name, yLabel: isALE ? "effect" : "prediction"))
        } else if let levels = curve.levels {
          page.figure(SVGChart.bars(title: name, labels: levels, values: curve.average, labelName: name))
        }
      }
    }
  }
}
