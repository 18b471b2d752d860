import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One HTTP request and its answer, read to the end: over a fresh socket for http:// (HTTP/1.1, `Connection:
/// close`) — Foundation's URLSession on Linux, under load, sent some requests without their body and then waited
/// out the timeout — and through URLSession for https://. Used by the model endpoint (`--model-url`) and by
/// MLflow logging. Header values (which may hold secrets) are sent and never put in an error.
public struct HTTPExchange: Sendable {
  public enum Failure: Error, Sendable {
    case timedOut
    case failed(String)
  }

  public struct Response: Sendable {
    public var status: Int
    public var body: Data
  }

  public var method: String
  public var url: URL
  public var headers: [(String, String)]
  public var body: Data?
  public var contentType: String?
  public var timeout: Double

  public init(method: String, url: URL, headers: [(String, String)] = [], body: Data? = nil, contentType: String? = nil, timeout: Double = 30) {
    (self.method, self.url, self.headers, self.body, self.contentType, self.timeout) = (method, url, headers, body, contentType, timeout)
  }

  /// `text` without a user name or password, for messages.
  public static func redacted(_ text: String) -> String {
    guard var components = URLComponents(string: text), components.user != nil || components.password != nil else { return text }
    components.user = nil
    components.password = nil
    return components.string ?? "(the URL)"
  }

  /// What is wrong with a header, or nil: its name must be a token (RFC 9110 §5.1: letters, digits and
  /// !#$%&'*+-.^_`|~) and its value free of control characters but the tab (§5.5), so no CR or LF in either can
  /// end the header and start another one the caller never wrote. The reason names neither: the value may be a
  /// secret, and the caller words the name.
  public static func headerProblem(name: String, value: String) -> String? {
    let tokenCharacters = Set("!#$%&'*+-.^_`|~".unicodeScalars)
    if name.isEmpty || !name.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || tokenCharacters.contains($0)) }) {
      return "a header name is letters, digits and !#$%&'*+-.^_`|~ only (no space, colon or line break)"
    }
    if value.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\t") || $0.value == 0x7F }) {
      return "a header value may not hold a line break or another control character"
    }
    return nil
  }

  /// Sends the request; `session` (for https) defaults to an ephemeral one with the request's timeout. A header
  /// that `headerProblem` refuses is never sent.
  public func send(session: URLSession? = nil) throws(Failure) -> Response {
    for (name, value) in headers {
      if let problem = Self.headerProblem(name: name, value: value) { throw .failed("the header \(printable(name)) is not sent: \(problem)") }
    }
    return url.scheme?.lowercased() == "http" ? try plainHTTP() : try viaURLSession(session ?? Self.session(timeout: timeout))
  }

  static func session(timeout: Double) -> URLSession {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.timeoutIntervalForRequest = timeout
    configuration.timeoutIntervalForResource = timeout
    return URLSession(configuration: configuration)
  }

  func plainHTTP() throws(Failure) -> Response {
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
    var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1e6))
    setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    guard connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 else {
      throw errno == EINPROGRESS || errno == EAGAIN ? .timedOut : .failed(errno == ECONNREFUSED ? "connection refused" : String(cString: strerror(errno)))
    }
    var path = url.path.isEmpty ? "/" : url.path
    if let query = url.query { path += "?" + query }
    var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nContent-Length: \(body?.count ?? 0)\r\nConnection: close\r\n"
    if let contentType { head += "Content-Type: \(contentType)\r\n" }
    for (name, value) in headers { head += "\(name): \(value)\r\n" }
    let request = Data((head + "\r\n").utf8) + (body ?? Data())
    let sent = request.withUnsafeBytes { bytes -> Int32 in
      var written = 0
      while written < bytes.count {
        let count = Glibc.send(socket, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL))
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
    // The receive timeout bounds each wait; this bounds the whole answer, so a server that drips a byte a second
    // cannot hold the request open forever.
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(min(timeout, 1e9) * 1e9)
    while true {
      if DispatchTime.now().uptimeNanoseconds > deadline { throw .timedOut }
      let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      if count < 0 {
        if errno == EINTR { continue }
        throw errno == EAGAIN ? .timedOut : .failed(String(cString: strerror(errno)))
      }
      if count == 0 { break }
      answer += buffer[0..<count]
    }
    let (status, body) = try Self.parseResponse(answer)
    return Response(status: status, body: body)
  }

  /// Status and body of an HTTP/1.1 response read to its end (Content-Length, chunked, or to the close).
  public static func parseResponse(_ bytes: [UInt8]) throws(Failure) -> (status: Int, body: Data) {
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

  func viaURLSession(_ session: URLSession) throws(Failure) -> Response {
    var request = URLRequest(url: url, timeoutInterval: timeout)
    request.httpMethod = method
    if let contentType { request.setValue(contentType, forHTTPHeaderField: "Content-Type") }
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
    return Response(status: (answer.1 as? HTTPURLResponse)?.statusCode ?? 0, body: answer.0 ?? Data())
  }
}
