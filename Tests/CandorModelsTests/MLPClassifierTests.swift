import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

@Suite struct MLPClassifierTests {
  static func smallNetwork(classes: [String]) throws -> (MLPClassifier, Matrix, [Int32]) {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv")).selecting(rows: Array(0..<12))
    let encoder = try FeatureEncoder.fit(table, features: ["age", "duration", "housing", "sex"])
    var random = SeededRandom(seed: 3)
    let model = MLPClassifier.initialized(encoder: encoder, classes: classes, hiddenLayers: [5, 4], random: &random)
    let labels = (0..<12).map { Int32($0 % classes.count) }
    return (model, try encoder.transform(table), labels)
  }

  static func loss(_ model: MLPClassifier, _ x: Matrix, _ labels: [Int32]) -> Double {
    MLPClassifier.logLoss(model.forward(x).output, labels: labels, weights: [Double](repeating: 1, count: labels.count))
      * Double(labels.count)
  }

  /// The vector kernel for one ReLU layer and a sigmoid (KernelSHAP's path) against the general forward pass
  /// (ReLU, OpenBLAS's GEMV, libm's exp): the sums differ in the order of their additions (about 1e-16 of the
  /// terms) and exp by at most 2 ulp, so the outputs agree within 1e-13 relative for sums of this size. Widths with
  /// and without a remainder of four, 13 rows (a batch tail), a NaN, a row whose sum is below −708 (libm's exp
  /// there). On a CPU without AVX2 and FMA the general pass is all there is, and the check is that it is taken.
  @Test("one ReLU layer and a sigmoid: the vector kernel gives the general pass's outputs to rounding", arguments: [1, 4, 7, 16, 19])
  func vectorKernelOutput(width: Int) throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv")).selecting(rows: Array(0..<12))
    let encoder = try FeatureEncoder.fit(table, features: ["age", "duration", "housing", "sex"])
    var random = SeededRandom(seed: UInt64(width))
    var model = MLPClassifier.initialized(encoder: encoder, classes: ["bad", "good"], hiddenLayers: [width], random: &random)
    model.layers[1].bias[0] = 0.3
    var z = Matrix(rows: 13, columns: width) { out in for i in out.indices { out[i] = Double.random(in: -3...3, using: &random) } }
    z.storage[2 * width] = .nan
    for u in 0..<width { z.storage[5 * width + u] = -1 }
    var extreme = model
    extreme.layers[1].bias[0] = -800
    for (network, name) in [(model, "random"), (extreme, "bias -800")] {
      let fast = network.output(fromFirstLayer: z), general = network.forward(firstLayer: z).output
      #expect(fast.rows == 13 && fast.columns == 1)
      if !VectorKernels.available {
        #expect(fast == general)
        continue
      }
      for (r, (a, b)) in zip(fast.storage, general.storage).enumerated() {
        #expect(a.isNaN == b.isNaN && (a.isNaN || abs(a - b) <= 1e-13 * abs(b)), "\(name), row \(r): \(a) vs \(b)")
      }
      #expect(fast.storage.filter(\.isNaN).count == 1)
    }
    #expect(extreme.output(fromFirstLayer: z).storage[5] == 0)
    let (deep, _, _) = try Self.smallNetwork(classes: ["bad", "good"])
    let z2 = Matrix(rows: 3, columns: 5, repeating: 0.5)
    #expect(deep.output(fromFirstLayer: z2) == deep.forward(firstLayer: z2).output)
  }

  /// The kernels' exp: within 2 ulp of libm's (which is correctly rounded to within 1 ulp) at 1,000,000 points of
  /// [−745, 0], libm's own value below −708, NaN kept.
  @Test("the vector kernels' exp is within 2 ulp of libm's over [−745, 0]")
  func vectorExp() throws {
    guard VectorKernels.available else { return }
    let xs = (0..<1_000_000).map { -745.0 * Double($0) / 1_000_000 } + [0, -0.0, -1e-300, -708.39, .nan, -.infinity]
    let ours = VectorKernels.exp(xs)
    for (x, value) in zip(xs, ours) {
      let exact = Foundation.exp(x)
      if x.isNaN {
        #expect(value.isNaN)
      } else if x < -708 {
        #expect(value == exact, "\(x)")
      } else {
        let distance = abs(Int64(bitPattern: value.bitPattern) - Int64(bitPattern: exact.bitPattern))
        #expect(distance <= 2, "exp(\(x)): \(value) vs \(exact)")
      }
    }
  }

  @Test("the backward pass is the derivative of the summed log loss (central differences)", arguments: [2, 3])
  func gradientMatchesFiniteDifferences(classCount: Int) throws {
    let (model, x, labels) = try Self.smallNetwork(classes: (0..<classCount).map(String.init))
    let pass = model.forward(x)
    let gradient = model.scaledGradientSum(pass, deltas: model.backward(pass, labels: labels),
                                           scales: [Double](repeating: 1, count: labels.count))
    let parameters = model.parameters
    let h = 1e-6
    for index in stride(from: 0, to: parameters.count, by: 7) {
      var plus = model, minus = model
      var p = parameters, m = parameters
      p[index] += h
      m[index] -= h
      plus.setParameters(p)
      minus.setParameters(m)
      let numeric = (Self.loss(plus, x, labels) - Self.loss(minus, x, labels)) / (2 * h)
      #expect(abs(numeric - gradient[index]) < 1e-6 * max(1, abs(numeric)), "parameter \(index)")
    }
  }

  @Test("per-example gradients add up to the batch gradient, and their norms are the fast norms")
  func perExampleGradients() throws {
    let (model, x, labels) = try Self.smallNetwork(classes: ["a", "b"])
    let pass = model.forward(x)
    let deltas = model.backward(pass, labels: labels)
    let perExample = model.perExampleGradients(pass, deltas: deltas)
    let scales = (0..<labels.count).map { 0.5 + Double($0) / 10 }
    let summed = model.scaledGradientSum(pass, deltas: deltas, scales: scales)
    for j in 0..<perExample.columns {
      let manual = (0..<perExample.rows).reduce(0) { $0 + scales[$1] * perExample[$1, j] }
      #expect(abs(manual - summed[j]) < 1e-12)
    }
    let norms = model.perExampleGradientNorms(pass, deltas: deltas)
    for r in 0..<perExample.rows {
      let direct = perExample.row(r).reduce(0) { $0 + $1 * $1 }.squareRoot()
      #expect(abs(direct - norms[r]) < 1e-12)
    }
  }

  @Test("the same seed trains the same network")
  func seeded() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "risk", positive: "1"), classification: true)
    var options = MLPClassifier.Options()
    options.maxEpochs = 5
    options.seed = 11
    let (a, _) = try MLPClassifier.fit(data, options: options)
    let (b, _) = try MLPClassifier.fit(data, options: options)
    options.seed = 12
    let (c, _) = try MLPClassifier.fit(data, options: options)
    #expect(a == b)
    #expect(a != c)
  }

  @Test("on Adult it learns: test accuracy above 0.84, like scikit-learn's (32, 16) MLP (0.842)")
  func learnsAdult() throws {
    let spec = TrainingSpec(target: "income", positive: ">50K", drop: ["fnlwgt"])
    let data = try TrainingSet.prepare(try Fixtures.adult("train"), spec: spec, classification: true)
    var options = MLPClassifier.Options()
    options.maxEpochs = 10
    let (model, _) = try MLPClassifier.fit(data, options: options)
    let test = try Fixtures.adult("test")
    let predictions = try Predictions(model: model, table: test)
    let accuracy = try predictions.score(against: test.column("income")).value
    #expect(accuracy > 0.84)
  }

  @Test("the training memory estimate counts parameters six times, the design, three matrices per batch layer and the last pass")
  func trainingBytes() {
    // Widths 3 → 4 → 1, 10 rows: 6·(12 + 4 + 4 + 1) + 10·3 + 3·b·(3 + 4 + 1) + 2·10·4 doubles, b = min(batch, rows).
    #expect(MLPClassifier.trainingBytes(widths: [3, 4, 1], rows: 10, batchSize: 5) == 8 * (126 + 30 + 120 + 80))
    #expect(MLPClassifier.trainingBytes(widths: [3, 4, 1], rows: 10, batchSize: 200) == 8 * (126 + 30 + 240 + 80))
    #expect(MLPClassifier.trainingBytes(widths: [3, 3_000_000_000, 3_000_000_000, 1], rows: 10, batchSize: 5) == nil)
    #expect(MLPClassifier.trainingBytes(widths: [3, Int.max, 1], rows: 10, batchSize: 5) == nil)
  }

  @Test("an MLP whose training would need more memory than the limit is refused before anything is allocated, with both figures")
  func refusedOverMemoryLimit() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "risk", features: ["age", "duration"]), classification: true)
    var options = MLPClassifier.Options()
    options.hiddenLayers = [100_000, 100_000]
    options.memoryLimit = MemoryLimit(bytes: 2_000_000_000, basis: "a test's limit")
    // 6·(2·10⁵ + 10⁵ + 10¹⁰ + 10⁵ + 10⁵ + 1) + 1000·2 + 3·200·(2 + 2·10⁵ + 1) + 2·1000·10⁵ doubles = 482.6 GB.
    #expect(throws: ModelError.invalidSetting(.init(.hiddenLayers, value: "100000,100000", .because(
      "training this MLP (weights, gradients, Adam state and activations) needs about 482.6 GB of memory, more than the limit of "
        + "2.0 GB (a test's limit). Use fewer or narrower hidden layers")))) { try MLPClassifier.fit(data, options: options) }
  }
}
