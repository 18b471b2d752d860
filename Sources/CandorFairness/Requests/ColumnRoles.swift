import CandorCore

/// The columns a request names, each in one role: the label cannot also be a sensitive feature or the weights,
/// nor the weights a sensitive feature — any such request measures something other than what was meant.
struct ColumnRoles {
  var roles: [(Setting, [String])]

  init(target: String, sensitive: [String], weights: String?, extra: [(Setting, String?)] = []) {
    roles = [(.targetColumn, [target]), (.sensitiveFeatures, sensitive), (.weightsColumn, weights.map { [$0] } ?? [])]
      + extra.map { ($0.0, $0.1.map { [$0] } ?? []) }
  }

  func check() throws(FairnessError) {
    for (i, (first, firstColumns)) in roles.enumerated() {
      for (second, secondColumns) in roles[(i + 1)...] {
        if let column = firstColumns.first(where: secondColumns.contains) {
          throw .columnInTwoRoles(column: column, first, second)
        }
      }
    }
  }
}
