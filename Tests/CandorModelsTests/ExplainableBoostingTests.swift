import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// The explainable boosting machine: InterpretML's test AUC on Adult (Tests/Fixtures/glassbox/make_ebm_reference.py)
/// and its shape functions, and the laws — purified terms, predictions that are the sum of the terms, a model file
/// that round-trips, the same model from the same seed.
@Suite struct ExplainableBoostingTests {
  static func fit(_ table: Table, target: String, positive: String?, drop: [String] = [], regression: Bool = false,
                  configure: (inout ExplainableBoostingMachine.Options) -> Void = { _ in }) throws -> ExplainableBoostingMachine {
    var options = TrainingOptions()
    options.modelType = .ebm
    options.ebm.regression = regression
    configure(&options.ebm)
    let (model, _) = try ModelTrainer.fit(table, spec: TrainingSpec(target: target, positive: positive, drop: drop), options: options)
    guard case let .ebm(ebm) = model else { throw ModelError.invalidSetting(.init(.modelType, value: "ebm", .because("not an EBM"))) }
    return ebm
  }

  static func german() throws -> Table { try CSVReader.read(path: Fixtures.sample("german_credit.csv")) }

  /// The test ROC AUC of a binary model's positive-class probabilities.
  static func auc(_ model: any Model, _ table: Table, target: String, positive: String) throws -> Double {
    let scores = try model.predict(table).storage
    let column = try table.column(target).asCategorical()
    let labels = ContiguousArray((0..<table.rowCount).map { UInt8(column.value(at: $0) == positive ? 1 : 0) })
    return RankedScores(scores: ContiguousArray(scores), labels: labels, weights: nil).rocArea()
  }

  @Test("Adult with default settings: test ROC AUC within 0.005 of InterpretML's ExplainableBoostingClassifier(), and the same shapes (each main effect's scores of 2000 test rows correlate ≥ 0.95 with InterpretML's; collinear features ≥ 0.8 alone and ≥ 0.9 summed)")
  func adultMatchesInterpretML() throws {
    let reference = try Fixtures.json("glassbox/ebm_interpret_adult.json") as! [String: Any]
    let train = try Fixtures.adult("train"), test = try Fixtures.adult("test")
    let ebm = try Self.fit(train, target: "income", positive: ">50K", drop: ["fnlwgt"])
    let auc = try Self.auc(ebm, test, target: "income", positive: ">50K")
    let referenceAUC = reference["test_roc_auc"] as! Double
    #expect(abs(auc - referenceAUC) <= 0.005, "Candor \(auc), InterpretML \(referenceAUC)")
    #expect(ebm.terms.count { $0.features.count == 2 } == (reference["pairs"] as! [String]).count, "3 pairs per feature, as InterpretML's \"3x\"")
    // Shapes: each main effect's score of the same real rows.
    let rows = reference["main_scores_first_rows"] as! Int
    let first = test.selecting(rows: Array(0..<rows))
    let (_, scores) = try ebm.termScores(first)
    let mains = reference["main_scores"] as! [String: [Double]]
    func ours(_ name: String) -> [Double] {
      let t = ebm.terms.firstIndex { $0.features == [ebm.binnings.firstIndex { $0.name == name }!] }!
      return (0..<rows).map { scores[$0 * ebm.terms.count + t] }
    }
    func summed(_ columns: [[Double]]) -> [Double] { (0..<rows).map { r in columns.reduce(0) { $0 + $1[r] } } }
    // Collinear features share their effect as each fit happens to split it (education_num is a function of
    // education; relationship nearly one of marital_status and sex): their sum is what is identified.
    let confounded: Set = ["education_num", "relationship"]
    for name in ebm.binnings.map(\.name) {
      let correlation = pearson(ours(name), mains[name]!)
      #expect(correlation >= (confounded.contains(name) ? 0.8 : 0.95), "\(name): correlation \(correlation)")
    }
    for group in [["education", "education_num"], ["relationship", "marital_status", "sex"]] {
      let correlation = pearson(summed(group.map(ours)), summed(group.map { mains[$0]! }))
      #expect(correlation >= 0.9, "\(group): correlation \(correlation)")
    }
  }

  func pearson(_ a: [Double], _ b: [Double]) -> Double {
    let n = Double(a.count), ma = a.reduce(0, +) / n, mb = b.reduce(0, +) / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for i in a.indices { sab += (a[i] - ma) * (b[i] - mb); saa += (a[i] - ma) * (a[i] - ma); sbb += (b[i] - mb) * (b[i] - mb) }
    return sab / (saa * sbb).squareRoot()
  }

  @Test("laws on German credit: predictions are sigmoid(intercept + Σ terms); terms are purified (every pair's weighted row and column means and every main effect's weighted mean are 0); unseen bins score 0")
  func purifiedAdditive() throws {
    let table = try Self.german()
    let ebm = try Self.fit(table, target: "risk", positive: "1") { $0.outerBags = 3; $0.interactions = 4 }
    #expect(ebm.terms.count == 9 + 4)
    let (n, scores) = try ebm.termScores(table)
    let predicted = try ebm.predict(table).storage
    for r in 0..<n {
      let margin = ebm.intercept + (0..<ebm.terms.count).reduce(0) { $0 + scores[r * ebm.terms.count + $1] }
      #expect(abs(predicted[r] - 1 / (1 + exp(-margin))) <= 1e-15)
    }
    for term in ebm.terms {
      let w = term.weights, s = term.scores
      #expect(abs(w.reduce(0, +) - Double(n)) <= 1e-9, "every training row in one bin of each term")
      if term.features.count == 1 {
        #expect(abs(zip(w, s).reduce(0) { $0 + $1.0 * $1.1 }) <= 1e-9)
        for b in s.indices where w[b] == 0 { #expect(s[b] == 0) }
      } else {
        let width = ebm.binnings[term.features[1]].pairBinCount, rows = ebm.binnings[term.features[0]].pairBinCount
        for i in 0..<rows { #expect(abs((0..<width).reduce(0) { $0 + w[i * width + $1] * s[i * width + $1] }) <= 1e-9) }
        for j in 0..<width { #expect(abs((0..<rows).reduce(0) { $0 + w[$1 * width + j] * s[$1 * width + j] }) <= 1e-9) }
      }
    }
  }

  @Test("purification moves no prediction: the raw bag average and the purified terms give every training row the same margin within 1e-12")
  func purificationKeepsPredictions() throws {
    let table = try Self.german()
    let ebm = try Self.fit(table, target: "risk", positive: "1") { $0.outerBags = 2; $0.interactions = 3 }
    // Un-purify: spread random mass between the pairs and their mains and the intercept, then purify again.
    var terms = ebm.terms, intercept = ebm.intercept
    var random = SeededRandom(seed: 9)
    for t in terms.indices where terms[t].features.count == 2 {
      let width = ebm.binnings[terms[t].features[1]].pairBinCount
      for i in 0..<(terms[t].scores.count / width) {
        let shift = Double.random(in: -1...1, using: &random)
        for j in 0..<width { terms[t].scores[i * width + j] += shift }
        let main = terms.firstIndex { $0.features == [terms[t].features[0]] }!
        let pairBin = ebm.binnings[terms[t].features[0]].pairBinOfMainBin
        for b in terms[main].scores.indices where pairBin[b] == i { terms[main].scores[b] -= shift }
      }
    }
    for t in terms.indices where terms[t].features.count == 1 { for b in terms[t].scores.indices where terms[t].weights[b] > 0 { terms[t].scores[b] += 0.25 } }
    intercept -= 0.25 * Double(terms.count { $0.features.count == 1 })
    let shuffled = ExplainableBoostingMachine(encoder: ebm.encoder, classes: ebm.classes, isRegression: false, binnings: ebm.binnings, intercept: intercept, terms: terms)
    ExplainableBoostingMachine.purify(&terms, intercept: &intercept, binnings: ebm.binnings)
    let repurified = ExplainableBoostingMachine(encoder: ebm.encoder, classes: ebm.classes, isRegression: false, binnings: ebm.binnings, intercept: intercept, terms: terms)
    let a = try ebm.margins(table), b = try shuffled.margins(table), c = try repurified.margins(table)
    for r in a.indices {
      #expect(abs(a[r] - b[r]) <= 1e-12)
      #expect(abs(a[r] - c[r]) <= 1e-12)
    }
    #expect(abs(intercept - ebm.intercept) <= 1e-12, "the purified decomposition is unique")
  }

  @Test("a regression EBM (squared error) on German credit's credit_amount: R² above 0.5, the model file round-trips with identical predictions, and the same seed gives the same model")
  func regressionRoundTripDeterminism() throws {
    let table = try Self.german()
    let full = try Self.fit(table, target: "credit_amount", positive: nil, regression: true) { $0.outerBags = 2; $0.interactions = 3 }
    let again = try Self.fit(table, target: "credit_amount", positive: nil, regression: true) { $0.outerBags = 2; $0.interactions = 3 }
    #expect(full == again)
    let file = ModelFile(model: .ebm(full), target: "credit_amount", training: nil)
    let decoded = try ModelFile.decode(try file.encoded(), path: "m.json")
    #expect(decoded == file)
    #expect(try decoded.model.model.predict(table).storage == full.predict(table).storage)
    #expect(full.outputKind == .regression && full.classes == ["credit_amount"])
    let y = try table.column("credit_amount").numbersOrMissing, p = try full.predict(table).storage
    let mean = y.reduce(0, +) / Double(y.count)
    let r2 = 1 - zip(y, p).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } / y.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    #expect(r2 > 0.5, "R² \(r2)")
  }

  @Test("refused: a multiclass target, fewer than 2 bins, a learning rate of 0, a validation share of 1")
  func refusals() throws {
    let table = try Self.german()
    #expect(throws: ModelError.self) { try Self.fit(table, target: "housing", positive: nil) }
    #expect(throws: ModelError.self) { try Self.fit(table, target: "risk", positive: "1") { $0.maxBins = 1 } }
    #expect(throws: ModelError.self) { try Self.fit(table, target: "risk", positive: "1") { $0.learningRate = 0 } }
    #expect(throws: ModelError.self) { try Self.fit(table, target: "risk", positive: "1") { $0.validationShare = 1 } }
  }

  @Test("binning: every distinct value its own bin up to max-bins, quantile cuts beyond; pair cuts a subset of the main cuts; a value equal to a cut falls in the lower bin")
  func binning() throws {
    #expect(ExplainableBoostingMachine.quantileBoundaries([5, 5, 5], maxBins: 4) == [0, 1])
    #expect(ExplainableBoostingMachine.quantileBoundaries([1, 1, 1, 1, 1, 1, 1, 1], maxBins: 4) == [1, 3, 5])
    let binning = ExplainableBoostingMachine.Binning(name: "x", cuts: [1.5, 2.5, 3.5], pairCuts: [2.5], levels: nil)
    #expect([Double.nan, 1, 1.5, 2, 2.5, 3, 9].map(binning.bin(numeric:)) == [0, 1, 1, 2, 2, 3, 4])
    #expect(binning.pairBinOfMainBin == [0, 1, 1, 2, 2])
    #expect(binning.binLabel(1) == "≤ 1.5" && binning.binLabel(2) == "(1.5, 2.5]" && binning.binLabel(4) == "> 3.5" && binning.binLabel(0) == "missing")
    let table = try Fixtures.adult("train")
    let ebm = try Self.fit(table.selecting(rows: Array(0..<3000)), target: "income", positive: ">50K", drop: ["fnlwgt"]) {
      $0.outerBags = 1; $0.interactions = 0; $0.maxBins = 16; $0.maxInteractionBins = 4; $0.maxRounds = 2
    }
    for b in ebm.binnings where b.isNumeric {
      #expect(b.cuts!.count <= 15 && Set(b.pairCuts!).isSubset(of: Set(b.cuts!)) && b.pairCuts!.count <= 3, "\(b.name)")
    }
  }
}
