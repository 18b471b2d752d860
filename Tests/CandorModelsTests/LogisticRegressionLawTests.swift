import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

@Suite struct LogisticRegressionLawTests {
  @Test("an integer weight equals repeating the row")
  func weightsEqualDuplication() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let rows = Array(0..<300)
    let weights = rows.map { Double($0 % 3) }  // 0, 1 or 2 copies
    let duplicated = rows.flatMap { r in [Int](repeating: r, count: r % 3) }
    let weighted = table.selecting(rows: rows)
      .replacing(.numeric(NumericColumn(name: "w", values: ContiguousArray(weights))))
    let spec = TrainingSpec(target: "risk", positive: "1", features: ["age", "duration", "housing", "sex"])
    // The encoder is fitted on the rows it sees; fit it once on the duplicated rows and reuse it.
    let repeatedTable = table.selecting(rows: duplicated)
    let repeatedData = try TrainingSet.prepare(repeatedTable, spec: spec, classification: true)
    let weightedSpec = TrainingSpec(target: "risk", positive: "1", features: spec.features, weightsColumn: "w")
    let weightedPrepared = try TrainingSet.prepare(weighted, spec: weightedSpec, classification: true)
    let weightedData = TrainingSet(encoder: repeatedData.encoder, encoded: try repeatedData.encoder.encodedRows(weighted),
                                   target: weightedPrepared.target, weights: weightedPrepared.weights, targetName: "risk")
    let (a, _) = try LogisticRegression.fit(repeatedData)
    let (b, _) = try LogisticRegression.fit(weightedData)
    #expect(maxAbsoluteDifference(a.coefficients.storage, b.coefficients.storage) < 1e-9)
    #expect(abs(a.intercepts[0] - b.intercepts[0]) < 1e-9)
  }

  @Test("multinomial probabilities sum to one on every row")
  func probabilitiesSumToOne() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "purpose"), classification: true)
    let (model, summary) = try LogisticRegression.fit(data)
    #expect(summary.converged)
    #expect(model.outputKind == .multiclassProbabilities)
    let p = model.probabilities(encoded: data.design)
    for r in 0..<p.rows { #expect(abs(p.row(r).reduce(0, +) - 1) < 1e-12) }
  }

  @Test("the training target is read as scikit-learn reads it")
  func targets() throws {
    let table = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let numeric = try TrainingSet.classificationTarget(try table.column("risk"), positive: nil, file: nil)
    guard case let .classes(classes, _) = numeric else { Issue.record("classes"); return }
    #expect(classes == ["0", "1"])
    #expect(throws: ModelError.positiveNotFound(target: "risk", value: "good", seen: ["0", "1"], file: nil)) {
      try TrainingSet.classificationTarget(try table.column("risk"), positive: "good", file: nil)
    }
    let single = try CSVReader.parse(Data("y,x\na,1\na,2\n".utf8), source: "one.csv")
    #expect(throws: ModelError.singleClass(target: "y", value: "a", file: "one.csv")) {
      try TrainingSet.prepare(single, spec: TrainingSpec(target: "y"), classification: true)
    }
  }
}
