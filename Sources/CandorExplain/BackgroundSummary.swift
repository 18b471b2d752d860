import CandorCore
import CandorModels

/// A small weighted background from a large one, like `shap.kmeans`: k-means (Lloyd's algorithm with
/// k-means++ seeding, Arthur & Vassilvitskii 2007) on the model's encoded rows; each centroid becomes a row
/// whose numeric features are the cluster's means and whose categorical features take the cluster's most
/// frequent level, weighted by the cluster's size.
public enum BackgroundSummary {
  /// - Parameter averaged: the numeric columns a centroid takes the cluster's mean of; any other numeric column
  ///   takes the cluster's most frequent value (for a black box, whose column may hold codes or integers that a
  ///   mean is not).
  public static func kmeans(_ table: Table, encoder: FeatureEncoder, clusters k: Int, seed: UInt64, iterations: Int = 50,
                            averaged: @escaping (String) -> Bool = { _ in true }) throws
    -> (rows: Table, weights: [Double])
  {
    guard k >= 1 else { throw ExplainError.invalidSetting(.init(.backgroundClusters, value: "\(k)", .atLeast(1, unit: "cluster"))) }
    let x = try encoder.transform(table)
    let n = x.rows, d = x.columns
    if k >= n { return (table, [Double](repeating: 1, count: n)) }
    var random = SeededRandom(seed: seed, stream: 2_000_000)
    func distance(_ r: Int, _ centre: [Double]) -> Double {
      var total = 0.0
      for c in 0..<d { let e = x[r, c] - centre[c]; total += e * e }
      return total
    }
    var centres = [x.row(random.nextIndex(below: n))]
    var nearest = (0..<n).map { distance($0, centres[0]) }
    while centres.count < k {
      let total = nearest.reduce(0, +)
      var u = random.nextUniform() * total, pick = n - 1
      for r in 0..<n { u -= nearest[r]; if u <= 0 { pick = r; break } }
      centres.append(x.row(pick))
      for r in 0..<n { nearest[r] = min(nearest[r], distance(r, centres.last!)) }
    }
    var assignment = [Int](repeating: 0, count: n)
    for _ in 0..<iterations {
      var changed = false
      for r in 0..<n {
        let best = (0..<k).min { distance(r, centres[$0]) < distance(r, centres[$1]) }!
        if best != assignment[r] { assignment[r] = best; changed = true }
      }
      var sums = [[Double]](repeating: [Double](repeating: 0, count: d), count: k), counts = [Double](repeating: 0, count: k)
      for r in 0..<n {
        counts[assignment[r]] += 1
        for c in 0..<d { sums[assignment[r]][c] += x[r, c] }
      }
      for j in 0..<k where counts[j] > 0 { centres[j] = sums[j].map { $0 / counts[j] } }
      if !changed { break }
    }
    let used = (0..<k).filter { j in assignment.contains(j) }
    var members = [[Int]](repeating: [], count: k)
    for (r, j) in assignment.enumerated() { members[j].append(r) }
    var columns: [Column] = []
    for column in table.columns {
      switch column {
      case let .numeric(numeric):
        let mean = averaged(numeric.name)
        columns.append(.numeric(NumericColumn(name: numeric.name, values: ContiguousArray(used.map { j in
          let present = members[j].map { numeric.values[$0] }.filter { !$0.isNaN }
          if present.isEmpty { return .nan }
          if mean { return present.reduce(0, +) / Double(present.count) }
          var counts: [Double: Int] = [:]
          for v in present { counts[v, default: 0] += 1 }
          return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        }))))
      case let .categorical(categorical):
        let codes = used.map { j -> Int32 in
          var counts: [Int32: Int] = [:]
          for r in members[j] { counts[categorical.codes[r], default: 0] += 1 }
          return counts.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
        }
        columns.append(.categorical(CategoricalColumn(name: categorical.name, codes: ContiguousArray(codes), levels: categorical.levels)))
      }
    }
    return (try Table(columns: columns, source: table.source), used.map { Double(members[$0].count) })
  }
}
