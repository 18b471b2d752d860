import CandorCore

/// A randomized per-group decision rule on a binary model's score (Hardt, Price & Srebro 2016, "Equality of
/// Opportunity in Supervised Learning", NeurIPS; in the form Fairlearn's `ThresholdOptimizer` builds):
/// for a row of group g with score s,
///
///     q(s) = p0·[s op0 threshold0] + p1·[s op1 threshold1]
///     P(ŷ = 1) = p_ignore·prediction_constant + (1 − p_ignore)·q(s)
///
/// where each op is `>` (Fairlearn's default) or `<` (a flipped threshold, Fairlearn's `flip=True`).
/// Thresholds may be ±∞ (nobody / everybody selected).
public struct GroupThresholdPolicy: Sendable, Equatable, Codable {
  /// How a threshold selects: scores above it, or (flipped) scores below it.
  public enum Operator: String, Sendable, Codable {
    case above = ">"
    case below = "<"

    @inline(__always) func selects(_ score: Double, _ threshold: Double) -> Bool {
      self == .above ? score > threshold : score < threshold
    }
  }

  public struct Rule: Sendable, Equatable, Codable {
    public var p0: Double
    public var operator0: Operator
    public var threshold0: Double
    public var p1: Double
    public var operator1: Operator
    public var threshold1: Double
    public var pIgnore: Double
    public var predictionConstant: Double

    public init(p0: Double, threshold0: Double, p1: Double, threshold1: Double, pIgnore: Double = 0, predictionConstant: Double = 0,
                operator0: Operator = .above, operator1: Operator = .above) {
      self.p0 = p0
      self.operator0 = operator0
      self.threshold0 = threshold0
      self.p1 = p1
      self.operator1 = operator1
      self.threshold1 = threshold1
      self.pIgnore = pIgnore
      self.predictionConstant = predictionConstant
    }

    enum CodingKeys: String, CodingKey {
      case p0, p1
      case operator0, operator1
      case threshold0, threshold1
      case pIgnore = "p_ignore"
      case predictionConstant = "prediction_constant"
    }

    /// Files written before flipped thresholds existed have no operators: theirs are `>`.
    public init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      self.init(p0: try container.decode(Double.self, forKey: .p0), threshold0: try container.decode(Double.self, forKey: .threshold0),
                p1: try container.decode(Double.self, forKey: .p1), threshold1: try container.decode(Double.self, forKey: .threshold1),
                pIgnore: try container.decode(Double.self, forKey: .pIgnore),
                predictionConstant: try container.decode(Double.self, forKey: .predictionConstant),
                operator0: try container.decodeIfPresent(Operator.self, forKey: .operator0) ?? .above,
                operator1: try container.decodeIfPresent(Operator.self, forKey: .operator1) ?? .above)
    }

    @inline(__always) public func positiveProbability(score s: Double) -> Double {
      let q = p0 * (operator0.selects(s, threshold0) ? 1 : 0) + p1 * (operator1.selects(s, threshold1) ? 1 : 0)
      return pIgnore * predictionConstant + (1 - pIgnore) * q
    }
  }

  /// Columns whose values name a row's group: `rules` is keyed by `Grouping.key` of them.
  public var sensitiveFeatures: [String]
  public var rules: [String: Rule]

  public init(sensitiveFeatures: [String], rules: [String: Rule]) {
    self.sensitiveFeatures = sensitiveFeatures
    self.rules = rules
  }

  enum CodingKeys: String, CodingKey {
    case rules
    case sensitiveFeatures = "sensitive_features"
  }

  /// P(ŷ = 1) of every row: the rule of the row's group (`Grouping.key` of its `sensitiveFeatures` values)
  /// applied to the row's base-model score.
  /// - Parameters:
  ///   - scores: the base model's P(positive) per row of `table`.
  ///   - table: holds the sensitive columns.
  /// - Throws: `TableError` for a missing sensitive column, `ModelError.unknownGroup` for a group with no rule.
  /// - Complexity: one grouping of the table, one rule lookup per group, then O(rows).
  public func positiveProbabilities(scores: ContiguousArray<Double>, table: Table) throws -> ContiguousArray<Double> {
    precondition(scores.count == table.rowCount, "one score per row")
    let grouping = try table.grouping(by: sensitiveFeatures)
    let groupRules = try grouping.keys.map { key in
      guard let rule = rules[key] else {
        throw ModelError.unknownGroup(group: key, features: sensitiveFeatures, known: rules.keys.sorted())
      }
      return rule
    }
    return ContiguousArray(unsafeUninitializedCapacity: scores.count) { buffer, initialized in
      for r in 0..<scores.count { buffer[r] = groupRules[Int(grouping.groupOfRow[r])].positiveProbability(score: scores[r]) }
      initialized = scores.count
    }
  }

  /// What makes the policy unusable, or nil: no sensitive features or rules, a probability outside [0, 1].
  public var problem: String? {
    guard !sensitiveFeatures.isEmpty, !rules.isEmpty else { return "the policy needs sensitive features and rules" }
    for (group, rule) in rules.sorted(by: { $0.key < $1.key }) {
      for p in [rule.p0, rule.p1, rule.pIgnore, rule.predictionConstant] where !(p >= -1e-12 && p <= 1 + 1e-12) {
        return "the rule for group '\(printable(group))' has a probability outside [0, 1]"
      }
    }
    return nil
  }
}

/// A binary model followed by a group threshold policy: `predict` returns P(ŷ = 1) under the policy (the
/// expectation, so metrics need no sampling); `decisions(…, seed:)` draws the randomized labels. The base is a
/// built-in model stored inside a candor-model file (`ThresholdedModel`) or any model a policy file refers to
/// (`ReferencedThresholdModel`).
public protocol ThresholdPolicyModel: Model {
  var policy: GroupThresholdPolicy { get }
  var baseModel: any Model { get }
}

extension ThresholdPolicyModel {
  public var outputKind: OutputKind { .binaryProbability }
  public var classes: [String] { baseModel.classes }
  public var featureNames: [String] { baseModel.featureNames + policy.sensitiveFeatures.filter { !baseModel.featureNames.contains($0) } }
  public var numericFeatureNames: [String] { baseModel.numericFeatureNames }
  public var isRandomized: Bool { true }
  /// The base's unused features, except the sensitive ones the policy reads.
  public var unreadFeatureNames: [String] { baseModel.unreadFeatureNames.filter { !policy.sensitiveFeatures.contains($0) } }

  public func predict(_ table: Table) throws -> Matrix {
    let probabilities = try policy.positiveProbabilities(scores: try baseModel.predict(table).storage, table: table)
    return Matrix(rows: table.rowCount, columns: 1, storage: probabilities)
  }
}

/// A threshold policy over a built-in model, stored together in one candor-model file.
public struct ThresholdedModel: ThresholdPolicyModel, Equatable {
  public let base: BuiltinModel
  public let policy: GroupThresholdPolicy

  public init(base: BuiltinModel, policy: GroupThresholdPolicy) {
    precondition(base.model.outputKind == .binaryProbability, "a threshold policy needs a binary model")
    self.base = base
    self.policy = policy
  }

  public var baseModel: any Model { base.model }
}
