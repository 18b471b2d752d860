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
}
