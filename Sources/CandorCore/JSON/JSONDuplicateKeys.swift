import Foundation

/// The first object key that appears twice in the same JSON object, with its line and column (1-based), in a
/// document already known to be valid JSON. Parsers disagree on duplicates — Foundation keeps the first, Python's
/// `json` (what dp_accounting reads with) the last — so a file with one means two things, and is refused.
/// Keys are compared after their escapes are decoded ("\u0061" is "a").
public func firstDuplicateJSONKey(in data: Data) -> (key: String, line: Int, column: Int)? {
  let bytes = [UInt8](data)
  // One set of keys per open object; nil for an open array.
  var open: [Set<String>?] = []
  var line = 1, lineStart = 0, i = 0
  var expectingKey = false
  while i < bytes.count {
    let b = bytes[i]
    switch b {
    case UInt8(ascii: "\n"):
      line += 1
      lineStart = i + 1
    case UInt8(ascii: "{"):
      open.append([])
      expectingKey = true
    case UInt8(ascii: "["):
      open.append(nil)
      expectingKey = false
    case UInt8(ascii: "}"), UInt8(ascii: "]"):
      if !open.isEmpty { open.removeLast() }
      expectingKey = false
    case UInt8(ascii: ","):
      expectingKey = open.last.map { $0 != nil } ?? false
    case UInt8(ascii: "\""):
      let start = i
      var escaped = false
      i += 1
      while i < bytes.count {
        if bytes[i] == UInt8(ascii: "\\") { escaped = true; i += 2; continue }
        if bytes[i] == UInt8(ascii: "\"") { break }
        i += 1
      }
      if expectingKey, var keys = open.last ?? nil {
        let raw = Data(bytes[start...min(i, bytes.count - 1)])
        let key = escaped ? ((try? JSONSerialization.jsonObject(with: raw, options: [.fragmentsAllowed])) as? String ?? String(decoding: raw, as: UTF8.self))
          : String(decoding: raw.dropFirst().dropLast(), as: UTF8.self)
        if keys.contains(key) { return (key, line, start - lineStart + 1) }
        keys.insert(key)
        open[open.count - 1] = keys
        expectingKey = false
      }
    default: break
    }
    i += 1
  }
  return nil
}
