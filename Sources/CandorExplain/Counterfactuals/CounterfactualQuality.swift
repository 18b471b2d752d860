import CandorCore
import Foundation

/// How far apart two rows are, as DiCE measures counterfactuals (Mothilal, Sharma & Tan 2020, "Explaining Machine
/// Learning Classifiers through Diverse Counterfactual Explanations", §3): numeric features by |a − b| over their
/// median absolute deviation in the data (a MAD of 0 counts as 1), categorical ones by whether they differ, each
/// averaged over its kind; and how many features differ.
public struct CounterfactualSpace: Sendable, Equatable, Codable {
  public var numeric: [String]
  public var categorical: [String]
  /// MAD per numeric feature, 0 replaced by 1.
  public var mad: [String: Double]

  public init(numeric: [String], categorical: [String], mad: [String: Double]) {
    (self.numeric, self.categorical, self.mad) = (numeric, categorical, mad)
  }

  /// The space of `table`'s `features`: numeric columns by their MAD over the rows, the others categorical.
  public static func fit(_ table: Table, features: [String]) throws -> CounterfactualSpace {
    var numeric: [String] = [], categorical: [String] = [], mad: [String: Double] = [:]
    for name in features {
      guard let column = table[name] else { throw ExplainError.unknownFeature(name, available: table.columnNames) }
      guard case let .numeric(numbers) = column else { categorical.append(name); continue }
      numeric.append(name)
      let values = numbers.values.filter { !$0.isNaN }.sorted()
      let median = Statistics.quantile(sorted: values, 0.5)
      let deviation = Statistics.quantile(sorted: values.map { abs($0 - median) }.sorted(), 0.5)
      mad[name] = deviation > 0 ? deviation : 1
    }
    return CounterfactualSpace(numeric: numeric, categorical: categorical, mad: mad)
  }

  /// (1/|N|) Σ |a_f − b_f| / MAD_f over the numeric features.
  public func numericDistance(_ a: [String: WhatIfValue], _ b: [String: WhatIfValue]) -> Double {
    guard !numeric.isEmpty else { return 0 }
    var sum = 0.0
    for f in numeric {
      if case let .number(x)? = a[f], case let .number(y)? = b[f] { sum += abs(x - y) / mad[f]! } else if a[f] != b[f] { sum += .infinity }
    }
    return sum / Double(numeric.count)
  }

  /// (1/|K|) Σ [a_f ≠ b_f] over the categorical features.
  public func categoricalDistance(_ a: [String: WhatIfValue], _ b: [String: WhatIfValue]) -> Double {
    categorical.isEmpty ? 0 : Double(categorical.count { a[$0] != b[$0] }) / Double(categorical.count)
  }

  /// The features (numeric compared exactly) where a and b differ.
  public func changed(_ a: [String: WhatIfValue], _ b: [String: WhatIfValue]) -> [String] {
    (numeric + categorical).filter { a[$0] != b[$0] }
  }

  /// The quality of `counterfactuals` for `query`, k asked for; `valid[i]`: the model gives counterfactual i the
  /// desired class. Duplicates count once toward validity; with fewer than two, the diversities are 0.
  public func quality(query: [String: WhatIfValue], counterfactuals: [[String: WhatIfValue]], valid: [Bool], asked k: Int) -> CounterfactualQuality {
    let n = counterfactuals.count
    var unique: [[String: WhatIfValue]] = [], validUnique = 0
    for (i, c) in counterfactuals.enumerated() where !unique.contains(c) {
      unique.append(c)
      if valid[i] { validUnique += 1 }
    }
    func mean(_ values: [Double]) -> Double { values.isEmpty ? 0 : values.reduce(0, +) / Double(values.count) }
    var pairs: [(Int, Int)] = []
    for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { pairs.append((i, j)) } }
    let features = Double(numeric.count + categorical.count)
    return CounterfactualQuality(
      returned: n, unique: unique.count, validity: Double(validUnique) / Double(k), validityOfReturned: n == 0 ? 0 : Double(validUnique) / Double(n),
      proximityNumeric: mean(counterfactuals.map { numericDistance($0, query) }),
      proximityCategorical: mean(counterfactuals.map { categoricalDistance($0, query) }),
      sparsity: mean(counterfactuals.map { Double(changed($0, query).count) }),
      diversityNumeric: mean(pairs.map { numericDistance(counterfactuals[$0.0], counterfactuals[$0.1]) }),
      diversityCategorical: mean(pairs.map { categoricalDistance(counterfactuals[$0.0], counterfactuals[$0.1]) }),
      countDiversity: mean(pairs.map { Double(changed(counterfactuals[$0.0], counterfactuals[$0.1]).count) / features }))
  }
}

/// DiCE's quality metrics of one query's counterfactuals (lower proximity and sparsity are closer; higher
/// diversity is more diverse).
public struct CounterfactualQuality: Sendable, Equatable, Codable {
  public var returned: Int
  public var unique: Int
  /// Distinct counterfactuals of the desired class over k asked.
  public var validity: Double
  public var validityOfReturned: Double
  public var proximityNumeric: Double
  public var proximityCategorical: Double
  /// Mean number of features changed.
  public var sparsity: Double
  public var diversityNumeric: Double
  public var diversityCategorical: Double
  /// Mean over pairs of the share of features in which they differ.
  public var countDiversity: Double

  enum CodingKeys: String, CodingKey {
    case returned, unique, validity, sparsity
    case validityOfReturned = "validity_of_returned"
    case proximityNumeric = "proximity_numeric"
    case proximityCategorical = "proximity_categorical"
    case diversityNumeric = "diversity_numeric"
    case diversityCategorical = "diversity_categorical"
    case countDiversity = "count_diversity"
  }
}
