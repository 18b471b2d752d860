import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// `CounterfactualRequest` on the German-credit logistic regression of ../shared/reference/whatif: DiCE's bars on
/// its 20 queries, exactness against brute force, the search never nearer than the exact answer, constraints, and
/// the cases where there is nothing to find.
@Suite struct CounterfactualTests {
  static let model = WhatIfTests.model, data = WhatIfTests.data
  /// The 20 bad-risk queries of dice_german.json, with its constraints.
  static let queries = [1, 3, 4, 7, 9, 10, 11, 14, 18, 29, 35, 43, 44, 59, 63, 73, 76, 87, 95, 101]

  static func diceRequest(rows: [Int] = queries, search: Bool = false) -> CounterfactualRequest {
    var request = CounterfactualRequest(model: model, data: data, rows: rows, desiredClass: "1")
    request.constraints.immutable = ["sex", "age"]
    request.constraints.ranges = ["duration": 4...72]
    request.forceSearch = search
    return request
  }

  /// Scores counterfactuals as what-if cases of their row, independently of the search: their classes.
  static func classes(of answers: [CounterfactualAnswer], row: Int) throws -> [String] {
    let cases = answers.map { a in
      WhatIfRequest.Case(row: row, edits: a.changed.map { column in
        switch a.values[column]! {
        case let .number(x): WhatIfEdit(column: column, operation: .set, value: formatNumber(x))
        case let .level(text): WhatIfEdit(column: column, operation: .set, value: text)
        case .missing: WhatIfEdit(column: column, operation: .set, value: "")
        }
      })
    }
    return try WhatIfRequest(model: model, table: data, cases: cases).run().map(\.after.prediction)
  }

  @Test("DiCE's bars on its 20 queries (sex, age immutable; duration in 4:72): 4 distinct valid counterfactuals each, mean sparsity ≤ 1.80, numeric proximity ≤ 0.940, numeric diversity ≥ 1.294, no violations",
        arguments: [false, true])
  func diceBars(search: Bool) throws {
    let batch = try Self.diceRequest(search: search).run()
    let space = try CounterfactualSpace.fit(Self.data, features: Self.model.featureNames)
    var sparsity = 0.0, proximity = 0.0, diversity = 0.0
    for q in batch.queries {
      #expect(q.counterfactuals.count == 4 && Set(q.counterfactuals.map(\.values)).count == 4, "row \(q.row)")
      #expect(try Self.classes(of: q.counterfactuals, row: q.row) == ["1", "1", "1", "1"], "row \(q.row)")
      for c in q.counterfactuals {
        #expect(c.values["sex"] == q.original.values["sex"] && c.values["age"] == q.original.values["age"], "row \(q.row)")
        guard case let .number(duration) = c.values["duration"]!, case let .number(credit) = c.values["credit_amount"]!, case let .number(job) = c.values["job"]! else {
          Issue.record("row \(q.row): a numeric value is missing"); continue
        }
        #expect((4...72).contains(duration) && (250...18424).contains(credit) && (0...3).contains(job), "row \(q.row)")
        #expect([duration, credit, job].allSatisfy { $0 == $0.rounded() }, "row \(q.row): whole-number columns stay whole")
      }
      // The reported metrics are DiCE's formulas on the answers.
      let quality = space.quality(query: q.original.values, counterfactuals: q.counterfactuals.map(\.values), valid: q.counterfactuals.map { _ in true }, asked: 4)
      #expect(q.metrics.validity == 1 && q.metrics.violations == 0 && q.metrics.sparsity == quality.sparsity && q.metrics.diversityNumeric == quality.diversityNumeric)
      sparsity += quality.sparsity / 20
      proximity += quality.proximityNumeric / 20
      diversity += quality.diversityNumeric / 20
    }
    #expect(sparsity <= 1.80 && proximity <= 0.940 && diversity >= 1.294, "sparsity \(sparsity), proximity \(proximity), diversity \(diversity)")
    #expect(abs(batch.summary.metrics.sparsity - sparsity) <= 1e-12 && batch.summary.metrics.violations == 0 && batch.summary.successRate == 1)
    if !search { #expect(batch.queries.allSatisfy { $0.method == .exactLinear && $0.nearestIsExact && $0.counterfactuals.allSatisfy(\.exact) }) }
  }

  /// The reference's log-odds of a row (its evaluation order).
  static func logit(_ values: [String: WhatIfValue]) -> Double {
    let decision = model.linearDecision!
    var z = decision.intercept
    for term in decision.terms {
      switch values[term.name]! {
      case let .number(x): z += LinearDecision.contribution(of: term, number: x)
      case let .level(level): z += LinearDecision.contribution(of: term, level: level)
      case .missing: z += LinearDecision.contribution(of: term)
      }
    }
    return z
  }

  @Test("the exact nearest equals brute force over every point the constraints allow (credit_amount, sex and age kept: 4 jobs × 69 durations × 480 level combinations), for 3 queries")
  func exactMatchesBruteForce() throws {
    var request = Self.diceRequest(rows: [1, 9, 87])
    request.constraints.immutable = ["sex", "age", "credit_amount"]
    let space = try CounterfactualSpace.fit(Self.data, features: Self.model.featureNames)
    let levels = ["housing", "saving_accounts", "checking_account", "purpose"].map { name in
      (name, Self.data[name]!.asCategorical().presentLevels.sorted())
    }
    for q in try request.run().queries {
      var best = Double.infinity
      var point = q.original.values
      for job in 0...3 {
        for duration in 4...72 {
          point["job"] = .number(Double(job))
          point["duration"] = .number(Double(duration))
          for housing in levels[0].1 { for saving in levels[1].1 { for checking in levels[2].1 { for purpose in levels[3].1 {
            point["housing"] = .level(housing); point["saving_accounts"] = .level(saving)
            point["checking_account"] = .level(checking); point["purpose"] = .level(purpose)
            guard Self.logit(point) > 0 else { continue }
            best = min(best, space.numericDistance(point, q.original.values) + space.categoricalDistance(point, q.original.values))
          } } } }
        }
      }
      let first = try #require(q.counterfactuals.first)
      #expect(q.nearestIsExact && abs(first.distance - best) <= 1e-12, "row \(q.row): \(first.distance) vs brute force \(best)")
    }
  }

  @Test("the beam search is never nearer than the exact answer, on the 20 queries")
  func searchNeverBeatsExact() throws {
    let exact = try Self.diceRequest().run(), search = try Self.diceRequest(search: true).run()
    for (e, s) in zip(exact.queries, search.queries) {
      let nearest = try #require(s.counterfactuals.map(\.distance).min())
      #expect(e.counterfactuals[0].distance <= nearest + 1e-12, "row \(e.row)")
      #expect(s.method == .search && s.counterfactuals.allSatisfy { !$0.exact })
    }
  }

  @Test("the same seed gives the same answers; the search's order of work does not depend on anything else")
  func deterministic() throws {
    var request = Self.diceRequest(rows: [1, 3], search: true)
    request.seed = 7
    #expect(try request.run().queries.map(\.counterfactuals) == request.run().queries.map(\.counterfactuals))
  }

  @Test("constraints hold by construction: --allowed levels, increase-only, at most 1 change")
  func constraintsHold() throws {
    for search in [false, true] {
      var request = Self.diceRequest(rows: Self.queries.prefix(8).map { $0 }, search: search)
      request.constraints.allowed = ["purpose": ["car", "education"]]
      request.constraints.increaseOnly = ["job"]
      request.constraints.maxChanges = 1
      for q in try request.run().queries {
        for c in q.counterfactuals {
          #expect(c.changed.count == 1, "row \(q.row)")
          if c.changed.contains("purpose") { #expect([WhatIfValue.level("car"), .level("education")].contains(c.values["purpose"]!)) }
          if case let .number(after) = c.values["job"]!, case let .number(before) = q.original.values["job"]! { #expect(after >= before) }
        }
        #expect(q.metrics.violations == 0)
      }
    }
  }

  @Test("a row already of the desired class gets no counterfactuals and says so")
  func alreadyDesired() throws {
    let result = try Self.diceRequest(rows: [0]).run()
    #expect(result.queries[0].counterfactuals.isEmpty && result.queries[0].note?.contains("already") == true && result.summary.alreadyDesired == 1)
  }

  @Test("nothing within the constraints: said so, with the one relaxation that helps most")
  func nothingFound() throws {
    var request = Self.diceRequest(rows: [1])
    request.constraints.ranges = [:]
    request.constraints.immutable = ["sex", "age", "job", "credit_amount", "duration", "saving_accounts", "checking_account", "purpose"]
    request.constraints.allowed = ["housing": ["free"]]
    for search in [false, true] {
      request.forceSearch = search
      let q = try request.run().queries[0]
      #expect(q.counterfactuals.isEmpty && q.metrics.validity == 0)
      let relax = try #require(q.notFound?.relax)
      // Letting saving_accounts or checking_account change (to not_known: one switch, 0.2) is the nearest way out;
      // of equals, the first constraint given wins.
      #expect(relax.constraint == "immutable" && relax.column == "saving_accounts" && abs(relax.nearestDistance - 0.2) <= 1e-12, "\(relax)")
    }
  }

  static func constraints(_ name: String) -> CounterfactualConstraints {
    var c = CounterfactualConstraints()
    switch name {
    case "range on immutable": c.immutable = ["age"]; c.ranges = ["age": 20...30]
    case "allowed on immutable": c.immutable = ["purpose"]; c.allowed = ["purpose": ["car"]]
    case "unknown column": c.immutable = ["salary"]
    case "unknown level": c.allowed = ["purpose": ["yacht"]]
    case "range on text": c.ranges = ["purpose": 1...2]
    case "increase and decrease": c.increaseOnly = ["job"]; c.decreaseOnly = ["job"]
    default: c.ranges = ["duration": 4.2...4.8]
    }
    return c
  }

  @Test("bad constraints are refused by name", arguments: [
    ("range on immutable", "immutable"), ("allowed on immutable", "immutable"), ("unknown column", "its features: job, credit_amount"),
    ("unknown level", "its levels: business, car"), ("range on text", "text column"), ("increase and decrease", "increase-only"),
    ("empty range", "no whole number"),
  ])
  func badConstraints(_ name: String, _ expected: String) throws {
    var request = Self.diceRequest(rows: [1])
    request.constraints = Self.constraints(name)
    #expect { try request.run() } throws: { "\($0)".contains(expected) }
  }

  @Test("a class the model lacks is refused with its classes listed")
  func unknownClass() throws {
    var request = Self.diceRequest(rows: [1])
    request.desiredClass = "good"
    #expect { try request.run() } throws: { "\($0)".contains("the model's classes are 0, 1") }
  }

  @Test("a small XGBoost ensemble (4 trees of depth 3): the exact nearest by leaf regions equals brute force over every point the constraints allow (duration 4…72 × job 0…3 × checking_account 0…3), for 6 queries; every answer re-scored to class 1")
  func treesMatchBruteForce() throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("whatif/german_xgb_small.json"), inputColumns: nil).model
    let data = try CSVReader.read(path: Fixtures.path("models/german_numeric_features.csv"))
    let space = try CounterfactualSpace.fit(data, features: model.featureNames)
    let scores = try model.predict(data)
    let queries = (0..<data.rowCount).filter { scores[$0, 0] <= 0.5 }.prefix(6).map { $0 }
    #expect(queries.count == 6)
    var request = CounterfactualRequest(model: model, data: data, rows: queries, desiredClass: "1")
    request.constraints.immutable = ["sex", "age", "credit_amount", "saving_accounts", "purpose"]
    for q in try request.run().queries {
      #expect(q.method == .exactTrees && q.nearestIsExact, "row \(q.row)")
      // Every permitted point, scored in one call.
      var points: [[String: WhatIfValue]] = [], cases: [WhatIfRequest.Case] = []
      for duration in 4...72 { for job in 0...3 { for checking in 0...3 {
        var p = q.original.values
        (p["duration"], p["job"], p["checking_account"]) = (.number(Double(duration)), .number(Double(job)), .number(Double(checking)))
        points.append(p)
        cases.append(WhatIfRequest.Case(row: q.row, edits: [WhatIfEdit(column: "duration", operation: .set, value: String(duration)),
                                                            WhatIfEdit(column: "job", operation: .set, value: String(job)),
                                                            WhatIfEdit(column: "checking_account", operation: .set, value: String(checking))]))
      } } }
      let scored = try WhatIfRequest(model: model, table: data, cases: cases).run()
      let best = zip(points, scored).filter { $0.1.after.prediction == "1" }.map { space.numericDistance($0.0, q.original.values) }.min()
      let first = try #require(q.counterfactuals.first)
      #expect(abs(first.distance - best!) <= 1e-12, "row \(q.row): \(first.distance) vs brute force \(best!)")
      #expect(q.counterfactuals.allSatisfy { $0.prediction == "1" && $0.changed.allSatisfy { ["duration", "job", "checking_account"].contains($0) } })
    }
  }

  @Test("a row outside a --range keeps its value or moves inside it, never to a value between (the search once bisected out of the range)")
  func rangeOutsideTheRow() throws {
    for search in [false, true] {
      var request = Self.diceRequest(rows: [1, 3, 4, 7], search: search)
      request.constraints.ranges = ["duration": 4...10, "credit_amount": 250...1000]
      for q in try request.run().queries {
        #expect(q.metrics.violations == 0, "row \(q.row)")
        for c in q.counterfactuals {
          if c.changed.contains("duration"), case let .number(d) = c.values["duration"]! { #expect((4...10).contains(d), "row \(q.row): duration \(d)") }
          if c.changed.contains("credit_amount"), case let .number(a) = c.values["credit_amount"]! { #expect((250...1000).contains(a), "row \(q.row): credit \(a)") }
        }
      }
    }
  }

  @Test("refused: a row asked twice, a regression model")
  func refusedRequests() throws {
    #expect { try Self.diceRequest(rows: [3, 1, 3]).run() } throws: { "\($0)".contains("rows 3: the row is given twice") }
    let credit = try TrainingSet.prepare(Self.data, spec: TrainingSpec(target: "credit_amount"), classification: false)
    var request = CounterfactualRequest(model: try LinearRegression.fit(credit).0, data: Self.data, rows: [1], desiredClass: "1")
    request.count = 4
    #expect { try request.run() } throws: { "\($0)".contains("the model is a regression model (it predicts credit_amount); counterfactuals need a classifier") }
  }

  @Test("a row outside its --range moves into it or keeps its value: the exact nearest equals brute force (age 22, range 30:40, with duration and checking_account free), 3 queries")
  func outsideRangeExact() throws {
    var request = Self.diceRequest(rows: [1, 4, 9])
    request.constraints.immutable = ["sex", "job", "credit_amount", "housing", "saving_accounts", "purpose"]
    request.constraints.ranges = ["duration": 4...72, "age": 30...40]
    let space = try CounterfactualSpace.fit(Self.data, features: Self.model.featureNames)
    let checking = Self.data["checking_account"]!.asCategorical().presentLevels.sorted()
    for q in try request.run().queries {
      guard case let .number(age0) = q.original.values["age"]! else { continue }
      var best = Double.infinity
      var point = q.original.values
      for age in [age0] + (30...40).map(Double.init) { for duration in 4...72 { for level in checking {
        (point["age"], point["duration"], point["checking_account"]) = (.number(age), .number(Double(duration)), .level(level))
        guard Self.logit(point) > 0 else { continue }
        best = min(best, space.numericDistance(point, q.original.values) + space.categoricalDistance(point, q.original.values))
      } } }
      let first = try #require(q.counterfactuals.first)
      #expect(q.nearestIsExact && abs(first.distance - best) <= 1e-12, "row \(q.row): \(first.distance) vs brute force \(best)")
      for c in q.counterfactuals where c.changed.contains("age") {
        if case let .number(a) = c.values["age"]! { #expect((30...40).contains(a)) }
      }
    }
  }

  @Test("a row above an increase-only range keeps its value; the batch goes on")
  func increaseOnlyRowAbove() throws {
    var request = Self.diceRequest(rows: [0, 1, 2, 3])  // row 0 is 67, row 2 is 49: above 20:40
    request.constraints.immutable = ["sex"]
    request.constraints.ranges = ["age": 20...40]
    request.constraints.increaseOnly = ["age"]
    for q in try request.run().queries {
      for c in q.counterfactuals where c.changed.contains("age") {
        guard case let .number(a) = c.values["age"]!, case let .number(a0) = q.original.values["age"]! else { continue }
        #expect((20...40).contains(a) && a >= a0)
      }
    }
  }

  @Test("an XGBoost row with a missing value is searched, saying why (the boxes do not model default directions)")
  func treeMissingValue() throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("whatif/german_xgb_small.json"), inputColumns: nil).model
    let table = try CSVReader.read(path: Fixtures.path("models/german_numeric_features.csv"))
    // job missing (row 1 stays class 0 with it).
    guard case var .numeric(job) = try table.column("job") else { Issue.record("job is numeric"); return }
    job.values[1] = .nan
    let data = try Table(columns: table.columns.map { $0.name == "job" ? .numeric(job) : $0 }, source: "nan.csv")
    let q = try CounterfactualRequest(model: model, data: data, rows: [1], desiredClass: "1").run().queries[0]
    #expect(q.method == .search && q.searchReason?.contains("missing value") == true, "\(q.method as Any) \(q.searchReason ?? "")")
  }
}
