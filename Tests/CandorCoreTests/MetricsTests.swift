import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// The Adult test predictions of the fixtures README (`adult_test_predictions.csv`) with the overall values
/// Fairlearn 0.15 `MetricFrame` reported on them through scikit-learn 1.9.1 (`adult_metricframe.json`,
/// sensitive set `sex`, overall).
enum AdultPredictions {
  struct Columns {
    var labels: ContiguousArray<UInt8>, predictions: ContiguousArray<UInt8>
    var scores: ContiguousArray<Double>, weights: ContiguousArray<Double>
  }

  static func columns() throws -> Columns {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    func numbers(_ name: String) throws -> ContiguousArray<Double> {
      guard case let .numeric(column) = try table.column(name) else { throw CancellationError() }
      return column.values
    }
    return Columns(labels: ContiguousArray(try numbers("y_true").map { UInt8($0) }),
                   predictions: ContiguousArray(try numbers("y_pred").map { UInt8($0) }),
                   scores: try numbers("y_score"), weights: try numbers("weight"))
  }

  static func overall(_ metric: String, weighted: Bool) throws -> Double {
    let reference = try Fixtures.json("adult_metricframe.json") as! [String: Any]
    let sets = (reference[weighted ? "weighted" : "unweighted"] as! [String: Any])["sensitive_feature_sets"] as! [String: [String: Any]]
    return ((sets["sex"]!["overall"] as! [String: Any])[metric] as! NSNumber).doubleValue
  }
}

@Suite struct RankedScoresTests {
  // Two positives (0.5, 0.9), two negatives (0.2, 0.5): the tied pair counts half, so (1.5 + 2) / 4.
  static let scores: ContiguousArray<Double> = [0.5, 0.5, 0.2, 0.9]
  static let labels: ContiguousArray<UInt8> = [1, 0, 0, 1]

  @Test("ties count half: two positives over two negatives with one tie give 7/8")
  func tiesCountHalf() {
    #expect(RankedScores(scores: Self.scores, labels: Self.labels, weights: nil).rocArea() == 0.875)
  }

  @Test("weights scale each pair: weight 2 on the tied positive gives 5/6")
  func weighted() {
    // Positive 0.5 (w 2): 2·(1 + ½·1) = 3; positive 0.9 (w 1): 1·2 = 2; P·N = 3·2.
    let expected: Double = 5.0 / 6
    #expect(RankedScores(scores: Self.scores, labels: Self.labels, weights: [2, 1, 1, 1]).rocArea() == expected)
  }

  @Test("per group and overall in one pass; a one-class group is NaN; multiplicity 0 drops a row")
  func groupsAndMultiplicity() {
    let ranked = RankedScores(scores: Self.scores, labels: Self.labels, weights: [2, 1, 1, 1])
    let groups: [Int32] = [0, 1, 0, 2]
    let areas = groups.withUnsafeBufferPointer { ranked.rocAreas(groups: $0, groupCount: 3) }
    #expect(areas[0] == 1)
    #expect(areas[1].isNaN && areas[2].isNaN)
    let overall: Double = 5.0 / 6
    #expect(areas[3] == overall)
    let multiplicity: [Double] = [1, 0, 1, 3]
    // Without row 1 the only negative (0.2) is below both positives.
    let resampled = multiplicity.withUnsafeBufferPointer { ranked.rocAreas(groups: nil, groupCount: 0, multiplicity: $0) }
    #expect(resampled == [1])
  }

  @Test("the order is ascending and stable, the sorted scores gathered from it")
  func order() {
    let ranked = RankedScores(scores: Self.scores, labels: Self.labels, weights: nil)
    #expect(ranked.order == [2, 0, 1, 3])
    #expect(ranked.sortedScores == [0.2, 0.5, 0.5, 0.9])
  }

  // scikit-learn 1.9.1 roc_auc_score(y_true, y_score[, sample_weight=weight]) via Fairlearn's MetricFrame.
  @Test("Adult test predictions: scikit-learn's ROC AUC within 1e-12 unweighted, 1e-10 weighted", arguments: [false, true])
  func matchesScikitLearn(weighted: Bool) throws {
    let adult = try AdultPredictions.columns()
    let ranked = RankedScores(scores: adult.scores, labels: adult.labels, weights: weighted ? adult.weights : nil)
    #expect(abs(ranked.rocArea() - (try AdultPredictions.overall("roc_auc", weighted: weighted))) < (weighted ? 1e-10 : 1e-12))
  }
}

@Suite struct ClassificationTallyTests {
  @Test("weighted accuracy and balanced accuracy of four rows")
  func handCounted() {
    var tally = ClassificationTally(classCount: 2)
    for (predicted, label, weight) in [(1, 1, 1.0), (0, 0, 2), (1, 0, 3), (1, 1, 5)] {
      tally.add(predicted: predicted, label: label, weight: weight)
    }
    let accuracy: Double = 8.0 / 11
    #expect(tally.accuracy == accuracy)
    let recalls = 2.0 / 5 + 1.0 / 1
    #expect(tally.balancedAccuracy == recalls / 2)
  }

  @Test("a label no class has counts as wrong; no rows give accuracy 0 and balanced accuracy NaN")
  func edges() {
    var tally = ClassificationTally(classCount: 2)
    #expect(tally.accuracy == 0 && tally.balancedAccuracy.isNaN)
    tally.add(predicted: 0, label: -1)
    tally.add(predicted: 1, label: 1)
    #expect(tally.accuracy == 0.5)
    #expect(tally.totalByClass == [0, 1])
  }

  @Test("one column predicts 1 above 0.5; several columns predict the first most probable class")
  func predictedClass() {
    let binary: [Double] = [0.5, 0.500001]
    binary.withUnsafeBufferPointer { p in
      #expect(ClassificationTally.predictedClass(p, row: 0, width: 1) == 0)
      #expect(ClassificationTally.predictedClass(p, row: 1, width: 1) == 1)
    }
    let multiclass: [Double] = [0.2, 0.4, 0.4, 0.7, 0.2, 0.1]
    multiclass.withUnsafeBufferPointer { p in
      #expect(ClassificationTally.predictedClass(p, row: 0, width: 3) == 1)
      #expect(ClassificationTally.predictedClass(p, row: 1, width: 3) == 0)
    }
  }

  // scikit-learn 1.9.1 accuracy_score and balanced_accuracy_score(y_true, y_pred[, sample_weight=weight]).
  @Test("Adult test predictions: scikit-learn's accuracy and balanced accuracy within 1e-12", arguments: [false, true])
  func matchesScikitLearn(weighted: Bool) throws {
    let adult = try AdultPredictions.columns()
    var tally = ClassificationTally(classCount: 2)
    for i in adult.labels.indices {
      tally.add(predicted: Int(adult.predictions[i]), label: Int(adult.labels[i]), weight: weighted ? adult.weights[i] : 1)
    }
    #expect(abs(tally.accuracy - (try AdultPredictions.overall("accuracy", weighted: weighted))) < 1e-12)
    #expect(abs(tally.balancedAccuracy - (try AdultPredictions.overall("balanced_accuracy", weighted: weighted))) < 1e-12)
  }
}

@Suite struct RSquaredTests {
  static func r2(_ p: [Double], _ y: [Double], _ w: [Double]? = nil) -> Double {
    p.withUnsafeBufferPointer { p in
      y.withUnsafeBufferPointer { y in
        guard let w else { return rSquared(predictions: p, targets: y, weights: nil) }
        return w.withUnsafeBufferPointer { rSquared(predictions: p, targets: y, weights: $0) }
      }
    }
  }

  @Test("1 − SS_res / SS_tot by hand, unweighted and weighted")
  func handComputed() {
    // ȳ = 7/3, SS_res = 1, SS_tot = 14/3.
    let unweighted: Double = 11.0 / 14
    #expect(abs(Self.r2([1, 2, 3], [1, 2, 4]) - unweighted) < 1e-15)
    // Weights 1, 1, 2: ȳ = 11/4, SS_res = 2, SS_tot = 1.75² + 0.75² + 2·1.25² = 6.75.
    let weighted: Double = 1 - 2 / 6.75
    #expect(abs(Self.r2([1, 2, 3], [1, 2, 4], [1, 1, 2]) - weighted) < 1e-15)
  }

  @Test("weights of 1 give the unweighted value bit for bit")
  func unitWeights() {
    let p = [0.3, 1.7, 2.2, 4.1], y = [0.1, 2.0, 2.5, 3.9]
    #expect(Self.r2(p, y) == Self.r2(p, y, [1, 1, 1, 1]))
  }

  @Test("a constant target gives 1 for a perfect fit and 0 otherwise (force_finite)")
  func constantTarget() {
    #expect(Self.r2([2, 2], [2, 2]) == 1)
    #expect(Self.r2([2, 3], [2, 2]) == 0)
  }

  // scikit-learn 1.9: r2_score([1.0], [2.0]) is nan with "R^2 score is not well-defined with less than two
  // samples"; one row is never a fit (issue 19 chose scikit-learn's nan over 0).
  @Test("fewer than two rows give nan, as scikit-learn's r2_score, whatever the weights")
  func singleRow() {
    #expect(Self.r2([2], [1]).isNaN)
    #expect(Self.r2([1], [1]).isNaN)
    #expect(Self.r2([1], [1], [3]).isNaN)
  }
}
