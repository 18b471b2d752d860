import CandorCore

/// Everything that can be wrong when training, loading or running a model.
public enum ModelError: CandorError, Equatable {
  case singleClass(target: String, value: String, file: String?)
  case positiveNotFound(target: String, value: String, seen: [String], file: String?)
  case missingTarget(target: String, row: Int, file: String?)
  case targetNotNumeric(target: String, example: String, file: String?)
  case invalidWeight(column: String, row: Int, value: String, file: String?)
  case noFeatures
  case targetIsFeature(String)
  case invalidSetting(InvalidSetting)
  case notAModelFile(path: String, reason: String)
  case unsupportedFormat(path: String, format: ModelFormat)
  case unsupportedVersion(path: String, version: Int, supported: Int)
  case invalidModel(path: String, reason: String)
  /// A file of another library's format that cannot be read, and why.
  case unreadableModel(path: String, format: ModelFormat, reason: String)
  case solverFailed(reason: String)
  case unknownGroup(group: String, features: [String], known: [String])
  /// A model behind a command failed: which rows (0-based, inclusive; nil before any), why, its last stderr lines.
  case modelCommandFailed(command: String, rows: ClosedRange<Int>?, reason: String, stderr: String)
  /// A model behind an HTTP endpoint failed on these rows (0-based, inclusive), and why.
  case modelEndpointFailed(url: String, rows: ClosedRange<Int>, reason: String)
  /// An ONNX graph input whose column the data lacks.
  case unboundModelInput(path: String, input: String, column: String, available: [String], file: String?)
  /// A node of an ONNX graph failed on these rows (0-based, inclusive).
  case modelGraphFailed(path: String, node: String, opType: String, rows: ClosedRange<Int>, reason: String)
  /// A file a threshold policy pins (its base model, its spec) whose bytes are no longer those it was fitted on.
  case changedBase(policy: String, what: String, file: String, recorded: String, found: String)
  /// Two models `compare-models` cannot compare output by output.
  case incomparableModels(reason: String)
  /// A `--model-spec` file that cannot be used, and why.
  case invalidModelSpec(path: String, reason: String)
  /// A `--feature-spec` file that is not a declared encoder.
  case invalidFeatureSpec(path: String, reason: String)
  /// A data column a spec input comes from that the data lacks.
  case unboundSpecColumn(spec: String, input: String, column: String, available: [String], file: String?)
  /// A category a spec's codes do not list (`row` 1-based).
  case unknownSpecCategory(spec: String, input: String, column: String, row: Int, value: String, known: [String], file: String?)
  /// A classification target with more classes than a classifier is trained on without asking.
  case tooManyClasses(target: String, count: Int, limit: Int, isNumeric: Bool, file: String?)

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .singleClass(target, value, file):
      "\(file.map { "\($0): " } ?? "")the target column '\(printable(target))' has only one class ('\(printable(value))'). A classifier needs at least two."
    case let .positiveNotFound(target, value, seen, file):
      "\(file.map { "\($0): " } ?? "")the positive label '\(printable(value))' never occurs in column '\(printable(target))'. Its values are: \(seen.map { printable($0) }.joined(separator: ", "))."
    case let .missingTarget(target, row, file):
      "\(file.map { "\($0), " } ?? "")data row \(row): the target '\(printable(target))' is missing. Every training row needs a target value."
    case let .targetNotNumeric(target, example, file):
      "\(file.map { "\($0): " } ?? "")the target '\(printable(target))' holds text such as '\(printable(example))', so it cannot be a regression target. Use a classifier (\(name(.modelType)) logistic or mlp)."
    case let .invalidWeight(column, row, value, file):
      "\(file.map { "\($0), " } ?? "")data row \(row), column '\(printable(column))': weight '\(printable(value))' is not a non-negative number."
    case .noFeatures:
      "No features are left to train on: check \(name(.features)) and \(name(.drop))."
    case let .targetIsFeature(target):
      "The target '\(printable(target))' is also listed as a feature. Remove it from \(name(.features))."
    case let .invalidSetting(invalid):
      invalid.message(naming: name)
    case let .notAModelFile(path, reason):
      "\(path) is not a model file Candor can read: \(reason)."
    case let .unsupportedFormat(path, .pythonPickle):
      "\(path) is a Python pickle (pickle or joblib), which candor never loads: unpickling runs code. Export the model instead: "
        + "a scikit-learn model with skl2onnx, an XGBoost or LightGBM model with Booster.save_model, or serve it with --model-cmd."
    case let .unsupportedFormat(path, format):
      "\(path) is \(format), which this version of candor cannot load yet."
    case let .unsupportedVersion(path, version, supported):
      "\(path) is a candor-model of version \(version); this candor reads version \(supported). Retrain or upgrade candor."
    case let .invalidModel(path, reason):
      "\(path) is a broken candor-model file: \(reason)."
    case let .unreadableModel(path, format, reason):
      "\(path) looks like \(format), but candor cannot read it: \(reason)."
    case let .solverFailed(reason):
      "Training failed: \(reason)."
    case let .tooManyClasses(target, count, limit, isNumeric, file):
      "\(file.map { "\($0): " } ?? "")the target '\(printable(target))' has \(count) classes, more than the \(limit) a classifier is trained on "
        + "unless \(name(.allowManyClasses)) is given."
        + (isNumeric ? " It is numeric: to predict it as a number, use \(name(.modelType)) linear." : "")
    case let .modelCommandFailed(command, rows, reason, stderr):
      "The model command '\(printable(command, limit: 300))' failed" + (rows.map { " on data rows \($0.lowerBound + 1) to \($0.upperBound + 1)" } ?? "") + ": \(reason)."
        + (stderr.isEmpty ? "" : " Its last lines on stderr: " + stderr.split(separator: "\n").suffix(5).map { printable(String($0)) }.joined(separator: " | "))
    case let .modelEndpointFailed(url, rows, reason):
      "The model endpoint \(printable(url, limit: 300)) failed on data rows \(rows.lowerBound + 1) to \(rows.upperBound + 1): \(reason)."
    case let .unboundModelInput(path, input, column, available, file):
      "\(file ?? "The data") has no column '\(printable(column))', which feeds input '\(printable(input))' of the ONNX model \(path). "
        + "The columns are: \(available.map { printable($0) }.joined(separator: ", "))."
    case let .modelGraphFailed(path, node, opType, rows, reason):
      "The ONNX model \(path) failed on data " + (rows.count == 1 ? "row \(rows.lowerBound + 1)" : "rows \(rows.lowerBound + 1) to \(rows.upperBound + 1)")
        + (node == "(output)" ? "" : " at node \(node)\(opType.isEmpty ? "" : " (\(printable(opType)))")") + ": \(reason)."
    case let .changedBase(policy, what, file, recorded, found):
      "The threshold policy \(policy) was fitted over the \(what) \(printable(file, limit: 300)) with SHA-256 \(printable(String(recorded.prefix(12))))…, but that file now has "
        + "SHA-256 \(found.prefix(12))…: it changed, so the thresholds no longer fit its scores. Fit the policy again (candor mitigate threshold) or restore the file."
    case let .incomparableModels(reason):
      "The models cannot be compared output by output: \(reason)."
    case let .invalidModelSpec(path, reason):
      "The model spec \(path) cannot be used: \(reason)."
    case let .invalidFeatureSpec(path, reason):
      "The feature spec \(printable(path)) cannot be used: \(reason)."
    case let .unboundSpecColumn(spec, input, column, available, file):
      "\(file ?? "The data") has no column '\(printable(column))', which the model spec \(spec) feeds to input '\(printable(input))'. "
        + "The columns are: \(available.map { printable($0) }.joined(separator: ", "))."
    case let .unknownSpecCategory(spec, input, column, row, value, known, file):
      "\(file.map { "\($0), " } ?? "")data row \(row), column '\(printable(column))': '\(printable(value))' is not among the categories the model spec \(spec) "
        + "codes for input '\(printable(input))' (\(known.prefix(12).map { printable($0) }.joined(separator: ", "))\(known.count > 12 ? ", …" : "")). "
        + "Add it to \"codes\", or give \"unknown\" a code."
    case let .unknownGroup(group, features, known):
      "The threshold policy has no rule for \(printable(Grouping.key(features))) = '\(printable(group))'; it knows: \(known.map { printable($0) }.joined(separator: ", "))."
    }
  }
}

extension Setting {
  public static let modelType = Setting("modelType")
  public static let allowManyClasses = Setting("allowManyClasses")
  /// Inverse L2 strength C, as in scikit-learn.
  public static let inverseRegularization = Setting("inverseRegularization")
  public static let hiddenLayers = Setting("hiddenLayers")
  public static let maxDepth = Setting("maxDepth")
  public static let minSamplesLeaf = Setting("minSamplesLeaf")
  public static let criterion = Setting("criterion")
  public static let batchSize = Setting("batchSize")
  public static let maxEpochs = Setting("maxEpochs")
  /// The classes a black-box model declares.
  public static let modelClasses = Setting("modelClasses")
  /// The URL of a model behind an HTTP endpoint.
  public static let modelURL = Setting("modelURL")
  /// A header sent to such an endpoint.
  public static let httpHeader = Setting("httpHeader")
  /// Calls of such a model in flight at once.
  public static let concurrency = Setting("concurrency")
  /// Seconds one call may take.
  public static let modelTimeout = Setting("modelTimeout")
  public static let positiveClass = Setting("positiveClass")
  public static let learningRate = Setting("learningRate")
  public static let maxBins = Setting("maxBins")
  public static let maxInteractionBins = Setting("maxInteractionBins")
  public static let interactions = Setting("interactions")
  public static let outerBags = Setting("outerBags")
  public static let maxLeaves = Setting("maxLeaves")
  public static let maxRounds = Setting("maxRounds")
  public static let earlyStoppingRounds = Setting("earlyStoppingRounds")
  public static let validationShare = Setting("validationShare")
}
