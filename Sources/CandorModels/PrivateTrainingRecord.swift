/// What a differentially private training run promised and how it ran, kept in the model file (`"privacy"`), so
/// whoever holds the model can see its guarantee — or that it has none (an insecure seed).
public struct PrivateTrainingRecord: Sendable, Equatable, Codable {
  /// "DP-SGD".
  public var method: String
  public var noiseMultiplier: Double
  /// The per-example L2 clipping norm C.
  public var clip: Double
  public var samplingRate: Double
  public var expectedBatchSize: Double
  public var steps: Int
  public var delta: Double
  /// ε of the steps run, at `delta`, by accountant ("rdp").
  public var epsilon: [String: Double]
  /// How batches were drawn: "poisson" (each example joins each step on its own with probability q).
  public var sampling: String
  /// Where sampling and noise came from: "system CSPRNG" or "insecure seed N (not private)".
  public var randomness: String
  /// Set when the run was seeded: then it is reproducible and promises nothing.
  public var insecureSeed: UInt64?
  /// Where the encoder's means, scales and categories came from, and whether the guarantee covers them.
  public var preprocessing: String

  public init(method: String = "DP-SGD", noiseMultiplier: Double, clip: Double, samplingRate: Double,
              expectedBatchSize: Double, steps: Int, delta: Double, epsilon: [String: Double], sampling: String = "poisson",
              randomness: String, insecureSeed: UInt64?, preprocessing: String) {
    self.method = method
    self.noiseMultiplier = noiseMultiplier
    self.clip = clip
    self.samplingRate = samplingRate
    self.expectedBatchSize = expectedBatchSize
    self.steps = steps
    self.delta = delta
    self.epsilon = epsilon
    self.sampling = sampling
    self.randomness = randomness
    self.insecureSeed = insecureSeed
    self.preprocessing = preprocessing
  }

  enum CodingKeys: String, CodingKey {
    case method, clip, steps, delta, epsilon, sampling, randomness, preprocessing
    case noiseMultiplier = "noise_multiplier"
    case samplingRate = "sampling_rate"
    case expectedBatchSize = "expected_batch_size"
    case insecureSeed = "insecure_seed"
  }
}
