import CandorCore
import CandorFairness

/// The fairness assessment: per sensitive set its disparities, the metrics by group (table and bar charts,
/// ROC curves when scores were given), notes and strata; then the AIF360 privileged comparisons.
public struct FairnessSection: ReportSection {
  public var report: FairnessReport
  /// The data file, as the user named it.
  public var source: String
  /// ROC curve points per sensitive set and group (from `ROCCurves.compute`); empty without scores.
  public var rocCurves: [String: [String: [(x: Double, y: Double)]]]

  public init(_ report: FairnessReport, source: String, rocCurves: [String: [String: [(x: Double, y: Double)]]] = [:]) {
    self.report = report
    self.source = source
    self.rocCurves = rocCurves
  }

  public var title: String { "Fairness assessment" }
  public var anchor: String { "fairness" }

  public func render(into page: inout HTMLWriter) {
    let level = "\(Int(report.confidenceLevel * 100))%"
    page.paragraph("Data: \(source). \(report.rows) rows, \(report.taskDescription)" + (report.weighted ? ", weighted." : ".")
      + (report.bootstrap.map { " Bootstrap: \($0.replicates) Poisson replicates, seed \($0.seed), \(level) percentile intervals." }
        ?? " Intervals: Wilson score intervals of the proportions at \(level); bootstrap replicates give intervals on every metric and disparity."))
    if !report.warnings.isEmpty { page.list(report.warnings.map { HTMLText(data: $0) }) }
    for key in report.sensitiveSets.keys.sorted() {
      renderSet(key, report.sensitiveSets[key]!, curves: rocCurves[key] ?? [:], into: &page)
    }
    guard !report.privilegedComparisons.isEmpty else { return }
    page.heading("Privileged and unprivileged groups (AIF360)")
    for key in report.privilegedComparisons.keys.sorted() {
      let comparison = report.privilegedComparisons[key]!
      page.heading("\(comparison.column): privileged = \(list: comparison.privilegedValues)", depth: 2)
      page.note("\(comparison.privilegedCount) privileged rows, \(comparison.unprivilegedCount) unprivileged. Four-fifths rule "
        + (comparison.fourFifthsRuleViolated ? "violated (disparate impact below 0.8)." : "met."))
      let names = comparison.metrics.keys.sorted()
      page.table(caption: "\(comparison.column): metrics of the privileged against the unprivileged groups", header: ["metric", "value"] + (comparison.intervals == nil ? [] : ["interval"]),
                 rows: names.map { name in
                   [name, formatValue(comparison.metrics[name]!)] + (comparison.intervals.map { [FairnessPage.intervalText($0[name])] } ?? [])
                 },
                 flags: names.map { $0 == "disparate_impact" && comparison.fourFifthsRuleViolated })
    }
  }

  // MARK: - One sensitive set

  private func renderSet(_ key: String, _ set: SensitiveSetResult, curves: [String: [(x: Double, y: Double)]], into page: inout HTMLWriter) {
    page.heading("Sensitive set: \(key)", anchor: "set-\(key)")
    if !set.disparities.isEmpty {
      page.heading("Disparities", depth: 2)
      let level = "\(Int(report.confidenceLevel * 100))% interval"
      func row(_ name: String, words: Bool) -> [String] {
        let entry = MetricGlossary.entry(name)
        return (words ? [entry?.name ?? name, entry.map { "\($0.meaning); \($0.direction)" } ?? ""] : [name]) + [formatValue(set.disparities[name]!)]
          + (set.intervals.map { [FairnessPage.intervalText($0.disparities[name]), FairnessPage.isFlagged(name, value: set.disparities[name]!, interval: $0.disparities[name]) ? "yes" : "no"] } ?? [])
      }
      func flagged(_ name: String) -> Bool { FairnessPage.isFlagged(name, value: set.disparities[name]!, interval: set.intervals?.disparities[name]) }
      // The three headline disparities in words first; every variant (ratios, to overall, means) folded below.
      let primary = ["demographic_parity_difference", "equal_opportunity_difference", "equalized_odds_difference"].filter { set.disparities[$0] != nil }
      if !primary.isEmpty {
        page.table(caption: "Headline disparities by \(key)", header: ["disparity", "what it measures", "value"] + (set.intervals == nil ? [] : [level, "distinguishable from parity"]),
                   rows: primary.map { row($0, words: true) }, flags: primary.map(flagged), textColumns: [0, 1])
      }
      let names = set.disparities.keys.sorted()
      page.raw("<details><summary>All \(names.count) disparities (differences and ratios, between groups and to overall, and the means of equalized odds)</summary>\n")
      page.table(caption: "All disparities by \(key)", header: ["disparity", "value"] + (set.intervals == nil ? [] : [level, "distinguishable from parity"]),
                 rows: names.map { row($0, words: false) }, flags: names.map(flagged))
      page.raw("</details>\n")
    }
    page.heading("Metrics by group", depth: 2)
    page.table(caption: "Metrics by group of \(key), and overall", header: ["group"] + report.metricNames, rows: metricRows(set) + [["overall"] + report.metricNames.map { formatValue(set.overall[$0] ?? .nan) }],
               flags: set.groups.map { set.smallGroups.contains($0) } + [false])
    if !set.smallGroups.isEmpty {
      page.note("Highlighted groups have fewer rows than the minimum group size: \(list: set.smallGroups).")
    }
    page.grid { page in
      for metric in report.metrics where FairnessPage.charted.contains(metric) {
        let values = set.groups.map { set.byGroup[metric.rawValue]?[$0] ?? .nan }
        guard values.contains(where: \.isFinite) else {
          page.note(HTMLText(words: Self.undefinedEverywhere(metric)))
          continue
        }
        let intervals = set.intervals?.byGroup[metric.rawValue] ?? set.wilsonIntervals?.byGroup[metric.rawValue]
        page.figure(SVGChart.bars(title: MetricGlossary.entry(metric.rawValue)?.name ?? metric.rawValue, labels: set.groups, values: values,
                                       intervals: intervals.map { i in set.groups.map { i[$0] ?? [.nan, .nan] } },
                                       reference: set.overall[metric.rawValue], labelName: "group"))
      }
      // A group of one label class has no ROC curve (its ROC AUC is undefined, and a note says so).
      let rocAUC = set.byGroup[FairnessMetric.rocAUC.rawValue] ?? [:]
      let drawn = set.groups.compactMap { g in curves[g].flatMap { rocAUC[g]?.isFinite == true ? (g, $0) : nil } }
      if !drawn.isEmpty {
        page.figure(SVGChart.unitLines(title: "ROC curves by group", series: drawn, xLabel: "false positive rate",
                                            yLabel: "true positive rate"))
      }
    }
    if !set.notes.isEmpty {
      page.heading("Notes", depth: 2)
      page.list(set.notes.map { "\($0.metric), \($0.group): \($0.reason)" })
    }
    for stratum in (set.strata ?? [:]).keys.sorted() {
      page.heading("\(key) within \(Grouping.key(set.controlFeatures ?? [])) = \(stratum)", depth: 2)
      page.table(caption: "Metrics by group of \(key) within \(Grouping.key(set.controlFeatures ?? [])) = \(stratum)", header: ["group"] + report.metricNames, rows: metricRows(set.strata![stratum]!))
    }
  }

  /// The note drawn instead of the bar chart of a metric that no group has a finite value of.
  static func undefinedEverywhere(_ metric: FairnessMetric) -> String {
    let why = switch metric {
    case .rocAUC: "each group holds labels of one class only, and ROC AUC (like an ROC curve) needs both"
    default: "no group has a finite value"
    }
    return "\(metric.rawValue) is undefined in every group: \(why)."
  }

  /// One row per group: its name, then each metric of the report.
  private func metricRows(_ set: SensitiveSetResult) -> [[String]] {
    set.groups.map { group in [group] + report.metricNames.map { formatValue(set.byGroup[$0]?[group] ?? .nan) } }
  }
}
