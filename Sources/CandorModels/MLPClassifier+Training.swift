import CandorCore
import Foundation

extension MLPClassifier {
  public struct Options: Sendable, Equatable {
    public var hiddenLayers: [Int] = [32, 16]
    public var maxEpochs: Int = 200
    public var batchSize: Int = 200
    public var learningRate: Double = 0.001
    /// L2 penalty, scikit-learn's `alpha`.
    public var alpha: Double = 0.0001
    public var seed: UInt64 = 0
    /// Training is refused when `trainingBytes` is above this.
    public var memoryLimit = MemoryLimit.halfOfMemory
    public init() {}
  }

  /// The bytes training holds at once, estimated before anything is allocated: six copies of the parameters (the
  /// layers, their flat vector, the gradient and its per-layer products, Adam's two moments), the dense design
  /// matrix, three matrices per layer of one batch (activations, error signals, the scaled copy), and the last
  /// forward pass over every row (two layers at a time). Nil when the count overflows 64 bits: sizes far past any
  /// machine.
  /// - Parameters:
  ///   - widths: the encoded input width, the hidden widths, then the output width.
  public static func trainingBytes(widths: [Int], rows: Int, batchSize: Int) -> Int? {
    var doubles = 0, overflow = false
    func add(_ factors: Int...) {
      var product = 1
      for factor in factors {
        let (value, over) = product.multipliedReportingOverflow(by: factor)
        overflow = overflow || over
        product = value
      }
      let (sum, over) = doubles.addingReportingOverflow(product)
      overflow = overflow || over
      doubles = sum
    }
    let batch = min(batchSize, rows)
    for l in 0..<(widths.count - 1) {
      add(6, widths[l], widths[l + 1])  // weights
      add(6, widths[l + 1])  // biases
    }
    add(rows, widths[0])
    for width in widths { add(3, batch, width) }
    add(2, rows, widths.dropFirst().max() ?? 0)
    let (bytes, over) = doubles.multipliedReportingOverflow(by: MemoryLayout<Double>.size)
    return overflow || over ? nil : bytes
  }

  /// A network with Glorot-uniform weights (Glorot & Bengio 2010; gain 2 for a sigmoid output, as
  /// scikit-learn does) and zero-mean uniform biases of the same bound.
  public static func initialized(encoder: FeatureEncoder, classes: [String], hiddenLayers: [Int],
                                 random: inout SeededRandom) -> MLPClassifier {
    let widths = [encoder.encodedColumnCount] + hiddenLayers + [classes.count == 2 ? 1 : classes.count]
    var layers: [Layer] = []
    for l in 0..<(widths.count - 1) {
      let fanIn = widths[l], fanOut = widths[l + 1]
      let gain = (l == widths.count - 2 && fanOut == 1) ? 2.0 : 6.0
      let bound = (gain / Double(fanIn + fanOut)).squareRoot()
      var weights = Matrix(rows: fanIn, columns: fanOut)
      for i in weights.storage.indices { weights.storage[i] = (2 * random.nextUniform() - 1) * bound }
      let bias = (0..<fanOut).map { _ in (2 * random.nextUniform() - 1) * bound }
      layers.append(Layer(weights: weights, bias: bias))
    }
    return MLPClassifier(encoder: encoder, classes: classes, layers: layers)
  }

  public static func fit(_ data: TrainingSet, options: Options = Options()) throws -> (MLPClassifier, TrainingSummary) {
    guard case let .classes(classes, labels) = data.target else { preconditionFailure("the MLP needs a class target") }
    guard options.hiddenLayers.allSatisfy({ $0 > 0 }) else {
      throw ModelError.invalidSetting(.init(.hiddenLayers, value: options.hiddenLayers.map(String.init).joined(separator: ","),
                                           .because("every hidden layer needs at least one unit")))
    }
    guard options.batchSize > 0 else {
      throw ModelError.invalidSetting(.init(.batchSize, value: "\(options.batchSize)", .atLeast(1)))
    }
    guard options.maxEpochs >= 1 else {
      throw ModelError.invalidSetting(.init(.maxEpochs, value: "\(options.maxEpochs)", .atLeast(1)))
    }
    guard options.learningRate > 0, options.learningRate.isFinite else {
      throw ModelError.invalidSetting(.init(.learningRate, value: "\(options.learningRate)", .positiveFinite))
    }
    let widths = [data.encoder.encodedColumnCount] + options.hiddenLayers + [classes.count == 2 ? 1 : classes.count]
    let needed = trainingBytes(widths: widths, rows: data.rowCount, batchSize: options.batchSize)
    if needed.map({ $0 > options.memoryLimit.bytes }) ?? true {
      let size = needed.map { "about \(MemoryLimit.formatted(Double($0))) of memory" }
        ?? "more bytes of memory than a 64-bit count holds (over 9.2 billion GB)"
      throw ModelError.invalidSetting(.init(.hiddenLayers, value: options.hiddenLayers.map(String.init).joined(separator: ","), .because(
        "training this MLP (weights, gradients, Adam state and activations) needs \(size), \(options.memoryLimit.exceeded). "
          + "Use fewer or narrower hidden layers")))
    }
    var random = SeededRandom(seed: options.seed)
    var model = initialized(encoder: data.encoder, classes: classes, hiddenLayers: options.hiddenLayers, random: &random)
    var parameters = model.parameters
    var adam = AdamOptimizer(count: parameters.count, learningRate: options.learningRate)
    let n = data.rowCount
    var order = Array(0..<n)
    var bestLoss = Double.infinity, epochsWithoutImprovement = 0, epochs = 0, lastLoss = Double.infinity
    let design = data.design
    let width = design.columns
    while epochs < options.maxEpochs {
      epochs += 1
      order.shuffle(using: &random)
      var epochLoss = 0.0
      for start in stride(from: 0, to: n, by: options.batchSize) {
        let rows = order[start..<min(n, start + options.batchSize)]
        var batch = Matrix(rows: rows.count, columns: width)
        for (i, row) in rows.enumerated() {
          for c in 0..<width { batch.storage[i * width + c] = design.storage[row * width + c] }
        }
        let batchLabels = rows.map { labels[$0] }
        let batchWeights = rows.map { data.weights[$0] }
        let weightSum = max(batchWeights.reduce(0, +), .leastNonzeroMagnitude)
        let pass = model.forward(batch)
        let deltas = model.backward(pass, labels: batchLabels)
        var gradient = model.scaledGradientSum(pass, deltas: deltas, scales: batchWeights.map { $0 / weightSum })
        // L2 on weights only, scaled by the batch size as scikit-learn does.
        var offset = 0
        var penalty = 0.0
        for layer in model.layers {
          for (i, w) in layer.weights.storage.enumerated() {
            gradient[offset + i] += options.alpha * w / Double(rows.count)
            penalty += w * w
          }
          offset += layer.weights.storage.count + layer.bias.count
        }
        epochLoss += (logLoss(pass.output, labels: batchLabels, weights: batchWeights)
          + 0.5 * options.alpha * penalty / Double(rows.count)) * Double(rows.count)
        adam.step(&parameters, gradient: gradient)
        model.setParameters(parameters)
      }
      lastLoss = epochLoss / Double(n)
      if lastLoss > bestLoss - 1e-4 {
        epochsWithoutImprovement += 1
      } else {
        epochsWithoutImprovement = 0
      }
      bestLoss = min(bestLoss, lastLoss)
      if epochsWithoutImprovement >= 10 { break }
    }
    // Without keeping the activations: two layers of every row at a time.
    let probabilities = model.forward(firstLayer: affine(design, model.layers[0])).output
    let summary = TrainingSummary(
      modelType: .mlp, rows: n, features: data.encoder.features.count, encodedColumns: width,
      metricName: "accuracy", metric: accuracy(probabilities, labels: labels, weights: data.weights),
      iterations: epochs, gradientNorm: nil, converged: epochsWithoutImprovement >= 10, finalLoss: lastLoss)
    return (model, summary)
  }
}
