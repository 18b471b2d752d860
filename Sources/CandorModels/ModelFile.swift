import CandorCore
import Foundation

/// Candor's built-in estimators, as stored in a model file.
public indirect enum BuiltinModel: Sendable, Equatable {
  case logistic(LogisticRegression)
  case linear(LinearRegression)
  case mlp(MLPClassifier)
  case tree(DecisionTree)
  case ebm(ExplainableBoostingMachine)
  /// A binary model followed by a group threshold policy (`candor mitigate threshold`).
  case thresholded(ThresholdedModel)

  public var model: any Model {
    switch self {
    case let .logistic(model): model
    case let .linear(model): model
    case let .mlp(model): model
    case let .tree(model): model
    case let .ebm(model): model
    case let .thresholded(model): model
    }
  }

  public var modelType: ModelType {
    switch self {
    case .logistic: .logistic
    case .linear: .linear
    case .mlp: .mlp
    case .tree: .tree
    case .ebm: .ebm
    case .thresholded: .thresholded
    }
  }
}

/// The `candor-model` JSON file: a whole pipeline (encoder + estimator) with its training summary.
///
/// ```
/// {"format": "candor-model", "version": 1, "model_type": "logistic", "target": "income",
///  "classes": ["<=50K", ">50K"], "encoder": {"features": [...]},
///  "parameters": {...}, "training": {...}, "privacy": {...}}
/// ```
/// `parameters` holds `coefficients` (a matrix) and `intercepts` for logistic, `coefficients` and
/// `intercept` for linear, `layers` (each `weights` + `bias`) for the MLP. Matrices are
/// `{"rows", "columns", "values"}` with values row-major. `privacy` (optional) records a private training run.
public struct ModelFile: Sendable, Equatable {
  public static let formatName = "candor-model"
  public static let currentVersion = 1

  public var model: BuiltinModel
  public var target: String
  public var training: TrainingSummary?
  /// Set for a model trained with differential privacy (`candor dp-train`).
  public var privacy: PrivateTrainingRecord?

  public init(model: BuiltinModel, target: String, training: TrainingSummary?, privacy: PrivateTrainingRecord? = nil) {
    self.model = model
    self.target = target
    self.training = training
    self.privacy = privacy
  }

  /// The JSON text of the file.
  public func encoded() throws -> Data {
    try CandorJSON.data(Stored(self))
  }

  /// Reads and validates a candor-model file.
  /// - Throws: `ModelError` saying what is wrong: another format, another version, a missing field, or
  ///   parameters whose shapes do not fit the encoder.
  public static func decode(_ data: Data, path: String) throws -> ModelFile {
    let header: Header
    let tree: JSONValue
    do {
      tree = try CandorJSON.tree(data)
      header = try CandorJSON.decode(Header.self, from: tree)
    } catch let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty {
      throw ModelError.notAModelFile(path: path, reason: "it is not valid JSON")
    } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
      throw ModelError.notAModelFile(path: path, reason: "it is not a JSON object")
    } catch let error as DecodingError {
      throw ModelError.invalidModel(path: path, reason: describe(error))
    }
    guard header.format == formatName else {
      throw ModelError.notAModelFile(path: path, reason: "its \"format\" is \(header.format.map { "'\($0)'" } ?? "missing"), expected '\(formatName)'")
    }
    guard let version = header.version else { throw ModelError.invalidModel(path: path, reason: "\"version\" is missing") }
    guard version == currentVersion else {
      throw ModelError.unsupportedVersion(path: path, version: version, supported: currentVersion)
    }
    let stored: Stored
    do {
      stored = try CandorJSON.decode(Stored.self, from: tree)
    } catch let error as DecodingError {
      throw ModelError.invalidModel(path: path, reason: describe(error))
    }
    return try stored.validated(path: path)
  }

  private struct Header: Decodable {
    var format: String?
    var version: Int?
  }
}

/// A model loaded from a file, of whatever format.
public struct LoadedModel: Sendable {
  public var model: any Model
  public var format: ModelFormat
  /// The candor-model file when the model is one (its built-in estimator, target and training summary).
  public var file: ModelFile?
  public var path: String
  /// The SHA-256 of the model file's bytes (nil for a model behind a command or an endpoint).
  public var sha256: String?
  /// The `--model-spec` the model is bound with: its path and digest.
  public var spec: ThresholdPolicyFile.Pinned?

  public init(model: any Model, format: ModelFormat, file: ModelFile?, path: String, sha256: String? = nil) {
    self.model = model
    self.format = format
    self.file = file
    self.path = path
    self.sha256 = sha256
  }
}

public enum ModelLoader {
  /// Loads a candor-model file, detecting the format from its content.
  public static func load(path: String) throws -> ModelFile {
    try load(try InputFile.read(path), path: path)
  }

  /// Loads any supported model file: a candor-model, ONNX, XGBoost (JSON or UBJSON) or LightGBM text model.
  public static func loadModel(path: String, inputColumns: [String]? = nil) throws -> LoadedModel {
    let data = try InputFile.read(path)
    var loaded = try loadModel(data, path: path, inputColumns: inputColumns)
    loaded.sha256 = SHA256.hex(data)
    return loaded
  }

  /// Loads the model file `data` of any supported format; `path` names it in errors.
  /// - Throws: `ModelError`: an empty or unrecognised file, a format candor cannot load yet, or what is wrong
  ///   with the file.
  /// - Parameter inputColumns: for an ONNX model with one `[N, k]` input, the columns that feed it.
  public static func loadModel(_ data: Data, path: String, inputColumns: [String]? = nil) throws -> LoadedModel {
    if data.isEmpty { throw ModelError.notAModelFile(path: path, reason: "the file is empty") }
    let (format, tree) = ModelFormat.detectParsing(data)
    func malformed(_ error: ModelDocument.Malformed) -> ModelError { .unreadableModel(path: path, format: format, reason: error.reason) }
    switch format {
    case .xgboostJSON:
      let document: JSONValue
      do { document = try ModelDocument.normalized(tree!, depth: 0) } catch { throw malformed(error) }
      return LoadedModel(model: try XGBoostModelReader.model(document, format: format, path: path), format: format, file: nil, path: path)
    case .xgboostUBJSON:
      let document: JSONValue
      do { document = try ModelDocument.ubjson(data) } catch { throw malformed(error) }
      return LoadedModel(model: try XGBoostModelReader.model(document, format: format, path: path), format: format, file: nil, path: path)
    case .lightGBMText:
      return LoadedModel(model: try LightGBMModelReader.model(data, path: path), format: format, file: nil, path: path)
    case .onnx:
      return LoadedModel(model: try ONNXModel(data, path: path, inputColumns: inputColumns), format: format, file: nil, path: path)
    case .thresholdPolicy:
      return LoadedModel(model: try ThresholdPolicyFile.decode(data, path: path).model(path: path), format: format, file: nil, path: path)
    default:
      let file = try load(data, path: path)
      return LoadedModel(model: file.model.model, format: .candor, file: file, path: path)
    }
  }

  /// Loads the candor-model file `data`, detecting its format; `path` names it in errors.
  /// - Throws: `ModelError`: an empty or unrecognised file, another format, or the reason a JSON file is not a
  ///   valid candor-model.
  public static func load(_ data: Data, path: String) throws -> ModelFile {
    if data.isEmpty { throw ModelError.notAModelFile(path: path, reason: "the file is empty") }
    switch ModelFormat.detect(data) {
    case .candor:
      return try ModelFile.decode(data, path: path)
    case .unknown where ModelFormat.startsLikeJSONObject([UInt8](data.prefix(4096))):
      return try ModelFile.decode(data, path: path)  // says precisely why it is not a candor-model
    case .unknown:
      throw ModelError.notAModelFile(path: path, reason: "it is not a candor-model (JSON), ONNX, XGBoost or LightGBM file")
    case let other:
      throw ModelError.unsupportedFormat(path: path, format: other)
    }
  }
}

/// Plain words for a decoding error: which field, what was wrong.
func describe(_ error: DecodingError) -> String {
  func path(_ context: DecodingError.Context) -> String {
    let keys = context.codingPath.reduce("") { path, key in
      if let index = key.intValue { return path + "[\(index)]" }
      return path.isEmpty ? key.stringValue : path + "." + key.stringValue
    }
    return keys.isEmpty ? "the top level" : keys
  }
  switch error {
  case let .keyNotFound(key, context):
    return "field '\(key.stringValue)' is missing at \(path(context))"
  case let .typeMismatch(_, context), let .valueNotFound(_, context):
    return "\(path(context)) has the wrong type (\(context.debugDescription))"
  case let .dataCorrupted(context):
    return "\(path(context)): \(context.debugDescription)"
  @unknown default:
    return "\(error)"
  }
}
