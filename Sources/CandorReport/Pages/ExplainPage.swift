import CandorCore
import CandorExplain
import Foundation

/// Reports of `candor explain`: pages (`PermutationImportanceSection`, `ShapleyValuesSection`,
/// `FeatureEffectsSection`) and stdout summaries.
public enum ExplainPage {
  // MARK: - Permutation importance

  public static func permutationText(_ result: PermutationImportance) -> String {
    var lines = ["Permutation importance (\(result.scorer.rawValue), baseline \(formatValue(result.baselineScore)), \(result.repeats) repeats, seed \(result.seed)):"]
    let width = max(8, (result.features.map { printable($0).count }.max() ?? 0) + 2)
    for name in result.features.sorted(by: { result.importances[$0]!.mean > result.importances[$1]!.mean }) {
      let i = result.importances[name]!
      lines.append("  " + printable(name).padding(toLength: width, withPad: " ", startingAt: 0)
        + "\(formatValue(i.mean))  ± \(formatValue(i.std))  [\(formatValue(i.ciLow)), \(formatValue(i.ciHigh))]")
    }
    return lines.joined(separator: "\n")
  }

  /// Permutation importance as a page of its own: `PermutationImportanceSection` in a one-section document.
  public static func permutationHTML(_ result: PermutationImportance, source: String) -> String {
    HTMLDocument(PermutationImportanceSection(result, source: source)).rendered()
  }

  // MARK: - KernelSHAP

  public static func shapText(_ result: KernelSHAP) -> String {
    var lines = ["KernelSHAP (\(result.exact ? "exact: every coalition" : "\(result.nsamples) coalitions per row"), link \(result.link.rawValue), "
      + "\(result.rows.count) rows); base value \(result.baseValue.map { formatValue($0) }.joined(separator: ", "))."]
    if let k = result.maxFeatures { lines.append("Feature selection: only the \(k) largest |φ| per row were estimated; the others are 0.") }
    if let names = result.featuresNotRead, !names.isEmpty { lines.append(notReadLine(names)) }
    if let t = result.tolerance {
      let met = result.rows.filter { !$0.spentBudget }.count
      lines.append("Tolerance \(formatValue(t)): \(met) of \(result.rows.count) rows reached it; the others spent the budget of \(result.nsamples) coalitions.")
    }
    return (lines + meanAbsLines(features: result.features, meanAbs: result.meanAbs)).joined(separator: "\n")
  }

  static func notReadLine(_ names: [String]) -> String {
    "The model never uses \(names.map { printable($0) }.joined(separator: ", ")): φ = 0 for every row."
  }

  /// "Mean |φ| by feature:" and a line per feature, the largest first (by the first output).
  static func meanAbsLines(features: [String], meanAbs: [String: [Double]]) -> [String] {
    let width = max(8, (features.map { printable($0).count }.max() ?? 0) + 2)
    return ["Mean |φ| by feature:"] + features.sorted(by: { meanAbs[$0]![0] > meanAbs[$1]![0] }).map { name in
      "  " + printable(name).padding(toLength: width, withPad: " ", startingAt: 0) + meanAbs[name]!.map { formatValue($0) }.joined(separator: "  ")
    }
  }

  /// KernelSHAP explanations as a page of their own: `ShapleyValuesSection` in a one-section document.
  /// - Parameter positions: where each explained row is in `explained` when it holds those rows only (a merge).
  public static func shapHTML(_ result: KernelSHAP, explained: Table, source: String, positions: [Int: Int]? = nil) -> String {
    var section = ShapleyValuesSection(result, explained: explained, source: source)
    section.explainedPositions = positions
    return HTMLDocument(section).rendered()
  }

  // MARK: - TreeSHAP

  public static func treeSHAPText(_ result: TreeSHAP) -> String {
    var lines = ["TreeSHAP (exact, interventional, \(result.backgroundRows) background rows, \(result.rows.count) rows) on the margin; "
      + "base value \(result.baseValue.map { formatValue($0) }.joined(separator: ", "))."]
    if let names = result.featuresNotRead, !names.isEmpty { lines.append(notReadLine(names)) }
    return (lines + meanAbsLines(features: result.features, meanAbs: result.meanAbs)).joined(separator: "\n")
  }

  /// TreeSHAP explanations as a page of their own.
  public static func treeSHAPHTML(_ result: TreeSHAP, explained: Table, source: String, positions: [Int: Int]? = nil) -> String {
    var section = ShapleyValuesSection(result, explained: explained, source: source)
    section.explainedPositions = positions
    return HTMLDocument(section).rendered()
  }

  // MARK: - PDP / ICE / ALE

  public static func effectsText(_ result: FeatureEffects) -> String {
    var lines = [result.isAccumulatedLocalEffects ? "Accumulated local effects:" : "Partial dependence (average over rows):"]
    for name in result.features.keys.sorted() {
      let curve = result.features[name]!
      let xs = curve.grid.map { $0.map { formatValue($0) } } ?? curve.levels?.map { printable($0) } ?? []
      lines.append("  \(printable(name)): " + zip(xs, curve.average).map { "\($0)→\(formatValue($1))" }.joined(separator: ", "))
    }
    return lines.joined(separator: "\n")
  }

  /// Feature effects as a page of their own: `FeatureEffectsSection` in a one-section document.
  public static func effectsHTML(_ result: FeatureEffects, source: String, warnings: [String] = []) -> String {
    HTMLDocument(FeatureEffectsSection(result, source: source, warnings: warnings)).rendered()
  }
}
