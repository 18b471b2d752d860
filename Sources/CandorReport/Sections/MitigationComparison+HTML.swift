import CandorFairness

extension MitigationComparison {
  /// The rates compared group by group in the before → after charts.
  static let comparedRates = [FairnessMetric.selectionRate, .truePositiveRate, .falsePositiveRate].map(\.rawValue)

  /// A heading, the before/after table of accuracy and disparities, and before → after bars of the rates by
  /// group: the part the threshold and reweighing sections share.
  func render(heading: HTMLText, into page: inout HTMLWriter) {
    page.heading(heading)
    let names = [FairnessMetric.accuracy.rawValue, FairnessMetric.balancedAccuracy.rawValue] + MitigationEvaluation.disparities.map(\.rawValue)
    func value(_ block: MitigationBlock, _ name: String) -> Double {
      switch name {
      case FairnessMetric.accuracy.rawValue: block.accuracy
      case FairnessMetric.balancedAccuracy.rawValue: block.balancedAccuracy
      default: block.disparities[name] ?? .nan
      }
    }
    page.table(caption: "Before and after mitigation", header: ["", "before", "after", "change"], rows: names.map { name in
      let old = value(before, name), new = value(after, name)
      return [name, formatValue(old), formatValue(new), formatValue(new - old)]
    })
    page.grid { page in
      for metric in Self.comparedRates {
        guard let old = before.byGroup[metric], let new = after.byGroup[metric] else { continue }
        let groups = old.keys.sorted()
        page.figure(SVGChart.bars(title: "\(metric): before → after", labels: groups.flatMap { ["\($0) before", "\($0) after"] },
                                       values: groups.flatMap { [old[$0] ?? .nan, new[$0] ?? .nan] }, labelName: "group"))
      }
    }
  }
}
