/// A slice of the rows named by readable conditions joined by "and" — `age ≤ 25 and workclass = Private` — as error
/// analysis names its cohorts, so that a cohort can be passed back (`--cohort`) to analyse that slice. A numeric
/// column takes `≤ < > ≥ = ≠` (or `<= >= !=`) and a number; a text column `=` or `≠` and a level. A missing value
/// is in no cohort that tests its column.
public struct Cohort: Sendable, Equatable {
  public struct Condition: Sendable, Equatable {
    public enum Operator: String, Sendable, CaseIterable {
      case lessOrEqual = "≤", less = "<", greaterOrEqual = "≥", greater = ">", equal = "=", notEqual = "≠"
    }

    public var column: String
    public var op: Operator
    public var value: String
    /// "… or missing": a missing value is in the cohort too.
    public var orMissing = false
  }

  /// A level as a condition writes it: as it is, or in double quotes (with \" and \\) when it holds " and ",
  /// " or ", a quote, or space at an end.
  public static func quoted(_ level: String) -> String {
    let plain = printable(level)
    guard level.contains(" and ") || level.contains(" or ") || level.contains("\"") || level.hasPrefix(" ") || level.hasSuffix(" ") || level != plain || level.isEmpty else { return level }
    return "\"" + level.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
  }

  /// The parts of `text` between " and ", quotes respected.
  static func parts(_ text: String) -> [String] {
    var parts: [String] = [], current = "", inQuotes = false, escaped = false
    let scalars = Array(text)
    var i = 0
    while i < scalars.count {
      let c = scalars[i]
      if inQuotes {
        current.append(c)
        if escaped { escaped = false } else if c == "\\" { escaped = true } else if c == "\"" { inQuotes = false }
        i += 1
        continue
      }
      if c == "\"" { inQuotes = true }
      if c == " ", i + 5 <= scalars.count, String(scalars[i..<(i + 5)]) == " and " {
        parts.append(current)
        current = ""
        i += 5
        continue
      }
      current.append(c)
      i += 1
    }
    parts.append(current)
    return parts
  }

  /// A condition's value: unquoted and unescaped when it is in double quotes.
  static func value(_ text: String) -> String? {
    guard text.hasPrefix("\"") else { return text }
    guard text.count >= 2, text.hasSuffix("\"") else { return nil }
    var out = "", escaped = false
    for c in text.dropFirst().dropLast() {
      if escaped { out.append(c); escaped = false } else if c == "\\" { escaped = true } else { out.append(c) }
    }
    return escaped ? nil : out
  }

  public var conditions: [Condition]
  public var text: String

  /// - Throws: `InvalidCohort` naming the part that is not a condition.
  public init(parsing text: String) throws(InvalidCohort) {
    self.text = text
    var conditions: [Condition] = []
    // "all rows" (error analysis's root cohort) has no condition.
    if text.trimmingCharacters(in: .whitespaces) == "all rows" { self.conditions = []; return }
    for part in Self.parts(text) {
      var trimmed = part.trimmingCharacters(in: .whitespaces)
      guard !trimmed.isEmpty else { throw InvalidCohort(text: text, part: part, reason: "a condition is empty (\" and \" at an end, or twice)") }
      var orMissing = false
      if trimmed.hasSuffix(" or missing") {
        orMissing = true
        trimmed = String(trimmed.dropLast(" or missing".count))
      }
      // The operator: the two-character ASCII spellings first, so "<=" is not read as "<".
      let spellings: [(String, Condition.Operator)] = [("<=", .lessOrEqual), (">=", .greaterOrEqual), ("!=", .notEqual), ("≤", .lessOrEqual),
                                                       ("≥", .greaterOrEqual), ("≠", .notEqual), ("<", .less), (">", .greater), ("=", .equal)]
      guard let (spelling, op) = spellings.first(where: { trimmed.contains(" \($0.0) ") }),
            let range = trimmed.range(of: " \(spelling) ") else {
        throw InvalidCohort(text: text, part: trimmed)
      }
      let column = String(trimmed[..<range.lowerBound])
      guard !column.isEmpty, let value = Self.value(String(trimmed[range.upperBound...])), !trimmed[range.upperBound...].isEmpty else {
        throw InvalidCohort(text: text, part: trimmed)
      }
      conditions.append(Condition(column: column, op: op, value: value, orMissing: orMissing))
    }
    self.conditions = conditions
  }

  /// The rows of `table` in the cohort, in order.
  /// - Throws: `InvalidCohort` for a column the table lacks or a comparison its column cannot take.
  public func rows(of table: Table) throws(InvalidCohort) -> [Int] {
    var keep = [Bool](repeating: true, count: table.rowCount)
    for c in conditions {
      guard let column = table[c.column] else {
        throw InvalidCohort(text: text, part: "\(c.column) \(c.op.rawValue) \(c.value)", reason: "the data has no column '\(printable(c.column))'")
      }
      switch column {
      case let .numeric(numbers):
        guard let v = Column.number(from: c.value), !v.isNaN else {
          throw InvalidCohort(text: text, part: "\(c.column) \(c.op.rawValue) \(c.value)", reason: "\(printable(c.column)) is numeric, so the value must be a number")
        }
        for r in 0..<table.rowCount where keep[r] {
          let x = numbers.values[r]
          if x.isNaN { keep[r] = c.orMissing; continue }
          let holds: Bool
          switch c.op {
          case .lessOrEqual: holds = x <= v
          case .less: holds = x < v
          case .greaterOrEqual: holds = x >= v
          case .greater: holds = x > v
          case .equal: holds = x == v
          case .notEqual: holds = !x.isNaN && x != v
          }
          keep[r] = holds
        }
      case .categorical:
        guard c.op == .equal || c.op == .notEqual else {
          throw InvalidCohort(text: text, part: "\(c.column) \(c.op.rawValue) \(c.value)", reason: "\(printable(c.column)) is a text column: use = or ≠")
        }
        for r in 0..<table.rowCount where keep[r] {
          guard let level = column.text(at: r) else { keep[r] = c.orMissing || (c.value == Table.missingLevelName) == (c.op == .equal); continue }
          keep[r] = (level == c.value) == (c.op == .equal)
        }
      }
    }
    return keep.indices.filter { keep[$0] }
  }

  /// `table` with only the cohort's rows.
  public func select(_ table: Table) throws(InvalidCohort) -> Table {
    let rows = try rows(of: table)
    guard !rows.isEmpty else { throw InvalidCohort(text: text, part: text, reason: "no row of the data is in it") }
    return table.selecting(rows: rows)
  }
}

/// A `--cohort` that cannot be read or applied.
public struct InvalidCohort: CandorError, Equatable {
  public var text: String
  public var part: String
  public var reason = "write conditions as column op value joined by ' and ', e.g. age ≤ 25 and workclass = Private"

  public func message(naming name: (Setting) -> String) -> String {
    "\(name(.cohort)) \(printable(text)): \(printable(part)): \(reason)."
  }
}

extension Setting {
  public static let cohort = Setting("cohort")
}
