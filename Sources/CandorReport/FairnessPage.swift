import CandorFairness
import Foundation

/// The fairness report as a page and as the summary printed to stdout.
public enum FairnessPage {
  /// Metrics shown as bar charts (counts are in the table).
  static let charted: Set<String> = ["selection_rate", "accuracy", "balanced_accuracy", "true_positive_rate", "false_positive_rate",
                                     "false_negative_rate", "true_negative_rate", "precision", "roc_auc", "log_loss", "brier_score",
                                     "expected_calibration_error", "mean_prediction", "mae", "mse", "r2"]
  static let summaryMetrics: [FairnessMetric] = [.count, .selectionRate, .accuracy, .truePositiveRate, .falsePositiveRate, .precision,
                                                 .rocAUC, .meanPrediction, .meanAbsoluteError, .rSquared]
  static let headlineDisparities = ["demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference",
                                    "equalized_odds_ratio", "equal_opportunity_difference", "equal_opportunity_ratio"]

  /// Whether a disparity deserves a flag: its interval excludes parity, or (without intervals) a ratio under
  /// the four-fifths line.
  static func isFlagged(_ name: String, value: Double, interval: Interval?) -> Bool {
    let parity: Double = name.contains("ratio") ? 1 : 0
    if let interval { return !(interval[0] <= parity && parity <= interval[1]) }
    return name.contains("ratio") && value < 0.8
  }

  public static func html(_ report: FairnessReport, source: String, rocCurves: [String: [String: [(x: Double, y: Double)]]]) -> String {
    var page = HTMLPage(title: "Fairness assessment")
    page.paragraph("Data: \(source). \(report.rows) rows, \(report.task.words)"
      + (report.weighted ? ", weighted." : ".")
      + (report.bootstrap.map { " Bootstrap: \($0.replicates) replicates stratified by group, seed \($0.seed), \(Int(report.confidenceLevel * 100))% percentile intervals." }
        ?? " Intervals: Wilson score intervals of the proportions at \(Int(report.confidenceLevel * 100))%; run with --bootstrap N for intervals on every metric and disparity."))
    if !report.warnings.isEmpty { page.list(report.warnings) }
    for key in report.sensitiveSets.keys.sorted() {
      section(&page, key: key, set: report.sensitiveSets[key]!, report: report, curves: rocCurves[key] ?? [:])
    }
    if !report.privilegedComparisons.isEmpty {
      page.heading("Privileged and unprivileged groups (AIF360)")
      for key in report.privilegedComparisons.keys.sorted() {
        let comparison = report.privilegedComparisons[key]!
        page.heading("\(comparison.column): privileged = \(comparison.privilegedValues.joined(separator: ", "))", level: 3)
        page.paragraph("\(comparison.privilegedCount) privileged rows, \(comparison.unprivilegedCount) unprivileged. Four-fifths rule "
          + (comparison.fourFifthsRuleViolated ? "violated (disparate impact below 0.8)." : "met."), className: "note")
        let names = comparison.metrics.keys.sorted()
        page.table(header: ["metric", "value"] + (comparison.intervals == nil ? [] : ["interval"]),
                   rows: names.map { name in
                     [name, formatValue(comparison.metrics[name]!)] + (comparison.intervals.map { [intervalText($0[name])] } ?? [])
                   },
                   flags: names.map { $0 == "disparate_impact" && comparison.fourFifthsRuleViolated })
      }
    }
    return page.rendered()
  }

  static func section(_ page: inout HTMLPage, key: String, set: SensitiveSetResult, report: FairnessReport,
                      curves: [String: [(x: Double, y: Double)]]) {
    page.heading("Sensitive set: \(key)", id: "set-\(key)")
    if !set.disparities.isEmpty {
      page.heading("Disparities", level: 3)
      let names = set.disparities.keys.sorted()
      page.table(
        header: ["disparity", "value"] + (set.intervals == nil ? [] : ["\(Int(report.confidenceLevel * 100))% interval", "distinguishable from parity"]),
        rows: names.map { name in
          let interval = set.intervals?.disparities[name]
          return [name, formatValue(set.disparities[name]!)]
            + (set.intervals == nil ? [] : [intervalText(interval), isFlagged(name, value: set.disparities[name]!, interval: interval) ? "yes" : "no"])
        },
        flags: names.map { isFlagged($0, value: set.disparities[$0]!, interval: set.intervals?.disparities[$0]) })
    }
    page.heading("Metrics by group", level: 3)
    let metrics = report.metrics.map(\.rawValue)
    page.table(header: ["group"] + metrics,
               rows: set.groups.map { group in [group] + metrics.map { formatValue(set.byGroup[$0]?[group] ?? .nan) } }
                 + [["overall"] + metrics.map { formatValue(set.overall[$0] ?? .nan) }],
               flags: set.groups.map { set.smallGroups.contains($0) } + [false])
    if !set.smallGroups.isEmpty {
      page.paragraph("Highlighted groups have fewer rows than the minimum group size: \(set.smallGroups.joined(separator: ", ")).", className: "note")
    }
    page.openGrid()
    for metric in metrics where charted.contains(metric) {
      let values = set.groups.map { set.byGroup[metric]?[$0] ?? .nan }
      let intervals = set.intervals?.byGroup[metric] ?? set.wilsonIntervals?.byGroup[metric]
      page.append(svg: SVGChart.bars(title: metric, labels: set.groups, values: values,
                                     intervals: intervals.map { i in set.groups.map { i[$0] ?? [.nan, .nan] } },
                                     reference: set.overall[metric]))
    }
    if !curves.isEmpty {
      page.append(svg: SVGChart.unitLines(title: "ROC curves by group", series: set.groups.compactMap { g in curves[g].map { (g, $0) } },
                                          xLabel: "false positive rate", yLabel: "true positive rate"))
    }
    page.closeGrid()
    if !set.notes.isEmpty {
      page.heading("Notes", level: 3)
      page.list(set.notes.map { "\($0.metric), \($0.group): \($0.reason)" })
    }
    if let strata = set.strata {
      for stratum in strata.keys.sorted() {
        let inner = strata[stratum]!
        page.heading("\(key) within \((set.controlFeatures ?? []).joined(separator: "|")) = \(stratum)", level: 3)
        page.table(header: ["group"] + metrics,
                   rows: inner.groups.map { group in [group] + metrics.map { formatValue(inner.byGroup[$0]?[group] ?? .nan) } })
      }
    }
  }

  static func intervalText(_ interval: Interval?) -> String {
    guard let interval, interval.count == 2 else { return "" }
    return "[\(formatValue(interval[0])), \(formatValue(interval[1]))]"
  }

  // MARK: - Text summary

  /// The human summary printed to stdout: a table per set, the headline disparities with intervals and
  /// flags, and which disparities cannot be told apart from parity.
  public static func text(_ report: FairnessReport) -> String {
    var lines: [String] = ["\(report.rows) rows, \(report.task.words)\(report.weighted ? ", weighted" : "")."]
    for warning in report.warnings { lines.append("Warning: \(warning)") }
    for key in report.sensitiveSets.keys.sorted() {
      let set = report.sensitiveSets[key]!
      lines.append("")
      lines.append("Sensitive set: \(key)")
      let metrics = summaryMetrics.filter { report.metrics.contains($0) }.map(\.rawValue)
      let width = max(8, (set.groups + ["overall"]).map(\.count).max()! + 1)
      lines.append(pad("group", width) + metrics.map { pad($0, max(10, $0.count + 1)) }.joined())
      for group in set.groups + ["overall"] {
        let values = metrics.map { metric -> String in
          let value = group == "overall" ? set.overall[metric] : set.byGroup[metric]?[group]
          return pad(formatValue(value ?? .nan), max(10, metric.count + 1))
        }
        lines.append(pad(group + (set.smallGroups.contains(group) ? "*" : ""), width) + values.joined())
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
      lines.append("Privileged \(key) (AIF360, unprivileged minus privileged):")
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
