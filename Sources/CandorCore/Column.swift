/// A numeric column: one `Double` per row, `NaN` marks a missing value.
public struct NumericColumn: Sendable, Equatable {
  public var name: String
  public var values: ContiguousArray<Double>

  public init(name: String, values: ContiguousArray<Double>) {
    self.name = name
    self.values = values
  }

  public var missingCount: Int { values.reduce(0) { $0 + ($1.isNaN ? 1 : 0) } }
}

/// A categorical column stored as dictionary codes: `codes[row]` indexes `levels`, or is
/// `CategoricalColumn.missingCode` for a missing value.
///
/// Levels keep the order in which they were first seen; encoders sort them where order matters.
public struct CategoricalColumn: Sendable, Equatable {
  public static let missingCode: Int32 = -1

  public var name: String
  public var codes: ContiguousArray<Int32>
  public var levels: [String]

  public init(name: String, codes: ContiguousArray<Int32>, levels: [String]) {
    self.name = name
    self.codes = codes
    self.levels = levels
  }

  /// Builds a column from text values; `nil` is missing.
  public init(name: String, strings: [String?]) {
    var index: [String: Int32] = [:]
    var levels: [String] = []
    var codes = ContiguousArray<Int32>()
    codes.reserveCapacity(strings.count)
    for value in strings {
      guard let value else {
        codes.append(Self.missingCode)
        continue
      }
      if let code = index[value] {
        codes.append(code)
      } else {
        let code = Int32(levels.count)
        index[value] = code
        levels.append(value)
        codes.append(code)
      }
    }
    self.init(name: name, codes: codes, levels: levels)
  }

  /// The text of one row, `nil` when missing.
  public func value(at row: Int) -> String? {
    let code = codes[row]
    return code == Self.missingCode ? nil : levels[Int(code)]
  }

  /// The first row whose text is not a number, and that text: what to name when a numeric column was
  /// expected (the first row alone may well be a number, as in a column with one stray word).
  public var firstText: (row: Int, value: String)? {
    let isText = levels.map { Double($0) == nil }
    guard let row = codes.firstIndex(where: { $0 >= 0 && isText[Int($0)] }) else { return nil }
    return (row, levels[Int(codes[row])])
  }

  public var missingCount: Int { codes.reduce(0) { $0 + ($1 == Self.missingCode ? 1 : 0) } }

  /// The levels that occur in at least one row, in level order (one pass, no hashing per row).
  public var presentLevels: [String] {
    var seen = [Bool](repeating: false, count: levels.count)
    codes.withUnsafeBufferPointer { codes in
      for code in codes where code >= 0 { seen[Int(code)] = true }
    }
    return levels.indices.filter { seen[$0] }.map { levels[$0] }
  }

  /// Codes that translate this column's levels into `targetLevels` (−1 where a level is absent there).
  public func codeMap(into targetLevels: [String]) -> [Int32] {
    var position: [String: Int32] = [:]
    for (i, level) in targetLevels.enumerated() where position[level] == nil { position[level] = Int32(i) }
    return levels.map { position[$0] ?? Self.missingCode }
  }
}

/// One column of a `Table`.
public enum Column: Sendable, Equatable {
  case numeric(NumericColumn)
  case categorical(CategoricalColumn)

  public var name: String {
    switch self {
    case let .numeric(column): column.name
    case let .categorical(column): column.name
    }
  }

  public var count: Int {
    switch self {
    case let .numeric(column): column.values.count
    case let .categorical(column): column.codes.count
    }
  }

  public var isNumeric: Bool {
    if case .numeric = self { return true }
    return false
  }

  public var missingCount: Int {
    switch self {
    case let .numeric(column): column.missingCount
    case let .categorical(column): column.missingCount
    }
  }

  /// The cell as text (numbers in their shortest round-trip form), `nil` when missing.
  public func text(at row: Int) -> String? {
    switch self {
    case let .numeric(column):
      let value = column.values[row]
      return value.isNaN ? nil : formatNumber(value)
    case let .categorical(column):
      return column.value(at: row)
    }
  }

  /// Each cell as a number, NaN when missing or not a number — read with the CSV reader's own number parser, so
  /// the result is the same whether or not the reader judged the whole column numeric. What a private statistic
  /// uses: a column's inferred type depends on every record, so it must not decide what a query may do.
  public var numbersOrMissing: ContiguousArray<Double> {
    switch self {
    case let .numeric(column): return column.values
    case let .categorical(column):
      let parsed = column.levels.map { Self.number(from: $0) ?? .nan }
      return ContiguousArray(column.codes.lazy.map { $0 < 0 ? .nan : parsed[Int($0)] })
    }
  }

  /// A cell's text as the CSV reader reads a number (surrounding spaces allowed), nil when it is not one.
  public static func number(from text: String) -> Double? {
    var text = text
    var scratch: [UInt8] = []
    return text.withUTF8 { NumberParser.parse($0, 0, $0.count, scratch: &scratch) }
  }

  /// The same column restricted to `rows`, in that order (rows may repeat).
  public func selecting(_ rows: [Int]) -> Column {
    switch self {
    case var .numeric(column):
      column.values = gather(column.values, rows)
      return .numeric(column)
    case var .categorical(column):
      column.codes = gather(column.codes, rows)
      return .categorical(column)
    }
  }
}

/// Shortest text that reads back as the same number; integers without a trailing ".0".
public func formatNumber(_ value: Double) -> String {
  if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
  return "\(value)"
}

/// A number for a sentence: rounded to `digits` significant digits, then as `formatNumber` writes it (0.3 + 0.3 +
/// 0.3 is "0.9", not 0.8999999999999999).
public func formatRounded(_ value: Double, significantDigits digits: Int = 6) -> String {
  formatNumber(Double(String(format: "%.\(digits)g", value)) ?? value)
}

/// A probability to 6 significant digits, or as many more as it takes not to print a value on the wrong side of
/// a decision `threshold` as the threshold itself (0.50000000025 is not "0.5").
public func formatProbability(_ p: Double, threshold: Double = 0.5) -> String {
  for digits in 6...17 {
    let text = formatRounded(p, significantDigits: digits)
    if p == threshold || Double(text) != threshold { return text }
  }
  return formatNumber(p)
}

/// `source[rows[0]], source[rows[1]], …` in one allocation.
func gather<T>(_ source: ContiguousArray<T>, _ rows: [Int]) -> ContiguousArray<T> {
  ContiguousArray(unsafeUninitializedCapacity: rows.count) { buffer, count in
    source.withUnsafeBufferPointer { source in
      for (i, row) in rows.enumerated() { (buffer.baseAddress! + i).initialize(to: source[row]) }
    }
    count = rows.count
  }
}
