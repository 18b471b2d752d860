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

  @Option(name: .customLong("model-output"), help: "With --model-cmd or --model-url: what each row's answer holds: binary (P of the positive class; the default), multiclass (one probability per class) or regression.")
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
    if blackBox && modelFeatures.isEmpty {
      throw ValidationError("\(modelCommand != nil ? "--model-cmd" : "--model-url") needs --model-features: the columns the model reads, in the order it reads them.")
    }
  }

  /// The model, or nil when none was given.
  func loadIfGiven() throws -> LoadedModel? {
    if let modelCommand { return try commandModel(modelCommand) }
    if let modelURL {
      let (output, options) = try blackBoxDeclarations()
      let model = try EndpointModel(url: modelURL, headers: header, features: commaSeparated(modelFeatures), output: output, options: options)
      StartedModels.shared.add(endpoint: model)
      return LoadedModel(model: model, format: .modelEndpoint, file: nil, path: model.shownURL)
    }
    guard let model else { return nil }
    let loaded = try ModelLoader.loadModel(path: model, inputColumns: modelFeatures.isEmpty ? nil : commaSeparated(modelFeatures))
    if !modelFeatures.isEmpty && loaded.format != .onnx {
      throw ValidationError("--model-features with --model is for an ONNX model with one [N, k] input; \(model) is \(loaded.format), which binds its features by name.")
    }
    return loaded
  }

  /// The model of a command that needs one.
  func load() throws -> LoadedModel {
    guard let model = try loadIfGiven() else { throw ValidationError("Give the model with --model or --model-cmd.") }
    return model
  }

  func commandModel(_ command: String) throws -> LoadedModel {
    let (output, options) = try blackBoxDeclarations()
    let model = try CommandModel(command: command, features: commaSeparated(modelFeatures), output: output, options: options)
    StartedModels.shared.add(model)
    return LoadedModel(model: model, format: .modelCommand, file: nil, path: command)
  }

  /// What a black box answers and how it is called, from the flags.
  func blackBoxDeclarations() throws -> (BlackBoxOutput, BatchingOptions) {
    let kind = modelOutput ?? .binary
    let classes = modelClasses.map { commaSeparated([$0]) } ?? (kind == .regression ? ["prediction"] : ["0", "1"])
    switch kind {
    case .binary where classes.count != 2:
      throw FlagError(.modelClasses, value: modelClasses ?? "", .because("a binary model has two classes, the positive one last"))
    case .multiclass where classes.count < 3:
      throw FlagError(.modelClasses, value: modelClasses ?? "0,1", .because("a multiclass model has three classes or more (two: --model-output binary)"))
    default: break
    }
    if Set(classes).count != classes.count {
      throw FlagError(.modelClasses, value: modelClasses ?? "", .because("the classes must differ from one another"))
    }
    var options = BatchingOptions()
    if let batchSize { options.batchSize = batchSize }
    if let concurrency { options.concurrency = concurrency }
    if let modelTimeout { options.timeout = modelTimeout }
    return (BlackBoxOutput(kind: kind.outputKind, classes: classes), options)
  }
}

/// What a black box's lines hold, as the flag names it.
enum BlackBoxKind: String, ExpressibleByArgument, CaseIterable {
  case binary, multiclass, regression

  var outputKind: OutputKind {
    switch self {
    case .binary: .binaryProbability
    case .multiclass: .multiclassProbabilities
    case .regression: .regression
    }
  }
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
