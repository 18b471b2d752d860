import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// `candor explain --method coefficients` on German credit: the unpenalized logistic fit (`--l2 0`, reference
/// coding) against statsmodels' `Logit` on the same design (Tests/Fixtures/glassbox/make_german_logit.py), and the
/// cases without inference.
@Suite struct CoefficientsTests {
  static let data = try! CSVReader.read(path: Fixtures.sample("german_credit.csv"))

  static func fit(_ table: Table = data, l2: Double) throws -> (BuiltinModel, TrainingSummary) {
    var options = TrainingOptions()
    options.inverseRegularization = l2
    return try ModelTrainer.fit(table, spec: TrainingSpec(target: "risk", positive: "1"), options: options)
  }

  @Test("every term's estimate, standard error, z, p-value and 95 % interval equal statsmodels' Logit within 1e-6; odds ratios are exp(estimate)")
  func matchesStatsmodels() throws {
    let (model, summary) = try Self.fit(l2: 0)
    #expect(summary.penalized == false && summary.converged)
    let table = try CoefficientTable.make(model.model, training: summary)
    #expect(table.inferenceValid && table.note == nil)
    #expect(table.referenceLevels == ["sex": "female", "housing": "free", "saving_accounts": "little", "checking_account": "little", "purpose": "business"])
    let reference = (try Fixtures.json("glassbox/german_logit_statsmodels.json") as! [String: Any])["terms"] as! [[String: Any]]
    #expect(table.terms.map(\.term) == reference.map { $0["term"] as! String })
    for (mine, theirs) in zip(table.terms, reference) {
      for (value, key) in [(mine.estimate, "estimate"), (mine.stdError!, "std_error"), (mine.z!, "z"), (mine.pValue!, "p_value"),
                           (mine.ciLow!, "ci_low"), (mine.ciHigh!, "ci_high"), (mine.oddsRatio!, "odds_ratio")] {
        let expected = theirs[key] as! Double
        #expect(abs(value - expected) <= 1e-6 * max(1, abs(expected)), "\(mine.term) \(key): \(value) vs \(expected)")
      }
      #expect(mine.oddsRatio == exp(mine.estimate))
    }
  }

  @Test("a penalized fit gives estimates only and says why; a model file without a training record says so")
  func penalized() throws {
    let (model, summary) = try Self.fit(l2: 1)
    let table = try CoefficientTable.make(model.model, training: summary)
    #expect(!table.inferenceValid && table.terms.allSatisfy { $0.stdError == nil && $0.pValue == nil } && table.note?.contains("L2 penalty") == true)
    #expect(table.referenceLevels.isEmpty && table.terms.count == 27)
    let bare = try CoefficientTable.make(model.model, training: nil)
    #expect(bare.note?.contains("does not record how it was fitted") == true)
  }

  @Test("--l2 0 on separable data is refused, naming the feature that separates and suggesting a penalty")
  func separable() throws {
    let leak = Column.numeric(NumericColumn(name: "leak", values: ContiguousArray((try Self.data.column("risk")).asCategorical().codes.map { Double($0) })))
    let table = try Table(columns: Self.data.columns + [leak], source: "german+leak.csv")
    #expect { try Self.fit(table, l2: 0) } throws: { error in
      let text = "\(error)"
      return text.contains("the data are (quasi-)separable, and the coefficient of leak grows without bound") && text.contains("--l2 1")
    }
  }

  @Test("a model without coefficients is refused with the methods that apply")
  func noCoefficients() throws {
    var options = TrainingOptions()
    options.modelType = .mlp
    options.mlp.maxEpochs = 1
    let (mlp, summary) = try ModelTrainer.fit(Self.data, spec: TrainingSpec(target: "risk", positive: "1"), options: options)
    #expect { try CoefficientTable.make(mlp.model, training: summary) } throws: { "\($0)".contains("use permutation, shap, kernelshap, pdp, ale, surrogate or error-analysis") }
  }
}

extension CoefficientsTests {
  @Test("--l2 0 names the term the data cannot identify: a copy of a column, a constant column")
  func unidentified() throws {
    guard case let .numeric(duration) = Self.data["duration"]! else { Issue.record("duration"); return }
    let copy = Column.numeric(NumericColumn(name: "dur2", values: duration.values))
    let constant = Column.numeric(NumericColumn(name: "const", values: ContiguousArray(repeating: 1, count: 1000)))
    for (extra, name) in [(copy, "dur2"), (constant, "const")] {
      let table = try Table(columns: Self.data.columns + [extra], source: "x.csv")
      #expect { try Self.fit(table, l2: 0) } throws: { "\($0)".contains("without a penalty \(name) is not identified") }
    }
  }
}
