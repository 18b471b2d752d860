/// Writes sections into one page. Every text argument is escaped here (with `escapeHTML`), and data is isolated
/// in `<bdi>`: the data interpolated into `HTMLText`, every table cell and every section title; headings are
/// numbered relative to the section being written, so a section renders the same as a page of its own (its
/// heading the page's h1) and inside a combined report (its heading an h2).
///
/// The document owns the writer: it opens each section (`beginSection`), hands the writer to the section's
/// `render(into:)`, and keeps the element ids unique across the whole page.
public struct HTMLWriter: Sendable {
  /// The heading level of the section being written: 1 when the section is the whole page, 2 in a report.
  public private(set) var sectionLevel: Int
  private(set) var html = ""
  private var sectionID = ""
  private var usedIDs: Set<String> = []

  init(sectionLevel: Int) {
    self.sectionLevel = sectionLevel
  }

  // MARK: - Content

  /// A heading `depth` levels below the section's own (1: its parts, 2: their parts), at most h6. An
  /// `anchor` gives it an id, prefixed with the section's and unique in the page.
  public mutating func heading(_ text: HTMLText, depth: Int = 1, anchor: String? = nil) {
    precondition(depth >= 1, "a section's headings sit below its own")
    let level = min(sectionLevel + depth, 6)
    let id = anchor.map { uniqueID("\(sectionID)-\($0)") }
    append(element: "h\(level)", id: id, markup: text.markup)
  }

  public mutating func paragraph(_ text: HTMLText) {
    html += "<p>\(text.markup)</p>\n"
  }

  /// A paragraph in the smaller, grey style of remarks and legends.
  public mutating func note(_ text: HTMLText) {
    html += "<p class=\"note\">\(text.markup)</p>\n"
  }

  /// A warning the data calls for (a small group, an uncertain estimate), set off from the text around it.
  public mutating func warning(_ text: HTMLText) {
    html += "<p class=\"warning\"><strong>Warning:</strong> \(text.markup)</p>\n"
  }

  public mutating func list(_ items: [HTMLText]) {
    html += "<ul>"
    for item in items { html += "<li>\(item.markup)</li>" }
    html += "</ul>\n"
  }

  /// A table titled by its `caption` (what a screen reader announces, and what names it on paper); `flags[r]` marks row r for attention (shown highlighted); the columns in `textColumns` hold prose
  /// and are aligned left (the others are numbers, aligned right); `highlighted` holds [row, column] of cells to
  /// mark (a changed value). Every cell is data, isolated.
  /// `breakable` columns hold long identifiers (`demographic_parity_difference(sex)`): they may wrap after an
  /// underscore and before a parenthesis rather than mid-word, and copy as typed.
  public mutating func table(caption: String, header: [String], rows: [[String]], flags: [Bool] = [], textColumns: Set<Int> = [],
                             highlighted: Set<[Int]> = [], breakable: Set<Int> = []) {
    html += "<div class=\"scroll\"><table><caption>\(HTMLText.isolated(caption))</caption><thead><tr>"
    for (c, name) in header.enumerated() { html += textColumns.contains(c) ? "<th class=\"text\">\(HTMLText.isolated(name))</th>" : "<th>\(HTMLText.isolated(name))</th>" }
    html += "</tr></thead><tbody>"
    for (r, row) in rows.enumerated() {
      html += r < flags.count && flags[r] ? "<tr class=\"flag\">" : "<tr>"
      for (c, cell) in row.enumerated() {
        let classes = (textColumns.contains(c) ? ["text"] : []) + (highlighted.contains([r, c]) ? ["changed"] : [])
        let text = breakable.contains(c)
          ? "<bdi>" + escapeHTML(cell).replacingOccurrences(of: "_", with: "_<wbr>").replacingOccurrences(of: "(", with: "<wbr>(") + "</bdi>"
          : HTMLText.isolated(cell)
        html += classes.isEmpty ? "<td>\(text)</td>" : "<td class=\"\(classes.joined(separator: " "))\">\(text)</td>"
      }
      html += "</tr>"
    }
    html += "</tbody></table></div>\n"
  }

  /// Whatever `content` writes, laid out in columns of charts.
  public mutating func grid(_ content: (inout HTMLWriter) -> Void) {
    html += "<div class=\"grid\">\n"
    content(&self)
    html += "</div>\n"
  }

  /// Data for the page's script: `json` in a `<script type="application/json">` block, every `<` written as
  /// `\u003c` so no text inside (a feature named `</script>`) can end the block. Returns the block's id.
  public mutating func dataBlock(_ name: String, json: String) -> String {
    let id = uniqueID("\(sectionID)-\(name)")
    html += "<script data-candor=\"data\" type=\"application/json\" id=\"\(id)\">\(json.replacingOccurrences(of: "<", with: "\\u003c"))</script>\n"
    return id
  }

  /// A page-unique id for an element of the section being written.
  mutating func elementID(_ name: String) -> String {
    uniqueID("\(sectionID)-\(name)")
  }

  /// Markup built by a section from escaped pieces (form controls); never pass user text here unescaped.
  mutating func raw(_ markup: String) {
    html += markup
  }

  /// A chart built by `SVGChart`, which escapes its own labels, and under it, folded, the numbers it draws as a
  /// table (its text alternative, captioned with the chart's title). A `wide` chart (a tree) keeps its drawn size
  /// and scrolls inside its box rather than shrinking to the column.
  mutating func figure(_ chart: Chart, wide: Bool = false) {
    html += wide ? "<figure class=\"wide\"><div class=\"scroll\">\(chart.svg)</div>" : "<figure>\(chart.svg)"
    html += "\n<details class=\"data\"><summary>Data table</summary>\n"
    table(caption: chart.title, header: chart.header, rows: chart.rows, textColumns: [0])
    if let note = chart.note { html += "<p class=\"note\">\(HTMLText.isolated(note))</p>\n" }
    html += "</details></figure>\n"
  }

  // MARK: - Document structure

  /// Opens a section: its heading at `sectionLevel` with a page-unique id derived from `anchor`, returned for
  /// the table of contents.
  mutating func beginSection(title: String, anchor: String) -> String {
    sectionID = uniqueID(anchor)
    html += "<section>\n"
    append(element: "h\(sectionLevel)", id: sectionID, markup: HTMLText.isolated(title))
    return sectionID
  }

  mutating func endSection() {
    html += "</section>\n"
  }

  /// Markup the document writes around the sections (the table of contents); built from escaped text.
  mutating func append(markup: String) {
    html += markup
  }

  private mutating func append(element: String, id: String?, markup: String) {
    html += "<\(element)\(id.map { " id=\"\(escapeHTML($0))\"" } ?? "")>\(markup)</\(element)>\n"
  }

  /// `name` as an id: lowercase ASCII letters and digits, other runs as one "-", then "-2", "-3"… when taken.
  private mutating func uniqueID(_ name: String) -> String {
    var slug = ""
    for scalar in name.lowercased().unicodeScalars {
      if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
        slug.unicodeScalars.append(scalar)
      } else if !slug.isEmpty, !slug.hasSuffix("-") {
        slug += "-"
      }
    }
    while slug.hasSuffix("-") { slug.removeLast() }
    if slug.isEmpty { slug = "section" }
    var id = slug, copy = 1
    while usedIDs.contains(id) {
      copy += 1
      id = "\(slug)-\(copy)"
    }
    usedIDs.insert(id)
    return id
  }
}
