import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// Error analysis of the reference German-credit logistic regression: its overall error is the reference's training
/// accuracy's complement, the cohorts partition the rows and average to it, every cohort's condition selects exactly
/// its rows again (`Cohort`), and the intervals are statsmodels' Wilson intervals.
@Suite struct ErrorAnalysisTests {
  static let data = WhatIfTests.data, model = WhatIfTests.model

  @Test("overall error 0.246 (the reference's accuracy 0.754), with statsmodels' Wilson interval for 246 of 1000")
  func overall() throws {
    let r = try ErrorAnalysis.run(ErrorAnalysisRequest(targetColumn: "risk"), model: Self.model, data: Self.data)
    #expect(abs(r.overallError - 0.246) <= 1e-15 && r.rows == 1000 && r.error == "misclassification")
    // statsmodels.stats.proportion.proportion_confint(246, 1000, method='wilson')
    #expect(abs(r.overallInterval![0] - 0.22031215328683612) <= 1e-12 && abs(r.overallInterval![1] - 0.2736318400238259) <= 1e-12)
  }

  @Test("the cohorts partition the rows, hold at least --min-cohort each, average to the overall error, come worst first, and each condition selects its rows again")
  func cohortsRoundTrip() throws {
    var request = ErrorAnalysisRequest(targetColumn: "risk")
    request.minCohort = 30
    let r = try ErrorAnalysis.run(request, model: Self.model, data: Self.data)
    #expect(r.cohorts.reduce(0) { $0 + $1.rows } == 1000 && r.cohorts.allSatisfy { $0.rows >= 30 })
    #expect(abs(r.cohorts.reduce(0) { $0 + $1.errorRate * Double($1.rows) } / 1000 - r.overallError) <= 1e-12)
    #expect(zip(r.cohorts, r.cohorts.dropFirst()).allSatisfy { $0.errorRate >= $1.errorRate })
    let predictions = try Self.model.predict(Self.data)
    for c in r.cohorts {
      let rows = try Cohort(parsing: c.condition).rows(of: Self.data)
      #expect(rows.count == c.rows, "\(c.condition)")
      let wrong = rows.count { r in (predictions[r, 0] > 0.5 ? "1" : "0") != Self.data["risk"]!.text(at: r) }
      #expect(abs(Double(wrong) / Double(rows.count) - c.errorRate) <= 1e-15, "\(c.condition)")
    }
    // The worst cohort, 27 of 50: statsmodels' proportion_confint(27, 50, method='wilson').
    #expect(r.cohorts[0].rows == 50 && abs(r.cohorts[0].interval![0] - 0.40398871399157477) <= 1e-12 && abs(r.cohorts[0].interval![1] - 0.6703034780777566) <= 1e-12)
    #expect(r.heatMaps.count == 2 && r.heatMaps[0].features == ["checking_account"] && r.heatMaps[0].rows.map { $0.reduce(0, +) }.reduce(0, +) == 1000)
  }

  @Test("a cohort is read with ≤ < ≥ > = ≠ and their ASCII spellings, and refused by name when it cannot be applied")
  func cohortParsing() throws {
    #expect(try Cohort(parsing: "duration <= 12 and housing != own").rows(of: Self.data) == Cohort(parsing: "duration ≤ 12 and housing ≠ own").rows(of: Self.data))
    #expect(try Cohort(parsing: "age > 60").rows(of: Self.data).count == Self.data["age"]!.asCategorical().codes.indices.count { i in
      if case let .numeric(a) = Self.data["age"]! { return a.values[i] > 60 } else { return false } })
    #expect { try Cohort(parsing: "salary > 3").rows(of: Self.data) } throws: { "\($0)".contains("the data has no column 'salary'") }
    #expect { try Cohort(parsing: "housing > own").rows(of: Self.data) } throws: { "\($0)".contains("housing is a text column: use = or ≠") }
    #expect { try Cohort(parsing: "age is old") } throws: { "\($0)".contains("write conditions as column op value") }
    #expect { try Cohort(parsing: "age > 200").select(Self.data) } throws: { "\($0)".contains("no row of the data is in it") }
  }

  @Test("with missing ages and a level holding \" and \", every cohort's condition (\"or missing\", a quoted level) still selects exactly its rows; \"all rows\" selects all")
  func missingAndQuotedLevels() throws {
    guard case var .numeric(age) = Self.data["age"]!, case let .categorical(purpose) = Self.data["purpose"]! else { Issue.record("columns"); return }
    for r in stride(from: 0, to: 1000, by: 7) { age.values[r] = .nan }
    let renamed = CategoricalColumn(name: "purpose", strings: (0..<1000).map { r in purpose.value(at: r).map { $0 == "car" ? "car and truck" : $0 } })
    let data = try Table(columns: Self.data.columns.map { $0.name == "age" ? .numeric(age) : $0.name == "purpose" ? .categorical(renamed) : $0 }, source: "odd.csv")
    var options = TrainingOptions()
    options.modelType = .tree
    options.tree.maxDepth = 6
    let model = try ModelTrainer.fit(data, spec: TrainingSpec(target: "risk", positive: "1"), options: options).0.model
    var request = ErrorAnalysisRequest(targetColumn: "risk")
    request.maxDepth = 6
    request.minCohort = 5
    let r = try ErrorAnalysis.run(request, model: model, data: data)
    #expect(r.cohorts.reduce(0) { $0 + $1.rows } == 1000)
    for c in r.cohorts { #expect(try Cohort(parsing: c.condition).rows(of: data).count == c.rows, "\(c.condition)") }
    #expect(try Cohort(parsing: "purpose = \"car and truck\" and age ≤ 30 or missing").rows(of: data).count
      == (0..<1000).count { renamed.value(at: $0) == "car and truck" && (age.values[$0].isNaN || age.values[$0] <= 30) })
    #expect(try Cohort(parsing: "all rows").rows(of: data).count == 1000)
    #expect { try Cohort(parsing: "age ≤ 25 and ") } throws: { "\($0)".contains("a condition is empty") }
  }
}
