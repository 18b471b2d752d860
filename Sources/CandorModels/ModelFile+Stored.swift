import CandorCore
import Foundation

extension ModelFile {
  /// The on-disk shape; decoding it checks types, `validated` checks that the shapes fit together.
  struct Stored: Codable {
    struct Parameters: Codable {
      var coefficients: Matrix?
      var intercepts: [Double]?
      var intercept: Double?
      var layers: [MLPClassifier.Layer]?
      var policy: GroupThresholdPolicy?
      var base: StoredBox?
      var tree: StoredTree?
      var ebm: StoredEBM?
    }

    /// An explainable boosting machine: its intercept, each feature's bins and each term's scores.
    struct StoredEBM: Codable {
      var objective: String
      var intercept: Double
      var binnings: [ExplainableBoostingMachine.Binning]
      var terms: [ExplainableBoostingMachine.Term]
    }

    /// A decision tree's node arrays (pre-order, left child first; −1 children at a leaf).
    struct StoredTree: Codable {
      var criterion: DecisionTree.Criterion
      var feature: [Int32]
      var threshold: [Double]
      var left: [Int32]
      var right: [Int32]
      var impurity: [Double]
      var samples: [Int]
      var weightedSamples: [Double]
      var value: [[Double]]

      enum CodingKeys: String, CodingKey {
        case criterion, feature, threshold, left, right, impurity, samples, value
        case weightedSamples = "weighted_samples"
      }
    }

    /// A nested model file (the base model of a thresholded one).
    final class StoredBox: Codable, @unchecked Sendable {
      let stored: Stored
      init(_ stored: Stored) { self.stored = stored }
      init(from decoder: any Decoder) throws { stored = try Stored(from: decoder) }
      func encode(to encoder: any Encoder) throws { try stored.encode(to: encoder) }
    }

    var format: String
    var version: Int
    var modelType: ModelType
    var target: String
    var classes: [String]
    var encoder: FeatureEncoder
    var parameters: Parameters
    var training: TrainingSummary?
    var privacy: PrivateTrainingRecord?

    enum CodingKeys: String, CodingKey {
      case format, version, target, classes, encoder, parameters, training, privacy
      case modelType = "model_type"
    }

    init(_ file: ModelFile) {
      format = ModelFile.formatName
      version = ModelFile.currentVersion
      modelType = file.model.modelType
      target = file.target
      training = file.training
      privacy = file.privacy
      switch file.model {
      case let .logistic(model):
        classes = model.classes
        encoder = model.encoder
        parameters = Parameters(coefficients: model.coefficients, intercepts: model.intercepts)
      case let .linear(model):
        classes = model.classes
        encoder = model.encoder
        let row = Matrix(rows: 1, columns: model.coefficients.count, storage: ContiguousArray(model.coefficients))
        parameters = Parameters(coefficients: row, intercept: model.intercept)
      case let .mlp(model):
        classes = model.classes
        encoder = model.encoder
        parameters = Parameters(layers: model.layers)
      case let .tree(model):
        classes = model.classes
        encoder = model.encoder
        parameters = Parameters(tree: StoredTree(criterion: model.criterion, feature: model.feature, threshold: model.threshold, left: model.left,
                                                 right: model.right, impurity: model.impurity, samples: model.samples,
                                                 weightedSamples: model.weightedSamples, value: model.value))
      case let .ebm(model):
        classes = model.classes
        encoder = model.encoder
        parameters = Parameters(ebm: StoredEBM(objective: model.isRegression ? "squared_error" : "log_loss", intercept: model.intercept,
                                               binnings: model.binnings, terms: model.terms))
      case let .thresholded(model):
        let base = Stored(ModelFile(model: model.base, target: file.target, training: nil))
        classes = base.classes
        encoder = base.encoder
        parameters = Parameters(policy: model.policy, base: StoredBox(base))
      }
    }

    func validated(path: String) throws -> ModelFile {
      func invalid(_ reason: String) -> ModelError { .invalidModel(path: path, reason: reason) }
      let width = encoder.encodedColumnCount
      func checkFinite(_ values: some Sequence<Double>, _ what: String) throws {
        if values.contains(where: { !$0.isFinite }) { throw invalid("\(what) holds a value that is not a finite number") }
      }
      if let training {
        guard training.modelType == modelType, training.features == encoder.features.count, training.encodedColumns == width
        else {
          throw invalid("the training summary describes a \(training.modelType.rawValue) model of \(training.features) features "
            + "and \(training.encodedColumns) encoded columns, but the file holds a \(modelType.rawValue) model of "
            + "\(encoder.features.count) features and \(width) encoded columns")
        }
        guard training.rows >= 0, training.iterations >= 0 else {
          throw invalid("the training summary counts \(training.rows) rows and \(training.iterations) iterations")
        }
      }
      switch modelType {
      case .logistic:
        guard classes.count >= 2 else { throw invalid("a classifier needs at least two classes") }
        let outputs = classes.count == 2 ? 1 : classes.count
        guard let coefficients = parameters.coefficients, let intercepts = parameters.intercepts else {
          throw invalid("logistic parameters need 'coefficients' and 'intercepts'")
        }
        guard coefficients.rows == outputs, coefficients.columns == width, intercepts.count == outputs else {
          throw invalid("coefficients are \(coefficients.rows)×\(coefficients.columns) with \(intercepts.count) intercepts; "
            + "\(classes.count) classes and \(width) encoded columns need \(outputs)×\(width) and \(outputs)")
        }
        try checkFinite(coefficients.storage, "coefficients")
        try checkFinite(intercepts, "intercepts")
        let model = LogisticRegression(encoder: encoder, classes: classes, coefficients: coefficients, intercepts: intercepts)
        return ModelFile(model: .logistic(model), target: target, training: training, privacy: privacy)
      case .linear:
        guard let coefficients = parameters.coefficients, let intercept = parameters.intercept else {
          throw invalid("linear parameters need 'coefficients' and 'intercept'")
        }
        guard coefficients.rows == 1, coefficients.columns == width else {
          throw invalid("coefficients are \(coefficients.rows)×\(coefficients.columns); \(width) encoded columns need 1×\(width)")
        }
        try checkFinite(coefficients.storage, "coefficients")
        try checkFinite([intercept], "intercept")
        let model = LinearRegression(encoder: encoder, targetName: target, coefficients: Array(coefficients.storage),
                                     intercept: intercept)
        return ModelFile(model: .linear(model), target: target, training: training)
      case .thresholded:
        guard let policy = parameters.policy, let base = parameters.base else {
          throw invalid("thresholded parameters need 'policy' and 'base'")
        }
        guard classes == base.stored.classes, encoder == base.stored.encoder else {
          throw invalid("the classes and encoder of the thresholded model differ from those of its base model")
        }
        let baseModel = try base.stored.validated(path: path).model
        guard baseModel.model.outputKind == .binaryProbability else { throw invalid("the base of a threshold policy must be a binary classifier") }
        if let problem = policy.problem { throw invalid(problem) }
        return ModelFile(model: .thresholded(ThresholdedModel(base: baseModel, policy: policy)), target: target, training: training)
      case .tree:
        guard let t = parameters.tree else { throw invalid("tree parameters need 'tree'") }
        let n = t.feature.count, regression = t.criterion == .squaredError
        guard n > 0, [t.threshold.count, t.left.count, t.right.count, t.impurity.count, t.samples.count, t.weightedSamples.count, t.value.count].allSatisfy({ $0 == n }) else {
          throw invalid("the tree's node arrays have different lengths, or no node")
        }
        guard regression ? classes.count == 1 : classes.count >= 2 else { throw invalid("a \(regression ? "regression" : "classification") tree with \(classes.count) classes") }
        for i in 0..<n {
          guard t.value[i].count == (regression ? 1 : classes.count) else { throw invalid("node \(i) holds \(t.value[i].count) values for \(classes.count) classes") }
          try checkFinite(t.value[i], "node \(i)'s value")
          if !regression, t.value[i].contains(where: { !($0 >= 0 && $0 <= 1) }) || abs(t.value[i].reduce(0, +) - 1) > 1e-9 {
            throw invalid("node \(i)'s class fractions \(t.value[i].map { formatNumber($0) }.joined(separator: ", ")) are not shares that sum to 1")
          }
          guard (t.left[i] < 0) == (t.right[i] < 0) else { throw invalid("node \(i) has one child") }
          guard t.left[i] >= 0 else { continue }
          // Children after their parent (pre-order) rules out cycles; the feature is an encoded column.
          guard t.left[i] > i, t.right[i] > i, Int(t.left[i]) < n, Int(t.right[i]) < n, t.feature[i] >= 0, Int(t.feature[i]) < width, t.threshold[i].isFinite else {
            throw invalid("node \(i) splits on column \(t.feature[i]) at \(t.threshold[i]) with children \(t.left[i]) and \(t.right[i]), which the tree cannot hold")
          }
        }
        let model = DecisionTree(encoder: encoder, classes: classes, isRegression: regression, criterion: t.criterion, feature: t.feature, threshold: t.threshold,
                                 left: t.left, right: t.right, impurity: t.impurity, samples: t.samples, weightedSamples: t.weightedSamples, value: t.value)
        return ModelFile(model: .tree(model), target: target, training: training)
      case .ebm:
        guard let e = parameters.ebm else { throw invalid("ebm parameters need 'ebm'") }
        return ModelFile(model: .ebm(try e.validated(encoder: encoder, classes: classes, invalid: invalid)), target: target, training: training)
      case .mlp:
        guard classes.count >= 2 else { throw invalid("a classifier needs at least two classes") }
        guard let layers = parameters.layers, !layers.isEmpty else { throw invalid("MLP parameters need 'layers'") }
        var inputs = width
        for (l, layer) in layers.enumerated() {
          guard layer.weights.rows == inputs, layer.bias.count == layer.weights.columns else {
            throw invalid("layer \(l) is \(layer.weights.rows)×\(layer.weights.columns) with \(layer.bias.count) biases, "
              + "but its input has \(inputs) columns")
          }
          try checkFinite(layer.weights.storage, "layer \(l)")
          try checkFinite(layer.bias, "layer \(l)")
          inputs = layer.weights.columns
        }
        guard inputs == (classes.count == 2 ? 1 : classes.count) else {
          throw invalid("the last layer has \(inputs) outputs for \(classes.count) classes")
        }
        return ModelFile(model: .mlp(MLPClassifier(encoder: encoder, classes: classes, layers: layers)), target: target,
                         training: training, privacy: privacy)
      }
    }
  }
}

extension ModelFile.Stored.StoredEBM {
  /// The machine, once every bin layout fits the encoder and every term's table fits its bins.
  func validated(encoder: FeatureEncoder, classes: [String], invalid: (String) -> ModelError) throws -> ExplainableBoostingMachine {
    guard objective == "log_loss" || objective == "squared_error" else { throw invalid("the EBM's objective '\(printable(objective))' is neither log_loss nor squared_error") }
    let regression = objective == "squared_error"
    guard regression ? classes.count == 1 : classes.count == 2 else { throw invalid("an EBM with objective \(objective) and \(classes.count) classes") }
    guard intercept.isFinite else { throw invalid("the EBM's intercept is not a finite number") }
    guard binnings.count == encoder.features.count else { throw invalid("the EBM bins \(binnings.count) features and the encoder has \(encoder.features.count)") }
    for (binning, feature) in zip(binnings, encoder.features) {
      guard binning.name == feature.name else { throw invalid("the EBM's feature '\(printable(binning.name))' is the encoder's '\(printable(feature.name))'") }
      if let levels = feature.categories {
        guard binning.cuts == nil, binning.pairCuts == nil, binning.levels == levels else { throw invalid("the EBM's bins of '\(printable(feature.name))' are not its categories") }
      } else {
        guard let cuts = binning.cuts, let pairCuts = binning.pairCuts, binning.levels == nil,
              cuts.allSatisfy(\.isFinite), zip(cuts, cuts.dropFirst()).allSatisfy({ $0 < $1 }), Set(pairCuts).isSubset(of: Set(cuts)),
              zip(pairCuts, pairCuts.dropFirst()).allSatisfy({ $0 < $1 }), cuts.count < 65_535
        else { throw invalid("the EBM's cut points of '\(printable(feature.name))' are not finite, ascending numbers with pair cuts among them") }
      }
    }
    for (t, term) in terms.enumerated() {
      guard (1...2).contains(term.features.count), term.features.allSatisfy({ binnings.indices.contains($0) }), Set(term.features).count == term.features.count else {
        throw invalid("EBM term \(t) names features \(term.features) of \(binnings.count)")
      }
      let cells = term.features.count == 1 ? binnings[term.features[0]].binCount : binnings[term.features[0]].pairBinCount * binnings[term.features[1]].pairBinCount
      guard term.scores.count == cells, term.weights.count == cells else { throw invalid("EBM term \(t) holds \(term.scores.count) scores and \(term.weights.count) weights for \(cells) bins") }
      guard term.scores.allSatisfy(\.isFinite), term.weights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { throw invalid("EBM term \(t) holds a score or weight that is not a finite number (weights at least 0)") }
    }
    return ExplainableBoostingMachine(encoder: encoder, classes: classes, isRegression: regression, binnings: binnings, intercept: intercept, terms: terms)
  }
}
