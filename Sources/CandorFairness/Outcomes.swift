/// What a model did on each row, validated: the input of every fairness computation.
public enum Outcomes: Sendable {
  /// Binary classification: labels and predictions in {0, 1}, optional scores P(ŷ = 1) in [0, 1].
  case binary(labels: ContiguousArray<UInt8>, predictions: ContiguousArray<UInt8>, scores: ContiguousArray<Double>?)
  /// Binary classification by a randomized classifier: P(ŷ = 1) per row; metrics are its expectations
  /// (a row counts as a positive prediction with weight p and as a negative one with weight 1 − p).
  case randomizedBinary(labels: ContiguousArray<UInt8>, positiveProbabilities: ContiguousArray<Double>)
  /// Regression: true and predicted values.
  case regression(targets: ContiguousArray<Double>, predictions: ContiguousArray<Double>)

  public var count: Int {
    switch self {
    case let .binary(labels, _, _): labels.count
    case let .randomizedBinary(labels, _): labels.count
    case let .regression(targets, _): targets.count
    }
  }

  public var hasScores: Bool {
    if case .binary(_, _, .some) = self { return true }
    return false
  }

  /// The same outcomes for a subset of rows, in that order.
  func selecting(_ rows: [Int]) -> Outcomes {
    switch self {
    case let .binary(labels, predictions, scores):
      .binary(labels: ContiguousArray(rows.map { labels[$0] }), predictions: ContiguousArray(rows.map { predictions[$0] }),
              scores: scores.map { s in ContiguousArray(rows.map { s[$0] }) })
    case let .randomizedBinary(labels, probabilities):
      .randomizedBinary(labels: ContiguousArray(rows.map { labels[$0] }), positiveProbabilities: ContiguousArray(rows.map { probabilities[$0] }))
    case let .regression(targets, predictions):
      .regression(targets: ContiguousArray(rows.map { targets[$0] }), predictions: ContiguousArray(rows.map { predictions[$0] }))
    }
  }
}
