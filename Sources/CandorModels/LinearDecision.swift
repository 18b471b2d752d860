import CandorCore

/// A binary classifier whose decision is a hyperplane in the raw features: score = intercept + Σ numeric
/// weight·(x − mean)/scale + Σ categorical weight[level], and the positive class (`classes[1]`) exactly when the
/// score is above 0. Exact counterfactual search uses it: the nearest point across a hyperplane is a knapsack, not
/// a search.
public struct LinearDecision: Sendable, Equatable {
  public enum Term: Sendable, Equatable {
    /// A missing value counts as the mean (contributes 0), as the encoder imputes it.
    case numeric(name: String, mean: Double, scale: Double, weight: Double)
    /// Level → weight; a level the model never saw contributes 0; a missing value is the level `missing`.
    case categorical(name: String, weights: [String: Double])

    public var name: String {
      switch self {
      case let .numeric(name, _, _, _), let .categorical(name, _): name
      }
    }
  }

  public var intercept: Double
  public var terms: [Term]

  public init(intercept: Double, terms: [Term]) { (self.intercept, self.terms) = (intercept, terms) }

  /// The change in score per unit of a numeric feature.
  public static func slope(of term: Term) -> Double {
    if case let .numeric(_, _, scale, weight) = term { return weight / scale }
    return 0
  }

  /// A term's contribution for one value (`number` for a numeric feature, `level` — nil: missing — otherwise).
  public static func contribution(of term: Term, number: Double = .nan, level: String? = nil) -> Double {
    switch term {
    case let .numeric(_, mean, scale, weight): number.isNaN ? 0 : weight * ((number - mean) / scale)
    case let .categorical(_, weights): weights[level ?? Table.missingLevelName] ?? 0
    }
  }
}

extension LogisticRegression {
  /// A binary model's log-odds, term by term in the encoder's order.
  public var linearDecision: LinearDecision? {
    guard classes.count == 2 else { return nil }
    var terms: [LinearDecision.Term] = []
    for (feature, group) in zip(encoder.features, encoder.featureGroups) {
      switch feature.encoding {
      case let .numeric(mean, scale):
        terms.append(.numeric(name: feature.name, mean: mean, scale: scale, weight: coefficients[0, group.columns.lowerBound]))
      case let .categorical(levels):
        terms.append(.categorical(name: feature.name, weights: Dictionary(uniqueKeysWithValues: levels.enumerated().map { ($1, coefficients[0, group.columns.lowerBound + $0]) })))
      }
    }
    return LinearDecision(intercept: intercepts[0], terms: terms)
  }
}
