import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain
@testable import CandorModels

/// An EBM explains itself exactly: its Shapley values (`additiveShapley`) are what TreeSHAP computes on its trees
/// and what exact KernelSHAP computes on a regression EBM, and they add up to the margin minus the base.
@Suite struct AdditiveTermsTests {
  static let table = try! CSVReader.read(path: Fixtures.sample("german_credit.csv"))

  static func fit(regression: Bool) throws -> ExplainableBoostingMachine {
    var options = TrainingOptions()
    options.modelType = .ebm
    options.ebm.regression = regression
    options.ebm.outerBags = 2
    options.ebm.interactions = 5
    let spec = TrainingSpec(target: regression ? "credit_amount" : "risk", positive: regression ? nil : "1")
    guard case let .ebm(ebm) = try ModelTrainer.fit(table, spec: spec, options: options).0 else { fatalError("an EBM") }
    return ebm
  }

  @Test("TreeSHAP on the EBM's trees gives its exact Shapley values within 1e-9, and each row's values add up to its margin minus the background's mean margin")
  func treeSHAPReproducesTheTerms() throws {
    let ebm = try Self.fit(regression: false)
    let background = Self.table.selecting(rows: Array(stride(from: 0, to: 1000, by: 20)))
    let rows = Array(0..<15)
    let tree = try TreeSHAP.explain(model: ebm, table: Self.table, rows: rows, background: background,
                                    players: try PlayerSelection().players(model: ebm, table: Self.table))
    let (exact, base) = try ebm.additiveShapley(Self.table.selecting(rows: rows), background: background)
    let p = ebm.binnings.count
    #expect(abs(tree.baseValue[0] - base) <= 1e-9)
    let margins = try ebm.margins(Self.table.selecting(rows: rows))
    for (r, explanation) in tree.rows.enumerated() {
      for (f, name) in tree.features.enumerated() {
        let j = ebm.binnings.firstIndex { $0.name == name }!
        #expect(abs(explanation.values[0][f] - exact[r * p + j]) <= 1e-9, "row \(r), \(name)")
      }
      #expect(abs((0..<p).reduce(0) { $0 + exact[r * p + $1] } - (margins[r] - base)) <= 1e-9)
    }
  }

  @Test("exact KernelSHAP on a regression EBM gives its Shapley values within 1e-6 of the target's scale")
  func kernelSHAPReproducesTheTerms() throws {
    let ebm = try Self.fit(regression: true)
    let background = Self.table.selecting(rows: Array(stride(from: 0, to: 1000, by: 25)))
    var request = KernelSHAPRequest(rows: Array(0..<5))
    request.background = .table(background)
    request.configuration.nsamples = 2048
    let kernel = try KernelSHAP.run(request, model: ebm, data: Self.table)
    #expect(kernel.exact)
    let (exact, _) = try ebm.additiveShapley(Self.table.selecting(rows: Array(0..<5)), background: background)
    let p = ebm.binnings.count
    for (r, explanation) in kernel.rows.enumerated() {
      for (f, name) in kernel.features.enumerated() {
        let j = ebm.binnings.firstIndex { $0.name == name }!
        #expect(abs(explanation.values[0][f] - exact[r * p + j]) <= 1e-6 * 3000, "row \(r), \(name): \(explanation.values[0][f]) vs \(exact[r * p + j])")
      }
    }
  }

  @Test("the terms document: shapes and importances, each explained row's contributions adding up with the intercept to its margin, and refused for a model without terms")
  func document() throws {
    let ebm = try Self.fit(regression: false)
    let result = try AdditiveTerms.make(ebm, data: Self.table, rows: [0, 7])
    #expect(result.terms.count == ebm.terms.count && result.link == "logit" && result.positiveClass == "1")
    let age = result.terms.first { $0.term == "age" }!
    #expect(age.kind == "numeric" && age.bins!.count == ebm.binnings.first { $0.name == "age" }!.binCount)
    #expect(abs(age.bins!.reduce(0) { $0 + $1.weight } - 1000) <= 1e-9)
    for row in result.rows {
      #expect(abs(result.intercept + row.contributions.values.reduce(0, +) - row.margin) <= 1e-12)
      #expect(abs(row.shapley.values.reduce(0, +) - (row.margin - result.baseMargin!)) <= 1e-9)
    }
    let importance = age.bins!.reduce(0) { $0 + $1.weight * abs($1.score) } / 1000
    #expect(abs(age.importance - importance) <= 1e-12)
    #expect(throws: ExplainError.self) { try AdditiveTerms.make(try GermanModel.load(), data: nil, rows: []) }
  }
}
