import ArgumentParser
import CandorCore
import CandorPipeline
import CandorPrivacy
import Foundation

struct Report: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "report",
    abstract: "Run the analyses a YAML config names into one self-contained HTML report and its JSON twin, with scorecard gates.",
    discussion: """
      The config (samples/rai.yaml is a commented example) names the data, the model (a model file, or a type to \
      train), the sensitive features, the analyses, the gates and the outputs; --set key.path=value overrides any \
      of its values, --html and --json its output paths. An analysis that fails is kept in the report, marked failed with its error; the others still \
      run. Exit 0 when the report is written; 4 when it is written and an analysis failed; 3 with --fail-on-gate \
      when a gate fails or is inconclusive (unless --inconclusive-passes); 2 for bad input (nothing written).
      """)

  @Option(help: "The YAML config.")
  var config: String

  @Option(help: "Write the HTML report here (overrides output.html).")
  var html: String?

  @Option(help: "Write the JSON report here (overrides output.json).")
  var json: String?

  @Option(name: .customLong("model-card-out"), help: "Write the model card (Model Card Toolkit fields) alone here.")
  var modelCardOut: String?

  @Option(name: .customLong("set"), help: ArgumentHelp("Override a config value: key.path=value, the value read as YAML, e.g. analyses.fairness.bootstrap=500 or 'sensitive=[sex]'. Repeatable.", valueName: "key=value"))
  var overrides: [String] = []

  @Flag(name: .customLong("fail-on-gate"), help: "Exit 3 when any gate fails or is inconclusive.")
  var failOnGate = false

  @Flag(name: .customLong("inconclusive-passes"), help: "With --fail-on-gate: an inconclusive gate does not fail the run.")
  var inconclusivePasses = false

  @Option(name: .customLong("mlflow-tracking-uri"), help: ArgumentHelp("Log the run to this MLflow tracking server (http or https, REST API; credentials from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD).", valueName: "URI"))
  var mlflowTrackingURI: String?

  @Option(name: .customLong("mlflow-experiment"), help: "The MLflow experiment to log to, made when missing (default candor).")
  var mlflowExperiment: String?

  @OptionGroup var reading: ReadOptions

  /// The config, read once in `run` before the outputs are checked.
  var parsed: ReportConfig? { try? ReportConfig.parse(data: (try? InputFile.read(config)) ?? Data(), path: config, overrides: overrides) }

  var inputFiles: [(Setting, String?)] { [(.config, config)] + (parsed.map(Self.inputs) ?? []) }
  var outputFiles: [(Setting, String?)] {
    let settings = parsed
    return [(.html, html ?? settings?.html), (.json, json ?? settings?.json), (.modelCardOut, modelCardOut)]
  }

  static func inputs(_ c: ReportConfig) -> [(Setting, String?)] {
    var files: [(Setting, String?)] = [(.data, c.data.test), (.trainData, c.data.train)]
    if case let .path(path) = c.model { files.append((.model, path)) }
    if let ledger = c.privacyLedger { files += [(.ledger, ledger), (.ledger, LedgerFile.lockPath(of: ledger))] }
    return files
  }

  func validate() throws {
    if inconclusivePasses && !failOnGate { throw ValidationError("--inconclusive-passes goes with --fail-on-gate.") }
    if mlflowExperiment != nil && mlflowTrackingURI == nil { throw ValidationError("--mlflow-experiment goes with --mlflow-tracking-uri.") }
    if let name = mlflowExperiment, name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || name.count > 500 {
      throw ValidationError("--mlflow-experiment: give the experiment's name, 1 to 500 characters (found \(name.count)).")
    }
    if let uri = mlflowTrackingURI, let problem = MLflowTracking(uri: uri, experiment: "")?.credentialProblem { throw ValidationError(problem + ".") }
    if let uri = mlflowTrackingURI, MLflowTracking(uri: uri, experiment: "") == nil {
      throw ValidationError("--mlflow-tracking-uri \(printable(HTTPExchange.redacted(uri))): give the server's http:// or https:// address (e.g. http://127.0.0.1:5000; a port from 1 to 65535), without a user name or password (set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN).")
    }
  }

  func run() throws {
    let started = Date()
    let data = try InputFile.read(config)
    let settings = try ReportConfig.parse(data: data, path: config, overrides: overrides)
    guard html ?? settings.html != nil || json ?? settings.json != nil || modelCardOut != nil else {
      throw ValidationError("The report has nowhere to go: give output.html or output.json in \(config), or --html / --json.")
    }
    let files: OutputTransaction
    do { files = try outputTransaction() } catch { throw ReportFilesNamed(underlying: error) }
    // The server is asked for the experiment before any analysis runs, so an unreachable one costs nothing.
    let tracking = mlflowTrackingURI.flatMap { MLflowTracking(uri: $0, experiment: mlflowExperiment ?? "candor") }
    let experimentID = try tracking.map { try $0.experimentID() }
    let provenance = ReportRun.Provenance(configPath: config, configData: data, commandLine: ["candor"] + CommandLine.arguments.dropFirst(),
                                          candorVersion: Candor.version, gitCommit: GitCommit.current(), started: started)
    let outcome: ReportRun.Outcome
    do {
      outcome = try ReportRun.run(settings, provenance: provenance, readOptions: reading.csvOptions())
    } catch let error as any CandorError {
      // A library's setting is named as the config names it (data.positive, not --positive).
      throw ConfigNamed(underlying: error)
    }
    if html ?? settings.html != nil { try files.write(.html, Data(outcome.html.utf8)) }
    if json ?? settings.json != nil { try files.write(.json, outcome.json) }
    if modelCardOut != nil {
      let document = try JSONSerialization.jsonObject(with: outcome.json) as! [String: Any]
      try files.write(.modelCardOut, try JSONSerialization.data(withJSONObject: document["model_card"]!, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]))
    }
    try files.commit()
    for analysis in outcome.analyses { print("\(analysis.name) [\(analysis.status.rawValue)]: \(analysis.headline)") }
    for gate in outcome.gates {
      var measured = " (not measured)"
      if gate.value.isFinite {
        let interval = gate.interval.map { ", interval \(formatRounded($0[0], significantDigits: 4)) to \(formatRounded($0[1], significantDigits: 4))" } ?? ""
        measured = " (\(formatRounded(gate.value, significantDigits: 4))\(interval))"
      }
      print("gate \(gate.gate.text): \(gate.verdict.rawValue)\(measured)")
    }
    for (_, path) in outputFiles { if let path { print("Wrote \(path).") } }
    if let tracking, let experimentID {
      let (params, metrics, tags) = outcome.mlflowFields()
      var artifacts: [(name: String, data: Data, contentType: String)] = [("report.html", Data(outcome.html.utf8), "text/html"), ("report.json", outcome.json, "application/json")]
      if modelCardOut != nil, let card = (try? JSONSerialization.jsonObject(with: outcome.json) as? [String: Any])?["model_card"],
         let data = try? JSONSerialization.data(withJSONObject: card, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]) {
        artifacts.append(("model_card.json", data, "application/json"))
      }
      do {
        let logged = try tracking.log(experimentID: experimentID, runName: (try? JSONSerialization.jsonObject(with: outcome.json) as? [String: Any])?["title"] as? String ?? "candor report",
                                      params: params, metrics: metrics, tags: tags, artifacts: artifacts, started: started, finished: Date())
        print("Logged MLflow run \(logged.runID) in experiment \(printable(tracking.experiment)) (id \(experimentID)): \(params.count) params, \(metrics.count) metrics, \(artifacts.count) artifacts.")
      } catch let failure as MLflowTracking.Failure {
        throw FailedAfterWrite(underlying: failure)
      }
    }
    let inconclusivePasses = self.inconclusivePasses
    let blocking = outcome.gates.contains { g in g.verdict == GateResult.Verdict.fail || (g.verdict == GateResult.Verdict.inconclusive && !inconclusivePasses) }
    // A failed analysis (4) comes before a gate (3): the gates it would have measured are not measured.
    if outcome.anyAnalysisFailed {
      FileHandle.standardError.write(Data("error: an analysis failed; the report marks it and holds the others.\n".utf8))
      Foundation.exit(4)
    }
    if failOnGate && blocking {
      FileHandle.standardError.write(Data("error: a gate did not pass (--fail-on-gate).\n".utf8))
      Foundation.exit(3)
    }
  }
}

/// MLflow logging that failed after the report was written: the files stay, the exit code is 1.
struct FailedAfterWrite: CandorError {
  var underlying: MLflowTracking.Failure
  var exitStatus: ExitStatus { .failure }
  func message(naming name: (Setting) -> String) -> String { underlying.message(naming: name) + " The report files were written all the same." }
}

/// A library error from a report run, its settings named as the config names them.
struct ConfigNamed: CandorError {
  var underlying: any CandorError
  var exitStatus: ExitStatus { underlying.exitStatus }
  func message(naming name: (Setting) -> String) -> String { underlying.message(naming: ReportRun.configSpelling) }
}

/// An output error of `candor report`, its files named as the config and the flags name them.
struct ReportFilesNamed: CandorError {
  var underlying: OutputError
  func message(naming name: (Setting) -> String) -> String {
    underlying.message { setting in
      switch setting {
      case .data: "data.test"
      case .trainData: "data.train"
      case .model: "model.path"
      case .ledger: "privacy.ledger"
      case .config: "--config"
      case .html: "the HTML output (output.html or --html)"
      case .json: "the JSON output (output.json or --json)"
      default: name(setting)
      }
    }
  }
}

extension Setting {
  static let config = Setting("config")
  static let trainData = Setting("trainData")
  static let modelCardOut = Setting("modelCardOut")
}

/// The commit checked out in the current directory's git work tree, read from `.git` (no process is run); nil
/// outside a work tree or when the ref cannot be resolved.
enum GitCommit {
  static func current(from directory: String = FileManager.default.currentDirectoryPath) -> String? {
    var folder = URL(fileURLWithPath: directory)
    for _ in 0..<32 {
      let git = folder.appendingPathComponent(".git")
      if let head = try? String(contentsOf: git.appendingPathComponent("HEAD"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) {
        guard head.hasPrefix("ref: ") else { return isCommit(head) ? head : nil }
        let ref = String(head.dropFirst(5))
        if let loose = try? String(contentsOf: git.appendingPathComponent(ref), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), isCommit(loose) {
          return loose
        }
        let packed = (try? String(contentsOf: git.appendingPathComponent("packed-refs"), encoding: .utf8)) ?? ""
        for line in packed.split(separator: "\n") where line.hasSuffix(" " + ref) {
          let hash = String(line.prefix(40))
          if isCommit(hash) { return hash }
        }
        return nil
      }
      let parent = folder.deletingLastPathComponent()
      if parent.path == folder.path { return nil }
      folder = parent
    }
    return nil
  }

  static func isCommit(_ text: String) -> Bool { text.count == 40 && text.allSatisfy(\.isHexDigit) }
}
