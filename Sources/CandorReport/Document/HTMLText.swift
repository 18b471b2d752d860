import CandorCore
import Foundation

/// Escapes text for HTML element content and attribute values: every user-provided string (file names,
/// column names, group values) goes through this before it reaches a page. It is the only escaping routine
/// of the module: the document, its sections and the charts all call it. Control characters and bidirectional
/// overrides are first written as visible escapes (`printable`, without a length limit), as on the terminal.
/// `exact`: an attribute value that must hold the text as it is (an `<option>`'s value) escapes the markup
/// characters only.
public func escapeHTML(_ text: String, exact: Bool = false) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for character in (exact ? text : printable(text, limit: nil)).unicodeScalars {
    switch character {
    case "&": result += "&amp;"
    case "<": result += "&lt;"
    case ">": result += "&gt;"
    case "\"": result += "&quot;"
    case "'": result += "&#39;"
    default: result.unicodeScalars.append(character)
    }
  }
  return result
}

/// Text for a page: its literal parts are the page's own words; every interpolated string is data (a file,
/// column, group or feature name), escaped and isolated in `<bdi>` so that right-to-left text cannot reorder the
/// words around it. Integers interpolate as they are, `HTMLText` as its markup, `list:` as data joined by ", ".
/// The writer takes page text only in this form, so no call site can forget to isolate data.
public struct HTMLText: ExpressibleByStringInterpolation, Sendable, Equatable {
  /// The escaped markup.
  public let markup: String

  public init(stringLiteral words: String) { markup = escapeHTML(words) }

  /// The page's own words computed at run time (a metric's note), escaped but not isolated.
  public init(words: String) { markup = escapeHTML(words) }

  public init(stringInterpolation: StringInterpolation) { markup = stringInterpolation.markup }

  /// A data string on its own (a table cell, a warning), isolated.
  public init(data: String) { markup = Self.isolated(data) }

  static func isolated(_ data: String) -> String { "<bdi>\(escapeHTML(data))</bdi>" }

  public static func + (a: HTMLText, b: HTMLText) -> HTMLText { HTMLText(markup: a.markup + b.markup) }

  private init(markup: String) { self.markup = markup }

  public struct StringInterpolation: StringInterpolationProtocol {
    var markup = ""
    public init(literalCapacity: Int, interpolationCount: Int) { markup.reserveCapacity(literalCapacity + 16 * interpolationCount) }
    public mutating func appendLiteral(_ words: String) { markup += escapeHTML(words) }
    public mutating func appendInterpolation(_ data: String) { markup += HTMLText.isolated(data) }
    public mutating func appendInterpolation<Number: BinaryInteger>(_ number: Number) { markup += "\(number)" }
    public mutating func appendInterpolation(_ number: Double) { markup += "\(number)" }
    public mutating func appendInterpolation(_ text: HTMLText) { markup += text.markup }
    public mutating func appendInterpolation(list data: [String]) { markup += data.map(HTMLText.isolated).joined(separator: ", ") }
  }
}

/// Numbers as reports show them: 4 decimals, "n/a" for NaN.
public func formatValue(_ value: Double, decimals: Int = 4) -> String {
  if value.isNaN { return "n/a" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  if value == value.rounded() && abs(value) >= 1 && abs(value) < 1e15 { return String(Int64(value)) }
  return String(format: "%.\(decimals)f", value)
}
