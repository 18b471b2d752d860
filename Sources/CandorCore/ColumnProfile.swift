/// A one-line description of a column: its type, missing count, and range or most frequent levels.
public struct ColumnProfile: Sendable, Equatable {
  public let name: String
  public let isNumeric: Bool
  public let missing: Int
  /// Numeric: minimum, mean and maximum of the present values.
  public let minimum: Double?, mean: Double?, maximum: Double?
  /// Categorical: number of levels and the most frequent ones with counts, most frequent first.
  public let levelCount: Int?
  public let topLevels: [(level: String, count: Int)]

  public init(_ column: Column, top: Int = 5) {
    name = column.name
    isNumeric = column.isNumeric
    missing = column.missingCount
    switch column {
    case let .numeric(numeric):
      let present = numeric.values.filter { !$0.isNaN }
      minimum = present.min()
      maximum = present.max()
      mean = present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
      levelCount = nil
      topLevels = []
    case let .categorical(categorical):
      var counts = [Int](repeating: 0, count: categorical.levels.count)
      for code in categorical.codes where code >= 0 { counts[Int(code)] += 1 }
      let used = counts.indices.filter { counts[$0] > 0 }
      levelCount = used.count
      topLevels = used.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1] : $0 < $1 }.prefix(top)
        .map { (categorical.levels[$0], counts[$0]) }
      minimum = nil
      mean = nil
      maximum = nil
    }
  }

  public static func == (a: ColumnProfile, b: ColumnProfile) -> Bool { a.text == b.text }

  /// The line `candor inspect` prints; the name and levels through `printable`.
  public var text: String {
    let name = printable(self.name)
    let missingText = missing > 0 ? ", \(missing) missing" : ""
    if isNumeric {
      guard let minimum, let mean, let maximum else { return "\(name): numeric, all missing" }
      return "\(name): numeric\(missingText), min \(formatNumber(minimum)), mean \(formatNumber((mean * 1000).rounded() / 1000)), max \(formatNumber(maximum))"
    }
    let levels = topLevels.map { "\(printable($0.level)) (\($0.count))" }.joined(separator: ", ")
    let more = (levelCount ?? 0) > topLevels.count ? ", …" : ""
    return "\(name): categorical, \(levelCount ?? 0) levels\(missingText): \(levels)\(more)"
  }
}
