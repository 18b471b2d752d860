import CandorCore
import CandorModels
import Foundation

/// How to train a shadow model like the audited one: its kind and architecture are read from the model, its
/// training options (C, epochs, learning rate, batch size) given by the user — a model file does not keep them.
public struct ShadowRecipe: Sendable {
  public var spec: TrainingSpec
  public var options: TrainingOptions

  public init(spec: TrainingSpec, options: TrainingOptions) {
    (self.spec, self.options) = (spec, options)
  }

  /// The recipe for a built-in model (logistic, linear, MLP: the features and classes it reads, an MLP's hidden
  /// widths) with `options`' training settings; nil with why for a model Candor cannot retrain.
  public static func of(_ model: BuiltinModel, target: String, options: TrainingOptions) -> (recipe: ShadowRecipe?, whyNot: String?) {
    var options = options
    options.modelType = model.modelType
    let classes = model.model.classes
    switch model {
    case let .mlp(mlp):
      options.mlp.hiddenLayers = mlp.layers.dropLast().map(\.weights.columns)
    case .thresholded:
      return (nil, "a threshold policy is post-processing of another model, which Candor cannot retrain from it")
    case let .tree(tree):
      // The grown depth and the criterion (a leaf-size limit is not recorded in the file).
      options.tree.maxDepth = max(tree.depth, 1)
      options.tree.criterion = tree.criterion
    case let .ebm(ebm):
      // The objective and the number of pairs; binning and boosting settings are not recorded, so defaults.
      options.ebm.regression = ebm.isRegression
      options.ebm.interactions = ebm.terms.count { $0.features.count == 2 }
    case .logistic, .linear:
      break
    }
    let spec = TrainingSpec(target: target, positive: classes.count == 2 && model.model.outputKind != .regression ? classes[1] : nil,
                            features: model.model.featureNames)
    return (ShadowRecipe(spec: spec, options: options), nil)
  }
}

/// The likelihood-ratio attack, LiRA (Carlini, Chien, Nasr, Song, Terzis & Tramèr 2022, "Membership Inference Attacks
/// From First Principles", S&P), for models Candor can retrain.
///
/// K shadow models are trained with the target's recipe on random halves of the union of members and non-members,
/// chosen so that every record is in exactly K/2 of them (as the paper's code does). Each shadow scores every record
/// by its logit-scaled confidence φ = log p(y) − log(1 − p(y)), which is close to Gaussian across models. Online
/// LiRA fits one Gaussian to a record's φ under the shadows that trained on it (IN) and one under those that did not
/// (OUT) and scores the target model's φ by the likelihood ratio log N(φ; μ_in, σ_in) − log N(φ; μ_out, σ_out);
/// offline LiRA uses the OUT Gaussian alone, (φ − μ_out)/σ_out (one-sided: a member's confidence is high). With fewer
/// than 64 shadows the variances are pooled over records ("global variance", which the paper finds better there).
public struct LikelihoodRatioAttack: Sendable {
  public var recipe: ShadowRecipe
  /// K, even, at least 2 (online needs IN and OUT models of every record).
  public var shadowModels = 16
  public var online = true
  /// Seeds the halves each shadow trains on and each MLP shadow's own seed (the attack needs no secrecy).
  public var seed: UInt64 = 0

  public static let pooledVarianceBelow = 64
  public static let largestShadowModels = 1024

  public init(recipe: ShadowRecipe) { self.recipe = recipe }

  /// Each union record's attack score (higher: more likely a member).
  /// - Throws: `PrivacyError.invalidSetting` for a K that is odd, too small or too large; training's errors.
  func scores(model: any Model, union: Table, target: String) throws -> [Double] {
    let k = shadowModels
    guard k >= 2 && k % 2 == 0 && k <= Self.largestShadowModels else {
      throw PrivacyError.invalidSetting(InvalidSetting(.shadowModels, value: "\(k)", .because(
        "LiRA needs an even number of shadow models from 2 to \(Self.largestShadowModels), so every record is in exactly half of them")))
    }
    let n = union.rowCount
    let membership = Self.halves(records: n, models: k, seed: seed)
    let targetPhi = try Self.logits(model: model, table: union, target: target)
    // Every shadow's φ on every record, trained on both cores (rows × models, row-major by record).
    let phis = DisjointWrites<[Double]>(repeating: [], count: k)
    let failures = DisjointWrites<String?>(repeating: nil, count: k)
    let recipe = self.recipe, seed = self.seed
    parallelFor(k) { m in
      do {
        let rows = (0..<n).filter { membership[$0 * k + m] }
        var options = recipe.options
        var stream = SeededRandom(seed: seed, stream: m + 1)
        options.mlp.seed = stream.next()
        let (shadow, _) = try ModelTrainer.fit(union.selecting(rows: rows), spec: recipe.spec, options: options)
        phis[m] = try Self.logits(model: shadow.model, table: union, target: target)
      } catch {
        failures[m] = "shadow model \(m + 1) of \(k) could not be trained: \(error)"
      }
    }
    if let failure = failures.values.compactMap({ $0 }).first {
      throw PrivacyError.invalidSetting(InvalidSetting(.shadowModels, value: "\(k)", .because(failure)))
    }
    let phi = phis.values
    // Per record: the mean of φ IN and OUT, and the variance for the per-record or pooled fit.
    var (meanIn, meanOut) = ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n))
    var (varianceIn, varianceOut) = ([Double](repeating: 0, count: n), [Double](repeating: 0, count: n))
    let half = Double(k / 2)
    for r in 0..<n {
      var (sumIn, sumOut) = (0.0, 0.0)
      for m in 0..<k { if membership[r * k + m] { sumIn += phi[m][r] } else { sumOut += phi[m][r] } }
      (meanIn[r], meanOut[r]) = (sumIn / half, sumOut / half)
      var (squaresIn, squaresOut) = (0.0, 0.0)
      for m in 0..<k {
        if membership[r * k + m] { squaresIn += (phi[m][r] - meanIn[r]) * (phi[m][r] - meanIn[r]) } else {
          squaresOut += (phi[m][r] - meanOut[r]) * (phi[m][r] - meanOut[r])
        }
      }
      // Unbiased with K/2 ≥ 2 per side; one per side leaves only the pooled fit's spread across records.
      (varianceIn[r], varianceOut[r]) = half > 1 ? (squaresIn / (half - 1), squaresOut / (half - 1)) : (0, 0)
    }
    if k < Self.pooledVarianceBelow {
      func pooled(_ v: [Double], _ means: [Double]) -> Double {
        if half > 1 { return v.reduce(0, +) / Double(n) }
        // One model per side: the spread of φ about the mean over records stands in.
        let grand = means.reduce(0, +) / Double(n)
        return means.map { ($0 - grand) * ($0 - grand) }.reduce(0, +) / Double(max(1, n - 1))
      }
      let (pooledIn, pooledOut) = (pooled(varianceIn, meanIn), pooled(varianceOut, meanOut))
      varianceIn = [Double](repeating: pooledIn, count: n)
      varianceOut = [Double](repeating: pooledOut, count: n)
    }
    let floor = 1e-12
    return (0..<n).map { r in
      let (x, vIn, vOut) = (targetPhi[r], max(varianceIn[r], floor), max(varianceOut[r], floor))
      let out = -(x - meanOut[r]) * (x - meanOut[r]) / (2 * vOut) - 0.5 * log(vOut)
      guard online else { return (x - meanOut[r]) / vOut.squareRoot() }
      let inside = -(x - meanIn[r]) * (x - meanIn[r]) / (2 * vIn) - 0.5 * log(vIn)
      return inside - out
    }
  }

  /// Which shadows each record trains (records × models, row-major): for each record a random K/2 of the K.
  static func halves(records: Int, models k: Int, seed: UInt64) -> [Bool] {
    var random = SeededRandom(seed: seed, stream: 0)
    var membership = [Bool](repeating: false, count: records * k)
    var order = Array(0..<k)
    for r in 0..<records {
      order.shuffle(using: &random)
      for m in order.prefix(k / 2) { membership[r * k + m] = true }
    }
    return membership
  }

  /// φ = log p(y) − log(1 − p(y)) per row (a regression: −(y − ŷ)², already close to Gaussian's scale).
  static func logits(model: any Model, table: Table, target: String) throws -> [Double] {
    let confidences = try MembershipAuditRequest.confidences(of: model, on: table, target: target)
    return model.outputKind == .regression ? confidences.map(\.logTrue) : confidences.map { $0.logTrue - $0.logOther }
  }
}

extension Setting {
  public static let shadowModels = Setting("shadowModels")
}
