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
      parsed.append((header[..<colon].trimmingCharacters(in: .whitespaces), header[header.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
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

  static func redacted(_ text: String) -> String {
    guard var components = URLComponents(string: text), components.user != nil || components.password != nil else { return text }
    components.user = nil
    components.password = nil
    return components.string ?? "(the URL)"
  }

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
      let answer: (status: Int, body: Data)
      do {
        answer = url.scheme?.lowercased() == "http" ? try plainHTTP(body) : try viaURLSession(body)
      } catch let failure as Transport {
        if case .timedOut = failure { throw Reason(text: "it did not answer within the timeout of \(formatNumber(options.timeout)) s") }
        if case let .failed(text) = failure { last = "the connection failed (\(text))" }
        continue
      } catch {
        continue
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

  enum Transport: Error {
    case timedOut
    case failed(String)
  }

  /// One POST over a fresh socket (HTTP/1.1, `Connection: close`, the answer read to the end): Foundation's
  /// URLSession on Linux, under load, sent some requests without their body and then waited out the timeout.
  func plainHTTP(_ body: Data) throws(Transport) -> (status: Int, body: Data) {
    guard let host = url.host else { throw .failed("no host") }
    let port = url.port ?? 80
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    var found: UnsafeMutablePointer<addrinfo>?
    guard getaddrinfo(host, String(port), &hints, &found) == 0, let address = found else { throw .failed("the host \(printable(host)) is unknown") }
    defer { freeaddrinfo(found) }
    let socket = Glibc.socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
    guard socket >= 0 else { throw .failed(String(cString: strerror(errno))) }
    defer { close(socket) }
    var limit = timeval(tv_sec: Int(options.timeout), tv_usec: Int((options.timeout - options.timeout.rounded(.down)) * 1e6))
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    guard connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
      throw errno == EINPROGRESS || errno == EAGAIN ? .timedOut : .failed(errno == ECONNREFUSED ? "connection refused" : String(cString: strerror(errno)))
    }
    var path = url.path.isEmpty ? "/" : url.path
    if let query = url.query { path += "?" + query }
    var head = "POST \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nConnection: close\r\n"
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    let request = Data((head + "\r\n").utf8) + body
    let sent = request.withUnsafeBytes { bytes -> Int32 in
      var written = 0
      while written < bytes.count {
        let count = send(socket, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL))
        if count < 0 {
          if errno == EINTR { continue }
          return errno
        }
        written += count
      }
      return 0
    }
    if sent != 0 { throw sent == EAGAIN ? .timedOut : .failed(String(cString: strerror(sent))) }
    var answer = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      if count < 0 {
        if errno == EINTR { continue }
        throw errno == EAGAIN ? .timedOut : .failed(String(cString: strerror(errno)))
      }
      if count == 0 { break }
      answer += buffer[0..<count]
    }
    return try Self.parseResponse(answer)
  }

  /// Status and body of an HTTP/1.1 response read to its end (Content-Length, chunked, or to the close).
  static func parseResponse(_ bytes: [UInt8]) throws(Transport) -> (status: Int, body: Data) {
    guard let end = bytes.indices.dropLast(3).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }) else {
      throw .failed(bytes.isEmpty ? "the server closed the connection without answering" : "the answer is not HTTP")
    }
    let head = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
    let statusWords = head[0].split(separator: " ")
    guard statusWords.count >= 2, statusWords[0].hasPrefix("HTTP/"), let status = Int(statusWords[1]) else { throw .failed("the answer is not HTTP") }
    let fields = Dictionary(head.dropFirst().compactMap { line -> (String, String)? in
      guard let colon = line.firstIndex(of: ":") else { return nil }
      return (line[..<colon].lowercased(), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }, uniquingKeysWith: { first, _ in first })
    var body = Array(bytes[(end + 4)...])
    if fields["transfer-encoding"]?.lowercased().contains("chunked") == true {
      var decoded = [UInt8](), position = 0
      while let lineEnd = body[position...].indices.dropLast().first(where: { body[$0] == 13 && body[$0 + 1] == 10 }) {
        let sizeText = String(decoding: body[position..<lineEnd], as: UTF8.self).split(separator: ";").first ?? ""
        guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size >= 0 else { throw .failed("a chunk size is not a number") }
        if size == 0 { break }
        let start = lineEnd + 2
        guard start + size <= body.count else { throw .failed("the answer ends inside a chunk") }
        decoded += body[start..<(start + size)]
        position = start + size + 2
        if position > body.count { break }
      }
      body = decoded
    } else if let length = fields["content-length"].flatMap({ Int($0) }) {
      guard length <= body.count else { throw .failed("the answer ends before its Content-Length") }
      body = Array(body[..<length])
    }
    return (status, Data(body))
  }

  /// One POST through URLSession (for https).
  func viaURLSession(_ body: Data) throws(Transport) -> (status: Int, body: Data) {
    var request = URLRequest(url: url, timeoutInterval: options.timeout)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.setValue("close", forHTTPHeaderField: "Connection")
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    request.httpBody = body
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var answer: (Data?, URLResponse?, (any Error)?) = (nil, nil, nil)
    session.dataTask(with: request) { data, response, error in
      answer = (data, response, error)
      done.signal()
    }.resume()
    done.wait()
    if let error = answer.2 as? URLError {
      throw error.code == .timedOut ? .timedOut : .failed(error.code == .cannotConnectToHost ? "connection refused" : error.localizedDescription)
    }
    if answer.2 != nil { throw .failed("the request failed") }
    return ((answer.1 as? HTTPURLResponse)?.statusCode ?? 0, answer.0 ?? Data())
  }

  /// The scores in an endpoint's raw HTTP answer (status line, header fields, body — chunked or not), as one call
  /// reads them: for the fuzz target of the answer's readers (`Fuzz/EndpointAnswer`).
  /// - Throws: `ModelError.modelEndpointFailed` with the reason the answer is refused.
  public static func scores(fromHTTPAnswer bytes: [UInt8], output: BlackBoxOutput, rows: Int) throws -> [Double] {
    func failed(_ reason: String) -> ModelError { .modelEndpointFailed(url: "(answer)", rows: 0...max(rows - 1, 0), reason: reason) }
    let status: Int, body: Data
    do {
      (status, body) = try parseResponse(bytes)
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
