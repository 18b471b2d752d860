import ArgumentParser
import CandorCore
import CandorModels
import CandorReport
import Foundation

struct CompareModels: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare-models",
    abstract: "Score two models on the same rows: how far apart, which decisions differ, and where tree paths part.",
    discussion: """
      Typically a native XGBoost or LightGBM model and its ONNX export. Outputs are compared by position (P of the \
      positive class for binary models, each class's probability, or the value); decisions are each model's own \
      (probability above 0.5, the most probable class). When both are tree ensembles (XGBoost, LightGBM, an ONNX \
      graph with one tree ensemble node), the rows whose decision differs — or, if none, those beyond --tolerance — \
      are walked down both: the first tree and node where their paths part, each model's threshold and rule, and \
      the cause (threshold, missing value, comparison, input, tree shape).
      """)

  @Argument(help: "Model A: any model file --model takes.")
  var modelA: String

  @Argument(help: "Model B.")
  var modelB: String

  @OptionGroup var dataOptions: DataOptions

  @Option(name: .customLong("features-a"), help: ArgumentHelp("For an ONNX model A with one [N, k] input: the k columns that feed it.", valueName: "a,b"))
  var featuresA: [String] = []

  @Option(name: .customLong("features-b"), help: ArgumentHelp("The same for model B.", valueName: "a,b"))
  var featuresB: [String] = []

  @Option(name: .customLong("spec-a"), help: ArgumentHelp("A --model-spec for model A.", valueName: "SPEC.json"))
  var specA: String?

  @Option(name: .customLong("spec-b"), help: ArgumentHelp("A --model-spec for model B.", valueName: "SPEC.json"))
  var specB: String?

  @Option(help: "Outputs further apart than this count as different (default 1e-6).")
  var tolerance: Double = 1e-6

  @OptionGroup var outputs: ReportOutputs

  func validate() throws {
    guard tolerance >= 0 && tolerance.isFinite else { throw ValidationError("--tolerance must be a number of at least 0.") }
  }

  var inputFiles: [(Setting, String?)] { [(.model, modelA), (.model, modelB), (.data, dataOptions.data), (.specA, specA), (.specB, specB)] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func load(_ path: String, features: [String], spec: String?) throws -> ModelComparison.Input {
    let columns = features.isEmpty ? nil : commaSeparated(features)
    let loaded = try ModelLoader.loadModel(path: path, inputColumns: columns)
    if columns != nil && loaded.format != .onnx {
      throw ValidationError("Listing columns for \(path) is for an ONNX model with one [N, k] input; it is \(loaded.format), which binds its features by name.")
    }
    var model = loaded.model
    var trees = (model as? ONNXModel)?.treeNode ?? model.treeEnsembleView
    if let spec {
      let bound = try SpecBoundModel(base: model, spec: ModelSpec.read(path: spec), specPath: spec, checkingInputs: true)
      model = bound
      trees = bound.treeEnsembleView
    }
    return ModelComparison.Input(model: model, path: path, format: loaded.format, sha256: loaded.sha256, trees: trees)
  }

  func run() throws {
    let files = try outputTransaction()
    let a = try load(modelA, features: featuresA, spec: specA), b = try load(modelB, features: featuresB, spec: specB)
    let table = try dataOptions.reading.read(dataOptions.data, numericColumns: Array(Set(a.model.numericFeatureNames + b.model.numericFeatureNames)).sorted())
    let comparison = try ModelComparison.compare(a, b, table: table, tolerance: tolerance)
    try outputs.write(into: files, json: { try comparison.jsonData() }, html: { ModelComparisonPage.html(comparison, source: dataOptions.data) })
    try files.commit()
    print(ModelComparisonPage.text(comparison))
  }
}
