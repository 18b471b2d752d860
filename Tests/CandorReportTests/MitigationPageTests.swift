import CandorTestSupport
import Testing

@testable import CandorReport

@Suite struct MitigationPageTests {
  static let groups = [ReportInputs.attribute, ReportInputs.entity, ReportInputs.script]  // sorted
  static let comparedRows = ["accuracy", "balanced_accuracy", "demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"]

  @Test("threshold page: policy, before/after and sweep tables, three rate charts, the ROC hulls and the sweep chart")
  func threshold() throws {
    let html = MitigationPage.thresholdHTML(try ReportInputs.threshold(), hulls: ReportInputs.hulls, source: "adult.csv")
    let page = try PageChecks.expectWellFormed(html)
    #expect(page.headings.map(\.description) == ["h1 Threshold optimization: equalized_odds", "h2 Policy",
                                                 "h2 Before and after (evaluation data, in expectation)",
                                                 "h2 Trade-off curves by group and the chosen operating points"])
    #expect(page.elements("p").first?.text == "Fitted on adult.csv. Constraint equalized_odds, objective accuracy_score, groups by "
      + "\(ReportInputs.attribute); Fairlearn's grid search (1001 points).")
    let tables = page.tables
    try #require(tables.count == 3)
    #expect(tables[0].header == ["group", "p0", "threshold0", "p1", "threshold1", "p_ignore", "prediction_constant"])
    #expect(tables[0].rows == Self.groups.map { [$0, "0.2500", "> 0.300000", "0.7500", "> 0.600000", "0.5000", "0.1250"] })
    #expect(tables[1].header == ["", "before", "after", "change"])
    #expect(tables[1].rows.map(\.[0]) == Self.comparedRows)
    #expect(tables[1].rows[0] == ["accuracy", "0.8000", "0.8500", "0.0500"])
    #expect(tables[2] == .init(header: ["point", "accuracy", "equalized_odds_difference"],
                               rows: [["unmitigated", "0.8600", "0.3300"], ["tolerance 0.0", "0.8400", "0.0400"],
                                      ["compared: \(ReportInputs.script)", "0.8500", "0.3000"]]))
    let charts = page.elements("svg")
    #expect(charts.map { $0.attributes["aria-label"]! } == ["selection_rate: before → after", "true_positive_rate: before → after",
                                                          "false_positive_rate: before → after", "ROC convex hulls",
                                                          "Accuracy vs equalized_odds_difference"])
    // A before and an after bar per group.
    #expect(charts.prefix(3).allSatisfy { $0.descendants("rect").count == 6 })
    #expect(charts[3].descendants("polyline").count == 3)
  }

  @Test("an exact search on another constraint says so and plots the constrained rate against the objective")
  func exactSearch() throws {
    let html = MitigationPage.thresholdHTML(try ReportInputs.threshold(mode: "exact", constraint: "demographic_parity"), hulls: ReportInputs.hulls,
                                            source: "adult.csv")
    let page = try HTMLStructure(html)
    #expect(page.elements("p").first?.text.hasSuffix("; exact search with tolerance 0.01.") == true)
    let hulls = page.elements("svg")[3]
    #expect(hulls.attributes["aria-label"] == "selection_rate vs objective")
    #expect(hulls.descendants("text").map(\.text).contains("accuracy_score"))
  }

  @Test("reweighing page: the weights table, the label-rate chart, then the original and retrained models")
  func reweighing() throws {
    let html = MitigationPage.reweighingHTML(try ReportInputs.reweighing(), evaluation: try ReportInputs.evaluation(), source: "adult.csv")
    let page = try PageChecks.expectWellFormed(html)
    #expect(page.headings.map(\.description) == ["h1 Reweighing by \(ReportInputs.attribute)", "h2 Original vs retrained model (evaluation data)"])
    let tables = page.tables
    try #require(tables.count == 2)
    #expect(tables[0].header == ["group", "n (y=0)", "n (y=1)", "weight (y=0)", "weight (y=1)", "label rate before", "weighted label rate after"])
    #expect(tables[0].rows == [[ReportInputs.script, "10", "5", "0.9000", "1.2500", "0.2000", "0.3000"],
                               [ReportInputs.attribute, "11", "6", "1", "1.2500", "0.3000", "0.3000"],
                               [ReportInputs.entity, "12", "7", "1.1000", "1.2500", "0.4000", "0.3000"]])
    #expect(tables[1].rows.map(\.[0]) == Self.comparedRows)
    let charts = page.elements("svg")
    #expect(charts.count == 4)
    #expect(charts[0].descendants("rect").count == 3)
  }

  @Test("without an evaluation the reweighing page stops after the weights")
  func reweighingAlone() throws {
    let page = try PageChecks.expectWellFormed(MitigationPage.reweighingHTML(try ReportInputs.reweighing(), evaluation: nil, source: "adult.csv"))
    #expect(page.headings.count == 1 && page.tables.count == 1 && page.count("svg") == 1)
  }
}
