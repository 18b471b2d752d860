import CandorCore
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorExplain

/// What-if edits and curves on the German-credit logistic regression rebuilt from the reference's arrays
/// (Tests/Fixtures/whatif/german_logreg.json, made by make_german_model.py): the 40 reference cases and the ICE/PDP
/// curves within 1e-12, and decision flips where the logit is exactly 0.
@Suite struct WhatIfTests {
  nonisolated(unsafe) static let model = try! ModelLoader.load(path: Fixtures.path("whatif/german_logreg.json")).model.model
  nonisolated(unsafe) static let data = try! CSVReader.read(path: Fixtures.sample("german_credit.csv"))

  static func value(_ any: Any) -> String { (any as? String) ?? formatNumber((any as! NSNumber).doubleValue) }

  @Test("the 40 reference what-if cases: probabilities before and after within 1e-12, the predicted classes, the flips, every edit's from and to; all 40 in one batched request give the same")
  func referenceCases() throws {
    let cases = (try Fixtures.json("whatif/whatif_german.json") as! [String: Any])["cases"] as! [[String: Any]]
    #expect(cases.count == 40)
    var flips = 0
    var singles: [WhatIfResult] = [], all: [WhatIfRequest.Case] = []
    for c in cases {
      let edits = (c["edits"] as! [[String: Any]]).map { e -> WhatIfEdit in
        let column = e["feature"] as! String
        switch e["op"] as! String {
        case "scale": return WhatIfEdit(column: column, operation: .scale, value: Self.value(e["factor"]!))
        case "add": return WhatIfEdit(column: column, operation: .add, value: Self.value(e["delta"]!))
        default: return WhatIfEdit(column: column, operation: .set, value: Self.value(e["value"]!))
        }
      }
      let result = try #require(try WhatIfRequest(model: Self.model, table: Self.data, row: c["row_index"] as! Int, scenarios: [edits]).run().first)
      singles.append(result)
      all.append(.init(row: c["row_index"] as! Int, edits: edits))
      let before = c["before"] as! [String: Any], after = c["after"] as! [String: Any]
      #expect(abs(result.before.probabilities["1"]! - (before["probability"] as! Double)) <= 1e-12, "case \(c["case_id"]!)")
      #expect(abs(result.after.probabilities["1"]! - (after["probability"] as! Double)) <= 1e-12, "case \(c["case_id"]!)")
      #expect(result.before.prediction == "\(before["predicted_class"]!)" && result.after.prediction == "\(after["predicted_class"]!)")
      #expect(abs(result.delta["1"]! - (c["delta_probability"] as! Double)) <= 1e-12)
      #expect(result.flipped == (c["prediction_flipped"] as! Bool))
      for (change, e) in zip(result.edits, c["edits"] as! [[String: Any]]) {
        for (mine, theirs) in [(change.from, e["from"]!), (change.to, e["to"]!)] {
          switch mine {
          case let .number(x): #expect(x == (theirs as! NSNumber).doubleValue)
          case let .level(text): #expect(text == theirs as? String)
          case .missing: Issue.record("a missing value in case \(c["case_id"]!)")
          }
        }
      }
      flips += result.flipped ? 1 : 0
    }
    #expect(flips == 11)
    // All 40 in one request (one model call, rows interleaved) give the same results, bit for bit.
    #expect(try WhatIfRequest(model: Self.model, table: Self.data, cases: all.reversed()).run() == singles.reversed())
  }

  @Test("ICE curves of rows 0–24 and the PDP for credit_amount and duration within 1e-12; the default grid is the reference's 10 quantiles, duplicates kept", arguments: ["credit_amount", "duration"])
  func referenceCurves(_ feature: String) throws {
    let reference = ((try Fixtures.json("whatif/ice_pdp_german.json") as! [String: Any])["features"] as! [String: Any])[feature] as! [String: Any]
    let grid = (reference["grid"] as! [NSNumber]).map(\.doubleValue)
    let curves = try WhatIfCurveRequest(model: Self.model, table: Self.data, rows: Array(0..<25), feature: feature).run()
    #expect(curves.count == 25)
    #expect(curves[0].grid == grid.map { .number($0) })
    let ice = reference["ice_probability"] as! [[Double]], pdp = reference["pdp"] as! [Double]
    for (r, curve) in curves.enumerated() {
      for (k, point) in curve.points.enumerated() { #expect(abs(point.probabilities["1"]! - ice[r][k]) <= 1e-12, "row \(r) point \(k)") }
    }
    for k in grid.indices {
      var sum = 0.0
      for curve in curves { sum += curve.points[k].probabilities["1"]! }
      #expect(abs(sum / 25 - pdp[k]) <= 1e-12)
    }
  }

  @Test("every decision flip of a duration curve lies within 1e-9 of duration's range of where the logit is exactly 0")
  func flipsWhereTheLogitIsZero() throws {
    let logistic = try #require(Self.model as? LogisticRegression)
    let curves = try WhatIfCurveRequest(model: Self.model, table: Self.data, rows: Array(0..<60), feature: "duration").run()
    let flips = curves.flatMap { curve in curve.flips.map { (curve.row, $0) } }
    #expect(flips.count >= 10)
    // Numeric features come first in this encoder, so duration's feature index is its encoded column.
    // z is linear in duration: z(x) = z(x0) + w·(x − x0)/scale, so it is 0 at x0 − z(x0)·scale/w.
    let index = logistic.encoder.featureNames.firstIndex(of: "duration")!
    guard case let .numeric(_, scale) = logistic.encoder.features[index].encoding else { Issue.record("duration is numeric"); return }
    let weight = logistic.coefficients[0, index]
    for (row, flip) in flips {
      let at = try #require(flip.at)
      let zero = try WhatIfRequest(model: Self.model, table: Self.data, row: row, scenarios: [[WhatIfEdit(column: "duration", operation: .set, value: formatNumber(at))]]).run()[0].after
      let p = zero.probabilities["1"]!, z = log(p) - log1p(-p)
      let exact = at - z * scale / weight
      #expect(abs(exact - at) <= 1e-9 * 68, "row \(row): flip at \(at), logit 0 at \(exact)")
    }
  }

  @Test("bad edits are refused by name: an unknown column (listing the columns), a level not in the data (listing the levels), scaling a text column, a row out of range")
  func refused() {
    for (row, edit, words) in [
      (0, WhatIfEdit(column: "durations", operation: .set, value: "1"), "No feature or group 'durations'. The model's features are: job, credit_amount, duration, age, sex"),
      // The target is in the data but the model does not read it.
      (0, WhatIfEdit(column: "risk", operation: .set, value: "1"), "No feature or group 'risk'. The model's features are: job, credit_amount"),
      (0, WhatIfEdit(column: "housing", operation: .set, value: "castle"), "castle is not a level of housing in the data; its levels: free, own, rent"),
      (0, WhatIfEdit(column: "housing", operation: .scale, value: "2"), "it is a text column; only col=level applies"),
      (0, WhatIfEdit(column: "age", operation: .set, value: "old"), "age is numeric, so the value must be a finite number"),
      (1000, WhatIfEdit(column: "age", operation: .set, value: "30"), "Row 1000 is out of range: the data has rows 0 to 999."),
    ] {
      #expect { try WhatIfRequest(model: Self.model, table: Self.data, row: row, scenarios: [[edit]]).run() } throws: { error in
        (error as! ExplainError).message(naming: { "--" + $0.rawValue }).contains(words)
      }
    }
  }
}

/// A model whose probability waves: P(1) = 0.5 + 0.4 sin x, so its class flips at every multiple of π.
struct WavingModel: Model {
  var outputKind: OutputKind { .binaryProbability }
  var classes: [String] { ["0", "1"] }
  var featureNames: [String] { ["x"] }
  func predict(_ table: Table) throws -> Matrix {
    guard case let .numeric(x)? = table["x"] else { throw ExplainError.unknownFeature("x", available: table.columnNames) }
    return Matrix(rows: table.rowCount, columns: 1, storage: ContiguousArray(x.values.map { 0.5 + 0.4 * sin($0) }))
  }
}

extension WhatIfTests {
  @Test("every flip of a curve is found, also out and back inside one grid interval and several in one: sin flips at 0⁺, π, 2π, 3π on a 4-point grid over 0…10")
  func everyFlip() throws {
    let table = try CSVReader.parse(Data(("x\n" + (0...10).map(String.init).joined(separator: "\n") + "\n").utf8), source: "x.csv")
    var request = WhatIfCurveRequest(model: WavingModel(), table: table, rows: [0], feature: "x")
    request.gridSize = 4
    let curve = try #require(try request.run().first)
    #expect(curve.points.map(\.prediction) == ["0", "0", "1", "0"])
    let at = curve.flips.compactMap(\.at)
    #expect(curve.flips.map(\.from) == ["0", "1", "0", "1"] && at.count == 4, "\(curve.flips)")
    for (found, expected) in zip(at, [0, Double.pi, 2 * Double.pi, 3 * Double.pi]) { #expect(abs(found - expected) <= 1e-8, "\(found) vs \(expected)") }
  }
}
