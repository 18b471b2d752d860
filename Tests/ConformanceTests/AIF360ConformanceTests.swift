import CandorCore
import CandorFairness
import Foundation
import Testing

/// AIF360 0.6.1's `tests/` cases (classification metrics, the generalized entropy index family, reweighing)
/// through Candor's privileged comparison and reweighing: every metric Candor offers equals AIF360's within 1e-12.
/// Each case names its test in `Tests/Fixtures/conformance/cases/aif360_cases.py`.
@Suite struct AIF360ConformanceTests {
  /// AIF360 method calls (as the cases write them) and the privileged-comparison key Candor reports each under.
  static func candorName(_ call: String) -> String? {
    if call == "generalized_entropy_index" { return PrivilegedMetricsNames.entropy(2) }
    if call.hasPrefix("generalized_entropy_index(alpha="), let alpha = Double(call.dropFirst(32).dropLast()) {
      return PrivilegedMetricsNames.entropy(alpha)
    }
    return [
      "disparate_impact": "disparate_impact", "statistical_parity_difference": "statistical_parity_difference",
      "mean_difference": "statistical_parity_difference",
      "equal_opportunity_difference": "equal_opportunity_difference", "true_positive_rate_difference": "equal_opportunity_difference",
      "average_odds_difference": "average_odds_difference", "average_abs_odds_difference": "average_abs_odds_difference",
      "error_rate_difference": "error_rate_difference", "false_discovery_rate_difference": "false_discovery_rate_difference",
      "theil_index": "theil_index", "between_group_theil_index": "between_group_theil_index",
      "base_rate(privileged=True)": "base_rate_privileged", "base_rate(privileged=False)": "base_rate_unprivileged",
      "selection_rate(privileged=True)": "selection_rate_privileged", "selection_rate(privileged=False)": "selection_rate_unprivileged",
    ][call]
  }

  /// AIF360 metrics Candor does not report, each with the reason; a metric neither mapped nor listed fails the test.
  static let notOffered: [String: String] = [
    "coefficient_of_variation": "√(2·GE(2)); Candor reports GE(2)",
    "between_all_groups_generalized_entropy_index": "between-group indices over every value of the protected column; Candor compares privileged against the rest",
    "between_all_groups_theil_index": "as above", "between_all_groups_coefficient_of_variation": "as above",
    "between_group_coefficient_of_variation": "Candor reports the between-group Theil index only",
    "binary_confusion_matrix": "Candor reports rates, not the confusion counts",
    "false_negative_rate_difference": "Candor reports equal_opportunity_difference (the TPR difference, its negative)",
    "false_positive_rate_difference": "inside average_odds_difference",
    "equalized_odds_difference": "Candor's equalized_odds_difference is Fairlearn's, over the sensitive groups",
    "accuracy": "the overall accuracy, in the sensitive set's overall block",
    "num_instances": "the set's count", "num_positives": "counts of labels", "num_negatives": "counts of labels",
    "base_rate": "overall base rate: the selection rate of the labels",
  ]

  static func isNotOffered(_ call: String) -> Bool {
    let name = String(call.prefix { $0 != "(" })
    return notOffered[call] != nil || notOffered[name] != nil || name.hasPrefix("between_group_generalized_entropy_index")
      || name.hasPrefix("between_all_groups") || name.hasPrefix("num_generalized") || name.hasPrefix("generalized_")
        && name != "generalized_entropy_index" || name == "binary_confusion_matrix"
  }

  static func privilegedMetrics(_ peerCase: PeerCase) throws -> [String: Double] {
    let table = try CSVReader.parse(Data(peerCase["csv"].string!.utf8), source: "\(peerCase.id).csv")
    let split = peerCase["split"]
    // The GEI family does not depend on the split: without groups, any value of the first protected column serves.
    let column = split["column"].string ?? peerCase["protected"].strings[0]
    let values = split.isNull ? [try table.column(column).asCategorical().presentLevels[0]] : split["privileged"].strings
    let prediction = peerCase.kind == "dataset_metric" ? "label" : "prediction"
    var request = FairnessRequest(targetColumn: "label", outcome: .binaryColumns(prediction: prediction, score: nil, threshold: 0.5),
                                  sensitiveSets: [[column]])
    request.positive = peerCase["favorable"].string
    request.weightsColumn = peerCase["weights"].string
    request.configuration.privilegedSplits = [PrivilegedSplit(column: column, values: values)]
    request.configuration.entropyAlphas = [0, 0.5, 1, 2, 3]
    return try FairnessAssessment.run(request, data: table).report.privilegedComparisons.values.first!.metrics
  }

  @Test("AIF360's ClassificationMetric and BinaryLabelDatasetMetric values, for every metric Candor reports",
        arguments: PeerValues.ids("classification_metric", "dataset_metric"))
  func classificationMetric(_ id: String) throws {
    let peerCase = PeerValues.case(id)
    guard peerCase["favorable"].string != nil else {
      // A set of favorable labels (AIF360's MulticlassLabelDataset): Candor's binary metrics take a label
      // column of two values and refuse more, naming them.
      #expect(throws: FairnessError.labelNotBinary(column: "label", values: ["0", "1", "2"], file: "\(id).csv")) {
        try Self.privilegedMetrics(peerCase)
      }
      return
    }
    let ours = try Self.privilegedMetrics(peerCase)
    // Candor's definitions as AIF360 computes them: with weights, AIF360 on every row repeated by its weight
    // (its entropy indices ignore instance weights, Candor's weigh them); privileged against every other row.
    let expected = peerCase["peer_rows_repeated_by_weight"].isNull
      ? (peerCase["peer_against_rest"].isNull ? peerCase.peer! : peerCase["peer_against_rest"]) : peerCase["peer_rows_repeated_by_weight"]
    var compared = 0
    for call in peerCase["metrics"].strings {
      guard let name = Self.candorName(call) else {
        #expect(Self.isNotOffered(call), "\(id): AIF360's \(call) is neither compared nor listed as not offered")
        continue
      }
      let theirs = expected[call].double
      #expect(agrees(ours[name], theirs), "\(id) \(call): Candor \(String(describing: ours[name])), AIF360 \(String(describing: theirs))")
      compared += 1
    }
    #expect(compared > 0 || peerCase["metrics"].strings.allSatisfy(Self.isNotOffered), "\(id): nothing compared")
  }

  @Test("AIF360's Reweighing instance weights, row by row, also on top of input weights", arguments: PeerValues.ids("reweighing"))
  func reweighing(_ id: String) throws {
    let peerCase = PeerValues.case(id)
    #expect(peerCase["split"]["unprivileged_is_rest"].bool == true, "\(id): Candor reweighs by every value of the column")
    let table = try CSVReader.parse(Data(peerCase["csv"].string!.utf8), source: "\(id).csv")
    var request = ReweighingRequest(targetColumn: "label", sensitiveFeatures: [peerCase["split"]["column"].string!])
    request.positive = peerCase["favorable"].string
    request.weightsColumn = peerCase["weights"].string
    let ours = try Reweighing.run(request, data: table).reweighing.rowWeights
    let theirs = peerCase.peer!["weights"].array.map { $0.double! }
    #expect(ours.count == theirs.count)
    for (row, (a, b)) in zip(ours, theirs).enumerated() {
      #expect(agrees(a, b), "\(id) row \(row + 1): Candor \(a), AIF360 \(b)")
    }
  }
}

/// The key Candor's privileged comparison reports the generalized entropy index of order α under.
enum PrivilegedMetricsNames {
  static func entropy(_ alpha: Double) -> String { "generalized_entropy_index_alpha\(formatNumber(alpha))" }
}
