import CandorCore
import CandorExplain
import CandorModels
import CandorTestSupport
import Foundation
import Testing

@testable import CandorReport

/// The interactive what-if panel in headless Chromium: controls set through the DOM, the displayed prediction read
/// back, and compared with Candor's own scoring of the same rows — within 1e-12 for logistic regression (binary and
/// multinomial), ridge regression and the MLP (binary and multiclass).
@Suite(.enabled(if: Chromium.isAvailable, "needs Debian's chromium; make test installs it"))
struct WhatIfPanelTests {
  static let data = try! CSVReader.read(path: Fixtures.sample("german_credit.csv"))

  static func models() throws -> [(name: String, model: any Model)] {
    let risk = try TrainingSet.prepare(data, spec: TrainingSpec(target: "risk", positive: "1"), classification: true)
    let housing = try TrainingSet.prepare(data, spec: TrainingSpec(target: "housing"), classification: true)
    let credit = try TrainingSet.prepare(data, spec: TrainingSpec(target: "credit_amount"), classification: false)
    var mlp = MLPClassifier.Options()
    mlp.maxEpochs = 3
    return [
      ("logistic", try ModelLoader.load(path: Fixtures.path("whatif/german_logreg.json")).model.model),
      ("multinomial logistic", try LogisticRegression.fit(housing).0),
      ("ridge", try LinearRegression.fit(credit).0),
      ("mlp", try MLPClassifier.fit(risk, options: mlp).0),
      ("multiclass mlp", try MLPClassifier.fit(housing, options: mlp).0),
      ("tree", try DecisionTree.fit(try TrainingSet.prepare(data, spec: { var s = TrainingSpec(target: "risk", positive: "1"); s.scaling = false; return s }(), classification: true),
                                    options: { var o = DecisionTree.Options(); o.maxDepth = 5; return o }()).0),
      ("ebm", try { () throws -> any Model in
        var options = ExplainableBoostingMachine.Options()
        (options.outerBags, options.interactions) = (2, 4)
        let spec = { var s = TrainingSpec(target: "risk", positive: "1"); s.scaling = false; return s }()
        return try ExplainableBoostingMachine.fit(data, data: try TrainingSet.prepare(data, spec: spec, classification: true), options: options).0
      }()),
      ("ebm regression", try { () throws -> any Model in
        var options = ExplainableBoostingMachine.Options()
        (options.outerBags, options.interactions, options.regression) = (2, 3, true)
        let spec = { var s = TrainingSpec(target: "credit_amount"); s.scaling = false; return s }()
        return try ExplainableBoostingMachine.fit(data, data: try TrainingSet.prepare(data, spec: spec, classification: false), options: options).0
      }()),
      ("threshold policy", ThresholdedModel(base: .logistic(try LogisticRegression.fit(risk).0), policy: GroupThresholdPolicy(sensitiveFeatures: ["sex"], rules: [
        "female": .init(p0: 0.3, threshold0: 0.4, p1: 0.7, threshold1: 0.6),
        "male": .init(p0: 1, threshold0: 0.5, p1: 0, threshold1: .infinity, pIgnore: 0.1, predictionConstant: 1, operator1: .below),
      ]))),
    ]
  }

  /// Scenarios on row 1, each from the row itself: every numeric value whole (the German columns are) and inside
  /// the data's range.
  static let scenarios: [[String: WhatIfValue]] = [
    [:],
    ["duration": .number(12), "checking_account": .level("rich")],
    ["credit_amount": .number(1000), "purpose": .level("car"), "job": .number(0)],
    ["age": .number(60), "housing": .level("rent"), "saving_accounts": .level("quite rich"), "duration": .number(72)],
    ["sex": .level("male"), "duration": .number(6), "checking_account": .level("rich")],
    ["sex": .level("male"), "duration": .number(60)],
  ]

  /// A test script that, per scenario, loads the row (preset 0), sets the controls, fires their events and
  /// records the displayed prediction and probabilities.
  static func testScript(features: [String], scenarios: [[String: WhatIfValue]]) -> String {
    let json = try! JSONSerialization.data(withJSONObject: scenarios.map { s in
      s.filter { features.contains($0.key) }.mapValues { value -> Any in
        switch value {
        case let .number(x): x
        case let .level(text): text
        case .missing: NSNull()
        }
      }
    })
    return """
      (function(){var panel=document.querySelector('div.panel[data-spec]');var spec=JSON.parse(document.getElementById(panel.getAttribute('data-spec')).textContent);
      var results=[];\(String(decoding: json, as: UTF8.self)).forEach(function(s){panel.querySelector('button[data-preset="0"]').click();
      panel.querySelectorAll('[data-feature]').forEach(function(el){var f=spec.features[+el.getAttribute('data-feature')];
        if(f.name in s){el.value=String(s[f.name]);el.dispatchEvent(new Event(el.tagName==='SELECT'?'change':'input'));}});
      var out=panel.querySelector('output[data-role=prediction]');results.push({text:out.textContent,prediction:out.getAttribute('data-prediction'),
        probabilities:JSON.parse(out.getAttribute('data-probabilities'))});});
      var pre=document.createElement('pre');pre.id='candor-test';pre.textContent=JSON.stringify(results);document.body.appendChild(pre);})();
      """
  }

  @Test("controls set through the DOM give Candor's probabilities within 1e-12", arguments: ["logistic", "multinomial logistic", "ridge", "mlp", "multiclass mlp", "tree", "ebm", "ebm regression", "threshold policy"])
  func matchesCandor(_ name: String) throws {
    let model = try #require(try Self.models().first { $0.name == name }).model
    try Self.expectPageMatches(model, data: Self.data, row: 1, scenarios: Self.scenarios, name: name)
  }

  @Test("tree ensembles too: XGBoost (float32 comparisons and sums; binary and 3-class) and LightGBM, within 1e-12", arguments: [
    ("whatif/german_xgb_small.json", "models/german_numeric_features.csv"), ("models/german_xgb_multiclass.json", "models/german_numeric_features.csv"),
    ("models/adult_lgbm.txt", "models/adult_numeric_features.csv"),
  ])
  func treesMatchCandor(_ modelPath: String, _ dataPath: String) throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path(modelPath), inputColumns: nil).model
    let data = try CSVReader.read(path: Fixtures.path(dataPath))
    let scenarios: [[String: WhatIfValue]] = [
      [:], ["duration": .number(12), "credit_amount": .number(1500)], ["checking_account": .number(3), "age": .number(30), "job": .number(0)],
      ["age": .number(45), "hours_per_week": .number(60), "capital_gain": .number(5000)], ["education_num": .number(14), "occupation": .number(3)],
    ]
    try Self.expectPageMatches(model, data: data, row: 1, scenarios: scenarios, name: modelPath)
  }

  static func expectPageMatches(_ model: any Model, data: Table, row: Int, scenarios: [[String: WhatIfValue]], name: String) throws {
    let original = Dictionary(uniqueKeysWithValues: try model.featureNames.map { ($0, try WhatIfValue(of: data.selecting(rows: [row]), column: $0)) })
    let panel = WhatIfPanelSection(model: model, data: data, row: row, presets: [("Row \(row)", original)], focusClass: nil)
    #expect(panel.modelJSON != nil, "\(name): \(panel.reason ?? "")")
    var html = HTMLDocument(title: "Panel", sections: [panel]).rendered()
    html = html.replacingOccurrences(of: "</body>", with: "<script data-candor=\"test\">\(Self.testScript(features: model.featureNames, scenarios: scenarios))</script></body>")
    let folder = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: folder) }
    let file = folder.appendingPathComponent("panel.html")
    try html.write(to: file, atomically: true, encoding: .utf8)
    let (dom, console) = try Chromium.load(file)
    #expect(console.isEmpty, "\(console)")
    let start = try #require(dom.range(of: "<pre id=\"candor-test\">")), end = try #require(dom.range(of: "</pre>", range: start.upperBound..<dom.endIndex))
    let text = String(dom[start.upperBound..<end.lowerBound]).replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    let shown = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
    #expect(shown.count == scenarios.count)
    // Candor's own answers for the same rows.
    let cases = scenarios.map { s in
      WhatIfRequest.Case(row: row, edits: s.filter { model.featureNames.contains($0.key) }.sorted { $0.key < $1.key }.map { key, value in
        switch value {
        case let .number(x): WhatIfEdit(column: key, operation: .set, value: formatNumber(x))
        case let .level(text): WhatIfEdit(column: key, operation: .set, value: text)
        case .missing: WhatIfEdit(column: key, operation: .set, value: "")
        }
      })
    }
    let candor = try WhatIfRequest(model: model, table: data, cases: cases).run()
    for (k, (page, mine)) in zip(shown, candor).enumerated() {
      if model.outputKind == .regression {
        let value = try #require(Double(page["prediction"] as? String ?? ""))
        let expected = try #require(Double(mine.after.prediction))
        #expect(abs(value - expected) <= 1e-12 * max(1, abs(expected)), "\(name) scenario \(k): \(value) vs \(expected)")
        continue
      }
      #expect(page["prediction"] as? String == mine.after.prediction, "\(name) scenario \(k)")
      let probabilities = try #require(page["probabilities"] as? [String: Double])
      #expect(Set(probabilities.keys) == Set(model.classes))
      for (c, p) in mine.after.probabilities { #expect(abs(probabilities[c]! - p) <= 1e-12, "\(name) scenario \(k) class \(c): \(probabilities[c]!) vs \(p)") }
      #expect((page["text"] as? String)?.hasPrefix("Prediction: \(mine.after.prediction)") == true)
    }
  }

  @Test("a model the page cannot carry (a tree ensemble inside an ONNX pipeline) gets the reason and no controls or script")
  func notCarried() throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("models/german_tree.onnx"), inputColumns: nil).model
    let table = Self.data
    let panel = WhatIfPanelSection(model: model, data: table, row: 1, presets: [], focusClass: nil)
    let html = HTMLDocument(title: "Panel", sections: [panel]).rendered()
    #expect(panel.modelJSON == nil && html.contains("tree ensemble") && !html.contains("<script") && !html.contains("<input"))
  }
}
