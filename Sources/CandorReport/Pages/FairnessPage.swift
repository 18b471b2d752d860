import CandorCore
import CandorFairness
import Foundation

/// The fairness report as a page (`FairnessSection`) and as the summary printed to stdout.
public enum FairnessPage {
  /// Metrics shown as bar charts (counts are in the table).
  static let charted: Set<FairnessMetric> = Set(FairnessMetric.allCases).subtracting([.count, .weightSum])
  static let summaryMetrics: [FairnessMetric] = [.count, .selectionRate, .accuracy, .truePositiveRate, .falsePositiveRate, .precision,
                                                 .rocAUC, .meanPrediction, .meanAbsoluteError, .rSquared]
  static let headlineDisparities = [Disparity.demographicParityDifference, .demographicParityRatio, .equalizedOddsDifference,
                                    .equalizedOddsRatio, .equalOpportunityDifference, .equalOpportunityRatio].map(\.rawValue)

  /// Whether a disparity deserves a flag: its interval excludes parity, or (without intervals) a ratio under
  /// the four-fifths line.
  static func isFlagged(_ name: String, value: Double, interval: Interval?) -> Bool {
    let parity: Double = name.contains("ratio") ? 1 : 0
    if let interval { return !(interval[0] <= parity && parity <= interval[1]) }
    return name.contains("ratio") && value < 0.8
  }

  /// The fairness report as a page of its own: `FairnessSection` in a one-section document.
  public static func html(_ report: FairnessReport, source: String, rocCurves: [String: [String: [(x: Double, y: Double)]]]) -> String {
    HTMLDocument(FairnessSection(report, source: source, rocCurves: rocCurves)).rendered()
  }

  static func intervalText(_ interval: Interval?) -> String {
    guard let interval, interval.count == 2 else { return "" }
    return "[\(formatValue(interval[0])), \(formatValue(interval[1]))]"
  }

  // MARK: - Text summary

  /// The human summary printed to stdout: a table per set, the headline disparities with intervals and
  /// flags, and which disparities cannot be told apart from parity.
  public static func text(_ report: FairnessReport) -> String {
    var lines: [String] = ["\(report.rows) rows, \(report.taskDescription)\(report.weighted ? ", weighted" : "")."]
    for warning in report.warnings { lines.append("Warning: \(warning)") }
    for key in report.sensitiveSets.keys.sorted() {
      let set = report.sensitiveSets[key]!
      lines.append("")
      lines.append("Sensitive set: \(printable(key))")
      let metrics = summaryMetrics.filter { report.metrics.contains($0) }.map(\.rawValue)
      let width = max(8, (set.groups.map { printable($0).count }.max() ?? 0) + 1, "overall".count + 1)
      lines.append(pad("group", width) + metrics.map { pad($0, max(10, $0.count + 1)) }.joined())
      for group in set.groups + ["overall"] {
        let values = metrics.map { metric -> String in
          let value = group == "overall" ? set.overall[metric] : set.byGroup[metric]?[group]
          return pad(formatValue(value ?? .nan), max(10, metric.count + 1))
        }
        lines.append(pad((group == "overall" ? group : printable(group)) + (set.smallGroups.contains(group) ? "*" : ""), width) + values.joined())
      }
      if !set.smallGroups.isEmpty { lines.append("* fewer rows than the minimum group size") }
      for name in headlineDisparities where set.disparities[name] != nil {
        let interval = set.intervals?.disparities[name]
        let flag = isFlagged(name, value: set.disparities[name]!, interval: interval)
        lines.append("  \(name): \(formatValue(set.disparities[name]!))"
          + (interval.map { " \(intervalText($0))" } ?? "") + (flag ? "  <- flagged" : ""))
      }
      if let parity = set.indistinguishableFromParity {
        let shown = parity.filter { headlineDisparities.contains($0) }
        lines.append(shown.isEmpty
          ? "  Every headline disparity differs from parity at the \(Int(report.confidenceLevel * 100))% level."
          : "  Not distinguishable from parity at the \(Int(report.confidenceLevel * 100))% level: \(shown.joined(separator: ", ")).")
      }
      if !set.notes.isEmpty { lines.append("  \(set.notes.count) value(s) follow a convention (see notes in the JSON).") }
    }
    for key in report.privilegedComparisons.keys.sorted() {
      let comparison = report.privilegedComparisons[key]!
      lines.append("")
      lines.append("Privileged \(printable(key)) (AIF360, unprivileged minus privileged):")
      for name in ["statistical_parity_difference", "disparate_impact", "equal_opportunity_difference", "average_odds_difference", "theil_index"] {
        lines.append("  \(name): \(formatValue(comparison.metrics[name]!))" + (comparison.intervals.map { " \(intervalText($0[name]))" } ?? ""))
      }
      lines.append("  Four-fifths rule: " + (comparison.fourFifthsRuleViolated ? "violated (disparate impact below 0.8)." : "met."))
    }
    return lines.map { $0.replacingOccurrences(of: " +$", with: "", options: .regularExpression) }.joined(separator: "\n")
  }

  static func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
  }
}
