import CandorCore
import CandorFairness

/// Reweighing (Kamiran & Calders 2012): the weights and label rates by group, and, when the retrained model
/// was evaluated, the original and retrained models side by side.
public struct ReweighingSection: ReportSection {
  public var reweighing: Reweighing
  public var evaluation: MitigationComparison?
  /// The data file the weights were fitted on, as the user named it.
  public var source: String

  public init(_ reweighing: Reweighing, evaluation: MitigationComparison?, source: String) {
    self.reweighing = reweighing
    self.evaluation = evaluation
    self.source = source
  }

  public var title: String { "Reweighing by \(Grouping.key(reweighing.sensitiveFeatures))" }
  public var anchor: String { "reweighing" }

  public func render(into page: inout HTMLWriter) {
    let r = reweighing
    page.paragraph("Data: \(source). Each row of group g with label y gets weight P(g)·P(y)/P(g, y) (Kamiran & Calders 2012), "
      + "which makes label and group independent under the weights. Overall label rate \(formatValue(r.overallLabelRate)).")
    page.table(caption: "Counts, weights and label rates by group and label", header: ["group", "n (y=0)", "n (y=1)", "weight (y=0)", "weight (y=1)", "label rate before", "weighted label rate after"],
               rows: r.groups.map { g in
                 [g, formatValue(r.counts[g]!["0"]!), formatValue(r.counts[g]!["1"]!), formatValue(r.weights[g]!["0"]!),
                  formatValue(r.weights[g]!["1"]!), formatValue(r.labelRateByGroupBefore[g]!), formatValue(r.weightedLabelRateByGroupAfter[g]!)]
               })
    page.figure(SVGChart.bars(title: "label rate by group before reweighing", labels: r.groups,
                                   values: r.groups.map { r.labelRateByGroupBefore[$0]! }, reference: r.overallLabelRate, labelName: "group"))
    evaluation?.render(heading: "Original vs retrained model (evaluation data)", into: &page)
  }
}
