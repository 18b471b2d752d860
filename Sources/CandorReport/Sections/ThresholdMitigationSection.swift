import CandorCore
import CandorFairness

/// Threshold optimization (Hardt et al. 2016, as Fairlearn's `ThresholdOptimizer`): the randomized policy per
/// group, the evaluation before and after, the trade-off curves with the chosen operating points, and the
/// accuracy–disparity sweep when one was run.
public struct ThresholdMitigationSection: ReportSection {
  public var result: ThresholdMitigationResult
  /// The trade-off curve per group (points `[x, y]`), as the fit returned them.
  public var hulls: [String: [[Double]]]
  /// The data the policy was fitted on, as the user named it.
  public var source: String

  public init(_ result: ThresholdMitigationResult, hulls: [String: [[Double]]], source: String) {
    self.result = result
    self.hulls = hulls
    self.source = source
  }

  public var title: String { "Threshold optimization: \(result.constraint.rawValue)" }
  public var anchor: String { "threshold" }

  public func render(into page: inout HTMLWriter) {
    page.paragraph("Fitted on \(source). Constraint \(result.constraint.rawValue), objective \(result.objective.rawValue), groups by "
      + "\(Grouping.key(result.sensitiveFeatures)); "
      + (result.isGridSearch ? "Fairlearn's grid search (\((result.search.gridSize ?? 0) + 1) points)" : "exact search with tolerance \(result.search.tolerance ?? 0)")
      + (result.search.flip ? ", flipped thresholds allowed." : "."))
    page.heading("Policy")
    let groups = result.policy.keys.sorted()
    page.table(caption: "Thresholds by group (Fairlearn\u{2019}s ThresholdOptimizer policy)", header: ["group", "p0", "threshold0", "p1", "threshold1", "p_ignore", "prediction_constant"], rows: groups.map { g in
      let r = result.policy[g]!
      return [g, formatValue(r.p0), r.operator0.rawValue + " " + formatValue(r.threshold0, decimals: 6), formatValue(r.p1),
              r.operator1.rawValue + " " + formatValue(r.threshold1, decimals: 6),
              formatValue(r.pIgnore), formatValue(r.predictionConstant)]
    })
    page.note("A row of the group is predicted positive with probability p_ignore·prediction_constant + (1 − p_ignore)·"
      + "(p0·[score op0 threshold0] + p1·[score op1 threshold1]), each threshold column giving its operator: > selects the "
      + "scores above it, < (a flipped threshold) those below it.")
    result.evaluation?.render(heading: "Before and after (evaluation data, in expectation)", into: &page)
    page.heading("Trade-off curves by group and the chosen operating points")
    page.grid { page in
      page.figure(tradeoffCurves(groups))
      if let sweep = result.sweep { page.figure(sweepChart(sweep)) }
    }
    if let sweep = result.sweep {
      page.table(caption: "Accuracy and disparity of each point of the trade-off", header: ["point", "accuracy", result.disparityName], rows: sweep.map { [$0.label, formatValue($0.accuracy), formatValue($0.disparity)] })
    }
  }

  // MARK: - Charts

  /// Each group's curve (ROC hulls for equalized odds) with its chosen operating point ringed.
  private func tradeoffCurves(_ groups: [String]) -> Chart {
    let isROC = result.isEqualizedOdds
    return SVGChart.xy(
      title: isROC ? "ROC convex hulls" : "\(result.constrainedMetricName) vs objective",
      series: groups.compactMap { g in hulls[g].map { SVGChart.Series(name: g, points: $0.map { (x: $0[0], y: $0[1]) }, markers: true) } },
      highlights: groups.compactMap { g in result.fit.operatingPoints[g].map { (x: $0[0], y: $0[1], label: "\(g) chosen") } },
      xLabel: isROC ? "false positive rate" : result.constrainedMetricName, yLabel: isROC ? "true positive rate" : result.objective.rawValue,
      xDomain: (0, 1), yDomain: isROC ? (0, 1) : nil, diagonal: isROC)
  }

  /// Accuracy against disparity as the constraint is relaxed, beside the reference models.
  private func sweepChart(_ sweep: [ThresholdMitigationResult.TradeoffPoint]) -> Chart {
    let relaxed = sweep.filter { $0.tolerance != nil }, references = sweep.filter { $0.tolerance == nil }
    let fitted = result.search.tolerance ?? 0
    let chosen = relaxed.min { abs(($0.tolerance ?? 0) - fitted) < abs(($1.tolerance ?? 0) - fitted) }
    return SVGChart.xy(
      title: "Accuracy vs \(result.disparityName)",
      series: [SVGChart.Series(name: "relaxed constraint, tolerance 0 → \(formatValue(relaxed.last?.tolerance ?? 0, decimals: 2))",
                               points: relaxed.map { (x: $0.disparity, y: $0.accuracy) }, markers: true),
               SVGChart.Series(name: "reference points", points: references.map { (x: $0.disparity, y: $0.accuracy) }, line: false, markers: true)],
      highlights: (chosen.map { [(x: $0.disparity, y: $0.accuracy, label: "chosen (\($0.label))")] } ?? [])
        + references.map { (x: $0.disparity, y: $0.accuracy, label: $0.label) },
      xLabel: result.disparityName, yLabel: "accuracy")
  }
}
