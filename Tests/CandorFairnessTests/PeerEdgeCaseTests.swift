import CandorCore
import CandorFairness
import Foundation
import Testing

/// Edge cases from the peers' own unit tests that Candor got wrong (issue 19): predictions read with the label's
/// values whatever the positive class, and the mean equalized-odds ratios skipping an undefined ratio.
@Suite struct PeerEdgeCaseTests {
  static func assess(_ csv: String, positive: String) throws -> SensitiveSetResult {
    let table = try CSVReader.parse(Data(csv.utf8), source: "m.csv")
    var request = FairnessRequest(targetColumn: "y_true", outcome: .binaryColumns(prediction: "y_pred", score: nil, threshold: 0.5),
                                  sensitiveSets: [["g"]])
    request.positive = positive
    return try FairnessAssessment.run(request, data: table).report.sensitiveSets["g"]!
  }

  // Fairlearn 0.15: MetricFrame(selection_rate / true_positive_rate / false_positive_rate with pos_label=0) on
  // these rows gives 0.75 each (the repro of issue 19, item 1).
  @Test("a positive class of 0 reads a predicted 0 as positive, as Fairlearn's pos_label=0 does")
  func positiveZero() throws {
    let set = try Self.assess("y_true,y_pred,g\n0,0,a\n0,0,a\n0,0,a\n0,1,a\n1,1,a\n1,0,a\n1,0,a\n1,0,a\n", positive: "0")
    #expect(set.overall["selection_rate"] == 0.75)
    #expect(set.overall["true_positive_rate"] == 0.75)
    #expect(set.overall["false_positive_rate"] == 0.75)
  }

  @Test("labels 1/2 with positive 2: a predicted 1 is the negative class, not the indicator 1")
  func labelsOneAndTwo() throws {
    let set = try Self.assess("y_true,y_pred,g\n1,1,a\n1,2,a\n2,2,a\n2,1,b\n1,1,b\n2,2,b\n", positive: "2")
    #expect(set.byGroup["selection_rate"] == ["a": 2.0 / 3, "b": 1.0 / 3])
    #expect(set.byGroup["true_positive_rate"] == ["a": 1, "b": 0.5])
    #expect(set.byGroup["false_positive_rate"] == ["a": 0.5, "b": 0])
  }

  @Test("labels written as words still take 0/1 indicator predictions")
  func wordLabelsWithIndicators() throws {
    let set = try Self.assess("y_true,y_pred,g\nyes,1,a\nno,0,a\nyes,0,b\nno,1,b\n", positive: "yes")
    #expect(set.byGroup["true_positive_rate"] == ["a": 1, "b": 0])
    #expect(set.byGroup["false_positive_rate"] == ["a": 0, "b": 1])
  }

  // Fairlearn 0.15: equalized_odds_ratio(..., agg="mean") on these rows is 0.0: the false positive rate ratio
  // is 0/0 and the mean skips it (issue 19, item 2).
  @Test("the mean equalized-odds ratio skips an undefined ratio, and a note says which")
  func meanRatioSkipsUndefined() throws {
    let set = try Self.assess("y_true,y_pred,g\n1,1,a\n0,0,b\n", positive: "1")
    #expect(set.disparities["equalized_odds_ratio_mean"] == 0)
    #expect(set.disparities["equalized_odds_ratio_to_overall_mean"] == 0)
    #expect(set.notes.filter { $0.metric.hasPrefix("equalized_odds_ratio") } == [
      ValueNote(metric: "equalized_odds_ratio_mean", group: "(between groups)",
                reason: "the false_positive_rate ratio is undefined (0/0): the mean of the other ratio alone, as Fairlearn does"),
      ValueNote(metric: "equalized_odds_ratio_to_overall_mean", group: "(to overall)",
                reason: "the false_positive_rate ratio is undefined (0/0): the mean of the other ratio alone, as Fairlearn does"),
    ])
  }

  // Fairlearn 0.15 with sample_params={"sample_weight": w}: group a's selection rate is 0.25 and group b's, whose
  // weights are all 0, nan; accuracy_score and the rates raise "Sample weights must contain at least one
  // non-zero number" for the whole frame. Candor keeps the other groups and says why b's values are nan.
  @Test("a group whose weights are all 0 has nan for every weighted metric, and a note per metric says why")
  func zeroWeightGroup() throws {
    let table = try CSVReader.parse(Data("y,p,g,w\n1,1,a,1\n0,0,a,2\n1,0,a,1\n0,1,b,0\n1,1,b,0\n1,0,b,0\n".utf8), source: "w.csv")
    var request = FairnessRequest(targetColumn: "y", outcome: .binaryColumns(prediction: "p", score: nil, threshold: 0.5), sensitiveSets: [["g"]])
    request.weightsColumn = "w"
    let set = try FairnessAssessment.run(request, data: table).report.sensitiveSets["g"]!
    #expect(set.byGroup["selection_rate"]!["a"] == 0.25)
    #expect(set.byGroup["true_positive_rate"]!["a"] == 0.5)
    let weighted = FairnessMetric.binary(weighted: true, hasScores: false).filter { $0 != .count && $0 != .weightSum }
    for metric in weighted { #expect(set.byGroup[metric.rawValue]!["b"]!.isNaN, "\(metric)") }
    #expect(set.byGroup["count"]!["b"] == 3)
    #expect(set.byGroup["weight_sum"]!["b"] == 0)
    #expect(set.notes.filter { $0.group == "b" } == weighted.map {
      ValueNote(metric: $0.rawValue, group: "b", reason: "every weight in the group is 0: no weighted value (nan)")
    })
    // The aggregates skip the undefined group, as pandas' min and max do.
    #expect(set.groupMin["selection_rate"] == 0.25)
    #expect(set.differenceBetweenGroups["selection_rate"] == 0)
  }

  @Test("a group of one row has r² nan (scikit-learn's r2_score below two samples), with a note")
  func singleRowRSquared() throws {
    let table = try CSVReader.parse(Data("y,p,g\n1,1.5,a\n2,2.5,a\n4,3,a\n3,1,b\n".utf8), source: "r.csv")
    let request = FairnessRequest(targetColumn: "y", outcome: .regressionColumn(prediction: "p"), sensitiveSets: [["g"]])
    let set = try FairnessAssessment.run(request, data: table).report.sensitiveSets["g"]!
    #expect(set.byGroup["r2"]!["b"]!.isNaN)
    // Group a: ȳ = 7/3, SS_res = 0.25 + 0.25 + 1 = 1.5, SS_tot = 14/3.
    #expect(abs(set.byGroup["r2"]!["a"]! - (1 - 1.5 / (14.0 / 3))) < 1e-15)
    #expect(set.notes == [ValueNote(metric: "r2", group: "b", reason: "fewer than two rows: undefined (nan), as scikit-learn's r2_score")])
  }

  static func privilegedMetrics(_ csv: String, alphas: [Double]) throws -> [String: Double] {
    let table = try CSVReader.parse(Data(csv.utf8), source: "a.csv")
    var request = FairnessRequest(targetColumn: "y_true", outcome: .binaryColumns(prediction: "y_pred", score: nil, threshold: 0.5),
                                  sensitiveSets: [["sex"]])
    request.configuration.privilegedSplits = [PrivilegedSplit(column: "sex", values: ["1"])]
    request.configuration.entropyAlphas = alphas
    return try FairnessAssessment.run(request, data: table).report.privilegedComparisons["sex=1"]!.metrics
  }

  // AIF360 0.6.1: ClassificationMetric(...).generalized_entropy_index(alpha) on these rows (privileged sex=1).
  @Test("the generalized entropy index of any order α matches AIF360's")
  func entropyIndexOrders() throws {
    let csv = "y_true,y_pred,sex\n1,1,1\n0,1,1\n1,0,0\n0,0,0\n1,1,0\n0,0,1\n1,1,1\n"
    let metrics = try Self.privilegedMetrics(csv, alphas: [0.5, 2, 3, -1, 0, 1])
    for (alpha, aif360) in [(0.5, 0.3347351072153742), (2, 0.14285714285714285), (3, 0.14285714285714285), (1, 0.19804205158855578)] {
      #expect(abs(metrics["generalized_entropy_index_alpha\(formatNumber(alpha))"]! - aif360) < 1e-12, "α = \(alpha)")
    }
    // A false negative has benefit 0: orders 0 and below are infinite, as in AIF360.
    #expect(metrics["generalized_entropy_index_alpha0"] == .infinity)
    #expect(metrics["generalized_entropy_index_alpha-1"] == .infinity)
    #expect(metrics["theil_index"] == metrics["generalized_entropy_index_alpha1"])
  }

  // A documented difference: for α = 0 AIF360 0.6.1's code returns -mean(ln(b/μ)) / μ (0.041434070760716986
  // here, μ = 9/7) where its docstring and Speicher et al. (2018) define the mean log deviation -mean(ln(b/μ));
  // Candor follows the definition (numpy: 0.053272376692350416).
  @Test("the order-0 index is the mean log deviation of the definition, not AIF360's value divided by μ")
  func entropyIndexOrderZero() throws {
    let csv = "y_true,y_pred,sex\n1,1,1\n0,1,1\n0,0,0\n0,0,0\n1,1,0\n0,1,1\n1,1,1\n"
    let value = try Self.privilegedMetrics(csv, alphas: [0])["generalized_entropy_index_alpha0"]!
    #expect(abs(value - 0.053272376692350416) < 1e-12)
    #expect(abs(value / (9.0 / 7) - 0.041434070760716986) < 1e-12)
  }
}
