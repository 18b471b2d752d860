import CandorCore
import CandorModels
import COpenBLAS
import Foundation

extension KernelSHAP {
  /// One explained row: varying features, coalitions, one batched model call, the constrained regression.
  static func explainRow(model: any Model, source: Table, explained: Int, backgroundCount: Int, groupColumns: [[Int]],
                         nsamples: Int, link: Link, random: SeededRandom, row: Int, meanBackground: [Double]) throws -> RowExplanation {
    var random = random
    let m = groupColumns.count
    let prediction = try model.predict(source.selecting(rows: [explained]))
    let outputCount = prediction.columns
    let fx = (0..<outputCount).map { prediction[0, $0] }
    // A feature whose value equals every background row's, or that the model does not read, cannot change v:
    // φ = 0 exactly, and it is left out of the regression.
    let read = Set(model.featureNames)
    let varying = (0..<m).filter { j in
      groupColumns[j].contains { c in
        guard read.contains(source.columns[c].name) else { return false }
        let column = source.columns[c]
        return (0..<backgroundCount).contains { b in column.text(at: b) != column.text(at: explained) }
      }
    }
    var values = [[Double]](repeating: [Double](repeating: 0, count: m), count: outputCount)
    var errors = values
    let v = varying.count
    guard v > 0 else { return RowExplanation(row: row, prediction: fx, values: values, stdErrors: errors) }
    let coalitions = (v < 31 && (1 << v) - 2 <= nsamples) ? Coalitions.enumerated(v) : Coalitions.shapBudget(v, nsamples: nsamples, random: &random)
    let count = coalitions.masks.count
    // Synthetic rows: coalition c, background b → row c·B + b; each column gathers from the background row
    // or from the explained row.
    var columns: [Column] = []
    for (index, column) in source.columns.enumerated() {
      let owner = varying.firstIndex { groupColumns[$0].contains(index) }
      var gather = [Int](repeating: 0, count: count * backgroundCount)
      for c in 0..<count {
        let fromExplained = owner.map { coalitions.masks[c][$0] } ?? false
        for b in 0..<backgroundCount {
          gather[c * backgroundCount + b] = fromExplained || (owner == nil && !belongsToAPlayer(index, groupColumns)) ? explained : b
        }
      }
      columns.append(column.selecting(gather))
    }
    let synthetic = try Table(columns: columns, source: source.source)
    let predictions = try model.predict(synthetic)
    // v(S) per coalition and output, after the link.
    var coalitionValues = [[Double]](repeating: [Double](repeating: 0, count: count), count: outputCount)
    for k in 0..<outputCount {
      for c in 0..<count {
        var sum = 0.0
        for b in 0..<backgroundCount { sum += predictions[c * backgroundCount + b, k] }
        coalitionValues[k][c] = link.apply(sum / Double(backgroundCount))
      }
    }
    let blocks = Set(coalitions.block.filter { $0 >= 0 }).sorted()
    for k in 0..<outputCount {
      let base = link.apply(meanBackground[k]), total = link.apply(fx[k]) - base
      let full = try solve(coalitions, keep: nil, values: coalitionValues[k], base: base, total: total, v: v)
      for (i, j) in varying.enumerated() { values[k][j] = full[i] }
      if blocks.count > 1 {
        // Jackknife over blocks of sampled coalitions: SE² = (G−1)/G · Σ (φ₋g − φ̄)².
        let leaveOut = try blocks.map { g in try solve(coalitions, keep: { coalitions.block[$0] != g }, values: coalitionValues[k], base: base, total: total, v: v) }
        let groups = Double(blocks.count)
        for (i, j) in varying.enumerated() {
          let mean = leaveOut.reduce(0) { $0 + $1[i] } / groups
          errors[k][j] = ((groups - 1) / groups * leaveOut.reduce(0) { $0 + ($1[i] - mean) * ($1[i] - mean) }).squareRoot()
        }
      }
    }
    return RowExplanation(row: row, prediction: fx, values: values, stdErrors: errors)
  }

  /// Columns of no player keep the explained row's value; columns of a non-varying player equal it anyway.
  private static func belongsToAPlayer(_ column: Int, _ groupColumns: [[Int]]) -> Bool {
    groupColumns.contains { $0.contains(column) }
  }

  /// The weighted least squares with Σφ = total, by eliminating the last player (shap's `solve`):
  /// y_S − z_{S,last}·total = Σ_{j<last} (z_{S,j} − z_{S,last})·φ_j, solved from the normal equations.
  static func solve(_ coalitions: Coalitions, keep: ((Int) -> Bool)?, values: [Double], base: Double, total: Double, v: Int) throws -> [Double] {
    if v == 1 { return [total] }
    let unknowns = v - 1
    var normal = Matrix(rows: unknowns, columns: unknowns)
    var rightHandSide = [Double](repeating: 0, count: unknowns)
    var z = [Double](repeating: 0, count: unknowns)
    for c in coalitions.masks.indices where keep?(c) ?? true {
      let mask = coalitions.masks[c], w = coalitions.weights[c]
      let last = mask[v - 1] ? 1.0 : 0.0
      for j in 0..<unknowns { z[j] = (mask[j] ? 1 : 0) - last }
      let y = values[c] - base - last * total
      for i in 0..<unknowns where z[i] != 0 {
        rightHandSide[i] += w * z[i] * y
        for j in 0..<unknowns where z[j] != 0 { normal[i, j] += w * z[i] * z[j] }
      }
    }
    let solution: [Double]
    do {
      solution = try normal.solveSymmetricPositiveDefinite(rightHandSide)
    } catch {
      // Too few distinct coalitions for a full-rank system: the least-squares solution through QR.
      var augmented = normal
      for i in 0..<unknowns { augmented[i, i] += 1e-12 }
      solution = try augmented.solveSymmetricPositiveDefinite(rightHandSide)
    }
    return solution + [total - solution.reduce(0, +)]
  }
}
