import ArgumentParser
import CandorCore
import CandorModels
import Foundation

/// Where a command's model comes from; one declaration for every command that takes a model.
struct ModelOptions: ParsableArguments {
  @Option(help: "Model file: a candor-model (JSON), an ONNX model, an XGBoost model (JSON or UBJSON, Booster.save_model) or a LightGBM text model.")
  var model: String?

  @Option(name: .customLong("model-cmd"),
          help: "A model behind a command: it reads CSV on stdin (a header of --model-features, then rows) and writes one line per row (see the README).")
  var modelCommand: String?

  @Option(name: .customLong("model-url"),
          help: "A model behind an HTTP endpoint speaking MLflow's scoring protocol: POST URL (/invocations included) with dataframe_split JSON.")
  var modelURL: String?

  @Option(help: ArgumentHelp("With --model-url: a header to send, e.g. 'Authorization: Bearer …' (never shown in messages). Repeatable.", valueName: "'Name: value'"))
  var header: [String] = []

  @Option(name: .customLong("model-features"), help: ArgumentHelp("With --model-cmd or --model-url: the columns the model reads, in its order; with an ONNX --model whose one input is [N, k]: the k columns that feed it.", valueName: "a,b"))
  var modelFeatures: [String] = []

  @Option(name: .customLong("model-spec"), help: ArgumentHelp("A JSON file saying how the data feeds the model: per model input, its data column, type (number, string, category), category codes and the fill for a missing cell (schema: docs/schemas/model-spec.schema.json). Analyses then speak in the data's columns.", valueName: "SPEC.json"))
  var modelSpec: String?

  @Option(name: .customLong("model-output"), help: "With --model-cmd or --model-url: what each row's answer holds: binary (P of the positive class; the default), multiclass (one probability per class), regression, or labels (the class label only: fairness works, analyses that need scores refuse).")
  var modelOutput: BlackBoxKind?

  @Option(name: .customLong("model-classes"), help: ArgumentHelp("With --model-cmd or --model-url: the classes, the positive one last for binary (default 0,1).", valueName: "a,b"))
  var modelClasses: String?

  @Option(name: .customLong("batch-size"), help: "With --model-cmd or --model-url: rows per call (default 1000).")
  var batchSize: Int?

  @Option(help: "With --model-cmd or --model-url: calls in flight at once (a process each for a command; default 1).")
  var concurrency: Int?

  @Option(name: .customLong("model-timeout"), help: "With --model-cmd or --model-url: seconds one call may take (default 60).")
  var modelTimeout: Double?

  var isGiven: Bool { model != nil || modelCommand != nil || modelURL != nil }

  func validate() throws {
    if [model != nil, modelCommand != nil, modelURL != nil].filter({ $0 }).count > 1 {
      throw ValidationError("Give the model with one of --model, --model-cmd and --model-url.")
    }
    let blackBox = modelCommand != nil || modelURL != nil
    try refuseUnused([("--model-output", modelOutput != nil),
                      ("--model-classes", modelClasses != nil), ("--batch-size", batchSize != nil), ("--concurrency", concurrency != nil),
                      ("--model-timeout", modelTimeout != nil)],
                     unless: blackBox, here: "with a model file", scope: "to a model behind a command or an endpoint (--model-cmd, --model-url)")
    try refuseUnused([("--header", !header.isEmpty)], unless: modelURL != nil, here: "without --model-url", scope: "to --model-url")
    try refuseUnused([("--model-spec", modelSpec != nil)], unless: isGiven, here: "without a model", scope: "to a model (--model, --model-cmd, --model-url)")
    for listed in modelFeatures where listed.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) {
      throw ValidationError("--model-features '\(printable(listed))' holds an empty column name; list the columns the model reads, separated by commas.")
    }
    if blackBox && modelFeatures.isEmpty && modelSpec == nil {
      throw ValidationError("\(modelCommand != nil ? "--model-cmd" : "--model-url") needs --model-features (the columns the model reads, in the order it reads them) or --model-spec.")
    }
    if blackBox && !modelFeatures.isEmpty && modelSpec != nil {
      throw ValidationError("Give the columns a model behind \(modelCommand != nil ? "--model-cmd" : "--model-url") reads once: with --model-features or as the inputs of --model-spec, not both.")
    }
  }

  /// The spec file's contents and digest, when one is given.
  func readSpec() throws -> (spec: ModelSpec, sha256: String)? {
    guard let modelSpec else { return nil }
    let data = try InputFile.read(modelSpec)
    return (try ModelSpec.decode(data, path: modelSpec), SHA256.hex(data))
  }

  /// The model, or nil when none was given; behind its spec when `--model-spec` is given.
  func loadIfGiven() throws -> LoadedModel? {
    let read = try readSpec()
    guard var loaded = try loadBase(spec: read?.spec) else { return nil }
    if let (spec, digest) = read, let modelSpec {
      if loaded.format == .thresholdPolicy {
        throw ValidationError("--model-spec with a threshold policy: \(loaded.path) already names the spec its base model is bound with.")
      }
      loaded.model = try SpecBoundModel(base: loaded.model, spec: spec, specPath: modelSpec, checkingInputs: model != nil)
      loaded.spec = ThresholdPolicyFile.Pinned(path: modelSpec, sha256: digest)
    }
    return loaded
  }

  private func loadBase(spec: ModelSpec?) throws -> LoadedModel? {
    if let modelCommand { return try commandModel(modelCommand, spec: spec) }
    if let modelURL {
      let (output, options) = try blackBoxDeclarations(spec: spec)
      let model = try EndpointModel(url: modelURL, headers: header, features: blackBoxFeatures(spec), output: output, options: options)
      StartedModels.shared.add(endpoint: model)
      return LoadedModel(model: model, format: .modelEndpoint, file: nil, path: model.shownURL)
    }
    guard let model else { return nil }
    if let spec, let modelSpec, spec.output != nil {
      throw ModelError.invalidModelSpec(path: modelSpec, reason: "it declares \"output\", which only a model behind --model-cmd or --model-url takes; \(model) says what it predicts")
    }
    let loaded = try ModelLoader.loadModel(path: model, inputColumns: modelFeatures.isEmpty ? nil : commaSeparated(modelFeatures))
    if !modelFeatures.isEmpty && loaded.format != .onnx {
      throw ValidationError("--model-features with --model is for an ONNX model with one [N, k] input; \(model) is \(loaded.format), which binds its features by name.")
    }
    return loaded
  }

  /// The columns a black box is sent: `--model-features`, or the spec's inputs.
  private func blackBoxFeatures(_ spec: ModelSpec?) -> [String] {
    spec.map { $0.inputs.map(\.name) } ?? commaSeparated(modelFeatures)
  }

  /// The model of a command that needs one.
  func load() throws -> LoadedModel {
    guard let model = try loadIfGiven() else { throw ValidationError("Give the model with --model or --model-cmd.") }
    return model
  }

  func commandModel(_ command: String, spec: ModelSpec?) throws -> LoadedModel {
    let (output, options) = try blackBoxDeclarations(spec: spec)
    let model = try CommandModel(command: command, features: blackBoxFeatures(spec), output: output, options: options)
    StartedModels.shared.add(model)
    return LoadedModel(model: model, format: .modelCommand, file: nil, path: command)
  }

  /// What a black box answers and how it is called, from the flags.
  func blackBoxDeclarations(spec: ModelSpec? = nil) throws -> (BlackBoxOutput, BatchingOptions) {
    if let modelSpec, let spec {
      if modelOutput != nil && spec.output != nil {
        throw ValidationError("What the model answers is given twice: with --model-output and as \"output\" in \(modelSpec). Give it once.")
      }
      if modelClasses != nil && spec.classes != nil {
        throw ValidationError("The model's classes are given twice: with --model-classes and as \"classes\" in \(modelSpec). Give them once.")
      }
    }
    let kind = modelOutput ?? spec?.output.flatMap(BlackBoxKind.init(rawValue:)) ?? .binary
    let given = modelClasses.map { commaSeparated([$0]) } ?? spec?.classes
    let output: BlackBoxOutput
    switch BlackBoxOutput.declared(kind: kind.rawValue, classes: given) {
    case let .success(declared): output = declared
    case let .failure(problem):
      if modelClasses == nil, spec?.classes != nil, let modelSpec {
        throw ModelError.invalidModelSpec(path: modelSpec, reason: "its \"classes\" do not fit: \(problem.reason)")
      }
      throw FlagError(.modelClasses, value: modelClasses ?? problem.classes.joined(separator: ","), .because(problem.reason.replacingOccurrences(of: "(two: binary)", with: "(two: --model-output binary)")))
    }
    var options = BatchingOptions()
    if let batchSize { options.batchSize = batchSize }
    if let concurrency { options.concurrency = concurrency }
    if let modelTimeout { options.timeout = modelTimeout }
    return (output, options)
  }
}

/// What a black box's lines hold, as the flag names it (`BlackBoxOutput.declared` reads the name).
enum BlackBoxKind: String, ExpressibleByArgument, CaseIterable {
  case binary, multiclass, regression, labels
}

/// The models behind commands this run started: `Candor.main` ends them (every child reaped) and reports their
/// rate when the run spent long in them.
final class StartedModels: @unchecked Sendable {
  static let shared = StartedModels()
  private let lock = NSLock()
  private var models: [CommandModel] = []
  private var endpoints: [EndpointModel] = []

  func add(_ model: CommandModel) { lock.withLock { models.append(model) } }
  func add(endpoint: EndpointModel) { lock.withLock { endpoints.append(endpoint) } }

  /// Ends every child process; for a model that took a second or more, says how fast it answered.
  func shutDown() {
    for model in lock.withLock({ models }) {
      model.shutDown()
      let (rows, calls, seconds) = model.callSummary
      if seconds >= 1 {
        warn("the model command answered \(rows) rows in \(calls) calls in \(String(format: "%.1f", seconds)) s (\(Int(Double(rows) / seconds)) rows/s).")
      }
    }
    for endpoint in lock.withLock({ endpoints }) {
      let (rows, calls, seconds) = endpoint.callSummary
      if seconds >= 1 {
        warn("the model endpoint answered \(rows) rows in \(calls) requests in \(String(format: "%.1f", seconds)) s (\(Int(Double(rows) / seconds)) rows/s).")
      }
    }
  }
}
