import CandorCore
import CandorFairness
import CandorModels
import Foundation

/// Reports of `candor mitigate`: pages (`ThresholdMitigationSection`, `ReweighingSection`) and stdout summaries.
public enum MitigationPage {
  // MARK: - Shared pieces

  static func comparisonText(_ evaluation: MitigationComparison) -> [String] {
    let before = evaluation.before, after = evaluation.after
    let selectionRate = FairnessMetric.selectionRate.rawValue
    let groups = (before.byGroup[selectionRate] ?? [:]).keys.sorted()
    let width = max(31, (groups.map { "\(selectionRate) \(printable($0))".count }.max() ?? 0) + 2)
    var lines = [String(repeating: " ", count: width) + "before    after"]
    func row(_ name: String, _ a: Double, _ b: Double) -> String {
      name.padding(toLength: width, withPad: " ", startingAt: 0) + formatValue(a).padding(toLength: 10, withPad: " ", startingAt: 0) + formatValue(b)
    }
    lines.append(row(FairnessMetric.accuracy.rawValue, before.accuracy, after.accuracy))
    lines.append(row(FairnessMetric.balancedAccuracy.rawValue, before.balancedAccuracy, after.balancedAccuracy))
    for name in MitigationEvaluation.disparities.map(\.rawValue) {
      lines.append(row(name, before.disparities[name] ?? .nan, after.disparities[name] ?? .nan))
    }
    for group in groups {
      lines.append(row("\(selectionRate) \(printable(group))", before.byGroup[selectionRate]![group]!, after.byGroup[selectionRate]![group] ?? .nan))
    }
    return lines
  }

  // MARK: - Threshold optimization

  public static func thresholdText(_ result: ThresholdMitigationResult) -> String {
    var lines = ["Threshold optimization: \(result.constraint.rawValue), objective \(result.objective.rawValue), groups by \(printable(Grouping.key(result.sensitiveFeatures))), "
      + (result.isGridSearch ? "grid of \((result.search.gridSize ?? 0) + 1) points" : "exact search, tolerance \(result.search.tolerance ?? 0)")
      + (result.search.flip ? ", flipped thresholds allowed." : ".")]
    for group in result.policy.keys.sorted() {
      let rule = result.policy[group]!
      var text = "  \(printable(group)): p0 \(formatValue(rule.p0)) at score \(rule.operator0.rawValue) \(formatValue(rule.threshold0, decimals: 6)), "
        + "p1 \(formatValue(rule.p1)) at score \(rule.operator1.rawValue) \(formatValue(rule.threshold1, decimals: 6))"
      if rule.pIgnore > 0 { text += ", p_ignore \(formatValue(rule.pIgnore)) (constant \(formatValue(rule.predictionConstant)))" }
      lines.append(text)
    }
    lines.append("Fit: objective \(formatValue(result.fit.yBest))" + (result.fit.xBest.map { " at x = \(formatValue($0))" } ?? "") + ".")
    if let evaluation = result.evaluation {
      lines.append("Evaluation (after: in expectation over the randomized decisions):")
      lines += comparisonText(evaluation)
    }
    if let sweep = result.sweep {
      lines.append("Trade-off (\(result.disparityName)):")
      for point in sweep { lines.append("  \(printable(point.label, limit: nil)): accuracy \(formatValue(point.accuracy)), disparity \(formatValue(point.disparity))") }
    }
    return lines.joined(separator: "\n")
  }

  /// The threshold optimization as a page of its own: `ThresholdMitigationSection` in a one-section document.
  public static func thresholdHTML(_ result: ThresholdMitigationResult, hulls: [String: [[Double]]], source: String) -> String {
    HTMLDocument(ThresholdMitigationSection(result, hulls: hulls, source: source)).rendered()
  }

  // MARK: - Reweighing

  public static func reweighingText(_ reweighing: Reweighing, evaluation: MitigationComparison?) -> String {
    var lines = ["Reweighing (Kamiran & Calders) by \(printable(Grouping.key(reweighing.sensitiveFeatures))); overall label rate \(formatValue(reweighing.overallLabelRate))."]
    let width = max(24, (reweighing.groups.map { printable($0).count }.max() ?? 0) + 2)
    lines.append("group".padding(toLength: width, withPad: " ", startingAt: 0) + "weight y=0  weight y=1  label rate before  after")
    for group in reweighing.groups {
      lines.append(printable(group).padding(toLength: width, withPad: " ", startingAt: 0)
        + formatValue(reweighing.weights[group]!["0"]!).padding(toLength: 12, withPad: " ", startingAt: 0)
        + formatValue(reweighing.weights[group]!["1"]!).padding(toLength: 12, withPad: " ", startingAt: 0)
        + formatValue(reweighing.labelRateByGroupBefore[group]!).padding(toLength: 19, withPad: " ", startingAt: 0)
        + formatValue(reweighing.weightedLabelRateByGroupAfter[group]!))
    }
    if let evaluation {
      lines.append("Evaluation of the original and the retrained model:")
      lines += comparisonText(evaluation)
    }
    return lines.joined(separator: "\n")
  }

  /// The reweighing as a page of its own: `ReweighingSection` in a one-section document.
  public static func reweighingHTML(_ reweighing: Reweighing, evaluation: MitigationComparison?, source: String) -> String {
    HTMLDocument(ReweighingSection(reweighing, evaluation: evaluation, source: source)).rendered()
  }
}
