import CandorCore
import Foundation

/// Logs a report run to an MLflow tracking server through its REST API (`/api/2.0/mlflow/…`): the experiment found
/// by name or created, a run with the config as params, every measured value and gate as metrics, the input hashes
/// and Candor's version as tags, and the HTML and JSON as artifacts through the server's artifact proxy
/// (`mlflow server --serve-artifacts`, the default since MLflow 2). Credentials come from MLflow's own environment
/// variables (`MLFLOW_TRACKING_TOKEN`, or `MLFLOW_TRACKING_USERNAME` and `MLFLOW_TRACKING_PASSWORD`) and are never
/// put in a message.
public struct MLflowTracking: Sendable {
  public struct Failure: CandorError {
    public var uri: String
    public var reason: String
    public var exitStatus: ExitStatus { .failure }
    public func message(naming name: (Setting) -> String) -> String { "Logging to MLflow at \(uri) failed: \(reason)." }
  }

  public var trackingURI: URL
  public var experiment: String
  public var timeout = 30.0
  var authorization: String?
  /// The credentials as sent and as given, taken out of anything the server says before it reaches a message.
  var secrets: [String] = []

  /// nil for a URI that is not http(s), names a port outside 1–65535 or holds a user name or password (give those
  /// in the environment).
  public init?(uri: String, experiment: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
    guard let url = URL(string: uri.hasSuffix("/") ? String(uri.dropLast()) : uri), let scheme = url.scheme?.lowercased(),
          scheme == "http" || scheme == "https", url.host != nil, url.user == nil, url.password == nil,
          url.port.map({ (1...65_535).contains($0) }) ?? true else { return nil }
    trackingURI = url
    self.experiment = experiment
    if let token = environment["MLFLOW_TRACKING_TOKEN"], !token.isEmpty {
      authorization = "Bearer \(token)"
      secrets = [token]
    } else if let user = environment["MLFLOW_TRACKING_USERNAME"], let password = environment["MLFLOW_TRACKING_PASSWORD"] {
      let encoded = Data("\(user):\(password)".utf8).base64EncodedString()
      authorization = "Basic " + encoded
      secrets = [encoded] + (password.isEmpty ? [] : [password])
    }
  }

  /// What is wrong with the credentials in the environment, or nil: a token or password with a line break or
  /// another control character cannot be sent as a header (its value is never shown).
  public var credentialProblem: String? {
    guard let authorization, HTTPExchange.headerProblem(name: "Authorization", value: authorization) != nil else { return nil }
    return "MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD holds a line break or another control character, so it cannot be sent as a header"
  }

  /// `text` from the server with every credential replaced, so a server that echoes the request cannot put a secret in a message.
  func withoutSecrets(_ text: String) -> String {
    secrets.filter { !$0.isEmpty }.reduce(text) { $0.replacingOccurrences(of: $1, with: "(redacted)") }
  }

  /// The experiment's id: found by name, or created.
  public func experimentID() throws -> String {
    let name = experiment.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? experiment
    let (status, found) = try call("GET", "mlflow/experiments/get-by-name?experiment_name=\(name)", allowing: [404])
    if status == 200, let id = (found["experiment"] as? [String: Any])?["experiment_id"] as? String { return id }
    let (_, created) = try call("POST", "mlflow/experiments/create", json: ["name": experiment])
    guard let id = created["experiment_id"] as? String else { throw failure("it created the experiment but gave no experiment_id") }
    return id
  }

  public struct Logged: Sendable {
    public var experimentID: String
    public var runID: String
  }

  /// One finished run in experiment `experimentID`: params, metrics, tags, then each artifact; a run whose logging
  /// fails part way is marked FAILED on the server (when it still answers).
  public func log(experimentID: String, runName: String, params: [(String, String)], metrics: [(String, Double)], tags: [(String, String)],
                  artifacts: [(name: String, data: Data, contentType: String)], started: Date, finished: Date) throws -> Logged {
    let startMillis = Int64(started.timeIntervalSince1970 * 1000), endMillis = Int64(finished.timeIntervalSince1970 * 1000)
    let (_, created) = try call("POST", "mlflow/runs/create", json: [
      "experiment_id": experimentID, "start_time": startMillis, "run_name": runName,
      "tags": [["key": "mlflow.runName", "value": runName], ["key": "mlflow.source.name", "value": "candor report"]],
    ])
    guard let info = (created["run"] as? [String: Any])?["info"] as? [String: Any], let runID = info["run_id"] as? String else {
      throw failure("it created a run but gave no run_id")
    }
    do {
      // log-batch takes at most 1000 metrics, 100 params and 100 tags per request.
      let paramItems = params.map { ["key": Self.key($0.0), "value": String($0.1.prefix(6000))] }
      let metricItems = metrics.filter { $0.1.isFinite }.map { ["key": Self.key($0.0), "value": $0.1, "timestamp": endMillis, "step": 0] as [String: Any] }
      let tagItems = tags.map { ["key": Self.key($0.0), "value": String($0.1.prefix(8000))] }
      for chunk in stride(from: 0, to: max(paramItems.count, 1), by: 100) {
        _ = try call("POST", "mlflow/runs/log-batch", json: ["run_id": runID, "params": Array(paramItems[chunk..<min(chunk + 100, paramItems.count)])])
      }
      for chunk in stride(from: 0, to: metricItems.count, by: 1000) {
        _ = try call("POST", "mlflow/runs/log-batch", json: ["run_id": runID, "metrics": Array(metricItems[chunk..<min(chunk + 1000, metricItems.count)])])
      }
      for chunk in stride(from: 0, to: tagItems.count, by: 100) {
        _ = try call("POST", "mlflow/runs/log-batch", json: ["run_id": runID, "tags": Array(tagItems[chunk..<min(chunk + 100, tagItems.count)])])
      }
      if !artifacts.isEmpty {
        let uri = info["artifact_uri"] as? String ?? ""
        guard uri.hasPrefix("mlflow-artifacts:/") else {
          throw failure("the run's artifacts go to \(printable(uri)), which only the server's artifact proxy can reach for Candor; start the server with --serve-artifacts")
        }
        let base = uri.dropFirst("mlflow-artifacts:/".count).split(separator: "/").map { String($0) }
        for artifact in artifacts {
          let path = (base + [artifact.name]).map { $0.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? $0 }.joined(separator: "/")
          _ = try call("PUT", "mlflow-artifacts/artifacts/\(path)", body: artifact.data, contentType: artifact.contentType)
        }
      }
      _ = try call("POST", "mlflow/runs/update", json: ["run_id": runID, "status": "FINISHED", "end_time": endMillis])
    } catch {
      _ = try? call("POST", "mlflow/runs/update", json: ["run_id": runID, "status": "FAILED", "end_time": endMillis])
      throw error
    }
    return Logged(experimentID: experimentID, runID: runID)
  }

  /// A name MLflow accepts for a param, metric or tag (letters, digits, `_ - . / :` and spaces): a disparity of a
  /// sensitive set, `demographic_parity_difference(sex|race)`, becomes `demographic_parity_difference/sex/race`.
  public static func key(_ name: String) -> String {
    var text = name
    if let open = text.firstIndex(of: "("), text.hasSuffix(")") {
      text = text[..<open] + "/" + text[text.index(after: open)..<text.index(before: text.endIndex)].replacingOccurrences(of: "|", with: "/")
    }
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./: ")
    return String(String(text.map { allowed.contains($0) ? $0 : "_" }).prefix(250))
  }

  func failure(_ reason: String) -> Failure { Failure(uri: trackingURI.absoluteString, reason: reason) }

  /// One API call; its answer's JSON object. A status outside 2xx (and `allowing`) is a failure naming MLflow's own
  /// error code and message.
  @discardableResult
  func call(_ method: String, _ path: String, json: [String: Any]? = nil, body: Data? = nil, contentType: String? = nil,
            allowing: Set<Int> = []) throws -> (Int, [String: Any]) {
    guard let url = URL(string: trackingURI.absoluteString + "/api/2.0/" + path) else { throw failure("the URL for \(path) is not valid") }
    let payload = try json.map { try JSONSerialization.data(withJSONObject: $0) } ?? body
    let exchange = HTTPExchange(method: method, url: url, headers: authorization.map { [("Authorization", $0)] } ?? [], body: payload,
                                contentType: json != nil ? "application/json" : contentType, timeout: timeout)
    let answer: HTTPExchange.Response
    do throws(HTTPExchange.Failure) {
      answer = try exchange.send()
    } catch {
      switch error {
      case .timedOut: throw failure("it did not answer \(method) /api/2.0/\(path.split(separator: "?")[0]) within \(formatNumber(timeout)) s")
      case let .failed(reason): throw failure("\(method) /api/2.0/\(path.split(separator: "?")[0]): \(reason)")
      }
    }
    let object = (try? JSONSerialization.jsonObject(with: answer.body)) as? [String: Any] ?? [:]
    guard (200..<300).contains(answer.status) || allowing.contains(answer.status) else {
      let said = [object["error_code"] as? String, object["message"] as? String].compactMap { $0 }.joined(separator: ": ")
      throw failure("\(method) /api/2.0/\(path.split(separator: "?")[0]) answered HTTP \(answer.status)" + (said.isEmpty ? "" : " (\(printable(withoutSecrets(said), limit: 300)))"))
    }
    return (answer.status, object)
  }
}

extension ReportRun.Outcome {
  /// What a run logs to MLflow: the config as params (nested keys joined with dots, lists as JSON), every measured
  /// value and each gate's value and verdict (1 pass, 0 fail, 0.5 inconclusive) as metrics, Candor's version, the
  /// commit and the inputs' SHA-256 as tags.
  public func mlflowFields() -> (params: [(String, String)], metrics: [(String, Double)], tags: [(String, String)]) {
    let document = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] ?? [:]
    var params: [(String, String)] = []
    func flatten(_ value: Any, _ key: String) {
      if let object = value as? [String: Any] {
        for (k, v) in object.sorted(by: { $0.key < $1.key }) { flatten(v, key.isEmpty ? k : "\(key).\(k)") }
      } else if let text = value as? String {
        params.append((key, text))
      } else if let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed, .withoutEscapingSlashes]) {
        params.append((key, String(decoding: data, as: UTF8.self)))
      }
    }
    flatten(document["config"] ?? [:], "")
    var metrics = measured.values.keys.sorted().map { ($0, measured.values[$0]!.value) }.filter { $0.1.isFinite }
    for (index, gate) in gates.enumerated() {
      if gate.value.isFinite { metrics.append(("gate_\(index)_value", gate.value)) }
      metrics.append(("gate_\(index)_passed", gate.verdict == .pass ? 1 : gate.verdict == .inconclusive ? 0.5 : 0))
    }
    metrics.append(("gates_passed", Double(gates.count { $0.verdict == .pass })))
    metrics.append(("gates_total", Double(gates.count)))
    let provenance = document["provenance"] as? [String: Any] ?? [:]
    var tags: [(String, String)] = [("candor.version", provenance["candor_version"] as? String ?? "")]
    if let commit = provenance["git_commit"] as? String { tags.append(("candor.git_commit", commit)) }
    for (name, entry) in ((provenance["inputs"] as? [String: [String: Any]]) ?? [:]).sorted(by: { $0.key < $1.key }) {
      if let hash = entry["sha256"] as? String { tags.append(("candor.sha256.\(name)", hash)) }
    }
    for (index, gate) in gates.enumerated() { tags.append(("candor.gate_\(index)", "\(gate.gate.text): \(gate.verdict.rawValue)")) }
    for analysis in analyses { tags.append(("candor.analysis.\(analysis.name)", analysis.status.rawValue)) }
    return (params, metrics, tags)
  }
}
