import CandorCore

/// A model's output for a table: the predicted label (or value) per row and, for classifiers, every
/// class's probability.
public struct Predictions: Sendable, Equatable {
  public let outputKind: OutputKind
  public let classes: [String]
  /// Rows × classes for classifiers, rows × 1 for regression.
  public let values: Matrix
  /// Predicted class (highest probability; a binary model predicts positive when p > 0.5; a randomized
  /// model draws positive with probability p, by `KeyedRandom` from the seed and the row's number), or the value.
  public let labels: [String]

  /// - Parameter firstRow: the number of the table's first row in the whole data (a shard's first row): a
  ///   randomized model's draw for a row depends on its number, so a shard draws what the whole run draws.
  public init(model: any Model, table: Table, seed: UInt64 = 0, firstRow: Int = 0) throws {
    outputKind = model.outputKind
    classes = model.classes
    values = model.isClassifier ? try model.classProbabilities(table) : try model.predict(table)
    var labels: [String] = []
    labels.reserveCapacity(values.rows)
    for r in 0..<values.rows {
      switch outputKind {
      case .regression:
        labels.append("\(values[r, 0])")
      case .binaryProbability:
        let positive = model.isRandomized ? KeyedRandom.uniform(seed: seed, stream: 0, index: firstRow + r) < values[r, 1] : values[r, 1] > 0.5
        labels.append(classes[positive ? 1 : 0])
      case .multiclassProbabilities:
        var best = 0
        for k in 1..<values.columns where values[r, k] > values[r, best] { best = k }
        labels.append(classes[best])
      }
    }
    self.labels = labels
  }

  public init(outputKind: OutputKind, classes: [String], values: Matrix, labels: [String]) {
    precondition(values.rows == labels.count, "one label per row")
    (self.outputKind, self.classes, self.values, self.labels) = (outputKind, classes, values, labels)
  }

  /// `row,prediction[,probability_<class>…]`, rows numbered from 0 in file order, written to `sink`.
  public func writeCSV(to sink: OutputSink) {
    let writer = CSVWriter(to: sink)
    writer.row(["row", "prediction"] + (outputKind == .regression ? [] : classes.map { "probability_\($0)" }))
    values.storage.withUnsafeBufferPointer { values in
      let columns = self.values.columns
      for r in 0..<labels.count {
        writer.field(r)
        writer.field(labels[r])
        if outputKind != .regression { for k in 0..<columns { writer.field(values[r * columns + k]) } }
        writer.endRow()
      }
    }
    writer.finish()
  }

  /// Accuracy for classifiers (rows whose label text equals the prediction), R² for regression.
  public func score(against target: Column) throws -> (name: String, value: Double) {
    precondition(target.count == labels.count, "target length")
    if outputKind == .regression {
      guard case let .numeric(numeric) = target else {
        throw ModelError.targetNotNumeric(target: target.name, example: target.text(at: 0) ?? "", file: nil)
      }
      let present = numeric.values.indices.filter { !numeric.values[$0].isNaN }
      let fitted = present.map { values[$0, 0] }, targets = present.map { numeric.values[$0] }
      let r2 = fitted.withUnsafeBufferPointer { p in targets.withUnsafeBufferPointer { rSquared(predictions: p, targets: $0, weights: nil) } }
      return ("R²", r2)
    }
    let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
    var tally = ClassificationTally()
    for r in 0..<labels.count {
      guard let truth = target.text(at: r) else { continue }
      tally.add(predicted: classIndex[labels[r]]!, label: classIndex[truth] ?? -1)
    }
    return ("Accuracy", tally.accuracy)
  }
}
