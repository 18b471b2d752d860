import Foundation

/// Escapes text for HTML element content and attribute values: every user-provided string (file names,
/// column names, group values) goes through this before it reaches a page. It is the only escaping routine
/// of the module: the document, its sections and the charts all call it.
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

/// Numbers as reports show them: 4 decimals, "n/a" for NaN.
public func formatValue(_ value: Double, decimals: Int = 4) -> String {
  if value.isNaN { return "n/a" }
  if value.isInfinite { return value > 0 ? "inf" : "-inf" }
  if value == value.rounded() && abs(value) >= 1 && abs(value) < 1e15 { return String(Int64(value)) }
  return String(format: "%.\(decimals)f", value)
}
