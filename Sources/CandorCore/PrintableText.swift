/// A string from the data (a level, a column name, a group) as Candor prints it, to a terminal or into a page:
/// control characters and the invisible bidirectional overrides are written as visible escapes, Swift's way
/// (`\n`, `\r`, `\t`, otherwise `\u{1b}`), so data can neither move the cursor, recolour the terminal nor
/// reorder the text around it. With `limit`, a text longer than `limit` printed characters keeps its first
/// `limit − 1` and ends in "…" with its full length said: `…` + ` (500 characters)`. A backslash stays as it is.
///
/// Escaped: C0 controls and DEL, C1 controls (U+0080–U+009F), the line and paragraph separators U+2028 and
/// U+2029, the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, every other format
/// character (Unicode category Cf: zero-width spaces and joiners, the byte-order mark, the Arabic letter mark), the
/// no-break space and the Hangul fillers.
/// - Complexity: O(characters); one allocation when nothing needs escaping or cutting.
public func printable(_ text: String, limit: Int? = 60) -> String {
  func escape(_ scalar: Unicode.Scalar) -> String? {
    switch scalar.value {
    case 0x0A: "\\n"
    case 0x0D: "\\r"
    case 0x09: "\\t"
    // Controls, line separators, bidi overrides, and the characters that print as nothing or as a plain space
    // (zero-width spaces and joiners, the byte-order mark, the no-break space, the Hangul fillers): a key written
    // `perf\u{200b}ormance` must not read as `performance`.
    case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x00A0, 0x115F, 0x1160, 0x3164, 0xFFA0:
      "\\u{\(String(scalar.value, radix: 16))}"
    case _ where scalar.properties.generalCategory == .format:
      "\\u{\(String(scalar.value, radix: 16))}"
    default: nil
    }
  }
  let needsEscaping = text.unicodeScalars.contains { escape($0) != nil }
  if !needsEscaping, limit.map({ text.count <= $0 }) ?? true { return text }
  let pieces = text.map { character in
    var piece = ""
    for scalar in character.unicodeScalars {
      if let escaped = escape(scalar) { piece += escaped } else { piece.unicodeScalars.append(scalar) }
    }
    return piece
  }
  let lengths = pieces.map(\.count)
  guard let limit, lengths.reduce(0, +) > limit else { return pieces.joined() }
  // Whole pieces (never half an escape) up to limit − 1 printed characters, then the ellipsis.
  var result = "", printed = 0
  for (piece, length) in zip(pieces, lengths) {
    if printed + length > limit - 1 { break }
    result += piece
    printed += length
  }
  return result + "… (\(text.count) characters)"
}
