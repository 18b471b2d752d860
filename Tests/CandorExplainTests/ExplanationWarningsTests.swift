import CandorCore
import Foundation
import Testing

@testable import CandorExplain

/// The warnings an explanation's data or numbers call for: each raised exactly where its rule says, and not otherwise.
@Suite struct ExplanationWarningsTests {
  static func table(_ csv: String) throws -> Table { try CSVReader.parse(Data(csv.utf8), source: "t.csv") }

  @Test("Pearson r and the correlation ratio η, against their definitions worked by hand")
  func associations() throws {
    // x = 1…4, y = 2, 4, 6, 9: r = Sxy / √(Sxx·Syy) = 11.5 / √(5 · 26.75).
    let r = try #require(ExplanationWarnings.pearson([1, 2, 3, 4], [2, 4, 6, 9]))
    #expect(abs(r - 11.5 / (5 * 26.75).squareRoot()) < 1e-15)
    #expect(ExplanationWarnings.pearson([1, 1, 1], [1, 2, 3]) == nil, "a constant has no correlation")
    #expect(ExplanationWarnings.pearson([1, .nan, 3, 4], [2, 100, 6, 8]).map { abs($0 - 1) < 1e-15 } == true, "rows missing a value are left out")
    // x = 1, 2, 3 | 10, 11, 12 in groups a | b: between 121.5 of a total 125.5.
    let eta = try #require(ExplanationWarnings.correlationRatio([1, 2, 3, 10, 11, 12], codes: [0, 0, 0, 1, 1, 1], levels: 2))
    #expect(abs(eta - (121.5 / 125.5).squareRoot()) < 1e-15)
    #expect(ExplanationWarnings.correlationRatio([1, 2, 3], codes: [-1, 0, 0], levels: 1) == nil, "two rows left: too few")
  }

  @Test("partial dependence of a feature that goes with another is warned about, naming the partner and the measure; unrelated ones are not")
  func correlated() throws {
    let data = try Self.table("age,years_worked,shoe,group,y\n20,2,41,young,0\n30,11,38,young,1\n40,19,44,old,0\n50,31,39,old,1\n60,40,42,old,0\n")
    let warnings = ExplanationWarnings.correlatedFeatures(["age", "shoe"], in: data, others: ["age", "years_worked", "shoe", "group"])
    try #require(warnings.count == 1)
    #expect(warnings[0].hasPrefix("Partial dependence of age: it goes strongly with years_worked (r = 1), so the curve averages"), "\(warnings[0])")
    #expect(ExplanationWarnings.correlatedFeatures(["shoe"], in: data, others: ["age", "years_worked", "group"]).isEmpty)
    let grouped = ExplanationWarnings.correlatedFeatures(["age"], in: data, others: ["group"])
    #expect(grouped.first?.contains("group (η = 0.87)") == true, "\(grouped)")
  }

  @Test("KernelSHAP: a row whose large value's 95 % interval holds 0 is named; a small value's wide interval and a tight large one are not")
  func uncertainShapley() {
    func row(_ r: Int, _ values: [Double], _ errors: [Double]) -> KernelSHAP.RowExplanation {
      .init(row: r, prediction: [0.5], values: [values], stdErrors: [errors], stoppedBy: .budget)
    }
    let result = KernelSHAP(features: ["a", "b"], outputs: ["p"], link: .identity, baseValue: [0.3], nsamples: 100, exact: false, seed: 0,
                            rows: [row(3, [0.4, 0.03], [0.01, 0.2]), row(7, [0.4, 0.1], [0.01, 0.06]), row(9, [0.4, -0.2], [0.01, 0.05])],
                            meanAbs: [:])
    // Row 3: b is below a tenth of a. Row 7: 0.1 ≤ 1.96·0.06. Row 9: 0.2 > 1.96·0.05.
    #expect(ExplanationWarnings.uncertainShapley(result) == ["KernelSHAP: in 1 of 3 explained rows (row 7) a large value's 95 % interval holds 0, so its sign is not settled; more coalitions (candor explain --nsamples) narrow the intervals."])
  }

  @Test("permutation importance: a feature of at least a tenth of the top importance whose interval reaches 0 is named")
  func uncertainImportance() {
    func importance(_ mean: Double, _ low: Double, _ high: Double) -> PermutationImportance.Importance {
      .init(mean: mean, std: 0, ciLow: low, ciHigh: high, values: [])
    }
    let result = PermutationImportance(scorer: .accuracy, baselineScore: 0.8, repeats: 5, seed: 0, features: ["a", "b", "c"],
                                       importances: ["a": importance(0.1, 0.08, 0.12), "b": importance(0.02, -0.01, 0.05), "c": importance(0.005, -0.01, 0.02)])
    #expect(ExplanationWarnings.uncertainImportance(result) == ["Permutation importance: the 95 % interval of b (0.02, interval -0.01 to 0.05) reaches 0, so the data does not show that shuffling it costs the model anything; more repeats narrow the intervals."])
  }
}
