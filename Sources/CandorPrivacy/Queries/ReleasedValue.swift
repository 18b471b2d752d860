import CandorCore
import Foundation

/// A released answer's shape: one number, a `[lower, upper]` interval, nothing, or values keyed by group, bin or
/// quantile (nested for a histogram by group). JSON: a number, a two-number list, null, an object.
public indirect enum ReleasedValue: Sendable, Hashable, Codable {
  case number(Double)
  case interval(Double, Double)
  case none
  case keyed([String: ReleasedValue])

  public init(from decoder: any Decoder) throws {
    let c = try decoder.singleValueContainer()
    if c.decodeNil() { self = .none } else if let n = try? c.decode(Double.self) { self = .number(n) } else if let pair = try? c.decode([Double].self) {
      guard pair.count == 2 else { throw DecodingError.dataCorruptedError(in: c, debugDescription: "an interval is two numbers") }
      self = .interval(pair[0], pair[1])
    } else {
      self = .keyed(try c.decode([String: ReleasedValue].self))
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    switch self {
    case let .number(n): try c.encode(n)
    case let .interval(lo, hi): try c.encode([lo, hi])
    case .none: try c.encodeNil()
    case let .keyed(values): try c.encode(values)
    }
  }

  /// The value at `key`'s path ("Male", then "[0, 10)").
  public subscript(_ keys: String...) -> ReleasedValue? {
    var value: ReleasedValue? = self
    for key in keys {
      guard case let .keyed(values)? = value else { return nil }
      value = values[key]
    }
    return value
  }

  public var number: Double? { if case let .number(n) = self { n } else { nil } }

  /// The order keys are shown in: bins "[0, 10)" in numeric order, quantiles by value, groups by name.
  public static func keyOrder(_ a: String, _ b: String) -> Bool {
    func number(_ key: String) -> Double? { Double(key.hasPrefix("[") ? String(key.dropFirst().prefix { $0 != "," }) : key) }
    if let x = number(a), let y = number(b) { return x < y }
    return a < b
  }
}
