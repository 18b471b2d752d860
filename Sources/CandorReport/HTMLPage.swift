import Foundation

/// Escapes text for HTML element content and attribute values: every user-provided string (file names,
/// column names, group values) goes through this before it reaches a page.
public func escapeHTML(_ text: String) -> String {
  var result = ""
  result.reserveCapacity(text.utf8.count)
  for character in text.unicodeScalars {
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

/// A self-contained HTML page: inline CSS and SVG, no scripts, nothing fetched from the network.
public struct HTMLPage: Sendable {
  public let title: String
  private var parts: [String] = []

  public init(title: String) {
    self.title = title
  }

  public mutating func heading(_ text: String, level: Int = 2, id: String? = nil) {
    let anchor = id.map { " id=\"\(escapeHTML($0))\"" } ?? ""
    parts.append("<h\(level)\(anchor)>\(escapeHTML(text))</h\(level)>")
  }

  public mutating func paragraph(_ text: String, className: String? = nil) {
    parts.append("<p\(className.map { " class=\"\(escapeHTML($0))\"" } ?? "")>\(escapeHTML(text))</p>")
  }

  /// A table; `flags[r]` marks a row for attention (shown highlighted).
  public mutating func table(header: [String], rows: [[String]], flags: [Bool] = []) {
    var html = "<div class=\"scroll\"><table><thead><tr>" + header.map { "<th>\(escapeHTML($0))</th>" }.joined() + "</tr></thead><tbody>"
    for (r, row) in rows.enumerated() {
      let flagged = r < flags.count && flags[r]
      html += "<tr\(flagged ? " class=\"flag\"" : "")>" + row.map { "<td>\(escapeHTML($0))</td>" }.joined() + "</tr>"
    }
    parts.append(html + "</tbody></table></div>")
  }

  public mutating func list(_ items: [String]) {
    parts.append("<ul>" + items.map { "<li>\(escapeHTML($0))</li>" }.joined() + "</ul>")
  }

  /// Inserts markup built by this module (charts); never pass user text here unescaped.
  public mutating func append(svg: String) {
    parts.append("<figure>\(svg)</figure>")
  }

  public mutating func openGrid() { parts.append("<div class=\"grid\">") }
  public mutating func closeGrid() { parts.append("</div>") }

  public func rendered() -> String {
    """
    <!DOCTYPE html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>\(escapeHTML(title))</title>
    <style>
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1b1b1b;padding:0 1rem}
    h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem}
    table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
    th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}tr.flag td{background:#fff1e6}
    .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1rem}
    .scroll{overflow-x:auto}figure{margin:0}svg{max-width:100%;height:auto}.note{color:#555;font-size:.9rem}
    </style>
    </head>
    <body>
    <h1>\(escapeHTML(title))</h1>
    \(parts.joined(separator: "\n"))
    </body>
    </html>

    """
  }
}

/// Numbers as reports show them: 4 decimals, "n/a" for NaN.
public func formatValue(_ value: Double, decimals: Int = 4) -> String {
  if value.isNaN { return "n/a" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  if value == value.rounded() && abs(value) >= 1 && abs(value) < 1e15 { return String(Int64(value)) }
  return String(format: "%.\(decimals)f", value)
}
