import CandorCore
import Foundation

/// How well a classifier does on a table: the share of rows it gets right (its most probable class, above 0.5 for
/// the positive class of a binary model, against the row's target value) and its mean log loss.
public struct ClassificationScore: Sendable, Equatable {
  public var accuracy: Double
  /// Mean −log p(true class), p floored at 1e-15; a value the model has no class for counts as p = 1e-15.
  public var logLoss: Double
  /// - Parameters:
  ///   - classes: the model's classes, in output order.
  ///   - positive: for a model trained with `--positive`, the target value that is class 1; every other value is
  ///     class 0.
  /// - Throws: `TableError.missingColumn` without the target, `ModelError.missingTarget` for an empty target cell,
  ///   what `predict` throws.
  public static func of(_ model: any Model, classes: [String], positive: String?, on table: Table, target: String) throws -> ClassificationScore {
    let truth = try table.column(target).asCategorical()
    if let row = truth.codes.firstIndex(of: CategoricalColumn.missingCode) {
      throw ModelError.missingTarget(target: target, row: row + 1, file: table.source)
    }
    // Each level's class index once; a level the model never saw is never right (−1).
    let classOfLevel: [Int] = truth.levels.map { level in
      if let positive { return level == positive ? 1 : 0 }
      return classes.firstIndex(of: level) ?? -1
    }
    let outputs = try model.predict(table)
    var right = 0, loss = 0.0
    let width = outputs.columns
    outputs.storage.withUnsafeBufferPointer { values in
      for r in 0..<table.rowCount {
        let label = classOfLevel[Int(truth.codes[r])]
        if ClassificationTally.predictedClass(values, row: r, width: width) == label { right += 1 }
        let p = label < 0 ? 0 : width == 1 ? (label == 1 ? values[r] : 1 - values[r]) : values[r * width + label]
        loss -= log(max(p, 1e-15))
      }
    }
    let n = Double(max(table.rowCount, 1))
    return ClassificationScore(accuracy: Double(right) / n, logLoss: loss / n)
  }
}
