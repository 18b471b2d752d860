import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// `--model-spec`: raw data columns fed to models that read codes or filled text. A spec-bound model on the raw
/// Adult rows gives the reference outputs the zoo's models give on their prepared inputs.
@Suite struct ModelSpecTests {
  static let numericSpec = Fixtures.path("models/adult_numeric_v1.spec.json")
  static let pipelineSpec = Fixtures.path("models/adult_pipeline.spec.json")

  /// The first 2,000 rows of adult_test as they are: empty cells left empty.
  static func rawAdult() throws -> Table { try Fixtures.adult("test").selecting(rows: Array(0..<2000)) }

  static func bound(_ model: String, spec: String) throws -> SpecBoundModel {
    let base = try ModelLoader.loadModel(path: Fixtures.path("models/" + model)).model
    return try SpecBoundModel(base: base, spec: ModelSpec.read(path: spec), specPath: spec, checkingInputs: true)
  }

  @Test("XGBoost (JSON, UBJSON) and LightGBM behind adult_numeric_v1's codes: raw rows give the reference within 1e-6, and exactly what the model gives on the encoded matrix",
        arguments: [("adult_xgb.json", "adult_xgb_reference.csv"), ("adult_xgb.ubj", "adult_xgb_reference.csv"),
                    ("adult_lgbm.txt", "adult_lgbm_reference.csv")])
  func codesReproduceReference(_ model: String, _ reference: String) throws {
    let bound = try Self.bound(model, spec: Self.numericSpec)
    let raw = try Self.rawAdult()
    #expect(bound.featureNames == ONNXModelTests.adultCodes)
    #expect(bound.classes == ["<=50K", ">50K"] && bound.base.classes == ["0", "1"])
    #expect(bound.numericFeatureNames == ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"])
    let ours = try bound.predict(raw)
    let expected = try TreeEnsembleReferenceTests.numbers(CSVReader.read(path: Fixtures.path("models/" + reference)), "prob_1")
    #expect(maxAbsoluteDifference(ours.storage, expected) <= 1e-6)
    // The bound table is the encoding itself, value for value.
    let encoded = try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv"))
    let table = try bound.bind(raw)
    for name in ONNXModelTests.adultCodes {
      guard case let .numeric(a) = try table.column(name), case let .numeric(b) = try encoded.column(name) else {
        Issue.record("\(name) is not numeric")
        continue
      }
      #expect(a.values == b.values, "\(name)")
    }
    #expect(Array(ours.storage) == Array(try bound.base.predict(encoded).storage))
  }

  @Test("the scikit-learn pipelines behind a spec that fills empty text with \"missing\": raw rows give onnxruntime's probabilities within 1e-5", arguments: ["adult_logreg", "adult_rf", "adult_gbdt", "adult_mlp"])
  func stringFillReproducesReference(_ name: String) throws {
    let bound = try Self.bound(name + ".onnx", spec: Self.pipelineSpec)
    let raw = try Self.rawAdult()
    #expect(try raw.column("workclass").missingCount > 0)
    let expected = try TreeEnsembleReferenceTests.numbers(CSVReader.read(path: Fixtures.path("models/\(name)_reference.csv")), "prob_1")
    #expect(maxAbsoluteDifference(try bound.predict(raw).storage, expected) <= 1e-5)
    // The empty cells reach the model as "missing", the category it was trained with (without the spec: "").
    let workclass = try raw.column("workclass"), fed = try bound.bind(raw).column("workclass")
    #expect(fed.missingCount == 0)
    #expect((0..<raw.rowCount).allSatisfy { fed.text(at: $0) == (workclass.text(at: $0) ?? "missing") })
  }

  @Test("the example specs hold to docs/schemas/model-spec.schema.json, and the schema lists exactly the keys the reader takes")
  func schemaAgrees() throws {
    let schemaData = try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/schemas/model-spec.schema.json"))
    let validator = try JSONSchemaValidator(schema: schemaData)
    for path in [Self.numericSpec, Self.pipelineSpec] {
      #expect(validator.violations(of: try ParsedJSON.parse(Data(contentsOf: URL(fileURLWithPath: path)))) == [], "\(path)")
      _ = try ModelSpec.read(path: path)
    }
    let schema = try #require(try JSONSerialization.jsonObject(with: schemaData) as? [String: Any])
    let top = try #require(schema["properties"] as? [String: Any])
    #expect(Set(top.keys) == ModelSpec.topLevelKeys)
    #expect((top["output"] as? [String: Any])?["enum"] as? [String] == ModelSpec.outputKinds)
    let input = try #require(((schema["$defs"] as? [String: Any])?["input"] as? [String: Any])?["properties"] as? [String: Any])
    #expect(Set(input.keys) == ModelSpec.inputKeys)
    #expect((input["type"] as? [String: Any])?["enum"] as? [String] == ModelSpec.InputType.allCases.map(\.rawValue))
  }

  static let badSpecs: [(String, String)] = [
    ("{\"inputs\": [{\"name\": 'a'}]}", "it is not valid JSON (line 1, column "),
    ("{\n  \"inputs\": [\n    {\"name\": \"a\"}\n    {\"name\": \"b\"}\n  ]\n}", "it is not valid JSON (line 4, column "),
    ("[1]", "it is not a JSON object"),
    ("{}", "it has no \"inputs\": the list of the model's inputs"),
    ("{\"inputs\": []}", "\"inputs\" is empty"),
    ("{\"inputs\": [{\"name\": \"a\"}], \"ouput\": \"binary\"}", "it has an unknown key 'ouput'; a spec has classes, description, inputs, output"),
    ("{\"inputs\": [{\"name\": \"a\", \"colum\": \"b\"}]}", "inputs[0] has an unknown key 'colum'"),
    ("{\"inputs\": [{\"column\": \"a\"}]}", "inputs[0] has no \"name\": the model input it feeds"),
    ("{\"inputs\": [{\"name\": \"\"}]}", "inputs[0].name must be a non-empty string, not ''"),
    ("{\"inputs\": [{\"name\": \"a\", \"type\": \"int\"}]}", "inputs[0].type must be one of number, string, category, not 'int'"),
    ("{\"inputs\": [{\"name\": \"a\", \"type\": \"category\"}]}", "inputs[0] is a \"category\" input without \"codes\""),
    ("{\"inputs\": [{\"name\": \"a\", \"codes\": {\"x\": 1}}]}", "inputs[0] has \"codes\", which only a \"category\" input takes"),
    ("{\"inputs\": [{\"name\": \"a\", \"type\": \"category\", \"codes\": {\"x\": \"one\"}}]}", "inputs[0].codes['x'] must be a number, not 'one'"),
    ("{\"inputs\": [{\"name\": \"a\", \"type\": \"category\", \"codes\": {\"x\": true}}]}", "inputs[0].codes['x'] must be a number, not true"),
    ("{\"inputs\": [{\"name\": \"a\", \"type\": \"string\", \"missing\": 0}]}", "inputs[0].missing must be text for a \"string\" input, not 0"),
    ("{\"inputs\": [{\"name\": \"a\", \"missing\": \"none\"}]}", "inputs[0].missing must be a number, not 'none'"),
    ("{\"inputs\": [{\"name\": \"a\", \"unknown\": -1}]}", "inputs[0] has \"unknown\", which only a \"category\" input takes"),
    ("{\"inputs\": [{\"name\": \"a\"}, {\"name\": \"a\", \"column\": \"b\"}]}", "inputs[1] names input 'a' a second time"),
    ("{\"inputs\": [{\"name\": \"a\"}], \"output\": \"label\"}", "\"output\" must be one of binary, multiclass, regression, labels, not 'label'"),
    ("{\"inputs\": [{\"name\": \"a\"}], \"classes\": [\"x\", \"x\"]}", "\"classes\" lists a class twice"),
    ("{\"inputs\": [{\"name\": \"a\"}], \"classes\": [null]}", "classes[0] is null, not a class label"),
  ]

  @Test("a broken spec is refused naming the place and the fault", arguments: badSpecs)
  func refusesBrokenSpec(_ text: String, _ expected: String) throws {
    do {
      _ = try ModelSpec.decode(Data(text.utf8), path: "spec.json")
      Issue.record("accepted \(text)")
    } catch let error as ModelError {
      let message = error.message(naming: \.rawValue)
      #expect(message.hasPrefix("The model spec spec.json cannot be used: "))
      #expect(message.contains(expected), "\(message)")
    }
  }

  @Test("JSON syntax errors name the line and column of the fault")
  func syntaxErrorPlace() throws {
    do {
      _ = try ModelSpec.decode(Data("{\n  \"inputs\": [\n    {\"name\": \"a\"}\n    {\"name\": \"b\"}\n  ]\n}".utf8), path: "s.json")
    } catch let ModelError.invalidModelSpec(_, reason) {
      #expect(reason == "it is not valid JSON (line 4, column 5)")
    }
  }

  /// A model that returns its inputs' first column, to see what the binding made.
  struct Echo: Model {
    let featureNames: [String]
    var outputKind: OutputKind { .regression }
    var classes: [String] { ["echo"] }
    func predict(_ table: Table) throws -> Matrix {
      var values = Matrix(rows: table.rowCount, columns: featureNames.count)
      for (j, name) in featureNames.enumerated() {
        let column = try table.column(name)
        for r in 0..<table.rowCount {
          if case let .numeric(numeric) = column { values[r, j] = numeric.values[r] } else { values[r, j] = Double(column.text(at: r)?.count ?? -1) }
        }
      }
      return values
    }
  }

  static let small = try! CSVReader.parse(Data("city,size,grade,note\nParis,2,1,ok\n,3,2,\nRome,,1,x\nParis,1,3,ok\n".utf8), source: "small.csv")

  static func echo(_ json: String, reads: [String]) throws -> SpecBoundModel {
    try SpecBoundModel(base: Echo(featureNames: reads), spec: ModelSpec.decode(Data(json.utf8), path: "s.json"), specPath: "s.json", checkingInputs: true)
  }

  @Test("category codes (text and numbers looked up by their text), fills, renamed columns, pass-through by name")
  func conversions() throws {
    let model = try Self.echo("""
      {"inputs": [{"name": "city_code", "column": "city", "type": "category", "codes": {"Paris": 0, "Rome": 1}, "missing": -9},
                  {"name": "size", "missing": 0},
                  {"name": "grade_code", "column": "grade", "type": "category", "codes": {"1": 10, "2": 20}, "unknown": 99},
                  {"name": "note_text", "column": "note", "type": "string", "missing": "none"},
                  {"name": "grade_text", "column": "grade", "type": "string"}]}
      """, reads: ["city_code", "size", "grade_code", "note_text", "grade_text"])
    #expect(model.featureNames == ["city", "size", "grade", "note"])
    #expect(model.numericFeatureNames == ["size"])
    let out = try model.predict(Self.small)
    #expect(Array(out.storage) == [0, 2, 10, 2, 1,
                                   -9, 3, 20, 4, 1,
                                   1, 0, 10, 1, 1,
                                   0, 1, 99, 2, 1])
    // An input the spec does not name binds by name.
    let partial = try Self.echo(#"{"inputs": [{"name": "size", "missing": 7}]}"#, reads: ["size", "grade"])
    #expect(partial.featureNames == ["size", "grade"])
    #expect(Array(try partial.predict(Self.small).storage) == [2, 1, 3, 2, 7, 1, 1, 3])
  }

  @Test("what the data cannot feed is named: a category the codes lack (row and value), a column the data lacks, text in a number input, an input the model does not read")
  func refusals() throws {
    let noUnknown = try Self.echo(#"{"inputs": [{"name": "c", "column": "city", "type": "category", "codes": {"Paris": 0}}]}"#, reads: ["c"])
    #expect(throws: ModelError.unknownSpecCategory(spec: "s.json", input: "c", column: "city", row: 3, value: "Rome", known: ["Paris"], file: "small.csv")) {
      try noUnknown.predict(Self.small)
    }
    #expect(ModelError.unknownSpecCategory(spec: "s.json", input: "c", column: "city", row: 3, value: "Rome", known: ["Paris"], file: "small.csv")
      .message(naming: \.rawValue)
      == "small.csv, data row 3, column 'city': 'Rome' is not among the categories the model spec s.json codes for input 'c' (Paris). Add it to \"codes\", or give \"unknown\" a code.")
    let elsewhere = try Self.echo(#"{"inputs": [{"name": "c", "column": "town"}]}"#, reads: ["c"])
    #expect(throws: ModelError.unboundSpecColumn(spec: "s.json", input: "c", column: "town", available: ["city", "size", "grade", "note"], file: "small.csv")) {
      try elsewhere.predict(Self.small)
    }
    let textual = try Self.echo(#"{"inputs": [{"name": "c", "column": "city"}]}"#, reads: ["c"])
    #expect(throws: TableError.textInNumericFeature(file: "small.csv", column: "city", row: 1, value: "Paris")) {
      try textual.predict(Self.small)
    }
    #expect(throws: ModelError.invalidModelSpec(path: "s.json", reason: "inputs[1] names 'z', which the model does not read; it reads a, b")) {
      try Self.echo(#"{"inputs": [{"name": "a"}, {"name": "z"}]}"#, reads: ["a", "b"])
    }
  }
}

/// A threshold policy file's pinned digests must be SHA-256 digests, so a damaged one is named, not compared.
@Suite struct ThresholdPolicyFileTests {
  @Test("a policy whose base digest is not 64 hex digits is refused naming the field")
  func badDigest() throws {
    let rule = GroupThresholdPolicy.Rule(p0: 1, threshold0: 0.5, p1: 0, threshold1: 0.5)
    let file = ThresholdPolicyFile(target: "y", classes: ["0", "1"],
                                   base: .init(path: "m.json", sha256: "bd29f548\u{1B}[2J", format: "an XGBoost model (JSON)", modelFeatures: nil, modelSpec: nil),
                                   policy: GroupThresholdPolicy(sensitiveFeatures: ["sex"], rules: ["Male": rule]))
    #expect(throws: ModelError.unreadableModel(path: "p.json", format: .thresholdPolicy, reason: "base.sha256 is 'bd29f548\\u{1b}[2J', not a SHA-256 digest (64 hex digits)")) {
      try ThresholdPolicyFile.decode(file.encoded(), path: "p.json")
    }
  }

  @Test("the base's recorded path is relative to the policy's folder as the file system resolves both: through a symbolic link, '..' is the link target's parent")
  func relativePathThroughLink() throws {
    let root = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: root) }
    let fm = FileManager.default
    try fm.createDirectory(at: root.appendingPathComponent("real/models"), withIntermediateDirectories: true)
    try fm.createDirectory(at: root.appendingPathComponent("out"), withIntermediateDirectories: true)
    try Data("m".utf8).write(to: root.appendingPathComponent("real/models/m.json"))
    try fm.createSymbolicLink(atPath: root.appendingPathComponent("out/link").path, withDestinationPath: root.appendingPathComponent("real/models").path)
    // out/link/../m.json is not out/m.json: the link's parent is real/.
    let base = root.appendingPathComponent("out/link/m.json").path
    let relative = ThresholdPolicyFile.relativePath(of: base, from: root.appendingPathComponent("out").path)
    #expect(relative == "../real/models/m.json")
    #expect(ThresholdPolicyFile.relativePath(of: root.appendingPathComponent("real/models/m.json").path, from: root.appendingPathComponent("out/link").path) == "m.json")
    #expect(ThresholdPolicyFile.resolve(relative, besides: root.appendingPathComponent("out/p.json").path)
      == ThresholdPolicyFile.canonicalComponents(base).reduce("") { $0 + "/" + $1 })
    // Paths that do not exist are resolved textually.
    #expect(ThresholdPolicyFile.relativePath(of: "/a/b/c/m.json", from: "/a/x/y") == "../../b/c/m.json")
  }
}
