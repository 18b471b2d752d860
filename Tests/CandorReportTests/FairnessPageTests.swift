import CandorCore
import CandorFairness
import CandorTestSupport
import Foundation
import Testing

@testable import CandorReport

@Suite struct FairnessPageTests {
  static let metrics = ["count", "selection_rate", "accuracy", "balanced_accuracy", "true_positive_rate", "false_positive_rate",
                        "false_negative_rate", "true_negative_rate", "precision", "roc_auc", "log_loss", "brier_score", "expected_calibration_error"]

  @Test("the page has the set's heading, disparities and metrics tables, a bar chart per rate, ROC curves and the AIF360 comparison")
  func structure() throws {
    let (report, curves) = try ReportInputs.fairness()
    let page = try PageChecks.expectWellFormed(FairnessPage.html(report, source: "adult.csv", rocCurves: curves))
    let set = "Sensitive set: \(ReportInputs.attribute)", privileged = "\(ReportInputs.attribute): privileged = \(ReportInputs.entity)"
    #expect(page.headings.map(\.description) == ["h1 Fairness assessment", "h2 \(set)", "h3 Disparities", "h3 Metrics by group",
                                                 "h2 Privileged and unprivileged groups (AIF360)", "h3 \(privileged)"])
    #expect(page.headings[1].id == "fairness-set-img-src-x-onerror-1")
    #expect(page.elements("p").first?.text == "Data: adult.csv. 5 rows, binary classification. Bootstrap: 20 Poisson replicates, seed 0, "
      + "95% percentile intervals.")
    let result = report.sensitiveSets[ReportInputs.attribute]!
    let all = page.tables
    try #require(all.count == 4)
    #expect(all[0].header == ["disparity", "what it measures", "value", "95% interval", "distinguishable from parity"])
    #expect(all[0].rows.map { $0[0] } == ["Demographic parity difference", "Equal opportunity difference", "Equalized odds difference"])
    #expect(all[0].rows[0][1] == "largest difference of selection rates between groups; lower is fairer (0: parity)")
    let tables = Array(all.dropFirst())
    #expect(tables[0].header == ["disparity", "value", "95% interval", "distinguishable from parity"])
    #expect(tables[0].rows.map(\.[0]) == result.disparities.keys.sorted())
    let parity = try #require(tables[0].rows.first { $0[0] == "demographic_parity_difference" })
    #expect(parity == ["demographic_parity_difference", "0.1667", FairnessPage.intervalText(result.intervals!.disparities["demographic_parity_difference"]),
                       result.indistinguishableFromParity!.contains("demographic_parity_difference") ? "no" : "yes"])
    #expect(tables[1].header == ["group"] + Self.metrics)
    // `&amp;` has three rows, two predicted positive; the script group two rows, one positive.
    #expect(tables[1].rows.map { Array($0.prefix(3)) } == [[ReportInputs.entity, "3", "0.6667"], [ReportInputs.script, "2", "0.5000"],
                                                           ["overall", "5", "0.6000"]])
    #expect(tables[2].header == ["metric", "value", "interval"])
    #expect(tables[2].rows.map(\.[0]) == report.privilegedComparisons.values.first!.metrics.keys.sorted())
    // Twelve charted rates with a bar per group, then the ROC curves with a line per group.
    let charts = page.elements("svg")
    #expect(charts.map { $0.attributes["aria-label"]! } == Self.metrics.dropFirst().map { MetricGlossary.entry($0)!.name } + ["ROC curves by group"])
    #expect(charts.dropLast().allSatisfy { $0.descendants("rect").count == 2 })
    #expect(charts.last!.descendants("polyline").count == 2)
    // Each chart's data table holds what it draws: the selection rates of the metrics table, with their intervals
    // and the overall rate (the dashed line); the ROC curves' points, group by group.
    let data = page.chartTables
    #expect(data.count == charts.count && data[0].header == ["group", "value", "interval from", "interval to"])
    #expect(data[0].rows.map { [$0[0], $0[1]] } == [[ReportInputs.entity, "0.6667"], [ReportInputs.script, "0.5"], ["overall (dashed line)", "0.6"]])
    let interval = result.intervals!.byGroup["selection_rate"]![ReportInputs.entity]!
    #expect(data[0].rows[0].suffix(2).map { Double($0)! } == interval.map { Double(formatRounded($0, significantDigits: 4))! })
    #expect(data.last!.header == ["series", "false positive rate", "true positive rate"])
    #expect(Set(data.last!.rows.map(\.[0])) == [ReportInputs.entity, ReportInputs.script])
  }

  @Test("a metric undefined in every group (ROC AUC of one-class labels) is a note in place of its chart, and no ROC curve is drawn")
  func undefinedEverywhere() throws {
    let table = try CSVReader.parse(Data("y,p,s,g\n1,1,0.9,a\n1,0,0.2,b\n1,1,0.7,a\n1,0,0.4,b\n".utf8), source: "one-class.csv")
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y", predictionColumn: "p", scoreColumn: "s", positive: "1", threshold: 0.5)
    let report = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: FairnessConfiguration(sensitiveSets: [["g"]]))
    guard case let .binary(labels, _, scores?) = outcomes else { throw CancellationError() }
    let curves = ROCCurves.compute(labels: labels, scores: scores, weights: nil, grouping: try table.grouping(by: ["g"]))
    let page = try PageChecks.expectWellFormed(FairnessPage.html(report, source: "one-class.csv", rocCurves: ["g": curves]))
    #expect(page.elements("p").map(\.text).contains(
      "roc_auc is undefined in every group: each group holds labels of one class only, and ROC AUC (like an ROC curve) needs both."))
    let charted = page.elements("svg").map { $0.attributes["aria-label"]! }
    #expect(charted == Self.metrics.dropFirst().filter { $0 != "roc_auc" }.map { MetricGlossary.entry($0)!.name })
  }

  @Test("small groups are highlighted in the metrics table and named in a note")
  func smallGroups() throws {
    let (report, curves) = try ReportInputs.fairness()
    let page = try HTMLStructure(FairnessPage.html(report, source: "adult.csv", rocCurves: curves))
    let metricsTable = page.elements("table")[2]  // after the headline disparities and all disparities
    #expect(metricsTable.descendants("tr").map { $0.attributes["class"] } == [nil, "flag", "flag", nil])
    #expect(page.elements("p").map(\.text).contains(
      "Highlighted groups have fewer rows than the minimum group size: \(ReportInputs.entity), \(ReportInputs.script)."))
  }

  @Test("the text summary lists groups, headline disparities and what cannot be told from parity")
  func summary() throws {
    let (report, _) = try ReportInputs.fairness()
    let text = FairnessPage.text(report)
    #expect(text.hasPrefix("5 rows, binary classification.\n\nSensitive set: \(ReportInputs.attribute)\n"))
    #expect(text.contains("* fewer rows than the minimum group size"))
    #expect(text.contains("  demographic_parity_difference: 0.1667 ["))
    #expect(text.contains("Privileged \(ReportInputs.attribute)=\(ReportInputs.entity) (AIF360, unprivileged minus privileged):"))
  }
}
