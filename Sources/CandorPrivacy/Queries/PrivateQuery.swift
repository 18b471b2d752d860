import CandorCore
import Foundation

/// One question a user asks of a private dataset, in normal form: what a ledger keys a released answer by, so the
/// same question asked again is recognised however it was spelled (levels and quantiles sorted, a bin count
/// expanded to its edges). Everything that makes the answer's noise — the statistic, its column and groups, the
/// declared bounds and bins, ε, δ and the mechanism — is part of the key.
public struct PrivateQuery: Sendable, Hashable, Codable {
  public enum Statistic: String, Sendable, Codable, CaseIterable {
    case count, sum, mean, variance, histogram, quantile
  }

  /// The noise: exact discrete Laplace (pure ε-DP) or exact discrete Gaussian ((ε, δ) through zCDP).
  public enum Mechanism: String, Sendable, Codable, CaseIterable {
    case laplace, gaussian
  }

  public var statistic: Statistic
  /// The column the statistic is of (for `count`, optional: rows with a value there, else all rows).
  public var column: String?
  /// The column whose declared levels split the rows into groups, each answered on its own.
  public var by: String?
  /// The groups, declared (public) — sorted, each once. A row of another level, or none, is in no group.
  public var levels: [String]?
  /// Declared bounds: values are clamped into them; they set the sensitivity.
  public var lower: Double?
  public var upper: Double?
  /// Declared histogram bins or quantile candidates: numeric edges in increasing order…
  public var edges: [Double]?
  /// …or, for a histogram of a text column, its declared categories (sorted, each once).
  public var categories: [String]?
  /// The quantiles asked for (sorted, each once), in [0, 1].
  public var quantiles: [Double]?
  public var epsilon: Double
  /// 0 for Laplace.
  public var delta: Double
  public var mechanism: Mechanism

  public init(statistic: Statistic, column: String? = nil, by: String? = nil, levels: [String]? = nil, lower: Double? = nil,
              upper: Double? = nil, edges: [Double]? = nil, categories: [String]? = nil, quantiles: [Double]? = nil,
              epsilon: Double, delta: Double = 0, mechanism: Mechanism = .laplace) {
    self.statistic = statistic
    self.column = column
    self.by = by
    self.levels = levels.map { Array(Set($0)).sorted() }
    self.lower = lower
    self.upper = upper
    self.edges = edges
    self.categories = categories.map { Array(Set($0)).sorted() }
    self.quantiles = quantiles.map { Array(Set($0)).sorted() }
    self.epsilon = epsilon
    self.delta = delta
    self.mechanism = mechanism
  }

  /// `count` equal-width bins over the bounds as their `count + 1` edges.
  public static func equalWidthEdges(lower: Double, upper: Double, count: Int) -> [Double] {
    (0...count).map { k in k == count ? upper : lower + (upper - lower) * Double(k) / Double(count) }
  }

  /// The most bins (times groups) or quantile candidates one query may hold.
  public static let largestCells = 100_000

  /// The first setting that cannot be used, with why; nil when the query can be answered. The data is not
  /// consulted here (that is `PrivateStatistics`' job), so a query is checked before the ledger is touched.
  public var invalidSetting: InvalidSetting? {
    guard epsilon > 0 && epsilon.isFinite else { return InvalidSetting(.epsilon, value: formatNumber(epsilon), .positiveFinite) }
    guard epsilon >= Self.smallestEpsilon && epsilon <= Self.largestEpsilon else {
      return InvalidSetting(.epsilon, value: formatNumber(epsilon), .because("an answer's ε must be from 2⁻²⁰ (about 1e-6) to 2²⁰"))
    }
    switch mechanism {
    case .laplace where delta != 0:
      return InvalidSetting(.delta, value: formatNumber(delta), .because("the Laplace mechanism is pure ε-DP (δ = 0); ask for the Gaussian mechanism to spend a δ"))
    case .gaussian where !(delta > 0 && delta < 1):
      return InvalidSetting(.delta, value: formatNumber(delta), .because("the Gaussian mechanism needs a δ between 0 and 1"))
    default: break
    }
    if statistic != .count && column == nil {
      return InvalidSetting(.queryColumn, value: "", .because("a \(statistic.rawValue) is of a column; name it"))
    }
    if by != nil && (levels ?? []).isEmpty {
      return InvalidSetting(.groupLevels, value: "", .because(
        "the groups to answer for must be declared: which levels occur in the data is itself private"))
    }
    for (name, declared) in [("levels", levels), ("categories", categories)] {
      guard let declared else { continue }
      var seen: [Double: String] = [:]
      for level in declared {
        guard let number = Column.number(from: level) else { continue }
        if let other = seen[number] {
          return InvalidSetting(name == "levels" ? .groupLevels : .bins, value: "\(other),\(level)", .because("the two name one number, so a cell would be in both"))
        }
        seen[number] = level
      }
    }
    if by == nil && levels != nil { return InvalidSetting(.groupLevels, value: Self.preview(levels!), .because("levels are of a grouping column; name it too")) }
    if epsilon / Double(partCount) < Self.smallestEpsilon {
      return InvalidSetting(.epsilon, value: formatNumber(epsilon), .because(
        "it is split among the \(partCount) noisy parts of a \(statistic.rawValue), and each part's ε must be at least 2⁻²⁰ (about 1e-6)"))
    }
    if let lower, let upper {
      guard lower.isFinite && upper.isFinite && lower < upper else {
        return InvalidSetting(.bounds, value: "\(formatNumber(lower)):\(formatNumber(upper))", .because("write finite bounds lo:hi with lo below hi"))
      }
      guard max(abs(lower), abs(upper)) < 1e300 && max(abs(lower), abs(upper)) > 1e-300 && (upper - lower).isFinite else {
        return InvalidSetting(.bounds, value: "\(formatNumber(lower)):\(formatNumber(upper))", .because("bounds must lie within ±1e300, not both within 1e-300 of 0"))
      }
    }
    if statistic == .variance, let lower, let upper, !(max(abs(lower), abs(upper)) <= 1e100 && upper - lower >= 1e-100) {
      return InvalidSetting(.bounds, value: "\(formatNumber(lower)):\(formatNumber(upper))", .because(
        "a variance squares its values, so its bounds must lie within ±1e100 and be at least 1e-100 apart"))
    }
    if lower != nil || upper != nil, statistic == .count || categories != nil {
      return InvalidSetting(.bounds, value: "\(lower.map(formatNumber) ?? ""):\(upper.map(formatNumber) ?? "")", .because(
        statistic == .count ? "a count does not use bounds" : "a histogram of categories does not use bounds"))
    }
    let needsBounds: Set<Statistic> = [.sum, .mean, .variance]
    if needsBounds.contains(statistic) && (lower == nil || upper == nil) {
      return InvalidSetting(.bounds, value: "", .because("a \(statistic.rawValue) needs declared bounds lo:hi (they set the noise; the data's own range is private)"))
    }
    if statistic == .histogram || statistic == .quantile {
      if let edges {
        guard edges.count >= 2 && edges.allSatisfy(\.isFinite) && zip(edges, edges.dropFirst()).allSatisfy({ $0 < $1 }) else {
          return InvalidSetting(.bins, value: Self.preview(edges.map(formatNumber)), .because("edges must be at least two finite numbers in increasing order"))
        }
      } else if statistic == .quantile || (categories ?? []).isEmpty {
        return InvalidSetting(.bins, value: "", .because(statistic == .quantile
          ? "a quantile is chosen among declared candidates: give bounds and a number of bins, or the edges"
          : "a histogram's bins are declared, not taken from the data: give bounds and a number of bins, the edges, or a text column's categories"))
      }
      let cells = ((edges?.count ?? 1) - 1 + (categories?.count ?? 0)) * max(1, levels?.count ?? 1)
      guard cells <= Self.largestCells else {
        return InvalidSetting(.bins, value: "\(cells) cells", .because("at most \(Self.largestCells) bins (times groups) per query"))
      }
    } else if edges != nil || categories != nil {
      return InvalidSetting(.bins, value: "", .because("bins are for a histogram or a quantile only"))
    }
    if statistic == .quantile {
      guard mechanism == .laplace else {
        return InvalidSetting(.mechanism, value: mechanism.rawValue, .because("a quantile is chosen by the exponential mechanism (pure ε-DP), which has no Gaussian form"))
      }
      guard let quantiles, !quantiles.isEmpty, quantiles.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
        return InvalidSetting(.quantiles, value: Self.preview((quantiles ?? []).map(formatNumber)), .fromZeroToOne)
      }
    } else if quantiles != nil {
      return InvalidSetting(.quantiles, value: Self.preview(quantiles!.map(formatNumber)), .because("quantiles are for --statistic quantile only"))
    }
    return nil
  }

  /// A list for a message: its first eight items, then how many more.
  static func preview(_ items: [String]) -> String {
    items.count <= 8 ? items.joined(separator: ",") : items.prefix(8).joined(separator: ",") + ",… (\(items.count) in all)"
  }

  /// How many noisy parts the budget is split among: a mean's count and sum, a variance's count, sum and sum of
  /// squares, one per quantile, else one.
  public var partCount: Int {
    switch statistic {
    case .mean: 2
    case .variance: 3
    case .quantile: max(1, quantiles?.count ?? 1)
    case .count, .sum, .histogram: 1
    }
  }

  /// ε is used as the largest multiple of 2⁻²⁰ not above it (exact rational noise parameters; never more than asked).
  public static let smallestEpsilon = 0x1p-20
  public static let largestEpsilon = 0x1p20

  /// "mean of age", "histogram of age by sex".
  public var description: String {
    let of = column.map { " of \($0)" } ?? (statistic == .count ? " of rows" : "")
    return "\(statistic.rawValue)\(of)\(by.map { " by \($0)" } ?? "")"
  }
}

extension Setting {
  public static let queryColumn = Setting("queryColumn")
  public static let groupColumn = Setting("groupColumn")
  public static let groupLevels = Setting("groupLevels")
  public static let bounds = Setting("bounds")
  public static let bins = Setting("bins")
  public static let quantiles = Setting("quantiles")
  public static let mechanism = Setting("mechanism")
  public static let maxQueries = Setting("maxQueries")
  public static let maskWith = Setting("maskWith")
}
