import CandorCore
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A model behind an HTTP endpoint speaking MLflow's scoring-server protocol (`--model-url`): each batch is
/// `POST URL` with `Content-Type: application/json` and `{"dataframe_split": {"columns": [...], "data": [[...]]}}`
/// (numbers as numbers, text as strings, missing cells as null); the answer is `{"predictions": ...}` (or a bare
/// list): one number per row (P(positive) for binary, the value for regression), a list of class probabilities
/// per row, or an object per row keyed by class. Batches follow the batching contract (`runBatches`): up to
/// `concurrency` requests in flight (across every thread that calls `predict`); a request that fails in transport or answers 5xx or 429 is retried twice
/// (after 0.2 s and 0.4 s; scoring is safe to repeat); the first failure stops the rest and names the rows.
/// Headers (`--header`) are sent and never written into a message.
public final class EndpointModel: Model, @unchecked Sendable {
  public let url: URL
  public let featureNames: [String]
  public let declared: BlackBoxOutput
  public let options: BatchingOptions
  public var outputKind: OutputKind { declared.kind }
  public var providesScores: Bool { !declared.labelsOnly }
  public var classes: [String] { declared.classes }
  private let headers: [(String, String)]
  private let session: URLSession
  private let statistics = CallStatistics()
  /// At most `concurrency` requests in flight, also when analyses call `predict` from several threads.
  private let inFlight: DispatchSemaphore
  /// Retries after a failed attempt, and the first wait (doubled each time).
  static let retries = 2, firstBackoff = 0.2

  /// - Throws: `ModelError.invalidSetting` for a URL that is not http(s), a header that is not `Name: value`,
  ///   or batching options that cannot be used.
  public init(url text: String, headers: [String], features: [String], output: BlackBoxOutput, options: BatchingOptions) throws {
    guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
      throw ModelError.invalidSetting(.init(.modelURL, value: Self.redacted(text), .because("give an http:// or https:// URL, /invocations included")))
    }
    var parsed: [(String, String)] = []
    for header in headers {
      guard let colon = header.firstIndex(of: ":"), !header[..<colon].trimmingCharacters(in: .whitespaces).isEmpty else {
        // The value may be a secret: only the name part (before any colon) is shown.
        throw ModelError.invalidSetting(.init(.httpHeader, value: "(not shown)", .because("write a header as 'Name: value'")))
      }
      let (name, value) = (header[..<colon].trimmingCharacters(in: .whitespaces), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces))
      if let problem = HTTPExchange.headerProblem(name: name, value: value) {
        throw ModelError.invalidSetting(.init(.httpHeader, value: "'\(printable(name))' (its value not shown)", .because(problem)))
      }
      parsed.append((name, value))
    }
    try options.validate()
    self.url = url
    self.headers = parsed
    featureNames = features
    declared = output
    self.options = options
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = options.timeout
    configuration.httpMaximumConnectionsPerHost = options.concurrency
    session = URLSession(configuration: configuration)
    inFlight = DispatchSemaphore(value: options.concurrency)
  }

  /// The URL without user name or password, for messages.
  public var shownURL: String { Self.redacted(url.absoluteString) }

  static func redacted(_ text: String) -> String { HTTPExchange.redacted(text) }

  /// Rows scored, calls made and seconds spent, so far.
  public var callSummary: (rows: Int, calls: Int, seconds: Double) { statistics.summary }

  public func predict(_ table: Table) throws -> Matrix {
    let columns = try boundColumns(featureNames, of: table)
    return try runBatches(rows: table.rowCount, width: declared.columns, options: options, statistics: statistics) { [self] first, last in
      let body = Self.body(columns: columns, names: featureNames, rows: first..<last)
      do {
        return try self.values(try self.post(body), rows: last - first)
      } catch let reason as Reason {
        throw ModelError.modelEndpointFailed(url: self.shownURL, rows: first...(last - 1), reason: reason.text)
      }
    }
  }

  struct Reason: Error {
    var text: String
  }

  /// The request body of rows `rows`, written by Core's JSON writer (missing and non-finite numbers as null).
  static func body(columns: [Column], names: [String], rows: Range<Int>) -> Data {
    let data = rows.map { r in
      JSONValue.array(columns.map { column in
        switch column {
        case let .numeric(numeric): numeric.values[r].isFinite ? .number(numeric.values[r]) : .null
        case let .categorical(categorical): categorical.value(at: r).map(JSONValue.string) ?? .null
        }
      })
    }
    return JSONValue.object([("dataframe_split", .object([("columns", .array(names.map(JSONValue.string))), ("data", .array(data))]))]).data()
  }

  /// POSTs `body`, retrying a transport failure, a 5xx or a 429.
  func post(_ body: Data) throws(Reason) -> Data {
    inFlight.wait()
    defer { inFlight.signal() }
    var wait = Self.firstBackoff
    var last = ""
    for attempt in 0...Self.retries {
      if attempt > 0 {
        Thread.sleep(forTimeInterval: wait)
        wait *= 2
      }
      let answer: HTTPExchange.Response
      do throws(HTTPExchange.Failure) {
        answer = try HTTPExchange(method: "POST", url: url, headers: headers, body: body, contentType: "application/json", timeout: options.timeout).send(session: session)
      } catch {
        switch error {
        case .timedOut: throw Reason(text: "it did not answer within the timeout of \(formatNumber(options.timeout)) s")
        case let .failed(text):
          last = "the connection failed (\(text))"
          continue
        }
      }
      let status = answer.status
      if status >= 500 || status == 429 {
        last = "it answered HTTP \(status)"
        continue
      }
      guard (200..<300).contains(status) else { throw Reason(text: "it answered HTTP \(status)") }
      return answer.body
    }
    throw Reason(text: "\(last) on all \(Self.retries + 1) attempts")
  }

  /// The scores in an endpoint's raw HTTP answer (status line, header fields, body — chunked or not), as one call
  /// reads them: for the fuzz target of the answer's readers (`Fuzz/EndpointAnswer`).
  /// - Throws: `ModelError.modelEndpointFailed` with the reason the answer is refused.
  public static func scores(fromHTTPAnswer bytes: [UInt8], output: BlackBoxOutput, rows: Int) throws -> [Double] {
    func failed(_ reason: String) -> ModelError { .modelEndpointFailed(url: "(answer)", rows: 0...max(rows - 1, 0), reason: reason) }
    let status: Int, body: Data
    do {
      (status, body) = try HTTPExchange.parseResponse(bytes)
    } catch .timedOut {
      throw failed("it timed out")
    } catch let .failed(reason) {
      throw failed(reason)
    }
    guard (200..<300).contains(status) else { throw failed("it answered HTTP \(status)") }
    do {
      return try values(body, rows: rows, declared: output)
    } catch {
      throw failed(error.text)
    }
  }

  /// The numbers of an answer: `width` per row, `rows` rows.
  func values(_ data: Data, rows: Int) throws(Reason) -> [Double] { try Self.values(data, rows: rows, declared: declared) }

  static func values(_ data: Data, rows: Int, declared: BlackBoxOutput) throws(Reason) -> [Double] {
    guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else {
      throw Reason(text: "its answer is not JSON (it begins '\(printable(String(decoding: data.prefix(40), as: UTF8.self)))')")
    }
    let predictions: [Any]
    if let list = object as? [Any] {
      predictions = list
    } else if let dictionary = object as? [String: Any], let list = dictionary["predictions"] as? [Any] {
      predictions = list
    } else {
      throw Reason(text: "its answer has no \"predictions\" list")
    }
    guard predictions.count == rows else {
      throw Reason(text: "it answered \(predictions.count) predictions for \(rows) rows")
    }
    var values = [Double]()
    values.reserveCapacity(rows * declared.columns)
    for (i, prediction) in predictions.enumerated() {
      if declared.labelsOnly {
        let label: String? = switch prediction {
        case let text as String: text
        case let number as NSNumber where String(cString: number.objCType) != "c": formatNumber(number.doubleValue)
        default: nil
        }
        guard let label, let scores = declared.scores(ofLabel: label) else {
          throw Reason(text: "prediction \(i + 1) is \(label.map { "'\(printable($0))'" } ?? "not a label"), which is none of the declared classes (\(declared.classes.map { printable($0) }.joined(separator: ", ")))")
        }
        values += scores
        continue
      }
      let row: [Double]
      switch prediction {
      case let number as NSNumber where String(cString: number.objCType) != "c":
        row = [number.doubleValue]
      case let list as [Any]:
        let numbers = list.compactMap { ($0 as? NSNumber)?.doubleValue }
        guard numbers.count == list.count else { throw Reason(text: "prediction \(i + 1) is a list that holds something other than numbers") }
        row = numbers
      case let byClass as [String: Any]:
        var numbers: [Double] = []
        for name in declared.classes {
          guard let value = (byClass[name] as? NSNumber)?.doubleValue else {
            throw Reason(text: "prediction \(i + 1) has no number for class '\(printable(name))' (it has: \(byClass.keys.sorted().map { printable($0) }.joined(separator: ", ")))")
          }
          numbers.append(value)
        }
        row = numbers
      default:
        throw Reason(text: "prediction \(i + 1) is neither a number, a list of numbers nor an object keyed by class")
      }
      // A binary model may answer both classes' probabilities: the positive class is the second.
      let fitted = declared.kind == .binaryProbability && row.count == 2 ? [row[1]] : row
      guard fitted.count == declared.columns else {
        throw Reason(text: "prediction \(i + 1) holds \(row.count) numbers; a \(declared.kind.rawValue.replacingOccurrences(of: "_", with: " ")) model answers \(declared.columns)")
      }
      for value in fitted {
        guard value.isFinite else { throw Reason(text: "prediction \(i + 1) holds \(formatNumber(value)), which is not a finite number") }
        if declared.kind != .regression && !(value >= 0 && value <= 1) {
          throw Reason(text: "prediction \(i + 1) holds \(formatNumber(value)), which is not a probability")
        }
      }
      if declared.kind != .regression && row.count > 1, let problem = BlackBoxOutput.sumProblem(row) {
        throw Reason(text: "prediction \(i + 1): \(problem)")
      }
      values += fitted
    }
    return values
  }
}
