import CandorCore
import Foundation

/// A scorecard gate: `metric op limit`, or `metric(set) op limit` for a disparity of one sensitive set —
/// `demographic_parity_difference(sex) < 0.1`, `accuracy >= 0.8`, `equalized_odds_difference(sex|race) <= 0.15`.
public struct Gate: Sendable, Equatable, Codable {
  public enum Comparison: String, Sendable, Codable, CaseIterable {
    case below = "<", atMost = "<=", above = ">", atLeast = ">="

    func holds(_ value: Double, _ limit: Double) -> Bool {
      switch self {
      case .below: value < limit
      case .atMost: value <= limit
      case .above: value > limit
      case .atLeast: value >= limit
      }
    }
  }

  public struct ParseError: Error, Equatable { public var reason: String }

  /// The gate as written.
  public var text: String
  public var metric: String
  /// The sensitive set (`sex`, `sex|race`) of a disparity; nil for an overall metric.
  public var sensitiveSet: String?
  public var comparison: Comparison
  public var limit: Double

  enum CodingKeys: String, CodingKey {
    case text, metric, comparison, limit
    case sensitiveSet = "sensitive_set"
  }

  public init(parsing text: String) throws(ParseError) {
    let spelled = text.replacingOccurrences(of: "≤", with: "<=").replacingOccurrences(of: "≥", with: ">=")
    // The comparison comes after the sensitive set, whose column names may hold < or > themselves.
    let after = spelled.lastIndex(of: ")") ?? spelled.startIndex
    guard let operatorRange = spelled.range(of: "<=|>=|<|>", options: .regularExpression, range: after..<spelled.endIndex) else {
      throw ParseError(reason: "the gate '\(printable(text))' has no comparison; write it as metric < limit, e.g. \"demographic_parity_difference(sex) < 0.1\" or \"accuracy >= 0.8\"")
    }
    let left = spelled[..<operatorRange.lowerBound].trimmingCharacters(in: .whitespaces)
    let right = spelled[operatorRange.upperBound...].trimmingCharacters(in: .whitespaces)
    guard let limit = Double(right), limit.isFinite else {
      throw ParseError(reason: "the gate '\(printable(text))' compares with '\(printable(right))', which is not a number")
    }
    var metric = left, set: String?
    if let open = left.firstIndex(of: "("), left.hasSuffix(")") {
      metric = String(left[..<open]).trimmingCharacters(in: .whitespaces)
      set = left[left.index(after: open)..<left.index(before: left.endIndex)].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: "|")
      if set!.isEmpty { throw ParseError(reason: "the gate '\(printable(text))' names an empty sensitive set") }
    }
    guard !metric.isEmpty, metric.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
      throw ParseError(reason: "the gate '\(printable(text))' names no metric before its comparison (a name such as accuracy or demographic_parity_difference)")
    }
    (self.text, self.metric, self.sensitiveSet, self.comparison, self.limit) = (text, metric, set, Comparison(rawValue: String(spelled[operatorRange]))!, limit)
  }

  /// The name a measured value is looked up by: `metric` or `metric(set)`.
  public var key: String { sensitiveSet.map { "\(metric)(\($0))" } ?? metric }
}

/// A gate's verdict: pass when the value — and the whole interval, when there is one — meets the limit; fail when
/// neither the value nor any of the interval does; inconclusive when the interval straddles the limit.
public struct GateResult: Sendable, Equatable, Codable {
  public enum Verdict: String, Sendable, Codable { case pass, fail, inconclusive }
  public var gate: Gate
  public var value: Double
  public var interval: [Double]?
  public var verdict: Verdict

  public init(gate: Gate, value: Double, interval: [Double]?) {
    (self.gate, self.value, self.interval) = (gate, value, interval)
    let holds = gate.comparison.holds(value, gate.limit)
    if let interval, interval.count == 2, interval.allSatisfy(\.isFinite) {
      let both = interval.map { gate.comparison.holds($0, gate.limit) }
      verdict = both.allSatisfy { $0 } && holds ? .pass : !both.contains(true) && !holds ? .fail : .inconclusive
    } else {
      verdict = holds ? .pass : .fail
    }
  }
}

/// Measured values a gate can name, each with its interval when the analysis gave one.
public struct MeasuredValues: Sendable {
  public var values: [String: (value: Double, interval: [Double]?)] = [:]
  public init() {}

  /// The gate's verdict, or nil when nothing measured it.
  public func evaluate(_ gate: Gate) -> GateResult? {
    values[gate.key].map { GateResult(gate: gate, value: $0.value, interval: $0.interval) }
  }
}
