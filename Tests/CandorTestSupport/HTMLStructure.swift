/// A strict reader of the HTML and inline SVG that CandorReport writes, so tests can assert on structure
/// (elements by tag, headings, table cells) instead of substrings.
///
/// Strict on purpose: every attribute value is double-quoted, every element but the void ones (`meta`, `br`,
/// `img`, `link`, `input`, `hr`) or a self-closed `<… />` is closed by its own end tag, `&` starts one of the
/// entities the escaper writes (or a numeric one), and `>` never stands in text. Markup that breaks any of
/// these (such as unescaped user text) makes `init` throw, naming the byte offset.
public struct HTMLStructure: Sendable {
  public struct Element: Sendable {
    public var name: String
    public var attributes: [String: String]
    public var children: [Node]

    /// The decoded text of every descendant, in order.
    public var text: String {
      children.map { node in
        switch node {
        case let .text(text): text
        case let .element(element): element.text
        }
      }.joined()
    }

    /// Every descendant element called `name`, in document order.
    public func descendants(_ name: String) -> [Element] {
      var found: [Element] = []
      collect(name, into: &found)
      return found
    }

    /// Every descendant element called `name` that is not inside an element called `outside`.
    public func descendants(_ name: String, outside: String) -> [Element] {
      var found: [Element] = []
      collect(name, into: &found, skipping: outside)
      return found
    }

    func collect(_ name: String?, into found: inout [Element], skipping: String? = nil) {
      for case let .element(child) in children where child.name != skipping {
        if name == nil || child.name == name { found.append(child) }
        child.collect(name, into: &found, skipping: skipping)
      }
    }
  }

  public indirect enum Node: Sendable {
    case element(Element)
    case text(String)
  }

  public struct Heading: Sendable, Equatable, CustomStringConvertible {
    public var level: Int
    public var text: String
    public var id: String?
    public init(level: Int, text: String, id: String? = nil) {
      self.level = level
      self.text = text
      self.id = id
    }
    public var description: String { "h\(level) \(text)" }
  }

  /// A table's header cells and the cells of each body row, as text.
  public struct TableCells: Sendable, Equatable {
    public var header: [String]
    public var rows: [[String]]
    public init(header: [String], rows: [[String]]) {
      self.header = header
      self.rows = rows
    }
  }

  public struct ReadError: Error, CustomStringConvertible {
    public var offset: Int
    public var reason: String
    public var description: String { "HTML at byte \(offset): \(reason)" }
  }

  /// The document as one element holding the top-level nodes.
  public let document: Element
  public let hasDoctype: Bool

  static let voidElements: Set<String> = ["meta", "br", "img", "link", "input", "hr"]
  static let rawTextElements: Set<String> = ["style", "script"]
  static let entities = ["amp": "&", "lt": "<", "gt": ">", "quot": "\"", "#39": "'"]

  public init(_ html: String) throws(ReadError) {
    var reader = Reader(bytes: Array(html.utf8))
    hasDoctype = reader.skip("<!DOCTYPE html>")
    document = try reader.readDocument()
  }

  // MARK: - Queries

  /// Every element called `name`, in document order.
  public func elements(_ name: String) -> [Element] { document.descendants(name) }

  public func count(_ name: String) -> Int { elements(name).count }

  /// Every element, in document order.
  public var allElements: [Element] {
    var found: [Element] = []
    document.collect(nil, into: &found)
    return found
  }

  /// h1–h6 in document order.
  public var headings: [Heading] {
    allElements.compactMap { element in
      guard element.name.count == 2, element.name.first == "h", let level = Int(element.name.dropFirst()) else { return nil }
      return Heading(level: level, text: element.text, id: element.attributes["id"])
    }
  }

  /// The page's own tables, in document order; a chart's data table (inside its `<figure>`) is in `chartTables`.
  public var tables: [TableCells] { document.descendants("table", outside: "figure").map(Self.cells) }

  /// The data table of each chart (its text alternative, inside the chart's `<figure>`), in document order.
  public var chartTables: [TableCells] { elements("figure").flatMap { $0.descendants("table") }.map(Self.cells) }

  public static func cells(_ table: Element) -> TableCells {
    TableCells(header: table.descendants("thead").flatMap { $0.descendants("th").map(\.text) },
               rows: table.descendants("tbody").flatMap { $0.descendants("tr") }.map { $0.descendants("td").map(\.text) })
  }

  /// Every `id` attribute, in document order.
  public var ids: [String] { allElements.compactMap { $0.attributes["id"] } }
}

// MARK: - Reading

private struct Reader {
  let bytes: [UInt8]
  var position = 0

  init(bytes: [UInt8]) { self.bytes = bytes }

  func error(_ reason: String) -> HTMLStructure.ReadError { .init(offset: position, reason: reason) }

  mutating func skip(_ literal: String) -> Bool {
    let expected = Array(literal.utf8)
    guard bytes.count - position >= expected.count, Array(bytes[position..<position + expected.count]) == expected else { return false }
    position += expected.count
    return true
  }

  mutating func readDocument() throws(HTMLStructure.ReadError) -> HTMLStructure.Element {
    var stack = [HTMLStructure.Element(name: "#document", attributes: [:], children: [])]
    while position < bytes.count {
      if bytes[position] != UInt8(ascii: "<") {
        stack[stack.count - 1].children.append(.text(try readText()))
      } else if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "/") {
        position += 2
        let name = readName()
        guard skip(">") else { throw error("end tag </\(name) is not closed by >") }
        guard stack.count > 1, stack[stack.count - 1].name == name else {
          throw error("</\(name)> closes <\(stack[stack.count - 1].name)>")
        }
        let closed = stack.removeLast()
        stack[stack.count - 1].children.append(.element(closed))
      } else {
        position += 1
        var (element, selfClosed) = try readStartTag()
        if HTMLStructure.rawTextElements.contains(element.name) {
          element.children = [.text(try readRawText(until: "</\(element.name)>"))]
          stack[stack.count - 1].children.append(.element(element))
        } else if selfClosed || HTMLStructure.voidElements.contains(element.name) {
          stack[stack.count - 1].children.append(.element(element))
        } else {
          stack.append(element)
        }
      }
    }
    guard stack.count == 1 else { throw error("<\(stack[stack.count - 1].name)> is never closed") }
    return stack[0]
  }

  mutating func readName() -> String {
    let start = position
    while position < bytes.count, isNameByte(bytes[position]) { position += 1 }
    return String(decoding: bytes[start..<position], as: UTF8.self)
  }

  func isNameByte(_ byte: UInt8) -> Bool {
    (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
      || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
  }

  /// After `<`: the name, `name="value"` attributes, and `>` or `/>`.
  mutating func readStartTag() throws(HTMLStructure.ReadError) -> (HTMLStructure.Element, selfClosed: Bool) {
    let name = readName()
    guard !name.isEmpty else { throw error("< that starts no tag") }
    var attributes: [String: String] = [:]
    while true {
      let hadSpace = position < bytes.count && bytes[position] == UInt8(ascii: " ")
      while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
      if skip(">") { return (.init(name: name, attributes: attributes, children: []), false) }
      if skip("/>") { return (.init(name: name, attributes: attributes, children: []), true) }
      guard hadSpace else { throw error("<\(name)> attributes need a space before them") }
      let attribute = readName()
      guard !attribute.isEmpty else { throw error("<\(name)> has a stray character in its tag") }
      guard skip("=\"") else { throw error("attribute \(attribute) of <\(name)> is not a double-quoted value") }
      let value = try readText(until: UInt8(ascii: "\""))
      guard skip("\"") else { throw error("attribute \(attribute) of <\(name)> is never closed") }
      guard attributes.updateValue(value, forKey: attribute) == nil else { throw error("<\(name)> repeats \(attribute)") }
    }
  }

  /// Text up to the next `<` (or `terminator`), entities decoded; a raw `>` or `<` inside is an error.
  mutating func readText(until terminator: UInt8 = UInt8(ascii: "<")) throws(HTMLStructure.ReadError) -> String {
    var decoded: [UInt8] = []
    while position < bytes.count, bytes[position] != terminator {
      let byte = bytes[position]
      if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "<") { throw error("raw \(Character(Unicode.Scalar(byte))) in text") }
      if byte == UInt8(ascii: "&") {
        guard let end = bytes[position...].prefix(12).firstIndex(of: UInt8(ascii: ";")) else { throw error("& that starts no entity") }
        let name = String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
        if let character = HTMLStructure.entities[name] {
          decoded += Array(character.utf8)
        } else if name.hasPrefix("#"), let code = UInt32(name.dropFirst()), let scalar = Unicode.Scalar(code) {
          decoded += Array(String(Character(scalar)).utf8)
        } else {
          throw error("unknown entity &\(name);")
        }
        position = end + 1
      } else {
        decoded.append(byte)
        position += 1
      }
    }
    return String(decoding: decoded, as: UTF8.self)
  }

  mutating func readRawText(until end: String) throws(HTMLStructure.ReadError) -> String {
    let start = position
    while position < bytes.count {
      if skip(end) { return String(decoding: bytes[start..<(position - end.utf8.count)], as: UTF8.self) }
      position += 1
    }
    throw error("\(end) is missing")
  }
}
