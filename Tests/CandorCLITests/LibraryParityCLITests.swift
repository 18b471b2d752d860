import CandorCore
import CandorExplain
import CandorFairness
import CandorModels
import CandorPrivacy
import CandorTestSupport
import Foundation
import Testing

/// Every analysis is one library call: a request built in code gives byte for byte the JSON the command
/// writes, and every command's JSON (and model file) passes its schema in docs/schemas.
@Suite struct LibraryParityCLITests {
  static let data = "samples/german_credit.csv"

  static func schema(_ name: String) throws -> JSONSchemaValidator {
    try JSONSchemaValidator(schema: Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("docs/schemas/\(name)")))
  }

  /// Runs the command (which must succeed) and returns the JSON it wrote to `output`.
  static func run(_ arguments: [String], output: URL) throws -> Data {
    let result = try CandorBinary.run(arguments)
    #expect(result.exitCode == 0, "\(result.standardError)")
    return try Data(contentsOf: output)
  }

  static func expectValid(_ data: Data, _ schema: String) throws {
    let violations = try Self.schema(schema).violations(of: ParsedJSON.parse(data))
    #expect(violations.isEmpty, "\(violations.prefix(5))")
  }

  static func setUp() throws -> (directory: URL, modelPath: String, model: BuiltinModel, table: Table) {
    let directory = try temporaryDirectory()
    let modelPath = try ExplainCLITests.trainedModel(directory)
    let model = try ModelLoader.load(path: modelPath).model
    return (directory, modelPath, model, try CSVReader.read(path: Fixtures.repositoryRoot.appendingPathComponent(data).path))
  }

  @Test("fairness: FairnessAssessment.run gives the command's JSON, which passes fairness.schema.json")
  func fairness() throws {
    let (directory, modelPath, model, table) = try Self.setUp()
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("f.json")
    let cli = try Self.run(["fairness", "--model", modelPath, "--data", Self.data, "--target", "risk", "--positive", "1",
                            "--sensitive", "sex", "--sensitive", "sex,housing", "--privileged", "sex=male", "--bootstrap", "20",
                            "--seed", "3", "--json", out.path], output: out)
    var request = FairnessRequest(targetColumn: "risk", outcome: .model(threshold: 0.5), sensitiveSets: [["sex"], ["sex", "housing"]])
    request.positive = "1"
    request.configuration.privilegedSplits = [PrivilegedSplit(parsing: "sex=male")!]
    request.configuration.bootstrapReplicates = 20
    request.configuration.seed = 3
    let library = try FairnessAssessment.run(request, data: table, model: model.model)
    #expect(try library.report.jsonData() == cli)
    try Self.expectValid(cli, "fairness.schema.json")
  }

  @Test("explain: each method's library call gives the command's JSON, which passes explain.schema.json")
  func explain() throws {
    let (directory, modelPath, model, table) = try Self.setUp()
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("e.json")
    let base = ["explain", "--model", modelPath, "--data", Self.data, "--json", out.path, "--seed", "4"]

    let permutationCLI = try Self.run(base + ["--method", "permutation", "--target", "risk", "--scorer", "roc_auc", "--repeats", "3",
                                              "--group", "money=credit_amount,duration"], output: out)
    var permutation = PermutationImportanceRequest(targetColumn: "risk")
    permutation.scorer = .rocAUC
    permutation.repeats = 3
    permutation.players = PlayerSelection(groups: [FeatureGroup(name: "money", columns: ["credit_amount", "duration"])])
    permutation.seed = 4
    #expect(try PermutationImportance.run(permutation, model: model.model, data: table).jsonData() == permutationCLI)
    try Self.expectValid(permutationCLI, "explain.schema.json")

    let shapCLI = try Self.run(base + ["--method", "kernelshap", "--background", "40", "--rows", "2:6", "--nsamples", "300",
                                       "--link", "logit"], output: out)
    var shap = KernelSHAPRequest(rows: [2, 3, 4, 5])
    shap.background = .sample(rows: 40)
    shap.configuration.nsamples = 300
    shap.configuration.link = .logit
    shap.configuration.seed = 4
    #expect(try KernelSHAP.run(shap, model: model.model, data: table).jsonData() == shapCLI)
    try Self.expectValid(shapCLI, "explain.schema.json")
    #expect(try ParsedJSON.parse(shapCLI)["seed"] == .number(4, isInteger: true))

    let pdpCLI = try Self.run(base + ["--method", "pdp", "--features", "age,housing", "--ice", "--grid-resolution", "7"], output: out)
    var pdp = FeatureEffectsRequest(method: .pdp)
    pdp.players = PlayerSelection(features: ["age", "housing"])
    pdp.gridResolution = 7
    pdp.ice = true
    #expect(try FeatureEffects.run(pdp, model: model.model, data: table).jsonData() == pdpCLI)
    try Self.expectValid(pdpCLI, "explain.schema.json")

    let aleCLI = try Self.run(base + ["--method", "ale", "--features", "age,duration"], output: out)
    var ale = FeatureEffectsRequest(method: .ale)
    ale.players = PlayerSelection(features: ["age", "duration"])
    #expect(try FeatureEffects.run(ale, model: model.model, data: table).jsonData() == aleCLI)
    try Self.expectValid(aleCLI, "explain.schema.json")
  }

  @Test("mitigate: Reweighing.run and ThresholdMitigation.run give the commands' JSON and model files, which pass their schemas")
  func mitigate() throws {
    let (directory, modelPath, model, table) = try Self.setUp()
    defer { try? FileManager.default.removeItem(at: directory) }
    let out = directory.appendingPathComponent("mitigation.json"), retrained = directory.appendingPathComponent("r.json")
    let reweighCLI = try Self.run(["mitigate", "reweigh", "--data", Self.data, "--target", "risk", "--positive", "1", "--sensitive", "sex",
                                   "--retrain-out", retrained.path, "--eval-data", Self.data, "--json", out.path], output: out)
    var reweigh = ReweighingRequest(targetColumn: "risk", sensitiveFeatures: ["sex"])
    reweigh.positive = "1"
    reweigh.retraining = .init(spec: TrainingSpec(target: "risk", positive: "1"), options: TrainingOptions())
    let reweighing = try Reweighing.run(reweigh, data: table, evaluationData: table)
    #expect(try reweighing.report.jsonData() == reweighCLI)
    let (retrainedModel, summary) = try #require(reweighing.retrained)
    #expect(try ModelFile(model: retrainedModel, target: "risk", training: summary).encoded() == Data(contentsOf: retrained))
    try Self.expectValid(reweighCLI, "mitigation.schema.json")
    try Self.expectValid(Data(contentsOf: retrained), "candor-model.schema.json")

    let policyPath = directory.appendingPathComponent("p.json")
    let thresholdCLI = try Self.run(["mitigate", "threshold", "--model", modelPath, "--data", Self.data, "--target", "risk",
                                     "--sensitive", "sex", "--constraint", "demographic_parity", "--sweep", "--eval-data", Self.data,
                                     "--out", policyPath.path, "--json", out.path], output: out)
    var threshold = ThresholdRequest(targetColumn: "risk", sensitiveFeatures: ["sex"], constraint: .demographicParity)
    threshold.sweepTolerances = ThresholdRequest.defaultSweepTolerances
    let analysis = try ThresholdMitigation.run(threshold, fitData: table, evaluationData: table, model: try ModelLoader.loadModel(path: modelPath))
    #expect(try analysis.result.jsonData() == thresholdCLI)
    let policy = try #require(analysis.thresholdedModel)
    #expect(try ModelFile(model: policy, target: "risk", training: nil).encoded() == Data(contentsOf: policyPath))
    try Self.expectValid(thresholdCLI, "mitigation.schema.json")
    try Self.expectValid(Data(contentsOf: policyPath), "candor-model.schema.json")
  }

  @Test("dp-train: a seeded PrivateTrainingRequest gives the command's model file and JSON; the model passes candor-model.schema.json")
  func privateTraining() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("m.json"), out = directory.appendingPathComponent("r.json")
    let cli = try Self.run(["dp-train", "--data", Self.data, "--target", "risk", "--positive", "1", "--model-type", "mlp", "--hidden", "6",
                            "--optimizer", "adam", "--learning-rate", "0.01", "--batch-size", "50", "--epochs", "3", "--epsilon", "4",
                            "--delta", "1e-4", "--insecure-seed", "7", "--out", model.path, "--json", out.path], output: out)
    let table = try CSVReader.read(path: Fixtures.repositoryRoot.appendingPathComponent(Self.data).path)
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "risk", positive: "1"), classification: true)
    var request = PrivateTrainingRequest(data: data, noise: .targetEpsilon(4), delta: 1e-4, preprocessing:
      "fitted on the private training data (means, scales, categories): NOT covered by the privacy guarantee; declare them with --feature-spec")
    request.architecture = .mlp(hiddenLayers: [6])
    request.settings.optimizer = .adam(learningRate: 0.01)
    request.settings.expectedBatchSize = 50
    request.settings.epochs = 3
    request.randomness = .insecureSeed(7)
    let plan = try request.plan()
    let result = try request.run(plan)
    let score = try ClassificationScore.of(result.model.model, classes: ["not 1", "1"], positive: "1", on: table, target: "risk")
    #expect(try result.modelFile(target: "risk", data: data, score: score).encoded() == Data(contentsOf: model))
    let report = PrivateTrainingReport(request: request, plan: plan, result: result, trainAccuracy: score.accuracy, testAccuracy: nil, ledger: nil)
    #expect(try report.jsonData() == cli)
    try Self.expectValid(Data(contentsOf: model), "candor-model.schema.json")
  }
}

@Suite struct JSONSchemaValidatorTests {
  @Test("the validator finds a wrong type, a missing key, an unknown key and a value outside an enum")
  func findsViolations() throws {
    let schema = Data(#"{"type": "object", "required": ["a", "b"], "additionalProperties": false, "properties": {"a": {"type": "integer"}, "b": {}, "c": {"enum": ["x"]}}}"#.utf8)
    let validator = try JSONSchemaValidator(schema: schema)
    #expect(validator.violations(of: try ParsedJSON.parse(Data(#"{"a": 1.5, "c": "y", "d": 0}"#.utf8))) == [
      "$: the required key 'b' is missing", "$.a: a number where the schema wants integer",
      "$.c: the value is not one of the allowed values", "$: the key 'd' is not in the schema",
    ])
    #expect(validator.violations(of: try ParsedJSON.parse(Data(#"{"a": 2, "b": null}"#.utf8))).isEmpty)
  }
}
