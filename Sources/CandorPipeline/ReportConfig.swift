import CandorCore
import CandorModels
import Foundation
import Yams

/// What `candor report --config rai.yaml` runs (samples/rai.yaml is the commented example). Read strictly: an
/// unknown key or a value of the wrong type is an error naming the key path and its line.
public struct ReportConfig: Sendable, Equatable {
  public struct DataSection: Sendable, Equatable {
    /// Training rows (to train the model, reweigh, or as the background of explanations); nil with a model file.
    public var train: String?
    /// The rows every analysis is measured on.
    public var test: String
    public var target: String
    public var positive: String?
    public var drop: [String] = []
  }

  public enum ModelSource: Sendable, Equatable {
    /// Train a built-in model on `data.train`: logistic, linear, mlp, tree or ebm.
    case train(String)
    /// A model file of any format `--model` reads.
    case path(String)
    /// A model behind an HTTP endpoint (MLflow's scoring protocol, as `--model-url`).
    case url(String, BlackBox)
    /// A model behind a command (the line protocol of `--model-cmd`).
    case command(String, BlackBox)
  }

  /// What a model behind a URL or a command reads and answers (`--model-features`, `--model-output`,
  /// `--model-classes` and the batching flags of the CLI).
  public struct BlackBox: Sendable, Equatable {
    public var features: [String]
    /// binary, multiclass, regression or labels.
    public var output = "binary"
    public var classes: [String]?
    public var batchSize: Int?
    public var concurrency: Int?
    public var timeout: Double?
    /// For a URL: headers whose values are read from environment variables (name → variable), so no secret sits in
    /// the config.
    public var headersFromEnvironment: [String: String] = [:]
  }

  public struct FairnessSettings: Sendable, Equatable {
    public var bootstrap = 0
    public var seed: UInt64 = 0
    public var threshold = 0.5
  }

  public struct MitigationSettings: Sendable, Equatable {
    /// The sensitive features mitigated (default: the first sensitive set).
    public var sensitive: [String]?
    public var reweigh = false
    /// Threshold optimization under this constraint (demographic_parity, equalized_odds, …); nil: not run.
    public var thresholdConstraint: String?
  }

  public struct WhatIfSettings: Sendable, Equatable {
    /// Test rows to find counterfactuals for.
    public var counterfactualRows: [Int] = []
    /// The class wanted (default: the positive class).
    public var desiredClass: String?
    /// Features a counterfactual may not change.
    public var immutable: [String] = []
    public var count = 4
  }

  /// A DP-SGD model trained on data.train (`candor dp-train` from the config), charged to the ledger when one is given.
  public struct PrivateTrainingSettings: Sendable, Equatable {
    /// The target ε σ is calibrated for (RDP accountant).
    public var epsilon: Double
    /// The run's δ (default: the ledger's).
    public var delta: Double?
    /// Declared features, so preprocessing reads nothing from the private rows.
    public var featureSpec: String?
    /// logistic or mlp.
    public var modelType = "logistic"
    public var epochs: Double = 10
    public var batchSize: Double = 256
    public var clip: Double = 1
    public var learningRate: Double = 1
    /// A seeded run: reproducible and NOT private; with a ledger it also needs `allowInsecure`.
    public var insecureSeed: UInt64?
    public var allowInsecure = false
    public var note = "candor report"
  }

  public struct ExplanationSettings: Sendable, Equatable {
    /// Permutation importance repeats (nil: not run).
    public var permutationRepeats: Int?
    public var permutationSeed: UInt64 = 0
    /// KernelSHAP (TreeSHAP for tree models) on these rows, e.g. "0:20", or "informative" (the highest and lowest
    /// score, the first misclassified row, the first row of each group); nil: not run.
    public var shapRows: String?
    public var shapSeed: UInt64 = 0
    /// Partial dependence of these features (nil: not run).
    public var pdpFeatures: [String]?
  }

  public var data: DataSection
  public var model: ModelSource
  /// Sensitive feature sets: `sex`, or `[sex, race]` for intersectional groups.
  public var sensitive: [[String]]
  public var performance = false
  public var fairness: FairnessSettings?
  public var explanations: ExplanationSettings?
  public var mitigation: MitigationSettings?
  public var whatIf: WhatIfSettings?
  /// A privacy-budget ledger to show, and to charge `privateTraining` to.
  public var privacyLedger: String?
  public var privateTraining: PrivateTrainingSettings?
  /// A membership-inference audit of the model: its training rows (data.train) against the test rows.
  public var membershipAudit = false
  /// The model's own glass-box view: coefficients, an EBM's terms or a tree.
  public var glassBox = false
  /// Analyses the config names that `candor report` does not run yet (each reported as such in the document).
  public var notYetRun: [String] = []
  public var gates: [Gate] = []
  /// Model Card Toolkit fields given in the config (`name`, `owners`, `intended_use`, `limitations`,
  /// `ethical_considerations`, `version`, `overview`).
  public var modelCard: [String: ConfigScalar] = [:]
  public var html: String?
  public var json: String?
  /// The line of each analysis (`analyses.whatif`) and gate (`gates[0]`) in the file, for errors found while running.
  public var lines: [String: Int] = [:]

  /// The analyses a config may name, in the order the document shows them.
  public static let analysisNames = ["performance", "fairness", "mitigation", "explanations", "glassbox", "whatif", "privacy"]

  /// - Throws: `ConfigError`: YAML that does not parse (its line and column), an unknown key, a missing key or a
  ///   value of the wrong type (the key path and its line).
  /// - Parameter overrides: `key.path=value` (the value read as YAML: `3`, `[sex, race]`, `{reweigh: true}`), each
  ///   replacing or adding that key before the config is read (`candor report --set`).
  /// The config file's bytes: UTF-8 text (a byte-order mark is skipped).
  public static func parse(data: Data, path: String, overrides: [String] = []) throws -> ReportConfig {
    var bytes = data
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
    guard let text = String(data: bytes, encoding: .utf8) else {
      let line = 1 + (String(decoding: bytes, as: UTF8.self).prefix { $0 != "\u{FFFD}" }.filter { $0 == "\n" }.count)
      throw ConfigError(file: path, line: line, keyPath: "", problem: "the file is not UTF-8 text")
    }
    return try parse(text, path: path, overrides: overrides)
  }

  public static func parse(_ text: String, path: String, overrides: [String] = []) throws -> ReportConfig {
    var root: Node
    do {
      guard let node = try Yams.compose(yaml: text) else { throw ConfigError(file: path, line: 1, keyPath: "", problem: "the file holds no YAML document") }
      root = node
    } catch let error as YamlError {
      var problem = ConfigError(yaml: error, file: path)
      // A duplicated key: Yams marks the mapping it is in; name the line of its second appearance.
      if let range = problem.problem.range(of: "duplicated key(s): '") {
        let key = problem.problem[range.upperBound...].prefix { $0 != "'" }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let hits = lines.indices.filter { i in
          let line = lines[i]
          return line.range(of: "(^|[\\s{,])\(NSRegularExpression.escapedPattern(for: String(key))):", options: .regularExpression) != nil
        }
        if hits.count >= 2 { (problem.line, problem.column) = (hits[1] + 1, nil) }
        problem.problem = "the key '\(printable(String(key)))' is given twice"
      }
      // At the end of a file without a final newline libyaml marks the line after the last (found by
      // Fuzz/ReportConfig): name the end of the last line instead. Lines end as YAML's do: LF, CR LF, a lone CR, NEL,
      // LS or PS.
      let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      if problem.line > lines.count {
        (problem.line, problem.column) = (lines.count, (lines.last?.count ?? 0) + 1)
      }
      throw problem
    }
    for override in overrides { root = try apply(override, to: root, file: path) }
    let top = ConfigNode(root, path: "", file: path)
    let keys = try top.mapping(allowed: ["data", "model", "sensitive", "analyses", "gates", "model_card", "output"])
    let dataNode = try top.required("data", in: keys)
    let dataKeys = try dataNode.mapping(allowed: ["train", "test", "target", "positive", "drop"])
    let data = DataSection(train: try dataKeys["train"]?.string(), test: try dataNode.required("test", in: dataKeys).string(),
                           target: try dataNode.required("target", in: dataKeys).string(), positive: try dataKeys["positive"]?.string(),
                           drop: try dataKeys["drop"]?.strings() ?? [])
    let modelNode = try top.required("model", in: keys)
    let blackBoxKeys: Set<String> = ["features", "output", "classes", "batch_size", "concurrency", "timeout", "headers_from_env"]
    let allModelKeys = try modelNode.mapping(allowed: Set(["train", "path", "url", "cmd"]).union(blackBoxKeys))
    let modelKeys = allModelKeys.filter { !blackBoxKeys.contains($0.key) }
    guard modelKeys.count == 1, let (kind, value) = modelKeys.first else {
      throw modelNode.error("give exactly one of train (a model type to fit on data.train), path (a model file), url (a scoring endpoint) or cmd (a command)")
    }
    if kind == "train" || kind == "path", let extra = allModelKeys.keys.filter(blackBoxKeys.contains).sorted().first {
      throw allModelKeys[extra]!.error("\(extra) goes with model.url or model.cmd (a model that does not say what it reads); model.\(kind) needs none")
    }
    let model: ModelSource
    switch kind {
    case "train":
      let type = try value.string()
      let types = ["logistic", "linear", "mlp", "tree", "ebm"]
      guard types.contains(type) else { throw value.error("'\(printable(type))' is not a model type; the types are \(types.joined(separator: ", "))") }
      guard data.train != nil else { throw modelNode.error("training a model needs data.train (the rows to fit it on)") }
      model = .train(type)
    case "path": model = .path(try value.string())
    default:
      let box = try blackBox(allModelKeys, at: modelNode, url: kind == "url")
      model = kind == "url" ? .url(try value.string(), box) : .command(try value.string(), box)
    }
    var config = ReportConfig(data: data, model: model, sensitive: [])
    config.lines["model"] = modelNode.line
    if let sensitive = keys["sensitive"] {
      config.lines["sensitive"] = sensitive.line
      config.sensitive = try sensitive.sequence().map { item in item.isSequence ? try item.strings() : [try item.string()] }
    }
    if let analyses = keys["analyses"] {
      let named = try analyses.mapping(allowed: Set(analysisNames))
      for name in analysisNames { guard let node = named[name] else { continue }
        config.lines[node.path] = node.line
        switch name {
        case "performance":
          _ = try node.mapping(allowed: [])
          config.performance = true
        case "fairness":
          let f = try node.mapping(allowed: ["bootstrap", "seed", "threshold"])
          var settings = FairnessSettings()
          if let b = f["bootstrap"] {
            settings.bootstrap = try b.int(minimum: 0, maximum: 100_000)
            if settings.bootstrap == 1 { throw b.error("expected 0 (no bootstrap) or at least 2 replicates, found 1") }
          }
          if let s = f["seed"] { settings.seed = UInt64(try s.int(minimum: 0)) }
          if let t = f["threshold"] { settings.threshold = try t.double() }
          guard !config.sensitive.isEmpty else { throw node.error("fairness needs sensitive (the features whose groups are compared) at the top level") }
          config.fairness = settings
        case "explanations":
          let e = try node.mapping(allowed: ["permutation", "kernelshap", "shap", "pdp"])
          var settings = ExplanationSettings()
          if let p = e["permutation"] {
            let keys = try p.mapping(allowed: ["repeats", "seed"])
            settings.permutationRepeats = try keys["repeats"]?.int(minimum: 1, maximum: 1000) ?? 5
            if let s = keys["seed"] { settings.permutationSeed = UInt64(try s.int(minimum: 0)) }
          }
          for key in ["kernelshap", "shap"] { if let s = e[key] {
            let keys = try s.mapping(allowed: ["rows", "seed"])
            settings.shapRows = try keys["rows"]?.string() ?? "0:10"
            if let seed = keys["seed"] { settings.shapSeed = UInt64(try seed.int(minimum: 0)) }
          } }
          if let p = e["pdp"] { settings.pdpFeatures = try p.mapping(allowed: ["features"])["features"]?.strings() ?? [] }
          config.explanations = settings
        case "glassbox":
          _ = try node.mapping(allowed: [])
          config.glassBox = true
        case "whatif":
          let w = try node.mapping(allowed: ["counterfactual_rows", "desired_class", "immutable", "count"])
          var settings = WhatIfSettings()
          guard let rows = w["counterfactual_rows"] else { throw node.error("whatif needs counterfactual_rows (the test rows to find counterfactuals for, e.g. [3, 17])") }
          settings.counterfactualRows = try (rows.isSequence ? rows.sequence() : [rows]).map { try $0.int(minimum: 0) }
          guard !settings.counterfactualRows.isEmpty else { throw rows.error("give at least one row, e.g. [3, 17]") }
          guard Set(settings.counterfactualRows).count == settings.counterfactualRows.count else { throw rows.error("a row is named twice") }
          settings.desiredClass = try w["desired_class"]?.string()
          settings.immutable = try w["immutable"]?.strings() ?? []
          if let c = w["count"] { settings.count = try c.int(minimum: 1, maximum: 100) }
          config.whatIf = settings
        case "privacy":
          let p = try node.mapping(allowed: ["ledger", "audit", "dp_train"])
          guard p["ledger"] != nil || p["audit"] != nil || p["dp_train"] != nil else {
            throw node.error("privacy needs ledger (a privacy-budget ledger file, from candor privacy ledger init), dp_train: {epsilon: …} (a DP-SGD model) or audit: {} (a membership-inference audit)")
          }
          config.privacyLedger = try p["ledger"]?.string()
          if let ledger = p["ledger"] { config.lines[ledger.path] = ledger.line }
          if let dp = p["dp_train"] {
            config.privateTraining = try privateTraining(dp, hasLedger: config.privacyLedger != nil, hasTrain: data.train != nil, lines: &config.lines)
          }
          if let audit = p["audit"] {
            _ = try audit.mapping(allowed: [])
            guard data.train != nil else { throw audit.error("a membership audit needs data.train (the model's training rows, the members)") }
            config.membershipAudit = true
          }
        case "mitigation":
          let m = try node.mapping(allowed: ["sensitive", "reweigh", "threshold"])
          var settings = MitigationSettings()
          settings.sensitive = try m["sensitive"]?.strings()
          if let r = m["reweigh"] { settings.reweigh = try r.flag() }
          if let t = m["threshold"] {
            let constraint = try t.mapping(allowed: ["constraint"])["constraint"]?.string() ?? "demographic_parity"
            let known = ["demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity", "false_negative_rate_parity", "true_negative_rate_parity"]
            guard known.contains(constraint) else { throw t.error("'\(printable(constraint))' is not a constraint; the constraints are \(known.joined(separator: ", "))") }
            settings.thresholdConstraint = constraint
          }
          guard settings.sensitive != nil || !config.sensitive.isEmpty else { throw node.error("mitigation needs sensitive features: give mitigation.sensitive or sensitive at the top level") }
          if settings.reweigh, data.train == nil { throw node.error("reweighing needs data.train (the rows it weighs)") }
          if !settings.reweigh, settings.thresholdConstraint == nil { throw node.error("names no mitigation: give reweigh: true or threshold: {constraint: …}") }
          config.mitigation = settings
        default:
          config.notYetRun.append(name)
        }
      }
    }
    if let gates = keys["gates"] {
      config.gates = try gates.sequence().map { node in
        config.lines[node.path] = node.line
        let text = try node.string()
        do { return try Gate(parsing: text) } catch let problem as Gate.ParseError { throw node.error(problem.reason) }
      }
    }
    if let card = keys["model_card"] {
      let allowed: Set = ["name", "version", "overview", "owners", "intended_use", "limitations", "ethical_considerations"]
      for (key, value) in try card.mapping(allowed: allowed) {
        config.modelCard[key] = value.isSequence ? .list(try value.strings()) : .text(try value.string())
      }
    }
    if let output = keys["output"] {
      let o = try output.mapping(allowed: ["html", "json"])
      config.html = try o["html"]?.string()
      config.json = try o["json"]?.string()
    }
    return config
  }
}

extension ReportConfig {
  /// The config tree with `key.path=value` set (mappings made on the way as needed).
  static func apply(_ override: String, to root: Node, file: String) throws -> Node {
    func refuse(_ problem: String) -> ConfigError { ConfigError(file: file, line: 0, keyPath: "--set \(printable(override))", problem: problem) }
    guard let equals = override.firstIndex(of: "=") else { throw refuse("write it as key.path=value, e.g. analyses.fairness.bootstrap=500") }
    let keys = override[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    guard !keys.isEmpty, keys.allSatisfy({ !$0.isEmpty }) else { throw refuse("the key path before = is empty or has an empty part") }
    let value: Node
    do { value = unmarked(try Yams.compose(yaml: String(override[override.index(after: equals)...])) ?? Node("")) } catch { throw refuse("the value does not parse as YAML") }
    func set(_ node: Node?, _ path: ArraySlice<String>) throws -> Node {
      guard let key = path.first else { return value }
      var mapping = Node.Mapping([])
      if let node {
        guard case let .mapping(existing) = node else { throw refuse("\(key) would go inside a value that is not a mapping") }
        mapping = existing
      }
      mapping[key] = try set(mapping[key], path.dropFirst())
      return .mapping(mapping)
    }
    return try set(root, keys[...])
  }

  /// The node without line marks, so its errors say it came from --set.
  static func unmarked(_ node: Node) -> Node {
    switch node {
    case var .scalar(scalar): scalar.mark = nil; return .scalar(scalar)
    case var .mapping(mapping):
      mapping.mark = nil
      return .mapping(Node.Mapping(mapping.map { (unmarked($0.key), unmarked($0.value)) }, mapping.tag, mapping.style, nil))
    case var .sequence(sequence):
      sequence.mark = nil
      return .sequence(Node.Sequence(sequence.map(unmarked), sequence.tag, sequence.style, nil))
    case .alias: return node
    }
  }
}

/// A model-card value: text or a list of texts.
public enum ConfigScalar: Sendable, Equatable {
  case text(String)
  case list([String])
}

/// A config file that cannot be used: its file, line, the key path and what is wrong.
public struct ConfigError: CandorError, Equatable {
  public var file: String
  public var line: Int
  public var column: Int?
  public var keyPath: String
  public var problem: String

  init(file: String, line: Int, column: Int? = nil, keyPath: String, problem: String) {
    (self.file, self.line, self.column, self.keyPath, self.problem) = (file, line, column, keyPath, problem)
  }

  init(yaml error: YamlError, file: String) {
    /// The problem's first line, at most 160 characters (Yams appends the whole document as context).
    func short(_ text: String) -> String {
      let first = text.split(separator: "\n", maxSplits: 1).first.map(String.init) ?? text
      return first.count > 160 ? String(first.prefix(159)) + "…" : first
    }
    switch error {
    case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
      self.init(file: file, line: mark.line, column: mark.column, keyPath: "", problem: "the YAML does not parse: \(short(problem).trimmingCharacters(in: CharacterSet(charactersIn: ".")))")
    case let .reader(problem, offset, value, yaml):
      // The reader gives no mark, only an offset (Yams counts it in Characters): the line and column are counted here.
      let before = offset.map { String(yaml.prefix(max(0, $0))) } ?? ""
      let lines = before.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
      let character = value >= 0 ? " (U+\(String(format: "%04X", value)))" : ""
      self.init(file: file, line: lines.count, column: (lines.last?.unicodeScalars.count ?? 0) + 1, keyPath: "",
                problem: "the file cannot be read as YAML: \(short(problem).trimmingCharacters(in: CharacterSet(charactersIn: ".")))\(character)")
    default:
      self.init(file: file, line: 1, keyPath: "", problem: "the YAML does not parse: \(short("\(error)"))")
    }
  }

  public func message(naming name: (Setting) -> String) -> String {
    // Line 0: a value set with --set, not in the file.
    let place = line == 0 ? "\(printable(file)) with --set" : "\(printable(file)), line \(line)\(column.map { ", column \($0)" } ?? "")"
    return keyPath.isEmpty ? "\(place): \(problem)." : "\(place), \(printable(keyPath)): \(problem)."
  }
}

/// One node of the config with its key path, for reading it strictly.
struct ConfigNode {
  let node: Node
  let path: String
  let file: String

  init(_ node: Node, path: String, file: String) { (self.node, self.path, self.file) = (node, path, file) }

  /// The node's line in the file; 0 for a value set with --set.
  var line: Int { node.mark?.line ?? 0 }
  var isSequence: Bool { if case .sequence = node { true } else { false } }

  func error(_ problem: String) -> ConfigError { ConfigError(file: file, line: line, keyPath: path, problem: problem) }

  func child(_ key: String, _ node: Node) -> ConfigNode { ConfigNode(node, path: path.isEmpty ? key : "\(path).\(key)", file: file) }

  /// The keys of a mapping (an empty value, `performance:` or `{}`, is an empty mapping); an unknown key is an error.
  /// `allowed` nil takes any key (a mapping of names the user chooses).
  func mapping(allowed: Set<String>?) throws -> [String: ConfigNode] {
    if case let .scalar(scalar) = node, scalar.string.isEmpty || scalar.tag.description.hasSuffix(":null") { return [:] }
    guard case let .mapping(mapping) = node else { throw error("expected keys (a mapping), found \(kind)") }
    var out: [String: ConfigNode] = [:]
    // A key without a mark came from --set (line 0).
    for (key, value) in mapping {
      guard case let .scalar(name) = key else { throw ConfigNode(key, path: path, file: file).error("a key must be text") }
      let entry = child(name.string, value)
      if let allowed, !allowed.contains(name.string) {
        throw ConfigError(file: file, line: key.mark?.line ?? 0, keyPath: entry.path, problem: allowed.isEmpty
          ? "unknown key; \(path.isEmpty ? "this" : path) takes no keys" : "unknown key; the keys here are \(allowed.sorted().joined(separator: ", "))")
      }
      guard out[name.string] == nil else { throw ConfigError(file: file, line: key.mark?.line ?? 0, keyPath: entry.path, problem: "the key is given twice") }
      out[name.string] = entry
    }
    return out
  }

  /// The value of `key` among this mapping's `keys`; its absence is an error at this node.
  func required(_ key: String, in keys: [String: ConfigNode]) throws -> ConfigNode {
    guard let node = keys[key] else { throw error("the key \(key) is missing") }
    return node
  }

  var kind: String {
    switch node {
    case .scalar: "a value"
    case .mapping: "keys (a mapping)"
    case .sequence: "a list"
    case .alias: "an alias"
    }
  }

  func string() throws -> String {
    guard case let .scalar(scalar) = node else { throw error("expected text, found \(kind)") }
    return scalar.string
  }

  /// The text of a value that must be a number or true/false. It must be written plain: YAML reads a quoted "1" as
  /// text, and a config read strictly does not guess that text was meant as a number.
  func plain(_ expected: String) throws -> String {
    guard case let .scalar(scalar) = node else { throw error("expected \(expected), found \(kind)") }
    if scalar.style == .singleQuoted || scalar.style == .doubleQuoted {
      throw error("expected \(expected), found the text '\(printable(scalar.string))' in quotes (YAML reads a quoted value as text); write it without the quotes")
    }
    return scalar.string
  }

  func flag() throws -> Bool {
    let text = try plain("true or false")
    guard let flag = Bool(text) else { throw error("expected true or false, found '\(printable(text))'") }
    return flag
  }

  func int(minimum: Int, maximum: Int = Int.max) throws -> Int {
    let text = try plain("a whole number")
    guard let value = Int(text) else { throw error("expected a whole number, found '\(printable(text))'") }
    guard value >= minimum else { throw error("expected a whole number of at least \(minimum), found \(value)") }
    guard value <= maximum else { throw error("expected a whole number of at most \(maximum), found \(value)") }
    return value
  }

  func double() throws -> Double {
    let text = try plain("a number")
    guard let value = Double(text), value.isFinite else { throw error("expected a number, found '\(printable(text))'") }
    return value
  }

  func sequence() throws -> [ConfigNode] {
    guard case let .sequence(items) = node else { throw error("expected a list, found \(kind)") }
    return items.enumerated().map { ConfigNode($1, path: "\(path)[\($0)]", file: file) }
  }

  /// A list of texts, or one text as a list of one.
  func strings() throws -> [String] {
    if case .scalar = node { return [try string()] }
    return try sequence().map { try $0.string() }
  }
}

extension ReportConfig {
  /// `privacy.dp_train`: the keys of `candor dp-train` that a config sets.
  /// Each key's line goes into `lines`, for the errors found when the settings meet the training rows.
  static func privateTraining(_ node: ConfigNode, hasLedger: Bool, hasTrain: Bool, lines: inout [String: Int]) throws -> PrivateTrainingSettings {
    let k = try node.mapping(allowed: ["epsilon", "delta", "feature_spec", "model", "epochs", "batch_size", "clip", "learning_rate",
                                       "insecure_seed", "allow_insecure", "note"])
    for entry in k.values { lines[entry.path] = entry.line }
    guard hasTrain else { throw node.error("DP-SGD trains on data.train: add it (the private training rows)") }
    func positive(_ key: String) throws -> Double? {
      guard let n = k[key] else { return nil }
      let value = try n.double()
      guard value > 0 else { throw n.error("expected a number above 0, found \(formatNumber(value))") }
      return value
    }
    guard let epsilon = try positive("epsilon") else { throw node.error("dp_train needs epsilon (the target ε the noise is calibrated for, e.g. 1)") }
    var s = PrivateTrainingSettings(epsilon: epsilon)
    s.delta = try positive("delta")
    if let delta = s.delta, delta >= 1 { throw k["delta"]!.error("expected a number below 1, found \(formatNumber(delta))") }
    guard s.delta != nil || hasLedger else { throw node.error("dp_train needs delta (below 1/n), or privacy.ledger, whose delta is used") }
    s.featureSpec = try k["feature_spec"]?.string()
    if let m = k["model"] {
      let type = try m.string()
      guard type == "logistic" || type == "mlp" else { throw m.error("DP-SGD trains logistic or mlp, not '\(printable(type))'") }
      s.modelType = type
    }
    s.epochs = try positive("epochs") ?? s.epochs
    s.batchSize = try positive("batch_size") ?? s.batchSize
    s.clip = try positive("clip") ?? s.clip
    s.learningRate = try positive("learning_rate") ?? s.learningRate
    if let seed = k["insecure_seed"] {
      let text = try seed.plain("a whole number from 0 to 2^64 − 1")
      guard let value = UInt64(text) else { throw seed.error("expected a whole number from 0 to 2^64 − 1, found '\(printable(text))'") }
      s.insecureSeed = value
    }
    if let allow = k["allow_insecure"] {
      let flag = try allow.flag()
      s.allowInsecure = flag
    }
    if s.insecureSeed != nil, hasLedger, !s.allowInsecure {
      throw k["insecure_seed"]!.error("a seeded run is not private (anyone with the seed can remove the noise), so it spends nothing real from privacy.ledger; add allow_insecure: true to record it there as not private, or drop insecure_seed")
    }
    s.note = try k["note"]?.string() ?? s.note
    return s
  }
}

extension ReportConfig {
  /// The keys that say what a model behind `model.url` or `model.cmd` reads and answers.
  static func blackBox(_ k: [String: ConfigNode], at node: ConfigNode, url: Bool) throws -> BlackBox {
    guard let features = k["features"] else { throw node.error("a model behind a URL or a command needs features (the columns it reads, in its order)") }
    var box = BlackBox(features: try features.strings())
    guard !box.features.isEmpty else { throw features.error("give at least one column") }
    if let output = k["output"] {
      let kinds = ["binary", "multiclass", "regression", "labels"]
      box.output = try output.string()
      guard kinds.contains(box.output) else { throw output.error("'\(printable(box.output))' is not an output; the outputs are \(kinds.joined(separator: ", "))") }
    }
    box.classes = try k["classes"]?.strings()
    if case let .failure(problem) = BlackBoxOutput.declared(kind: box.output, classes: box.classes) {
      throw (k["classes"] ?? k["output"] ?? node).error("\(problem.classes.map { printable($0) }.joined(separator: ", ")): \(problem.reason)")
    }
    box.batchSize = try k["batch_size"]?.int(minimum: 1, maximum: 1_000_000)
    box.concurrency = try k["concurrency"]?.int(minimum: 1, maximum: 64)
    if let t = k["timeout"] {
      let timeout = try t.double()
      guard timeout > 0 else { throw t.error("expected seconds above 0, found \(formatNumber(timeout))") }
      box.timeout = timeout
    }
    if let headers = k["headers_from_env"] {
      guard url else { throw headers.error("headers go with model.url") }
      for (name, variable) in try headers.mapping(allowed: nil) { box.headersFromEnvironment[name] = try variable.string() }
    }
    return box
  }
}
