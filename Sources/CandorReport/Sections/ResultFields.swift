import CandorExplain
import CandorFairness

// Readings of result fields that pages and summaries branch on, named for what they mean on a page.

extension FeatureEffects {
  /// Accumulated local effects rather than partial dependence.
  var isAccumulatedLocalEffects: Bool { method == .ale }
}

extension ThresholdMitigationResult {
  /// Fairlearn's grid search rather than the exact search.
  var isGridSearch: Bool { search.mode == .grid }
  /// Equalized odds, whose trade-off curves are ROC curves.
  var isEqualizedOdds: Bool { constraint == .equalizedOdds }
  /// The rate the constraint equalizes (the x axis of its trade-off curves).
  var constrainedMetricName: String { constraint.metricName.rawValue }
}

extension KernelSHAP.RowExplanation {
  /// Whether the row stopped because the coalition budget ran out (not exact, not within tolerance).
  var spentBudget: Bool { stoppedBy == .budget }
}

extension FairnessReport {
  /// The task in words ("binary classification").
  var taskDescription: String { task.words }
  /// The metrics' names, as the JSON and the tables name them.
  var metricNames: [String] { metrics.map(\.rawValue) }
}
