import CandorCore
import Foundation

/// A privileged / unprivileged split of the rows (`--privileged sex=Male`): rows whose `column` holds one
/// of `values` are privileged, all others unprivileged (AIF360's binary protected attribute).
public struct PrivilegedSplit: Sendable, Equatable {
  public let column: String
  public let values: [String]

  public init(column: String, values: [String]) {
    self.column = column
    self.values = values
  }

  /// Parses `column=value` or `column=value1|value2`; a `|` or `\\` inside a value is written `\|` or `\\\\`, as
  /// in group keys.
  public init?(parsing text: String) {
    guard let equals = text.firstIndex(of: "=") else { return nil }
    let column = String(text[..<equals])
    let values = Grouping.values(ofKey: String(text[text.index(after: equals)...])).filter { !$0.isEmpty }
    guard !column.isEmpty, !values.isEmpty else { return nil }
    self.init(column: column, values: values)
  }

  public var key: String { "\(column)=\(Grouping.key(values))" }
}

/// AIF360's `ClassificationMetric` comparisons, unprivileged minus (or over) privileged.
/// Group 0 of the sums is the privileged group, group 1 the unprivileged.
struct PrivilegedMetrics {
  /// The ratio behind the four-fifths rule.
  static let disparateImpact = "disparate_impact"
  static let fixedNames = [
    "statistical_parity_difference", "disparate_impact", "equal_opportunity_difference", "average_odds_difference",
    "average_abs_odds_difference", "error_rate_difference", "false_discovery_rate_difference", "theil_index",
    "between_group_theil_index", "base_rate_privileged", "base_rate_unprivileged",
    "selection_rate_privileged", "selection_rate_unprivileged",
  ]

  /// The α of each generalized entropy index reported beside the Theil index (α = 1).
  let entropyAlphas: [Double]

  /// The JSON name of the generalized entropy index of order α.
  static func entropyName(_ alpha: Double) -> String { "generalized_entropy_index_alpha\(formatNumber(alpha))" }

  var names: [String] { Self.fixedNames + entropyAlphas.map(Self.entropyName) }

  func values(_ sums: GroupSums) -> [Double] {
    func cells(_ g: Int) -> (tp: Double, fp: Double, tn: Double, fn: Double, w: Double) {
      (sums.weight(.truePositive, group: g), sums.weight(.falsePositive, group: g), sums.weight(.trueNegative, group: g),
       sums.weight(.falseNegative, group: g), sums[g, GroupSums.Slot.weight])
    }
    let p = cells(0), u = cells(1), all = cells(2)
    func selection(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double { (c.tp + c.fp) / c.w }
    func tpr(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double { c.tp / (c.tp + c.fn) }
    func fpr(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double { c.fp / (c.fp + c.tn) }
    func errorRate(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double { (c.fp + c.fn) / c.w }
    func fdr(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double { c.fp / (c.tp + c.fp) }
    func baseRate(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double { (c.tp + c.fn) / c.w }
    // Benefit bᵢ = ŷᵢ − yᵢ + 1: 0 for a false negative, 1 when correct, 2 for a false positive
    // (Speicher et al. 2018, "A unified approach to quantifying algorithmic unfairness", KDD).
    func meanBenefit(_ c: (tp: Double, fp: Double, tn: Double, fn: Double, w: Double)) -> Double {
      (c.tp + c.tn + 2 * c.fp) / c.w
    }
    let mu = meanBenefit(all)
    func xlogx(_ x: Double) -> Double { x > 0 ? x * log(x) : 0 }
    let theil = ((all.tp + all.tn) * xlogx(1 / mu) + all.fp * xlogx(2 / mu)) / all.w
    // Speicher et al.'s GE(α) over the three benefit values: for α ∉ {0, 1}, mean((b/μ)^α − 1) / (α(α − 1));
    // α = 0 is the mean log deviation −mean(ln(b/μ)), infinite as soon as one false negative (b = 0) exists.
    // AIF360 0.6.1's docstring states the same; its code divides the α = 0 value by μ once more, which the
    // README lists as a difference.
    func entropy(_ alpha: Double) -> Double {
      if alpha == 1 { return theil }
      if alpha == 0 {
        return all.fn > 0 ? .infinity : -((all.tp + all.tn) * log(1 / mu) + all.fp * log(2 / mu)) / all.w
      }
      let zeroTerm = all.fn > 0 ? all.fn * pow(0, alpha) : 0
      return (((all.tp + all.tn) * pow(1 / mu, alpha) + all.fp * pow(2 / mu, alpha) + zeroTerm) / all.w - 1) / (alpha * (alpha - 1))
    }
    let betweenGroup = [p, u].reduce(0.0) { total, c in
      c.w > 0 ? total + c.w / all.w * xlogx(meanBenefit(c) / mu) : total
    }
    return [
      selection(u) - selection(p), selection(u) / selection(p), tpr(u) - tpr(p),
      ((fpr(u) - fpr(p)) + (tpr(u) - tpr(p))) / 2, (abs(fpr(u) - fpr(p)) + abs(tpr(u) - tpr(p))) / 2,
      errorRate(u) - errorRate(p), fdr(u) - fdr(p), theil, betweenGroup,
      baseRate(p), baseRate(u), selection(p), selection(u),
    ] + entropyAlphas.map(entropy)
  }
}
