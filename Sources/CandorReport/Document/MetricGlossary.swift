import CandorCore

/// Plain names for the values a report measures and gates name: what each is, in one line, and which direction is
/// bad — for a reviewer who does not read snake_case.
public enum MetricGlossary {
  public struct Entry: Sendable, Equatable {
    public var name: String
    public var meaning: String
    /// "higher is better", "lower is better", or "closer to 1 is fairer".
    public var direction: String

    public init(name: String, meaning: String, direction: String) { (self.name, self.meaning, self.direction) = (name, meaning, direction) }
  }

  static let overall: [String: Entry] = [
    "accuracy": .init(name: "Accuracy", meaning: "share of rows predicted correctly", direction: "higher is better"),
    "balanced_accuracy": .init(name: "Balanced accuracy", meaning: "mean of the true positive and true negative rates", direction: "higher is better"),
    "roc_auc": .init(name: "ROC AUC", meaning: "chance a random positive row scores above a random negative one", direction: "higher is better"),
    "selection_rate": .init(name: "Selection rate", meaning: "share of rows predicted positive", direction: "neither: a context value"),
    "precision": .init(name: "Precision", meaning: "share of predicted positives that are positive", direction: "higher is better"),
    "true_positive_rate": .init(name: "True positive rate (recall)", meaning: "share of positives predicted positive", direction: "higher is better"),
    "false_positive_rate": .init(name: "False positive rate", meaning: "share of negatives predicted positive", direction: "lower is better"),
    "true_negative_rate": .init(name: "True negative rate", meaning: "share of negatives predicted negative", direction: "higher is better"),
    "false_negative_rate": .init(name: "False negative rate", meaning: "share of positives predicted negative", direction: "lower is better"),
    "log_loss": .init(name: "Log loss", meaning: "mean negative log-probability of the true class", direction: "lower is better"),
    "brier_score": .init(name: "Brier score", meaning: "mean squared error of the predicted probability", direction: "lower is better"),
    "expected_calibration_error": .init(name: "Expected calibration error", meaning: "mean gap between predicted and observed positive rates, by score bin", direction: "lower is better"),
    "count": .init(name: "Rows", meaning: "rows measured", direction: "neither: a context value"),
    "epsilon_spent": .init(name: "Privacy budget spent (ε)", meaning: "ε the ledger's releases cost together, at its δ", direction: "lower is better"),
    "epsilon_remaining": .init(name: "Privacy budget left (ε)", meaning: "ε the ledger still allows", direction: "neither: a context value"),
    "membership_auc": .init(name: "Membership-inference AUC", meaning: "how well a loss-threshold attacker tells training rows from test rows (0.5: not at all)", direction: "closer to 0.5 is better"),
    "membership_epsilon_lower_bound": .init(name: "Audited ε (lower bound)", meaning: "the privacy loss the attack proves at least, at 95 % confidence", direction: "lower is better"),
    "dp_accuracy": .init(name: "DP-SGD model accuracy", meaning: "share of test rows the differentially private model predicts correctly", direction: "higher is better"),
    "dp_epsilon": .init(name: "DP-SGD model ε", meaning: "the privacy loss the DP-SGD run accounts for (the tightest accountant), at its δ", direction: "lower is more private"),
    "dp_membership_auc": .init(name: "Membership-inference AUC of the DP-SGD model", meaning: "how well a loss-threshold attacker tells its training rows from test rows (0.5: not at all)", direction: "closer to 0.5 is better"),
    "dp_membership_epsilon_lower_bound": .init(name: "Audited ε of the DP-SGD model (lower bound)", meaning: "the privacy loss the attack proves at least, at 95 % confidence; never above its accounted ε", direction: "lower is better"),
  ]

  static let disparities: [String: (name: String, rate: String)] = [
    "demographic_parity": ("Demographic parity", "selection rates"),
    "equal_opportunity": ("Equal opportunity", "true positive rates"),
    "equalized_odds": ("Equalized odds", "true and false positive rates (the worse of the two)"),
  ]

  /// The entry of a measured value's key (`accuracy`, `demographic_parity_difference(sex)`), or nil when it has none.
  public static func entry(_ key: String) -> Entry? {
    var metric = key, set: String?
    if let open = key.firstIndex(of: "("), key.hasSuffix(")") {
      metric = String(key[..<open])
      set = String(key[key.index(after: open)..<key.index(before: key.endIndex)])
    }
    if let entry = overall[metric] { return entry }
    for (prefix, words) in disparities where metric.hasPrefix(prefix + "_") {
      let rest = metric.dropFirst(prefix.count + 1)
      let ratio = rest.hasPrefix("ratio")
      let toOverall = rest.contains("to_overall"), mean = rest.hasSuffix("_mean")
      let between = set.map { " between the groups of \($0)" } ?? " between groups"
      let what = "\(ratio ? "smallest ratio" : "largest difference") of \(words.rate)\(toOverall ? " between a group and all rows" : between)\(mean ? " (mean of the two rates)" : "")"
      return Entry(name: "\(words.name) \(ratio ? "ratio" : "difference")\(toOverall ? " to overall" : "")\(set.map { " (\($0))" } ?? "")", meaning: what,
                   direction: ratio ? "closer to 1 is fairer" : "lower is fairer (0: parity)")
    }
    return nil
  }
}
