import CandorExplain

/// Permutation importance: the mean drop in score per feature as bars with 95% whiskers, then the table.
public struct PermutationImportanceSection: ReportSection {
  public var result: PermutationImportance
  /// The data file, as the user named it.
  public var source: String

  public init(_ result: PermutationImportance, source: String) {
    self.result = result
    self.source = source
  }

  public var title: String { "Permutation importance" }
  public var anchor: String { "permutation-importance" }

  public func render(into page: inout HTMLWriter) {
    page.paragraph("Data: \(source). Importance = drop in \(result.scorer.rawValue) when a feature's values are shuffled (baseline "
      + "\(formatValue(result.baselineScore)), \(result.repeats) repeats, seed \(result.seed)). Whiskers: 95% interval of the mean.")
    for warning in ExplanationWarnings.uncertainImportance(result) { page.warning(HTMLText(words: warning)) }
    let names = result.features.sorted { result.importances[$0]!.mean > result.importances[$1]!.mean }
    let importances = names.map { result.importances[$0]! }
    page.figure(SVGChart.bars(title: "importance (\(result.scorer.rawValue))", labels: names, values: importances.map(\.mean),
                                   intervals: importances.map { [$0.ciLow, $0.ciHigh] }, reference: 0, referenceLabel: "no effect", labelName: "feature"))
    page.table(caption: "Permutation importance by feature (\(result.scorer.rawValue))", header: ["feature", "mean", "std", "95% low", "95% high"], rows: zip(names, importances).map { name, i in
      [name, formatValue(i.mean), formatValue(i.std), formatValue(i.ciLow), formatValue(i.ciHigh)]
    })
  }
}
