import CandorExplain
import CandorFairness

// The string-valued result fields that pages and summaries branch on, each read here and nowhere else: when
// a field becomes an enum, its one line below changes.

extension FeatureEffects {
  /// Accumulated local effects rather than partial dependence.
  var isAccumulatedLocalEffects: Bool { method == "ale" }
}

extension ThresholdMitigationResult {
  /// Fairlearn's grid search rather than the exact search.
  var isGridSearch: Bool { search.mode == "grid" }
  /// Equalized odds, whose trade-off curves are ROC curves.
  var isEqualizedOdds: Bool { constraint == FairnessConstraint.equalizedOdds.rawValue }
  /// The rate the constraint equalizes (the x axis of its trade-off curves).
  var constrainedMetricName: String { FairnessConstraint(rawValue: constraint)?.metricName ?? "x" }
}

extension KernelSHAP.RowExplanation {
  /// Whether the row stopped because the coalition budget ran out (not exact, not within tolerance).
  var spentBudget: Bool { stoppedBy == "budget" }
}

extension FairnessReport {
  /// The task in words ("binary classification").
  var taskDescription: String { task.replacingOccurrences(of: "_", with: " ") }
}
