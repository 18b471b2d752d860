import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// DiCE's quality metrics, as ../shared/reference/whatif defines them, recomputed from the counterfactuals DiCE
/// returned for its 20 German-credit queries (methods random, genetic, kdtree): every metric within 1e-12, and the
/// model's classes of the counterfactuals as recorded.
@Suite struct CounterfactualQualityTests {
  nonisolated(unsafe) static let reference = try! Fixtures.json("whatif/dice_german.json") as! [String: Any]

  static func values(_ json: [String: Any]) -> [String: WhatIfValue] {
    json.mapValues { ($0 as? String).map { .level($0) } ?? .number(($0 as! NSNumber).doubleValue) }
  }

  @Test("the MADs fitted on the German data are the reference's (job's 0 counted as 1)")
  func mads() throws {
    let space = try CounterfactualSpace.fit(WhatIfTests.data, features: WhatIfTests.model.featureNames)
    let expected = (Self.reference["training_mad"] as! [String: [String: Double]]).mapValues { $0["used"]! }
    #expect(space.mad == expected)
    #expect(space.numeric == ["job", "credit_amount", "duration", "age"] && space.categorical == ["sex", "housing", "saving_accounts", "checking_account", "purpose"])
  }

  @Test("validity, proximity, sparsity and the diversities of DiCE's own counterfactuals within 1e-12 of the reference, for every query and method", arguments: ["random", "genetic", "kdtree"])
  func metrics(_ method: String) throws {
    let space = try CounterfactualSpace.fit(WhatIfTests.data, features: WhatIfTests.model.featureNames)
    let queries = Self.reference["queries"] as! [[String: Any]]
    #expect(queries.count == 20)
    var compared = 0
    for q in queries {
      let result = (q["results"] as! [String: Any])[method] as! [String: Any]
      let records = result["counterfactuals"] as! [[String: Any]]
      let counterfactuals = records.map { Self.values($0["values"] as! [String: Any]) }
      // The model's class of each counterfactual, scored in one call, is the recorded one.
      var valid: [Bool] = []
      if !counterfactuals.isEmpty {
        let cases = counterfactuals.map { c in WhatIfRequest.Case(row: q["row_index"] as! Int, edits: c.map { key, value in
          switch value {
          case let .number(x): WhatIfEdit(column: key, operation: .set, value: formatNumber(x))
          case let .level(text): WhatIfEdit(column: key, operation: .set, value: text)
          case .missing: WhatIfEdit(column: key, operation: .set, value: "")
          }
        }.sorted { $0.column < $1.column }) }
        let scored = try WhatIfRequest(model: WhatIfTests.model, table: WhatIfTests.data, cases: cases).run()
        valid = scored.map { $0.after.prediction == "1" }
        #expect(valid == records.map { ($0["predicted_class"] as! Int) == 1 }, "query \(q["query_id"]!)")
      }
      let quality = space.quality(query: Self.values(q["values"] as! [String: Any]), counterfactuals: counterfactuals, valid: valid, asked: 4)
      let m = result["metrics"] as! [String: Any]
      #expect(quality.returned == m["n_returned"] as! Int && quality.unique == m["n_unique"] as! Int)
      for (mine, key) in [(quality.validity, "validity"), (quality.proximityNumeric, "proximity_numeric"), (quality.proximityCategorical, "proximity_categorical"),
                          (quality.sparsity, "sparsity"), (quality.diversityNumeric, "diversity_numeric"), (quality.diversityCategorical, "diversity_categorical"),
                          (quality.countDiversity, "count_diversity")] {
        guard let theirs = (m[key] as? NSNumber)?.doubleValue else { continue }
        #expect(abs(mine - theirs) <= 1e-12, "query \(q["query_id"]!) \(method) \(key): \(mine) vs \(theirs)")
        compared += 1
      }
    }
    #expect(compared >= 20 * 3)
  }
}
