import CandorTestSupport
import Foundation

/// The cases ported from Fairlearn's and AIF360's own unit tests with the peers' output on them
/// (`Tests/Fixtures/conformance/peer_values.json`, written by `record_peer_values.py` beside it from the ports in
/// `cases/`, whose `check_*.py` verify them against the values the peers' tests assert).
struct PeerCase: Decodable, Sendable {
  let id: String
  let source: String
  let kind: String
  let note: String
  let fields: [String: PeerValue]

  subscript(_ key: String) -> PeerValue { fields[key] ?? .null }
  /// The peer library's output, nil when it refused the input.
  var peer: PeerValue? { fields["peer"] }
  /// The peer library's error, when it refused the input.
  var peerError: String? { fields["peer_error"]?.string }

  init(from decoder: any Decoder) throws {
    fields = try [String: PeerValue](from: decoder)
    id = fields["id"]?.string ?? ""
    source = fields["source"]?.string ?? ""
    kind = fields["kind"]?.string ?? ""
    note = fields["note"]?.string ?? ""
  }
}

/// A JSON value of the recorded file; numbers that are nan or infinite are written as strings.
enum PeerValue: Decodable, Sendable, Equatable {
  case number(Double), string(String), bool(Bool), array([PeerValue]), object([String: PeerValue]), null

  init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() { self = .null }
    else if let value = try? container.decode(Bool.self) { self = .bool(value) }
    else if let value = try? container.decode(Double.self) { self = .number(value) }
    else if let value = try? container.decode(String.self) { self = .string(value) }
    else if let value = try? container.decode([PeerValue].self) { self = .array(value) }
    else { self = .object(try container.decode([String: PeerValue].self)) }
  }

  var string: String? { if case let .string(s) = self { s } else { nil } }
  var bool: Bool? { if case let .bool(b) = self { b } else { nil } }
  var array: [PeerValue] { if case let .array(a) = self { a } else { [] } }
  var object: [String: PeerValue] { if case let .object(o) = self { o } else { [:] } }
  var isNull: Bool { self == .null }
  subscript(_ key: String) -> PeerValue { object[key] ?? .null }
  var strings: [String] { array.compactMap(\.string) }

  /// A number, with the file's spellings of nan and the infinities.
  var double: Double? {
    switch self {
    case let .number(value): value
    case .string("nan"): .nan
    case .string("inf"): .infinity
    case .string("-inf"): -.infinity
    default: nil
    }
  }
}

enum PeerValues {
  struct Document: Decodable, Sendable {
    let libraries: [String: String]
    let cases: [PeerCase]
  }

  static let document: Document = {
    let url = URL(fileURLWithPath: Fixtures.path("conformance/peer_values.json"))
    return try! JSONDecoder().decode(Document.self, from: Data(contentsOf: url))
  }()

  static func ids(_ kinds: String...) -> [String] { document.cases.filter { kinds.contains($0.kind) }.map(\.id) }

  static func `case`(_ id: String) -> PeerCase { document.cases.first { $0.id == id }! }
}

/// Whether Candor's value agrees with the peer's: both nan, the same infinity, or within 1e-12 relative (1e-12
/// absolute near 0) — the peers and Candor sum in different orders.
func agrees(_ ours: Double?, _ theirs: Double?, tolerance: Double = 1e-12) -> Bool {
  guard let ours, let theirs else { return false }
  if ours.isNaN || theirs.isNaN { return ours.isNaN && theirs.isNaN }
  if ours.isInfinite || theirs.isInfinite { return ours == theirs }
  return abs(ours - theirs) <= tolerance * max(1, abs(theirs))
}
