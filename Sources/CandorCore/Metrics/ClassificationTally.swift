/// Weighted counts of correct predictions, overall and per true class: accuracy and balanced accuracy
/// (scikit-learn's `accuracy_score` and `balanced_accuracy_score` with `sample_weight`). The training
/// summaries, `candor predict`'s score and the permutation explanations' scorers all count here.
///
/// Add rows in any order; the overall sums are running sums in the order rows are added. The sums are
/// public (settable only so that `add`, inlined into callers' row loops, can reach them).
public struct ClassificationTally: Sendable, Equatable {
  public var correctWeight = 0.0
  public var totalWeight = 0.0
  /// Per true class (index = label), when the tally was made with a class count; labels outside it count
  /// only overall.
  public var correctByClass: [Double]
  public var totalByClass: [Double]

  /// - Parameter classCount: how many classes to keep per-class sums for (balanced accuracy); 0 for none.
  public init(classCount: Int = 0) {
    correctByClass = [Double](repeating: 0, count: classCount)
    totalByClass = correctByClass
  }

  /// Counts one row predicted as class `predicted` whose true class is `label` (−1: a label no class has).
  @inlinable public mutating func add(predicted: Int, label: Int, weight: Double = 1) {
    let isCorrect = predicted == label
    if isCorrect { correctWeight += weight }
    totalWeight += weight
    if label >= 0 && label < totalByClass.count {
      totalByClass[label] += weight
      if isCorrect { correctByClass[label] += weight }
    }
  }

  /// The weighted share of rows predicted correctly; 0 when no row has weight.
  public var accuracy: Double { totalWeight > 0 ? correctWeight / totalWeight : 0 }

  /// The mean recall over the classes present (scikit-learn's definition); NaN when none is.
  public var balancedAccuracy: Double {
    let recalls = zip(correctByClass, totalByClass).filter { $0.1 > 0 }.map { $0.0 / $0.1 }
    return recalls.reduce(0, +) / Double(recalls.count)
  }

  /// The class a row of model outputs predicts: a single column is P(positive), class 1 when above 0.5;
  /// several columns are class probabilities, the most probable one (the first on ties).
  /// - Parameters:
  ///   - outputs: the row-major buffer of all rows (rows × `width`).
  ///   - row: which row.
  @inlinable public static func predictedClass(_ outputs: UnsafeBufferPointer<Double>, row: Int, width: Int) -> Int {
    let base = row * width
    if width == 1 { return outputs[base] > 0.5 ? 1 : 0 }
    var best = 0
    for k in 1..<width where outputs[base + k] > outputs[base + best] { best = k }
    return best
  }
}
