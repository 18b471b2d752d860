import CandorCore
import CandorModels
import Foundation

/// `candor dp-train` as a library call: plan a DP-SGD run (calibrating σ for a target ε when asked), then run it on
/// a training set and describe what it promised. Planning comes first so that a ledger can be charged for the
/// planned run before any data is touched by training.
public struct PrivateTrainingRequest: Sendable {
  public enum Architecture: Sendable, Equatable {
    case logistic
    case mlp(hiddenLayers: [Int])

    public var modelType: ModelType {
      switch self {
      case .logistic: .logistic
      case .mlp: .mlp
      }
    }
  }

  /// The noise: a given multiplier σ, or the smallest σ whose run costs at most ε (under `calibrationAccountant`).
  public enum Noise: Sendable, Equatable {
    case multiplier(Double)
    case targetEpsilon(Double)
  }

  /// Where sampling, noise and the MLP's starting weights come from.
  public typealias Randomness = DPSGD.Randomness

  public var data: TrainingSet
  public var architecture: Architecture = .logistic
  public var noise: Noise
  public var delta: Double
  /// Clipping, batch, epochs and optimizer; its `noiseMultiplier` is set by planning.
  public var settings = DPSGD.Settings(noiseMultiplier: 1)
  public var randomness: Randomness = .secure
  /// Where the encoder came from, in words, and whether the guarantee covers it.
  public var preprocessing: String
  public var fractionalOrders = FractionalOrderMethod.exact
  /// The accountant a target ε is met under: RDP (the default), or PLD (tighter: less noise for the same ε).
  public var calibrationAccountant = NoiseMultiplierRequest.Accountant.rdp

  public init(data: TrainingSet, noise: Noise, delta: Double, preprocessing: String) {
    self.data = data
    self.noise = noise
    self.delta = delta
    self.preprocessing = preprocessing
  }

  /// The most parameters a DP-SGD model may have (each step clips one gradient of that length per sampled row).
  public static let largestParameters = 5_000_000

  /// The run as planned: settings with σ, and its event and ε.
  public struct Plan: Sendable, Equatable {
    public var settings: DPSGD.Settings
    public var event: PrivacyEvent
    public var epsilon: EpsilonResult
    /// The target when σ was calibrated.
    public var targetEpsilon: Double?
  }

  /// - Throws: `PrivacyError.invalidSetting` for settings that are not a run or δ outside (0, 1); what noise
  ///   calibration throws for an unreachable target.
  public func plan() throws(PrivacyError) -> Plan {
    let n = data.rowCount
    guard delta > 0 && delta < 1 else { throw .invalidSetting(.init(.delta, value: formatNumber(delta), .because("must be above 0 and below 1"))) }
    if case let .mlp(hidden) = architecture {
      // Weights of every layer, outputs included: refused before anything is spent, not when memory runs out.
      let outputs = if case let .classes(classes, _) = data.target { classes.count <= 2 ? 1 : classes.count } else { 1 }
      let widths = [Double(data.encoder.features.reduce(0) { $0 + $1.width })] + hidden.map(Double.init) + [Double(outputs)]
      let parameters = zip(widths, widths.dropFirst()).reduce(0.0) { $0 + ($1.0 + 1) * $1.1 }
      guard parameters <= Double(Self.largestParameters) else {
        throw .invalidSetting(.init(.hiddenLayers, value: hidden.map(String.init).joined(separator: ","),
                                    .because("that MLP has \(formatRounded(parameters)) parameters; DP-SGD here trains at most \(Self.largestParameters)")))
      }
    }
    var settings = self.settings
    var target: Double?
    switch noise {
    case let .multiplier(sigma):
      settings.noiseMultiplier = sigma
      try settings.validate(examples: n)
    case let .targetEpsilon(epsilon):
      guard epsilon > 0, epsilon.isFinite else { throw .invalidSetting(.init(.epsilon, value: formatNumber(epsilon), .positiveFinite)) }
      settings.noiseMultiplier = 1
      try settings.validate(examples: n)
      var calibration = NoiseMultiplierRequest(targetEpsilon: epsilon, delta: delta, samplingRate: settings.samplingRate(examples: n),
                                               steps: settings.steps(examples: n))
      calibration.fractionalOrders = fractionalOrders
      calibration.tolerance = 1e-9
      calibration.accountant = calibrationAccountant
      settings.noiseMultiplier = try calibration.run().noiseMultiplier
      target = epsilon
    }
    let event = settings.plannedEvent(examples: n)
    var accounting = EpsilonRequest(event: event, delta: delta)
    accounting.fractionalOrders = fractionalOrders
    return Plan(settings: settings, event: event, epsilon: try accounting.run(), targetEpsilon: target)
  }

  /// Trains the planned run.
  public func run(_ plan: Plan) throws(PrivacyError) -> PrivateTrainingResult {
    guard case let .classes(classes, labels) = data.target else { preconditionFailure("DP-SGD trains classifiers") }
    let examples = GradientExamples(rows: data.encoded, labels: labels)
    let model: BuiltinModel, run: DPSGD.Run
    switch architecture {
    case .logistic:
      var logistic = LogisticRegression.zero(encoder: data.encoder, classes: classes)
      run = try DPSGD.train(&logistic, on: examples, settings: plan.settings, randomness: randomness)
      model = .logistic(logistic)
    case let .mlp(hidden):
      // The starting weights need no secrecy, only independence from the noise: stream 2 of the seed, or a seed
      // from the CSPRNG.
      var system = SystemRandomNumberGenerator()
      var start = switch randomness {
      case .secure: SeededRandom(seed: UInt64.random(in: .min ... .max, using: &system))
      case let .insecureSeed(seed): SeededRandom(seed: seed, stream: 2)
      }
      var mlp = MLPClassifier.initialized(encoder: data.encoder, classes: classes, hiddenLayers: hidden, random: &start)
      run = try DPSGD.train(&mlp, on: examples, settings: plan.settings, randomness: randomness)
      model = .mlp(mlp)
    }
    // The run executes the planned steps, so its ε is the plan's; a run that differed is priced anew.
    var accounting = EpsilonRequest(event: run.event, delta: delta)
    accounting.fractionalOrders = fractionalOrders
    let spent = run.event == plan.event ? plan.epsilon : try accounting.run()
    // PLD as well (usually tighter); a run whose loss distribution is too wide for its grid keeps RDP alone.
    var spentByAccountant = ["rdp": spent.epsilon]
    var pld = EpsilonRequest(event: run.event, delta: delta)
    pld.accountant = .pld
    if let value = try? pld.run().epsilon { spentByAccountant["pld"] = value }
    var prv = EpsilonRequest(event: run.event, delta: delta)
    prv.accountant = .prv
    if let value = try? prv.run().epsilon { spentByAccountant["prv"] = value }
    let seed: UInt64? = if case let .insecureSeed(seed) = randomness { seed } else { nil }
    let record = PrivateTrainingRecord(
      noiseMultiplier: run.noiseMultiplier, clip: plan.settings.clipNorm, samplingRate: run.samplingRate,
      expectedBatchSize: plan.settings.expectedBatchSize, steps: run.steps, delta: delta, epsilon: spentByAccountant,
      randomness: randomness.words, insecureSeed: seed, preprocessing: preprocessing)
    return PrivateTrainingResult(model: model, run: run, epsilon: spent, record: record)
  }
}

public struct PrivateTrainingResult: Sendable {
  public var model: BuiltinModel
  public var run: DPSGD.Run
  /// ε of the steps run.
  public var epsilon: EpsilonResult
  public var record: PrivateTrainingRecord

  /// The model file: the model, a training summary (`score` on the training rows; iterations = steps) and the
  /// privacy record. DP-SGD runs its planned steps, never to convergence.
  public func modelFile(target: String, data: TrainingSet, score: ClassificationScore) -> ModelFile {
    let summary = TrainingSummary(modelType: model.modelType, rows: data.rowCount, features: data.encoder.features.count,
                                  encodedColumns: data.encoder.encodedColumnCount, metricName: "accuracy", metric: score.accuracy,
                                  iterations: run.steps, gradientNorm: nil, converged: false, finalLoss: score.logLoss)
    return ModelFile(model: model, target: target, training: summary, privacy: record)
  }
}

/// The JSON `candor dp-train --json` writes.
public struct PrivateTrainingReport: Sendable, Codable, JSONDocument {
  public struct Batches: Sendable, Codable {
    public var expected: Double
    public var smallest: Int
    public var largest: Int
    public var mean: Double
    public var empty: Int
  }

  /// ε of the run at `delta`, by accountant (`rdp`, `pld`, `prv`: PRV's is the upper end of its bracket); an
  /// accountant that cannot account the run is missing.
  public var epsilonSpent: [String: Double]
  /// The smallest of `epsilonSpent` (every one is an upper bound, so it holds), first of rdp, pld, prv on a tie.
  public var tightest: (accountant: String, epsilon: Double)? {
    ["rdp", "pld", "prv"].compactMap { name in epsilonSpent[name].map { (accountant: name, epsilon: $0) } }.min { $0.epsilon < $1.epsilon }
  }
  public var delta: Double
  public var noiseMultiplier: Double
  public var targetEpsilon: Double?
  /// The accountant the target was met under (nil when σ was given).
  public var calibratedWith: String?
  public var steps: Int
  public var samplingRate: Double
  public var clip: Double
  public var epochs: Double
  public var optimizer: String
  public var learningRate: Double
  public var modelType: ModelType
  public var batches: Batches
  public var clippedShare: Double
  public var sampling = "poisson: every example joins every step on its own with probability sampling_rate; the accounting assumes exactly this"
  public var randomness: String
  public var isPrivate: Bool
  public var preprocessing: String
  public var rdpFractionalOrders: FractionalOrderMethod
  public var optimalOrder: Double?
  public var trainAccuracy: Double
  public var testAccuracy: Double?
  public var events: PrivacyEvent
  /// The ledger after the spend: its budget, ε spent, ε left.
  public var ledger: LedgerState?
  /// The one-run audit (`--audit-canaries`), when asked for.
  public var audit: OneRunAuditResult?

  public struct LedgerState: Sendable, Codable {
    public var path: String
    public var entry: Int
    public var budgetEpsilon: Double
    public var spentEpsilon: Double
    public var remainingEpsilon: Double
    enum CodingKeys: String, CodingKey {
      case path, entry
      case budgetEpsilon = "budget_epsilon"
      case spentEpsilon = "spent_epsilon"
      case remainingEpsilon = "remaining_epsilon"
    }
    public init(path: String, entry: Int, budgetEpsilon: Double, spentEpsilon: Double, remainingEpsilon: Double) {
      (self.path, self.entry, self.budgetEpsilon, self.spentEpsilon, self.remainingEpsilon) = (path, entry, budgetEpsilon, spentEpsilon, remainingEpsilon)
    }
  }

  enum CodingKeys: String, CodingKey {
    case delta, steps, clip, epochs, optimizer, batches, sampling, randomness, preprocessing, events, ledger, audit
    case epsilonSpent = "epsilon_spent"
    case noiseMultiplier = "noise_multiplier"
    case targetEpsilon = "target_epsilon"
    case calibratedWith = "calibrated_with"
    case samplingRate = "sampling_rate"
    case learningRate = "learning_rate"
    case modelType = "model_type"
    case clippedShare = "clipped_share"
    case isPrivate = "private"
    case rdpFractionalOrders = "rdp_fractional_orders"
    case optimalOrder = "optimal_order"
    case trainAccuracy = "train_accuracy"
    case testAccuracy = "test_accuracy"
  }

  public init(request: PrivateTrainingRequest, plan: PrivateTrainingRequest.Plan, result: PrivateTrainingResult,
              trainAccuracy: Double, testAccuracy: Double?, ledger: LedgerState?) {
    let run = result.run
    epsilonSpent = result.record.epsilon
    delta = request.delta
    noiseMultiplier = run.noiseMultiplier
    targetEpsilon = plan.targetEpsilon
    calibratedWith = plan.targetEpsilon == nil ? nil : request.calibrationAccountant.rawValue
    steps = run.steps
    samplingRate = run.samplingRate
    clip = plan.settings.clipNorm
    epochs = plan.settings.epochs
    switch plan.settings.optimizer {
    case let .sgd(_, momentum): optimizer = momentum == 0 ? "sgd" : "sgd (momentum \(formatNumber(momentum)))"
    case .adam: optimizer = "adam"
    }
    learningRate = plan.settings.optimizer.learningRate
    modelType = request.architecture.modelType
    batches = Batches(expected: plan.settings.expectedBatchSize, smallest: run.smallestBatch, largest: run.largestBatch,
                      mean: Double(run.examplesSampled) / Double(run.steps), empty: run.emptyBatches)
    clippedShare = run.clippedShare
    randomness = request.randomness.words
    isPrivate = request.randomness == .secure
    preprocessing = request.preprocessing
    rdpFractionalOrders = request.fractionalOrders
    optimalOrder = result.epsilon.optimalOrder
    self.trainAccuracy = trainAccuracy
    self.testAccuracy = testAccuracy
    events = run.event
    self.ledger = ledger
  }
}
