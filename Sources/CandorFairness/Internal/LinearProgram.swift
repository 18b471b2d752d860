/// A small dense linear program, maximize cᵀx subject to rows of `a·x (≤ | = | ≥) b` and x ≥ 0, solved by
/// the two-phase simplex method with Bland's rule (no cycling). Sized for threshold optimization:
/// a few dozen constraints, a few thousand variables.
struct LinearProgram {
  enum Relation { case lessOrEqual, equal, greaterOrEqual }

  var objective: [Double]
  var rows: [(coefficients: [Double], relation: Relation, bound: Double)] = []

  init(variableCount: Int) {
    objective = [Double](repeating: 0, count: variableCount)
  }

  mutating func add(_ coefficients: [Double], _ relation: Relation, _ bound: Double) {
    precondition(coefficients.count == objective.count)
    rows.append((coefficients, relation, bound))
  }

  /// The optimal x, or nil when the program is infeasible. (Unbounded programs do not arise here: every
  /// variable is a convex weight or a coordinate in [0, 1].)
  func maximize() -> [Double]? {
    let n = objective.count, m = rows.count
    // Normalize to b ≥ 0, then add a slack per inequality and an artificial per ≥ or = row.
    var normalized = rows
    for i in 0..<m where normalized[i].bound < 0 {
      normalized[i].coefficients = normalized[i].coefficients.map { -$0 }
      normalized[i].bound = -normalized[i].bound
      switch normalized[i].relation {
      case .lessOrEqual: normalized[i].relation = .greaterOrEqual
      case .greaterOrEqual: normalized[i].relation = .lessOrEqual
      case .equal: break
      }
    }
    let slackCount = normalized.filter { $0.relation != .equal }.count
    let artificialCount = normalized.filter { $0.relation != .lessOrEqual }.count
    let width = n + slackCount + artificialCount + 1  // last column: right-hand side
    var tableau = [[Double]](repeating: [Double](repeating: 0, count: width), count: m)
    var basis = [Int](repeating: 0, count: m)
    var slack = n, artificial = n + slackCount
    var artificialColumns: [Int] = []
    for (i, row) in normalized.enumerated() {
      for j in 0..<n { tableau[i][j] = row.coefficients[j] }
      tableau[i][width - 1] = row.bound
      switch row.relation {
      case .lessOrEqual:
        tableau[i][slack] = 1
        basis[i] = slack
        slack += 1
      case .greaterOrEqual:
        tableau[i][slack] = -1
        slack += 1
        tableau[i][artificial] = 1
        basis[i] = artificial
        artificialColumns.append(artificial)
        artificial += 1
      case .equal:
        tableau[i][artificial] = 1
        basis[i] = artificial
        artificialColumns.append(artificial)
        artificial += 1
      }
    }
    // Phase 1: minimize the sum of artificials (maximize its negative).
    var phaseOne = [Double](repeating: 0, count: width - 1)
    for column in artificialColumns { phaseOne[column] = -1 }
    Self.optimize(&tableau, basis: &basis, costs: phaseOne, allowed: width - 1)
    let infeasibility = basis.enumerated().reduce(0.0) { total, entry in
      artificialColumns.contains(entry.element) ? total + tableau[entry.offset][width - 1] : total
    }
    if infeasibility > 1e-9 { return nil }
    // Drive remaining (zero-valued) artificials out of the basis where possible.
    for i in 0..<m where basis[i] >= n + slackCount {
      if let j = (0..<(n + slackCount)).first(where: { abs(tableau[i][$0]) > 1e-12 }) { Self.pivot(&tableau, &basis, row: i, column: j) }
    }
    // Phase 2 over the original and slack columns only.
    var costs = [Double](repeating: 0, count: width - 1)
    for j in 0..<n { costs[j] = objective[j] }
    Self.optimize(&tableau, basis: &basis, costs: costs, allowed: n + slackCount)
    var solution = [Double](repeating: 0, count: n)
    for (i, column) in basis.enumerated() where column < n { solution[column] = tableau[i][width - 1] }
    return solution
  }

  private static func optimize(_ tableau: inout [[Double]], basis: inout [Int], costs: [Double], allowed: Int) {
    let width = tableau.first?.count ?? 1
    for _ in 0..<100_000 {
      // Reduced cost of column j: c_j − c_Bᵀ·column_j. Enter the first improving column (Bland).
      var entering: Int?
      for j in 0..<allowed where !basis.contains(j) {
        var reduced = costs[j]
        for (i, b) in basis.enumerated() { reduced -= costs[b] * tableau[i][j] }
        if reduced > 1e-11 {
          entering = j
          break
        }
      }
      guard let column = entering else { return }
      var leaving: Int?
      var best = Double.infinity
      for i in 0..<tableau.count where tableau[i][column] > 1e-12 {
        let ratio = tableau[i][width - 1] / tableau[i][column]
        if ratio < best - 1e-15 || (abs(ratio - best) <= 1e-15 && basis[i] < basis[leaving!]) {
          best = ratio
          leaving = i
        }
      }
      guard let row = leaving else { return }  // unbounded; cannot happen for our programs
      pivot(&tableau, &basis, row: row, column: column)
    }
  }

  private static func pivot(_ tableau: inout [[Double]], _ basis: inout [Int], row: Int, column: Int) {
    let pivotValue = tableau[row][column]
    for j in tableau[row].indices { tableau[row][j] /= pivotValue }
    for i in tableau.indices where i != row {
      let factor = tableau[i][column]
      if factor == 0 { continue }
      for j in tableau[i].indices { tableau[i][j] -= factor * tableau[row][j] }
    }
    basis[row] = column
  }
}
