import CandorCore
import CandorModels
import Foundation

/// Differentially private SGD (Abadi, Chu, Goodfellow, McMahan, Mironov, Talwar & Zhang 2016, "Deep Learning with
/// Differential Privacy", arXiv:1607.00133, Algorithm 1) with the sampling its accounting assumes: every step
/// draws a Poisson sample (`PoissonSampler`; batches vary, an empty one is a step of noise only), clips each
/// example's gradient to L2 norm C over all parameters, adds N(0, (σC)²) to every coordinate of the sum and divides
/// by the expected batch size q·n (not the realised one, which would itself depend on the data). Every step is then
/// one Poisson-subsampled Gaussian with noise multiplier σ, so the run is `SelfComposed(PoissonSampled(q,
/// Gaussian(σ)), T)` — the event `DPSGDRun.event` returns and the accountants price.
public enum DPSGD {
  public enum Optimizer: Sendable, Equatable {
    /// SGD with momentum μ (0: plain SGD).
    case sgd(learningRate: Double, momentum: Double)
    case adam(learningRate: Double)

    var learningRate: Double {
      switch self {
      case let .sgd(rate, _), let .adam(rate): rate
      }
    }
  }

  public struct Settings: Sendable, Equatable {
    public var noiseMultiplier: Double
    /// The per-example clipping norm C.
    public var clipNorm: Double = 1
    /// The expected batch size q·n; q = this / n.
    public var expectedBatchSize: Double = 256
    public var epochs: Double = 10
    public var optimizer: Optimizer = .sgd(learningRate: 1, momentum: 0)

    public init(noiseMultiplier: Double) {
      self.noiseMultiplier = noiseMultiplier
    }

    /// The sampling rate q for n examples.
    public func samplingRate(examples n: Int) -> Double { expectedBatchSize / Double(n) }

    /// T = ⌈epochs · n / expected batch⌉, TF-Privacy's `compute_dp_sgd_privacy` convention.
    public func steps(examples n: Int) -> Int {
      Int((epochs * Double(n) / expectedBatchSize - 1e-9).rounded(.up))
    }

    /// The run these settings plan on `n` examples, as an event.
    public func plannedEvent(examples n: Int) -> PrivacyEvent {
      .dpSGD(samplingRate: samplingRate(examples: n), noiseMultiplier: noiseMultiplier, steps: steps(examples: n))
    }

    /// Refuses settings that are not a run: σ, C, the learning rate not positive and finite; a batch outside
    /// (0, n]; too few epochs for one step.
    public func validate(examples n: Int) throws(PrivacyError) {
      func invalid(_ setting: Setting, _ value: Double, _ requirement: Requirement) -> PrivacyError {
        .invalidSetting(.init(setting, value: formatNumber(value), requirement))
      }
      guard noiseMultiplier > 0, noiseMultiplier.isFinite else { throw invalid(.noiseMultiplier, noiseMultiplier, .positiveFinite) }
      guard clipNorm > 0, clipNorm.isFinite else { throw invalid(.clip, clipNorm, .positiveFinite) }
      guard optimizer.learningRate > 0, optimizer.learningRate.isFinite else {
        throw invalid(.learningRate, optimizer.learningRate, .positiveFinite)
      }
      if case let .sgd(_, momentum) = optimizer, !(momentum >= 0 && momentum < 1) {
        throw invalid(.momentum, momentum, .because("momentum must be at least 0 and below 1"))
      }
      guard expectedBatchSize > 0, expectedBatchSize <= Double(n) else {
        throw invalid(.batchSize, expectedBatchSize, .because("the expected batch size must be above 0 and at most the \(n) training rows"))
      }
      guard epochs > 0, epochs.isFinite else { throw invalid(.epochs, epochs, .positiveFinite) }
      // As a double first: a count past Int's range is refused, not converted.
      let count = (epochs * Double(n) / expectedBatchSize - 1e-9).rounded(.up)
      guard count <= Double(Self.largestSteps) else {
        throw invalid(.epochs, epochs, .because("with an expected batch of \(formatNumber(expectedBatchSize)) rows that is \(formatRounded(count)) steps; at most \(Self.largestSteps) are run (about 8 minutes)"))
      }
      guard steps(examples: n) >= 1 else { throw invalid(.epochs, epochs, .positiveFinite) }
    }

    /// The most steps one run takes.
    public static let largestSteps = 10_000_000
  }

  /// What a run did: the steps it executed and what its batches looked like.
  public struct Run: Sendable, Equatable {
    public var steps: Int
    public var samplingRate: Double
    public var noiseMultiplier: Double
    public var examplesSampled: Int
    public var smallestBatch: Int
    public var largestBatch: Int
    public var emptyBatches: Int
    /// The share of sampled examples whose gradient was longer than C.
    public var clippedShare: Double

    /// The steps actually run, as an event.
    public var event: PrivacyEvent { .dpSGD(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps) }
  }

  /// Where a run's randomness comes from.
  public enum Randomness: Sendable, Equatable {
    /// The system CSPRNG: a private run.
    case secure
    /// Reproducible and not private: anyone who knows the seed can subtract the noise.
    case insecureSeed(UInt64)

    public var words: String {
      switch self {
      case .secure: "system CSPRNG (/dev/urandom), Gaussian noise as a sum of four polar-method normals"
      case let .insecureSeed(seed): "insecure seed \(seed): reproducible and NOT private"
      }
    }
  }

  /// Trains `model` in place from its current parameters. Sampling, noise and anything else random (`stream` 2 of a
  /// seed, e.g. the MLP's starting weights, drawn by the caller) come from separate streams, so a seeded run gives
  /// the same result however the work is scheduled.
  public static func train<M: DifferentiableClassifier>(
    _ model: inout M, on examples: GradientExamples, settings: Settings, randomness: Randomness
  ) throws(PrivacyError) -> Run {
    switch randomness {
    case .secure:
      var sampling = BufferedSystemRandom()
      return try train(&model, on: examples, settings: settings, sampling: &sampling, noise: BufferedSystemRandom())
    case let .insecureSeed(seed):
      var sampling = SeededRandom(seed: seed, stream: 0)
      return try train(&model, on: examples, settings: settings, sampling: &sampling, noise: SeededRandom(seed: seed, stream: 1))
    }
  }

  /// Trains `model` in place, batches drawn from `sampling` and noise from `noise` — on a second core, ahead of the
  /// steps that use it (`NoiseAhead`).
  public static func train<M: DifferentiableClassifier>(
    _ model: inout M, on examples: GradientExamples, settings: Settings, sampling: inout some RandomNumberGenerator,
    noise: some RandomNumberGenerator & Sendable
  ) throws(PrivacyError) -> Run {
    let n = examples.count
    try settings.validate(examples: n)
    let q = settings.samplingRate(examples: n), steps = settings.steps(examples: n)
    let sampler = PoissonSampler(population: n, rate: q)
    var optimizer: any GradientOptimizer = switch settings.optimizer {
    case let .sgd(rate, momentum): MomentumSGD(count: model.parameterCount, learningRate: rate, momentum: momentum)
    case let .adam(rate): AdamOptimizer(count: model.parameterCount, learningRate: rate)
    }
    let ahead = NoiseAhead(source: noise, dimension: model.parameterCount, steps: steps)
    var parameters = model.parameters
    var batch: [Int] = []
    batch.reserveCapacity(Int(settings.expectedBatchSize * 2) + 16)
    var run = Run(steps: steps, samplingRate: q, noiseMultiplier: settings.noiseMultiplier, examplesSampled: 0,
                  smallestBatch: .max, largestBatch: 0, emptyBatches: 0, clippedShare: 0)
    var clipped = 0
    let scale = settings.noiseMultiplier * settings.clipNorm
    for _ in 0..<steps {
      sampler.sample(into: &batch, using: &sampling)
      run.examplesSampled += batch.count
      run.smallestBatch = min(run.smallestBatch, batch.count)
      run.largestBatch = max(run.largestBatch, batch.count)
      if batch.isEmpty { run.emptyBatches += 1 }
      var gradient = model.clippedGradientSum(examples, rows: batch, clipNorm: settings.clipNorm)
      clipped += gradient.clippedCount
      ahead.nextStep { normals in
        privatize(&gradient.sum, scaledNormals: normals, scale: scale, expectedBatchSize: settings.expectedBatchSize)
      }
      optimizer.step(&parameters, gradient: gradient.sum)
      model.setParameters(parameters)
    }
    run.clippedShare = run.examplesSampled == 0 ? 0 : Double(clipped) / Double(run.examplesSampled)
    return run
  }

  /// The private gradient of one step from its clipped sum: (sum + σC·z) / (q·n) for standard normals z.
  public static func privatize(_ sum: inout [Double], scaledNormals normals: UnsafeBufferPointer<Double>, scale: Double,
                               expectedBatchSize: Double) {
    precondition(normals.count == sum.count, "one normal per coordinate")
    for i in sum.indices { sum[i] = (sum[i] + scale * normals[i]) / expectedBatchSize }
  }

  /// The private gradient of one step from its clipped sum: (sum + N(0, (σC)²)ᵈ) / (q·n).
  public static func privatize<Source>(_ sum: inout [Double], noiseMultiplier: Double, clipNorm: Double,
                                       expectedBatchSize: Double, noise: inout GaussianNoise<Source>) {
    let normals = (0..<sum.count).map { _ in noise.next() }
    normals.withUnsafeBufferPointer {
      privatize(&sum, scaledNormals: $0, scale: noiseMultiplier * clipNorm, expectedBatchSize: expectedBatchSize)
    }
  }
}

/// A run's noise, drawn on a second core while this one computes gradients: the normals of the next chunk of steps
/// (about 8 Ki values, so the first wait is short) are made while the current chunk is used. The values and their order are exactly a
/// single thread's: one generator, used by one thread at a time, chunk after chunk.
final class NoiseAhead<Source: RandomNumberGenerator & Sendable>: @unchecked Sendable {
  private var noise: GaussianNoise<Source>
  private let dimension: Int
  private let chunkSteps: Int
  private var remainingSteps: Int
  /// The chunk being used and the one being made (written by the worker until `made` is waited for).
  private var current: [Double] = []
  private var next: [Double] = []
  private var position = 0
  private let made = DispatchGroup()

  init(source: Source, dimension: Int, steps: Int) {
    noise = GaussianNoise(source: source)
    self.dimension = dimension
    chunkSteps = max(1, min(steps, (1 << 13) / max(dimension, 1)))
    remainingSteps = steps
    startNextChunk()
  }

  private func startNextChunk() {
    let steps = min(chunkSteps, remainingSteps)
    guard steps > 0 else { return }
    remainingSteps -= steps
    made.enter()
    DispatchQueue.global(qos: .userInitiated).async { [self] in
      var chunk = [Double](repeating: 0, count: steps * dimension)
      for i in chunk.indices { chunk[i] = noise.next() }
      next = chunk
      made.leave()
    }
  }

  /// Hands `body` the next step's `dimension` standard normals.
  func nextStep(_ body: (UnsafeBufferPointer<Double>) -> Void) {
    if position == current.count {
      made.wait()
      swap(&current, &next)
      position = 0
      startNextChunk()
    }
    current.withUnsafeBufferPointer { all in body(UnsafeBufferPointer(rebasing: all[position..<(position + dimension)])) }
    position += dimension
  }
}

extension Setting {
  public static let clip = Setting("clip")
  public static let momentum = Setting("momentum")
  public static let epochs = Setting("epochs")
}
