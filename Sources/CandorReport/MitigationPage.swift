import CandorFairness
import CandorModels
import Foundation

/// Reports of `candor mitigate`: pages and stdout summaries.
public enum MitigationPage {
  static let comparedRates = ["selection_rate", "true_positive_rate", "false_positive_rate"]

  // MARK: - Shared pieces

  static func comparisonTable(_ page: inout HTMLPage, _ evaluation: MitigationComparison) {
    let names = ["accuracy", "balanced_accuracy", "demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"]
    func value(_ block: MitigationBlock, _ name: String) -> Double {
      name == "accuracy" ? block.accuracy : name == "balanced_accuracy" ? block.balancedAccuracy : block.disparities[name] ?? .nan
    }
    page.table(header: ["", "before", "after", "change"], rows: names.map { name in
      let before = value(evaluation.before, name), after = value(evaluation.after, name)
      return [name, formatValue(before), formatValue(after), formatValue(after - before)]
    })
  }

  static func groupBars(_ page: inout HTMLPage, _ evaluation: MitigationComparison) {
    page.openGrid()
    for metric in comparedRates {
      guard let before = evaluation.before.byGroup[metric], let after = evaluation.after.byGroup[metric] else { continue }
      let groups = before.keys.sorted()
      page.append(svg: SVGChart.bars(title: "\(metric): before → after",
                                     labels: groups.flatMap { ["\($0) before", "\($0) after"] },
                                     values: groups.flatMap { [before[$0] ?? .nan, after[$0] ?? .nan] }))
    }
    page.closeGrid()
  }

  static func comparisonText(_ evaluation: MitigationComparison) -> [String] {
    let before = evaluation.before, after = evaluation.after
    let groups = (before.byGroup["selection_rate"] ?? [:]).keys.sorted()
    let width = max(31, (groups.map { "selection_rate \($0)".count }.max() ?? 0) + 2)
    var lines = [String(repeating: " ", count: width) + "before    after"]
    func row(_ name: String, _ a: Double, _ b: Double) -> String {
      name.padding(toLength: width, withPad: " ", startingAt: 0) + formatValue(a).padding(toLength: 10, withPad: " ", startingAt: 0) + formatValue(b)
    }
    lines.append(row("accuracy", before.accuracy, after.accuracy))
    lines.append(row("balanced_accuracy", before.balancedAccuracy, after.balancedAccuracy))
    for name in ["demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"] {
      lines.append(row(name, before.disparities[name] ?? .nan, after.disparities[name] ?? .nan))
    }
    for group in groups {
      lines.append(row("selection_rate \(group)", before.byGroup["selection_rate"]![group]!, after.byGroup["selection_rate"]![group] ?? .nan))
    }
    return lines
  }

  // MARK: - Threshold optimization

  public static func thresholdText(_ result: ThresholdMitigationResult) -> String {
    var lines = ["Threshold optimization: \(result.constraint.rawValue), objective \(result.objective.rawValue), groups by \(result.sensitiveFeatures.joined(separator: "|")), "
      + (result.search.mode == .grid ? "grid of \((result.search.gridSize ?? 0) + 1) points." : "exact search, tolerance \(result.search.tolerance ?? 0).")]
    for group in result.policy.keys.sorted() {
      let rule = result.policy[group]!
      var text = "  \(group): p0 \(formatValue(rule.p0)) at score > \(formatValue(rule.threshold0, decimals: 6)), p1 \(formatValue(rule.p1)) at score > \(formatValue(rule.threshold1, decimals: 6))"
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
      for point in sweep { lines.append("  \(point.label): accuracy \(formatValue(point.accuracy)), disparity \(formatValue(point.disparity))") }
    }
    return lines.joined(separator: "\n")
  }

  public static func thresholdHTML(_ result: ThresholdMitigationResult, hulls: [String: [[Double]]], source: String) -> String {
    var page = HTMLPage(title: "Threshold optimization: \(result.constraint.rawValue)")
    page.paragraph("Fitted on \(source). Constraint \(result.constraint.rawValue), objective \(result.objective.rawValue), groups by "
      + "\(result.sensitiveFeatures.joined(separator: "|")); "
      + (result.search.mode == .grid ? "Fairlearn's grid search (\((result.search.gridSize ?? 0) + 1) points)." : "exact search with tolerance \(result.search.tolerance ?? 0)."))
    page.heading("Policy")
    let groups = result.policy.keys.sorted()
    page.table(header: ["group", "p0", "threshold0", "p1", "threshold1", "p_ignore", "prediction_constant"], rows: groups.map { g in
      let r = result.policy[g]!
      return [g, formatValue(r.p0), formatValue(r.threshold0, decimals: 6), formatValue(r.p1), formatValue(r.threshold1, decimals: 6),
              formatValue(r.pIgnore), formatValue(r.predictionConstant)]
    })
    page.paragraph("A row of the group is predicted positive with probability p_ignore·prediction_constant + (1 − p_ignore)·"
      + "(p0·[score > threshold0] + p1·[score > threshold1]).", className: "note")
    if let evaluation = result.evaluation {
      page.heading("Before and after (evaluation data, in expectation)")
      comparisonTable(&page, evaluation)
      groupBars(&page, evaluation)
    }
    page.heading("Trade-off curves by group and the chosen operating points")
    let isROC = result.constraint == .equalizedOdds
    let xName = result.constraint.metricName.rawValue
    page.openGrid()
    page.append(svg: SVGChart.xy(
      title: isROC ? "ROC convex hulls" : "\(xName) vs objective",
      series: groups.compactMap { g in hulls[g].map { SVGChart.Series(name: g, points: $0.map { (x: $0[0], y: $0[1]) }, markers: true) } },
      highlights: groups.compactMap { g in result.fit.operatingPoints[g].map { (x: $0[0], y: $0[1], label: "\(g) chosen") } },
      xLabel: isROC ? "false positive rate" : xName, yLabel: isROC ? "true positive rate" : result.objective.rawValue,
      xDomain: (0, 1), yDomain: isROC ? (0, 1) : nil, diagonal: isROC))
    if let sweep = result.sweep {
      let relaxed = sweep.filter { $0.tolerance != nil }
      let chosen = relaxed.min { abs(($0.tolerance ?? 0) - (result.search.tolerance ?? 0)) < abs(($1.tolerance ?? 0) - (result.search.tolerance ?? 0)) }
      page.append(svg: SVGChart.xy(
        title: "Accuracy vs \(result.disparityName)",
        series: [SVGChart.Series(name: "relaxed constraint, tolerance 0 → \(formatValue(relaxed.last?.tolerance ?? 0, decimals: 2))",
                                 points: relaxed.map { (x: $0.disparity, y: $0.accuracy) }, markers: true),
                 SVGChart.Series(name: "reference points", points: sweep.filter { $0.tolerance == nil }.map { (x: $0.disparity, y: $0.accuracy) },
                                 line: false, markers: true)],
        highlights: (chosen.map { [(x: $0.disparity, y: $0.accuracy, label: "chosen (\($0.label))")] } ?? [])
          + sweep.filter { $0.tolerance == nil }.map { (x: $0.disparity, y: $0.accuracy, label: $0.label) },
        xLabel: result.disparityName, yLabel: "accuracy"))
    }
    page.closeGrid()
    if let sweep = result.sweep {
      page.table(header: ["point", "accuracy", result.disparityName], rows: sweep.map { [$0.label, formatValue($0.accuracy), formatValue($0.disparity)] })
    }
    return page.rendered()
  }

  // MARK: - Reweighing

  public static func reweighingText(_ reweighing: Reweighing, evaluation: MitigationComparison?) -> String {
    var lines = ["Reweighing (Kamiran & Calders) by \(reweighing.sensitiveFeatures.joined(separator: "|")); overall label rate \(formatValue(reweighing.overallLabelRate))."]
    lines.append("group".padding(toLength: 24, withPad: " ", startingAt: 0) + "weight y=0  weight y=1  label rate before  after")
    for group in reweighing.groups {
      lines.append(group.padding(toLength: 24, withPad: " ", startingAt: 0)
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

  public static func reweighingHTML(_ reweighing: Reweighing, evaluation: MitigationComparison?, source: String) -> String {
    var page = HTMLPage(title: "Reweighing by \(reweighing.sensitiveFeatures.joined(separator: "|"))")
    page.paragraph("Data: \(source). Each row of group g with label y gets weight P(g)·P(y)/P(g, y) (Kamiran & Calders 2012), "
      + "which makes label and group independent under the weights. Overall label rate \(formatValue(reweighing.overallLabelRate)).")
    page.table(header: ["group", "n (y=0)", "n (y=1)", "weight (y=0)", "weight (y=1)", "label rate before", "weighted label rate after"],
               rows: reweighing.groups.map { g in
                 [g, formatValue(reweighing.counts[g]!["0"]!), formatValue(reweighing.counts[g]!["1"]!), formatValue(reweighing.weights[g]!["0"]!),
                  formatValue(reweighing.weights[g]!["1"]!), formatValue(reweighing.labelRateByGroupBefore[g]!),
                  formatValue(reweighing.weightedLabelRateByGroupAfter[g]!)]
               })
    page.append(svg: SVGChart.bars(title: "label rate by group before reweighing", labels: reweighing.groups,
                                   values: reweighing.groups.map { reweighing.labelRateByGroupBefore[$0]! },
                                   reference: reweighing.overallLabelRate))
    if let evaluation {
      page.heading("Original vs retrained model (evaluation data)")
      comparisonTable(&page, evaluation)
      groupBars(&page, evaluation)
    }
    return page.rendered()
  }
}
