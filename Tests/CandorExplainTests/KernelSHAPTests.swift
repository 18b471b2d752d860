import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// Reference models rebuilt from their arrays and rows (Tests/Fixtures/*.json; README of the explain reference).
enum ExplainFixtures {
  static func table(numericNames: [String], numeric: [[Double]], categoricalNames: [String] = [], categorical: [[String]] = []) throws -> Table {
    var columns: [Column] = numericNames.enumerated().map { j, name in
      .numeric(NumericColumn(name: name, values: ContiguousArray(numeric.map { $0[j] })))
    }
    columns += categoricalNames.enumerated().map { j, name in .categorical(CategoricalColumn(name: name, strings: categorical.map { $0[j] })) }
    return try Table(columns: columns)
  }

  /// Case B: logistic regression on the six numeric Adult columns.
  static func adultNumeric() throws -> (LogisticRegression, background: Table, explain: Table, json: [String: Any]) {
    let json = try Fixtures.json("adult_numeric_logreg_kernelshap.json") as! [String: Any]
    let names = json["features"] as! [String]
    let standardization = json["standardization"] as! [String: Any]
    let means = standardization["mean"] as! [Double], stds = standardization["std"] as! [Double]
    let encoder = FeatureEncoder(features: names.indices.map { .numeric(names[$0], mean: means[$0], scale: stds[$0]) })
    let model = json["model"] as! [String: Any]
    let coef = model["coef"] as! [Double]
    let logistic = LogisticRegression(encoder: encoder, classes: ["<=50K", ">50K"], coefficients: Matrix(rows: 1, columns: coef.count, storage: ContiguousArray(coef)),
                                      intercepts: [model["intercept"] as! Double])
    let background = try table(numericNames: names, numeric: (json["background"] as! [String: Any])["raw"] as! [[Double]])
    let explain = try table(numericNames: names, numeric: (json["explain"] as! [String: Any])["raw"] as! [[Double]])
    return (logistic, background, explain, json)
  }

  /// Case C: the (16,) ReLU MLP on 12 grouped Adult features.
  static func adultMLP() throws -> (MLPClassifier, background: Table, explain: Table, json: [String: Any]) {
    let json = try Fixtures.json("adult_mlp_sampled.json") as! [String: Any]
    let encoding = json["encoding"] as! [String: Any]
    let numeric = encoding["numeric_features"] as! [String], categorical = encoding["categorical_features"] as! [String]
    let standardization = encoding["numeric_standardization"] as! [String: Any]
    let means = standardization["mean"] as! [Double], stds = standardization["std"] as! [Double]
    let categories = (encoding["categorical_one_hot"] as! [String: Any])["categories"] as! [String: [String]]
    let encoder = FeatureEncoder(features: numeric.indices.map { .numeric(numeric[$0], mean: means[$0], scale: stds[$0]) }
      + categorical.map { .categorical($0, categories: categories[$0]!) })
    let model = json["model"] as! [String: Any]
    let w1 = model["W1"] as! [[Double]], w2 = model["W2"] as! [[Double]]
    let mlp = MLPClassifier(encoder: encoder, classes: ["0", "1"], layers: [
      .init(weights: Matrix(w1), bias: model["b1"] as! [Double]),
      .init(weights: Matrix(w2), bias: model["b2"] as! [Double]),
    ])
    func rows(_ key: String) throws -> Table {
      let block = json[key] as! [String: Any]
      return try table(numericNames: numeric, numeric: block["numeric"] as! [[Double]], categoricalNames: categorical,
                       categorical: block["categorical"] as! [[String]])
    }
    return (mlp, try rows("background"), try rows("explain"), json)
  }

  static func players(_ names: [String]) -> [FeatureGroup] { names.map { FeatureGroup(name: $0, columns: [$0]) } }
}

@Suite struct KernelSHAPTests {
  // Case A: brute-force grouped Shapley values (2^9 coalitions), which shap reproduces to 1e-15.
  @Test("German credit: exact grouped Shapley values within 1e-9, efficiency within 1e-12")
  func germanExact() throws {
    let json = try Fixtures.json("german_logreg_exact.json") as! [String: Any]
    let model = try GermanModel.load()
    let data = try GermanModel.data()
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String]
    let result = try KernelSHAP.explain(model: model, table: data, rows: Array(100..<120), background: data.selecting(rows: Array(0..<40)),
                                        groups: ExplainFixtures.players(names), configuration: .init())
    #expect(result.exact)
    let truth = json["ground_truth"] as! [String: Any]
    #expect(abs(result.baseValue[0] - (truth["base_value"] as! Double)) < 1e-12)
    let expected = truth["shap_values"] as! [[Double]]
    for (i, row) in result.rows.enumerated() {
      #expect(maxAbsoluteDifference(row.values[0], expected[i]) < 1e-9, "row \(row.row)")
      #expect(abs(row.values[0].reduce(0, +) - (row.prediction[0] - result.baseValue[0])) < 1e-12)
      #expect(row.stdErrors[0].allSatisfy { $0 == 0 })
    }
  }

  // Case B: shap.KernelExplainer with every coalition enumerated, identity and logit links.
  @Test("Adult numeric logistic regression: shap's enumerated values within 1e-8, both links", arguments: [Link.identity, .logit])
  func adultNumeric(link: Link) throws {
    let (model, background, explain, json) = try ExplainFixtures.adultNumeric()
    var configuration = KernelSHAP.Configuration()
    configuration.link = link
    let result = try KernelSHAP.explain(model: model, table: explain, rows: Array(0..<explain.rowCount), background: background,
                                        groups: ExplainFixtures.players(json["features"] as! [String]), configuration: configuration)
    let block = json[link == .identity ? "identity_link" : "logit_link"] as! [String: Any]
    let expected = block["exact_shap_values"] as! [[Double]]
    for (i, row) in result.rows.enumerated() {
      #expect(maxAbsoluteDifference(row.values[0], expected[i]) < 1e-8, "row \(i)")
      // capital_loss is 0 in every background row: where the row's is 0 too, its φ is exactly 0.
      if explain["capital_loss"]!.text(at: i) == "0" { #expect(row.values[0][3] == 0) }
      #expect(abs(row.values[0].reduce(0, +) - (link.apply(row.prediction[0]) - result.baseValue[0])) < 1e-10)
    }
  }

  @Test("Adult MLP: full enumeration (4094 coalitions) gives the exact values within 1e-9")
  func mlpFullEnumeration() throws {
    let (model, background, explain, json) = try ExplainFixtures.adultMLP()
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = 4094
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String]
    let result = try KernelSHAP.explain(model: model, table: explain, rows: Array(0..<5), background: background,
                                        groups: ExplainFixtures.players(names), configuration: configuration)
    let expected = (json["ground_truth"] as! [String: Any])["shap_values"] as! [[Double]]
    for (i, row) in result.rows.enumerated() { #expect(maxAbsoluteDifference(row.values[0], expected[i]) < 1e-9) }
  }

  /// The accuracy bar of the reference README: over 20 seeds × 5 rows × 12 features, Candor's mean absolute
  /// error against the exact values must be within 3 combined standard errors of shap's at the same nsamples;
  /// and the reported standard errors must cover about 95 % of errors at ±1.96 SE.
  @Test("Adult MLP, sampled: no less accurate than shap at 256, 512 and 2048 coalitions, and calibrated errors",
        arguments: [256, 512, 2048])
  func mlpSampled(nsamples: Int) throws {
    let (model, background, explain, json) = try ExplainFixtures.adultMLP()
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String]
    let exact = (json["ground_truth"] as! [String: Any])["shap_values"] as! [[Double]]
    var perSeed: [Double] = []
    var covered = 0, total = 0
    for seed in 0..<20 {
      var configuration = KernelSHAP.Configuration()
      configuration.nsamples = nsamples
      configuration.seed = UInt64(seed)
      let result = try KernelSHAP.explain(model: model, table: explain, rows: Array(0..<5), background: background,
                                          groups: ExplainFixtures.players(names), configuration: configuration)
      var error = 0.0
      for (i, row) in result.rows.enumerated() {
        #expect(abs(row.values[0].reduce(0, +) - (row.prediction[0] - result.baseValue[0])) < 1e-10)
        for j in 0..<12 {
          let e = abs(row.values[0][j] - exact[i][j])
          error += e
          if e <= 1.96 * row.stdErrors[0][j] { covered += 1 }
          total += 1
        }
      }
      perSeed.append(error / 60)
    }
    let mae = perSeed.reduce(0, +) / 20
    let se = (perSeed.reduce(0) { $0 + ($1 - mae) * ($1 - mae) } / 19).squareRoot() / 20.0.squareRoot()
    let bar = json["accuracy_bar"] as! [String: Any]
    let reference = (bar["mae"] as! [String: Double])["\(nsamples)"]!, referenceSE = (bar["mae_standard_error"] as! [String: Double])["\(nsamples)"]!
    #expect(mae <= reference + 3 * (referenceSE * referenceSE + se * se).squareRoot(), "MAE \(mae) vs shap \(reference)")
    let coverage = Double(covered) / Double(total)
    #expect(coverage > 0.85 && coverage < 0.995, "coverage \(coverage)")
  }

  @Test("same seed, same values; a feature the model ignores gets exactly 0")
  func laws() throws {
    let (model, background, explain, json) = try ExplainFixtures.adultMLP()
    let extra = explain.replacing(.numeric(NumericColumn(name: "noise", values: [1, 2, 3, 4, 5])))
    let noisyBackground = background.replacing(.numeric(NumericColumn(name: "noise", values: ContiguousArray((0..<50).map(Double.init)))))
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String] + ["noise"]
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = 500
    configuration.seed = 4
    let a = try KernelSHAP.explain(model: model, table: extra, rows: [0, 1], background: noisyBackground, groups: ExplainFixtures.players(names), configuration: configuration)
    let b = try KernelSHAP.explain(model: model, table: extra, rows: [0, 1], background: noisyBackground, groups: ExplainFixtures.players(names), configuration: configuration)
    #expect(a == b)
    for row in a.rows { #expect(row.values[0][12] == 0) }
  }
}

@Suite struct KernelSHAPOptionTests {
  static func run(_ change: (inout KernelSHAP.Configuration) -> Void, background: Table? = nil) throws -> KernelSHAP {
    let (model, bg, explain, json) = try ExplainFixtures.adultMLP()
    var configuration = KernelSHAP.Configuration()
    change(&configuration)
    return try KernelSHAP.explain(model: model, table: explain, rows: Array(0..<5), background: background ?? bg,
                                  groups: ExplainFixtures.players((json["encoding"] as! [String: Any])["raw_features"] as! [String]),
                                  configuration: configuration)
  }

  @Test("--tolerance keeps sampling until every standard error is below it, or says the budget ran out")
  func tolerance() throws {
    let result = try Self.run { $0.tolerance = 0.002; $0.nsamples = 4000; $0.seed = 1 }
    for row in result.rows {
      let largest = row.stdErrors[0].max()!
      #expect(row.stoppedBy == .tolerance ? largest <= 0.002 : row.stoppedBy == .budget)
      #expect(abs(row.values[0].reduce(0, +) - (row.prediction[0] - result.baseValue[0])) < 1e-10)
    }
    #expect(result.rows.contains { $0.stoppedBy == .tolerance })
  }

  @Test("--max-features K estimates K features per row, the rest exactly 0, efficiency kept")
  func maxFeatures() throws {
    let result = try Self.run { $0.maxFeatures = 4; $0.nsamples = 1000 }
    #expect(result.maxFeatures == 4)
    for row in result.rows {
      #expect(row.values[0].filter { $0 != 0 }.count <= 4)
      #expect(abs(row.values[0].reduce(0, +) - (row.prediction[0] - result.baseValue[0])) < 1e-10)
    }
  }

  @Test("a k-means background: weights are cluster sizes and the base value is their weighted mean")
  func kmeansBackground() throws {
    let (model, background, _, _) = try ExplainFixtures.adultMLP()
    let summary = try BackgroundSummary.kmeans(background, encoder: model.encoder, clusters: 8, seed: 2)
    #expect(summary.rows.rowCount <= 8)
    #expect(summary.weights.reduce(0, +) == 50)
    let result = try Self.run({ $0.backgroundWeights = summary.weights; $0.nsamples = 4094 }, background: summary.rows)
    let predictions = try model.predict(summary.rows)
    let weightedMean = zip(predictions.storage, summary.weights).reduce(0) { $0 + $1.0 * $1.1 } / 50
    #expect(abs(result.baseValue[0] - weightedMean) < 1e-12)
    for row in result.rows { #expect(abs(row.values[0].reduce(0, +) - (row.prediction[0] - result.baseValue[0])) < 1e-10) }
  }
}

/// A model that only answers `predict` (no encoder exposed): KernelSHAP must take its generic path.
struct OpaqueModel: Model {
  let inner: any Model
  var outputKind: OutputKind { inner.outputKind }
  var classes: [String] { inner.classes }
  var featureNames: [String] { inner.featureNames }
  func predict(_ table: Table) throws -> Matrix { try inner.predict(table) }
}

@Suite struct KernelSHAPGenericPathTests {
  @Test("a black-box model (tables in, probabilities out) gets the same exact values as the encoder path")
  func opaqueModel() throws {
    let json = try Fixtures.json("german_logreg_exact.json") as! [String: Any]
    let data = try GermanModel.data()
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String]
    let result = try KernelSHAP.explain(model: OpaqueModel(inner: try GermanModel.load()), table: data, rows: Array(100..<105),
                                        background: data.selecting(rows: Array(0..<40)), groups: ExplainFixtures.players(names),
                                        configuration: .init())
    let expected = (json["ground_truth"] as! [String: Any])["shap_values"] as! [[Double]]
    for (i, row) in result.rows.enumerated() { #expect(maxAbsoluteDifference(row.values[0], expected[i]) < 1e-9) }
  }

  @Test("--background-kmeans for a model without an encoder: the clusters of an encoding fitted on the background, weights their sizes, efficiency kept")
  func kmeansWithoutEncoder() throws {
    let (mlp, background, explained, _) = try ExplainFixtures.adultMLP()
    var request = KernelSHAPRequest(rows: [0, 1, 2])
    request.background = .table(background)
    request.backgroundClusters = 6
    request.configuration.nsamples = 600
    let opaque = OpaqueModel(inner: mlp)
    let result = try KernelSHAP.run(request, model: opaque, data: explained)
    // The same as summarizing by hand with that encoding, then explaining against the weighted centroids.
    // OpaqueModel declares no numeric features: every column of a centroid is a value of its cluster's rows.
    let summary = try BackgroundSummary.kmeans(background, encoder: FeatureEncoder.fit(background, features: mlp.featureNames), clusters: 6,
                                               seed: request.configuration.seed, averaged: { _ in false })
    for column in summary.rows.columns {
      let original = try background.column(column.name)
      let seen = Set((0..<background.rowCount).compactMap { original.text(at: $0) })
      #expect((0..<summary.rows.rowCount).allSatisfy { r in column.text(at: r).map(seen.contains) ?? true }, "\(column.name)")
    }
    #expect(summary.rows.rowCount == 6 && summary.weights.reduce(0, +) == Double(background.rowCount))
    var configuration = request.configuration
    configuration.backgroundWeights = summary.weights
    let byHand = try KernelSHAP.explain(model: opaque, table: explained, rows: [0, 1, 2], background: summary.rows,
                                        groups: try request.players.players(model: opaque, table: explained), configuration: configuration)
    #expect(result == byHand)
    for row in result.rows { #expect(abs(row.values[0].reduce(0, +) - (row.prediction[0] - result.baseValue[0])) < 1e-10) }
  }

  @Test("a three-class MLP: every output matches the black-box path, exact and sampled, and is efficient",
        arguments: [nil, 120] as [Int?])
  func multiclassMLP(nsamples: Int?) throws {
    let json = try Fixtures.json("german_logreg_exact.json") as! [String: Any]
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String]
    let data = try GermanModel.data()
    let encoder = try GermanModel.load().encoder
    var random = SeededRandom(seed: 5)
    func layer(_ inputs: Int, _ outputs: Int) -> MLPClassifier.Layer {
      .init(weights: Matrix(rows: inputs, columns: outputs, storage: ContiguousArray((0..<(inputs * outputs)).map { _ in random.nextUniform() - 0.5 })),
            bias: (0..<outputs).map { _ in random.nextUniform() - 0.5 })
    }
    let mlp = MLPClassifier(encoder: encoder, classes: ["a", "b", "c"], layers: [layer(encoder.encodedColumnCount, 8), layer(8, 3)])
    var configuration = KernelSHAP.Configuration()
    configuration.nsamples = nsamples
    let rows = Array(200..<204), background = data.selecting(rows: Array(0..<30))
    let fast = try KernelSHAP.explain(model: mlp, table: data, rows: rows, background: background,
                                      groups: ExplainFixtures.players(names), configuration: configuration)
    let generic = try KernelSHAP.explain(model: OpaqueModel(inner: mlp), table: data, rows: rows, background: background,
                                         groups: ExplainFixtures.players(names), configuration: configuration)
    let predictions = try mlp.predict(data.selecting(rows: rows))
    #expect(fast.outputs == ["a", "b", "c"] && fast.exact == (nsamples == nil))
    for (i, (ours, blackBox)) in zip(fast.rows, generic.rows).enumerated() {
      for k in 0..<3 {
        #expect(maxAbsoluteDifference(ours.values[k], blackBox.values[k]) < 1e-12)
        #expect(maxAbsoluteDifference(ours.stdErrors[k], blackBox.stdErrors[k]) < 1e-12)
        #expect(abs(ours.values[k].reduce(0, +) - (predictions[i, k] - fast.baseValue[k])) < 1e-12)
      }
    }
  }
}

@Suite struct KernelSHAPLinearModelTests {
  @Test("ridge: every φ is its encoded columns' w·(x − mean background x), exact and sampled alike")
  func ridgeClosedForm() throws {
    let json = try Fixtures.json("german_logreg_exact.json") as! [String: Any]
    let names = (json["encoding"] as! [String: Any])["raw_features"] as! [String]
    let data = try GermanModel.data()
    let encoder = try GermanModel.load().encoder
    var random = SeededRandom(seed: 9)
    let weights = (0..<encoder.encodedColumnCount).map { _ in random.nextUniform() - 0.5 }
    let ridge = LinearRegression(encoder: encoder, targetName: "y", coefficients: weights, intercept: 0.3)
    let rows = Array(300..<306), background = data.selecting(rows: Array(0..<25))
    let x = try encoder.transform(data.selecting(rows: rows)), b = try encoder.transform(background)
    for nsamples in [nil, 200] as [Int?] {
      var configuration = KernelSHAP.Configuration()
      configuration.nsamples = nsamples
      let result = try KernelSHAP.explain(model: ridge, table: data, rows: rows, background: background,
                                          groups: ExplainFixtures.players(names), configuration: configuration)
      for (i, row) in result.rows.enumerated() {
        let expected = names.map { name -> Double in
          let group = encoder.featureGroups.first { $0.name == name }!
          return group.columns.reduce(0) { sum, c in
            let mean = (0..<b.rows).reduce(0) { $0 + b[$1, c] } / Double(b.rows)
            return sum + weights[c] * (x[i, c] - mean)
          }
        }
        #expect(maxAbsoluteDifference(row.values[0], expected) < 1e-10, "row \(i), nsamples \(String(describing: nsamples))")
      }
    }
  }
}

@Suite struct CoalitionOrderTests {
  /// Random sorted member lists over `players`, in two families.
  static func lists(players: Int, count: Int, seed: UInt64) -> MemberLists {
    var random = SeededRandom(seed: seed)
    var members: [Int] = [], start = [0], second: [Bool] = []
    for _ in 0..<count {
      let size = 1 + Int(random.nextUniform() * Double(min(players - 1, 8)))
      members += Array(0..<players).shuffled(using: &random).prefix(size).sorted()
      start.append(members.count)
      second.append(random.nextUniform() < 0.5)
    }
    return MemberLists(players: players, members: members, start: start, secondFamily: second)
  }

  @Test("the trie keys order member lists exactly as comparing them does", arguments: [3, 12, 40, 62])
  func keysMatchComparison(players: Int) {
    let lists = Self.lists(players: players, count: 3000, seed: UInt64(players))
    let byKey = lists.orderByTrieKey(), byComparison = lists.orderByComparison()
    // Repeated lists may come in either order; their member lists must agree position by position.
    let text = { (order: [Int]) in order.map { c in "\(lists.secondFamily[c]):\(lists.members[lists.start[c]..<lists.start[c + 1]])" } }
    #expect(text(byKey) == text(byComparison))
    #expect(Set(byKey) == Set(0..<3000))
  }

  @Test("more than 62 players are ordered by comparison: first family first, each lexicographic, prefixes first")
  func manyPlayers() {
    let lists = Self.lists(players: 70, count: 500, seed: 7)
    let order = lists.lexicographicOrder()
    for (a, b) in zip(order, order.dropFirst()) {
      let x = lists.members[lists.start[a]..<lists.start[a + 1]], y = lists.members[lists.start[b]..<lists.start[b + 1]]
      let sameFamily = lists.secondFamily[a] == lists.secondFamily[b]
      #expect(sameFamily ? !y.lexicographicallyPrecedes(x) : !lists.secondFamily[a])
    }
    #expect(lists.orderByComparison() == order)
  }
}
