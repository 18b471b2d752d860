/// Builds RFC 4180 CSV text: fields holding a comma, quote, CR or LF are quoted, quotes doubled.
public struct CSVWriter: Sendable {
  public private(set) var text = ""

  public init(header: [String]) {
    appendRow(header)
  }

  public mutating func appendRow(_ fields: [String]) {
    var first = true
    for field in fields {
      if !first { text.append(",") }
      first = false
      text.append(Self.quoted(field))
    }
    text.append("\n")
  }

  public static func quoted(_ field: String) -> String {
    let needsQuotes = field.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
    if !needsQuotes { return field }
    return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }
}

extension String {
  fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
    split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
  }
}
