import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// DP-SGD: Poisson sampling, clipping, the noise scale, and utility on Adult against the numpy yardstick
/// (dpsgd_adult_baseline.json: same data, preprocessing, q, T, C and learning rates; another RNG).
@Suite struct DPSGDTests {
  nonisolated(unsafe) static let baseline = PrivacyFixtures.file("dpsgd_adult_baseline.json")

  /// Adult encoded as the yardstick encodes it: standardized numerics, sorted one-hot categories, fnlwgt dropped.
  static func adult() throws -> (train: TrainingSet, test: Table) {
    let spec = TrainingSpec(target: "income", positive: ">50K", drop: ["fnlwgt"])
    return (try TrainingSet.prepare(try Fixtures.adult("train"), spec: spec, classification: true), try Fixtures.adult("test"))
  }

  static func examples(_ data: TrainingSet) -> GradientExamples {
    guard case let .classes(_, labels) = data.target else { fatalError("class target") }
    return GradientExamples(rows: data.encoded, labels: labels)
  }

  static func accuracy(_ model: LogisticRegression, on test: Table) throws -> Double {
    let probabilities = try model.predict(test)
    let truth = try test.column("income").asCategorical()
    var right = 0
    for r in 0..<test.rowCount where (probabilities[r, 0] >= 0.5) == (truth.value(at: r) == ">50K") { right += 1 }
    return Double(right) / Double(test.rowCount)
  }

  @Test("Poisson sampling: each index joins with probability q on its own; batch sizes vary and may be empty")
  func poissonSampling() {
    let n = 40, q = 0.05, steps = 200_000
    let sampler = PoissonSampler(population: n, rate: q)
    var random = SeededRandom(seed: 11)
    var batch: [Int] = [], hits = [Int](repeating: 0, count: n), empty = 0, sizes = Set<Int>()
    for _ in 0..<steps {
      sampler.sample(into: &batch, using: &random)
      #expect(batch == batch.sorted() && Set(batch).count == batch.count && batch.allSatisfy { (0..<n).contains($0) })
      for i in batch { hits[i] += 1 }
      if batch.isEmpty { empty += 1 }
      sizes.insert(batch.count)
    }
    // Binomial(200000, 0.05) per index: sd 97.5 hits; 5 sd around 10000.
    for (i, count) in hits.enumerated() { #expect(abs(count - 10_000) < 490, "index \(i): \(count)") }
    // P(empty) = 0.95⁴⁰ = 0.1285: sd 0.00075 of 200000 steps.
    #expect(abs(Double(empty) / Double(steps) - pow(0.95, 40)) < 0.004)
    #expect(sizes.count >= 8)
    // Neighbouring indices are independent: P(both 0 and 1) = q².
    var both = 0
    var random2 = SeededRandom(seed: 12)
    for _ in 0..<steps {
      sampler.sample(into: &batch, using: &random2)
      if batch.starts(with: [0, 1]) { both += 1 }
    }
    #expect(abs(Double(both) / Double(steps) - q * q) < 0.0006)
  }

  @Test("q = 1 takes every example every step")
  func fullBatch() {
    var random = SeededRandom(seed: 1), batch: [Int] = []
    PoissonSampler(population: 7, rate: 1).sample(into: &batch, using: &random)
    #expect(batch == Array(0..<7))
  }

  @Test("the noise added per coordinate has standard deviation σ·C / expected batch and mean 0")
  func noiseScale() {
    let sigma = 1.38, clip = 0.7, batch = 256.0, count = 400_000
    var noise = GaussianNoise(source: SeededRandom(seed: 5))
    var values = [Double](repeating: 0, count: count)
    DPSGD.privatize(&values, noiseMultiplier: sigma, clipNorm: clip, expectedBatchSize: batch, noise: &noise)
    let mean = values.reduce(0, +) / Double(count)
    let sd = (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(count - 1)).squareRoot()
    let expected = sigma * clip / batch
    // The sample sd's relative standard error is 1/√(2n) = 0.0011; 4 of them.
    #expect(abs(sd / expected - 1) < 0.0045, "sd \(sd) expected \(expected)")
    #expect(abs(mean) < 4 * expected / Double(count).squareRoot())
    // Normal: the fourth moment is 3 sd⁴ (a sum of 4 Box–Muller draws / 2 is exactly Gaussian).
    let kurtosis = values.reduce(0) { $0 + pow($1 - mean, 4) } / Double(count) / pow(sd, 4)
    #expect(abs(kurtosis - 3) < 0.05)
  }

  @Test("noise made ahead on another thread is exactly the single-threaded sequence, across chunk boundaries")
  func noiseAhead() {
    let dimension = 100, steps = 600  // chunks of 81 steps: eight of them
    let ahead = NoiseAhead(source: SeededRandom(seed: 21), dimension: dimension, steps: steps)
    var serial = GaussianNoise(source: SeededRandom(seed: 21))
    var same = true
    for _ in 0..<steps {
      ahead.nextStep { normals in
        for value in normals where value != serial.next() { same = false }
      }
    }
    #expect(same)
  }

  @Test("the system CSPRNG gives distinct, uniform-looking words")
  func secureSource() {
    var random = BufferedSystemRandom()
    let words = (0..<2000).map { _ in random.next() }
    #expect(Set(words).count == 2000)
    let ones = words.reduce(0) { $0 + $1.nonzeroBitCount }
    #expect(abs(Double(ones) / Double(2000 * 64) - 0.5) < 0.01)
  }

  @Test("logistic regression's clipped gradient sum is Σ min(1, C/‖gᵢ‖)·gᵢ of the explicit per-example gradients")
  func logisticClippedSum() throws {
    let (data, _) = try Self.adult()
    let examples = Self.examples(data)
    var model = LogisticRegression.zero(encoder: data.encoder, classes: ["<=50K", ">50K"])
    var random = SeededRandom(seed: 3)
    model.setParameters((0..<model.parameterCount).map { _ in random.nextGaussian() * 0.3 })
    let rows = [0, 5, 17, 99, 1000, 32560]
    for clip in [0.05, 1.0, 100.0] {
      let result = model.clippedGradientSum(examples, rows: rows, clipNorm: clip)
      var manual = [Double](repeating: 0, count: model.parameterCount), clipped = 0
      let p = model.parameters
      for r in rows {
        let x = examples.batch([r]).0.row(0) + [1]
        let z = zip(x, p).reduce(0) { $0 + $1.0 * $1.1 }
        let residual = 1 / (1 + exp(-z)) - Double(examples.labels[r])
        let g = x.map { residual * $0 }
        let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
        if norm > clip { clipped += 1 }
        for j in g.indices { manual[j] += g[j] * min(1, clip / norm) }
      }
      #expect(maxAbsoluteDifference(result.sum, manual) < 1e-12, "C = \(clip)")
      #expect(result.clippedCount == clipped && result.exampleCount == rows.count)
    }
    #expect(model.clippedGradientSum(examples, rows: [], clipNorm: 1).sum == [Double](repeating: 0, count: model.parameterCount))
  }

  @Test("a multinomial logistic regression's clipped gradient sum is that of its explicit per-example gradients (p − onehot(y)) ⊗ [x, 1]")
  func multinomialClippedSum() throws {
    let data = try TrainingSet.prepare(try CSVReader.read(path: Fixtures.sample("german_credit.csv")), spec: TrainingSpec(target: "housing"), classification: true)
    guard case let .classes(classes, labels) = data.target else { fatalError() }
    #expect(classes.count == 3)
    let examples = Self.examples(data)
    var model = LogisticRegression.zero(encoder: data.encoder, classes: classes)
    var random = SeededRandom(seed: 8)
    model.setParameters((0..<model.parameterCount).map { _ in random.nextGaussian() * 0.5 })
    let rows = [0, 1, 2, 10, 500, 999], clip = 0.8
    let (batch, _) = examples.batch(rows)
    let p = model.probabilities(encoded: batch)
    var manual = [Double](repeating: 0, count: model.parameterCount)
    let width = data.encoder.encodedColumnCount
    for (i, row) in rows.enumerated() {
      let x = batch.row(i) + [1]
      let r = (0..<3).map { p[i, $0] - ($0 == Int(labels[row]) ? 1 : 0) }
      let norm = (r.reduce(0) { $0 + $1 * $1 } * x.reduce(0) { $0 + $1 * $1 }).squareRoot()
      for k in 0..<3 { for j in 0...width { manual[k * (width + 1) + j] += r[k] * x[j] * min(1, clip / norm) } }
    }
    #expect(maxAbsoluteDifference(model.clippedGradientSum(examples, rows: rows, clipNorm: clip).sum, manual) < 1e-12)
  }

  @Test("the MLP's clipped gradient sum is the clipped sum of its per-example gradients, each of norm at most C")
  func mlpClippedSum() throws {
    let (data, _) = try Self.adult()
    let examples = Self.examples(data)
    var random = SeededRandom(seed: 4)
    let model = MLPClassifier.initialized(encoder: data.encoder, classes: ["<=50K", ">50K"], hiddenLayers: [8, 4], random: &random)
    let rows = [3, 4, 500, 20000]
    let (batch, labels) = examples.batch(rows)
    let pass = model.forward(batch)
    let perExample = model.perExampleGradients(pass, deltas: model.backward(pass, labels: labels))
    let clip = 0.5
    let result = model.clippedGradientSum(examples, rows: rows, clipNorm: clip)
    var manual = [Double](repeating: 0, count: model.parameterCount)
    for i in 0..<rows.count {
      let g = perExample.row(i), norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
      for j in g.indices { manual[j] += g[j] * min(1, clip / norm) }
    }
    #expect(maxAbsoluteDifference(result.sum, manual) < 1e-12)
  }

  @Test("an empty batch is a step of noise only; the run's event is the steps it ran")
  func emptyBatchStep() throws {
    let train = try Fixtures.adult("train")
    let income = try train.column("income").asCategorical()
    let rows = [0, 1, (0..<train.rowCount).first { income.value(at: $0) == ">50K" }!]
    let few = try TrainingSet.prepare(train.selecting(rows: rows), spec: TrainingSpec(target: "income", positive: ">50K", drop: ["fnlwgt"]), classification: true)
    let examples = Self.examples(few)
    var model = LogisticRegression.zero(encoder: few.encoder, classes: ["<=50K", ">50K"])
    var settings = DPSGD.Settings(noiseMultiplier: 2)
    settings.expectedBatchSize = 0.003  // q = 0.001 on 3 rows: almost every step is empty
    settings.epochs = 1
    let run = try DPSGD.train(&model, on: examples, settings: settings, randomness: .insecureSeed(9))
    #expect(run.steps == 1000 && run.emptyBatches >= 990 && run.smallestBatch == 0)
    #expect(run.event == .dpSGD(samplingRate: 0.001, noiseMultiplier: 2, steps: 1000))
    // Noise alone moved the weights: about σC/B·lr per step, a random walk of 1000 steps.
    #expect(model.parameters.contains { abs($0) > 100 })
  }

  @Test("settings that are not a run are refused, naming the setting")
  func refusals() throws {
    var settings = DPSGD.Settings(noiseMultiplier: 0)
    #expect(throws: PrivacyError.self) { try settings.validate(examples: 100) }
    settings.noiseMultiplier = 1
    settings.expectedBatchSize = 101
    #expect(throws: PrivacyError.invalidSetting(.init(.batchSize, value: "101", .because("the expected batch size must be above 0 and at most the 100 training rows")))) {
      try settings.validate(examples: 100)
    }
    settings.expectedBatchSize = 10
    settings.clipNorm = -1
    #expect(throws: PrivacyError.self) { try settings.validate(examples: 100) }
    settings.clipNorm = 1
    settings.optimizer = .sgd(learningRate: 1, momentum: 1)
    #expect(throws: PrivacyError.self) { try settings.validate(examples: 100) }
  }

  /// The yardstick's settings for one ε: its learning rate and its test accuracy (mean over seeds 0–4).
  static func yardstick(_ epsilon: Double) -> (lr: Double, mean: Double) {
    let rows = (baseline["results"] as! [[String: Any]])
      + ((baseline["results_low_epsilon_extension"] as! [String: Any])["results"] as! [[String: Any]])
    let row = rows.first { ($0["target_epsilon"] as? Double) == epsilon }!
    return (row["lr"] as! Double, row["test_acc_mean"] as! Double)
  }

  @Test("Adult test accuracy over 5 seeds within 1.0 point of the yardstick at each ε (1.5 at ε ≤ 0.2)",
        arguments: [0.05, 0.1, 0.2, 0.5, 1, 2, 4, 8])
  func adultUtility(epsilon: Double) throws {
    let (data, test) = try Self.adult()
    #expect(data.encoder.encodedColumnCount == 107 && data.rowCount == 32561)
    let examples = Self.examples(data)
    var settings = DPSGD.Settings(noiseMultiplier: 1)
    let (lr, reference) = Self.yardstick(epsilon)
    settings.optimizer = .sgd(learningRate: lr, momentum: 0)
    let q = settings.samplingRate(examples: data.rowCount), steps = settings.steps(examples: data.rowCount)
    #expect(steps == 1272 && q == 256.0 / 32561)
    let calibrated = try NoiseMultiplierRequest(targetEpsilon: epsilon, delta: 1e-5, samplingRate: q, steps: steps).run()
    settings.noiseMultiplier = calibrated.noiseMultiplier
    var accuracies: [Double] = []
    for seed in 0..<5 {
      var model = LogisticRegression.zero(encoder: data.encoder, classes: ["<=50K", ">50K"])
      let run = try DPSGD.train(&model, on: examples, settings: settings, randomness: .insecureSeed(UInt64(seed)))
      #expect(run.event == settings.plannedEvent(examples: data.rowCount))
      accuracies.append(try Self.accuracy(model, on: test))
    }
    let mean = accuracies.reduce(0, +) / 5
    let allowed = epsilon <= 0.2 ? 0.015 : 0.010
    #expect(abs(mean - reference) <= allowed, "ε \(epsilon) σ \(settings.noiseMultiplier): \(accuracies) mean \(mean) vs \(reference)")
    for accuracy in accuracies { #expect(abs(accuracy - reference) <= 0.02 + (epsilon <= 0.2 ? 0.01 : 0)) }
  }
}
