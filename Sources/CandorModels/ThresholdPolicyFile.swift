import CandorCore
import Foundation

/// A threshold policy saved over a model file candor cannot embed in a candor-model (ONNX, XGBoost, LightGBM,
/// with or without a `--model-spec`): the `candor-threshold-policy` JSON file.
///
/// ```
/// {"format": "candor-threshold-policy", "version": 1, "target": "income", "classes": ["<=50K", ">50K"],
///  "base": {"path": "adult_xgb.json", "sha256": "…", "format": "an XGBoost model (JSON)",
///           "model_spec": {"path": "adult.spec.json", "sha256": "…"}, "model_features": null},
///  "policy": {"sensitive_features": ["sex"], "rules": {…}}}
/// ```
///
/// The base is referred to, not embedded: by its path relative to the policy file and the SHA-256 of its bytes.
/// The model stays one artifact (the file that is deployed is the file the policy was fitted on, which a digest
/// proves and a copy could not), and a base whose bytes changed is refused instead of silently getting
/// thresholds fitted to another model's scores. A spec the base was bound with is pinned the same way.
public struct ThresholdPolicyFile: Sendable, Equatable {
  public static let formatName = "candor-threshold-policy"
  public static let currentVersion = 1

  /// A file by path (relative to the policy file) and digest.
  public struct Pinned: Sendable, Equatable, Codable {
    public var path: String
    public var sha256: String

    public init(path: String, sha256: String) {
      self.path = path
      self.sha256 = sha256
    }
  }

  public struct Base: Sendable, Equatable, Codable {
    public var path: String
    public var sha256: String
    /// What the file was when the policy was fitted ("an XGBoost model (JSON)"), for people.
    public var format: String
    /// The columns that feed an ONNX model's one `[N, k]` input (`--model-features`).
    public var modelFeatures: [String]?
    public var modelSpec: Pinned?

    enum CodingKeys: String, CodingKey {
      case path, sha256, format
      case modelFeatures = "model_features"
      case modelSpec = "model_spec"
    }

    public init(path: String, sha256: String, format: String, modelFeatures: [String]?, modelSpec: Pinned?) {
      self.path = path
      self.sha256 = sha256
      self.format = format
      self.modelFeatures = modelFeatures
      self.modelSpec = modelSpec
    }
  }

  public var target: String
  public var classes: [String]
  public var base: Base
  public var policy: GroupThresholdPolicy

  public init(target: String, classes: [String], base: Base, policy: GroupThresholdPolicy) {
    self.target = target
    self.classes = classes
    self.base = base
    self.policy = policy
  }

  private struct Stored: Codable {
    var format: String
    var version: Int
    var target: String
    var classes: [String]
    var base: Base
    var policy: GroupThresholdPolicy
  }

  public func encoded() throws -> Data {
    try CandorJSON.data(Stored(format: Self.formatName, version: Self.currentVersion, target: target, classes: classes, base: base, policy: policy))
  }

  /// Reads a policy file's fields (not its base).
  /// - Throws: `ModelError.unreadableModel` naming the field at fault, `.unsupportedVersion` for another version.
  public static func decode(_ data: Data, path: String) throws -> ThresholdPolicyFile {
    let stored: Stored
    do {
      stored = try CandorJSON.decode(Stored.self, from: data)
    } catch let error as DecodingError {
      throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: describe(error))
    }
    guard stored.version == currentVersion else {
      throw ModelError.unsupportedVersion(path: path, version: stored.version, supported: currentVersion)
    }
    if let problem = stored.policy.problem { throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: problem) }
    func isDigest(_ text: String) -> Bool { text.count == 64 && text.allSatisfy { $0.isHexDigit && $0.isASCII } }
    for (place, digest) in [("base.sha256", stored.base.sha256), ("base.model_spec.sha256", stored.base.modelSpec?.sha256 ?? String(repeating: "0", count: 64))]
    where !isDigest(digest) {
      throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: "\(place) is '\(printable(digest))', not a SHA-256 digest (64 hex digits)")
    }
    guard stored.classes.count == 2 else { throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: "a threshold policy sits on a binary model: \"classes\" must name two") }
    return ThresholdPolicyFile(target: stored.target, classes: stored.classes, base: stored.base, policy: stored.policy)
  }

  /// The pinned file's bytes, after checking its digest.
  /// - Throws: `ModelError.changedBase` when the digest differs; the read error (naming the file) when it cannot
  ///   be read.
  static func read(_ pinned: Pinned, what: String, policyPath: String) throws -> (path: String, data: Data) {
    let path = resolve(pinned.path, besides: policyPath)
    // Only a regular file: a device or a FIFO named by a hand-written policy would be read forever.
    if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType, type != .typeRegular {
      throw ModelError.unreadableModel(path: policyPath, format: .thresholdPolicy, reason: "its \(what) \(printable(path, limit: 300)) is not a regular file")
    }
    let data = try InputFile.read(path)
    let digest = SHA256.hex(data)
    guard digest == pinned.sha256.lowercased() else {
      throw ModelError.changedBase(policy: policyPath, what: what, file: path, recorded: pinned.sha256, found: digest)
    }
    return (path, data)
  }

  /// A path relative to the policy file's folder (or absolute), as a path to open.
  static func resolve(_ path: String, besides policyPath: String) -> String {
    if path.hasPrefix("/") { return path }
    let folder = canonicalComponents(policyPath).dropLast()
    return "/" + absoluteComponents("/" + folder.joined(separator: "/") + "/" + path).joined(separator: "/")
  }

  /// The components of an existing path as the file system resolves it (realpath: symbolic links followed), else
  /// `absoluteComponents`.
  static func canonicalComponents(_ path: String) -> [String] {
    guard let resolved = realpath(path, nil) else { return absoluteComponents(path) }
    defer { free(resolved) }
    return absoluteComponents(String(cString: resolved))
  }

  /// The components of `path` made absolute (against the working directory) with "." and ".." resolved.
  public static func absoluteComponents(_ path: String) -> [String] {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    var components: [String] = []
    for part in full.split(separator: "/", omittingEmptySubsequences: true) {
      switch part {
      case ".": continue
      case "..": if !components.isEmpty { components.removeLast() }
      default: components.append(String(part))
      }
    }
    return components
  }

  /// The policy over its base, loaded and checked: the base's digest (and its spec's), a binary base whose
  /// classes are the recorded ones.
  public func model(path: String) throws -> ReferencedThresholdModel {
    let (basePath, baseData) = try Self.read(Pinned(path: base.path, sha256: base.sha256), what: "base model", policyPath: path)
    guard ModelFormat.detect(baseData) != .thresholdPolicy else {
      throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: "its base model \(printable(basePath, limit: 300)) is itself a threshold policy; fit the policy over the model that one sits on")
    }
    var model = try ModelLoader.loadModel(baseData, path: basePath, inputColumns: base.modelFeatures).model
    if let pinned = base.modelSpec {
      let (specPath, specData) = try Self.read(pinned, what: "model spec", policyPath: path)
      model = try SpecBoundModel(base: model, spec: try ModelSpec.decode(specData, path: specPath), specPath: specPath, checkingInputs: true)
    }
    guard model.outputKind == .binaryProbability else {
      throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: "its base model \(basePath) is not a binary classifier")
    }
    guard model.classes == classes else {
      throw ModelError.unreadableModel(path: path, format: .thresholdPolicy, reason: "its classes (\(classes.joined(separator: ", "))) are not those of its base model \(basePath) "
        + "(\(model.classes.joined(separator: ", ")))")
    }
    return ReferencedThresholdModel(baseModel: model, policy: policy)
  }

  /// `file` as a path relative to the folder `directory` (both made absolute first).
  public static func relativePath(of file: String, from directory: String) -> String {
    // Existing paths are resolved by the file system, so a symbolic link followed by ".." is read the way the
    // loader's open reads the recorded path.
    let target = canonicalComponents(file), origin = canonicalComponents(directory)
    var shared = 0
    while shared < min(target.count - 1, origin.count) && target[shared] == origin[shared] { shared += 1 }
    let ups = [String](repeating: "..", count: origin.count - shared)
    return (ups + target[shared...]).joined(separator: "/")
  }
}

/// A threshold policy over a model a policy file refers to.
public struct ReferencedThresholdModel: ThresholdPolicyModel {
  public let baseModel: any Model
  public let policy: GroupThresholdPolicy
}
