/// A self-contained HTML page made of sections: one stylesheet, inline SVG, nothing fetched from the network
/// (a Content-Security-Policy says so to the browser too); script only where a section is interactive, inline,
/// written by Candor, never from user text.
///
/// A document whose only section carries the document's title is that section's page: the title is the h1
/// and the section's headings start at h2. Otherwise the title is the h1, each section's heading an h2 with
/// an id, and a table of contents links them when there is more than one.
public struct HTMLDocument: Sendable {
  public var title: String
  public var sections: [any ReportSection]

  public init(title: String, sections: [any ReportSection]) {
    self.title = title
    self.sections = sections
  }

  /// The page of one section, titled by it.
  public init(_ section: any ReportSection) {
    self.init(title: section.title, sections: [section])
  }

  /// Whether the page is one section shown under its own title.
  var isSectionPage: Bool { sections.count == 1 && sections[0].title == title }

  /// The whole page.
  /// - Complexity: linear in the size of the output; each section is rendered once.
  public func rendered() -> String {
    var writer = HTMLWriter(sectionLevel: isSectionPage ? 1 : 2)
    var contents: [(id: String, title: String)] = []
    var scripts: [PageScript] = []
    for section in sections {
      if let script = section.script, !scripts.contains(where: { $0.id == script.id }) { scripts.append(script) }
      contents.append((writer.beginSection(title: section.title, anchor: section.anchor), section.title))
      section.render(into: &writer)
      writer.endSection()
    }
    var head = "<h1>\(HTMLText.isolated(title))</h1>\n"
    if isSectionPage {
      head = ""
    } else if contents.count > 1 {
      head += "<nav class=\"toc\" aria-label=\"Contents\"><ol>"
      for entry in contents { head += "<li><a href=\"#\(escapeHTML(entry.id))\">\(HTMLText.isolated(entry.title))</a></li>" }
      head += "</ol></nav>\n"
    }
    return """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src \(scripts.isEmpty ? "'none'" : "'unsafe-inline'")">
      <title>\(escapeHTML(title))</title>
      <style>
      \(Self.stylesheet)
      </style>
      </head>
      <body>
      \(head)\(writer.html)\(scripts.map { "<script data-candor=\"\(escapeHTML($0.id))\">\n\($0.source)\n</script>\n" }.joined())</body>
      </html>

      """
  }

  /// The page's one stylesheet.
  static let stylesheet = """
    body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1b1b1b;padding:0 1rem}
    h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}h3{font-size:1.05rem}h4{font-size:.95rem}
    nav.toc ol{margin:.25rem 0 1rem;padding-left:1.5rem}nav.toc a{color:#1f4fa8}
    table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right}
    th{background:#f3f3f3}td:first-child,th:first-child,td.text,th.text{text-align:left}tr.flag td{background:#fff1e6}
    .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(330px,1fr));gap:1rem}
    .scroll{overflow-x:auto}figure{margin:0;max-width:520px}figure.wide{max-width:none}svg{max-width:100%;height:auto}.note{color:#555;font-size:.9rem}
    p,li{overflow-wrap:anywhere}td:first-child{overflow-wrap:anywhere;min-width:10em}
    td.changed{background:#e3f2e6;font-weight:600}p.warning{border-left:4px solid #d08700;background:#fff8e6;padding:.35rem .6rem}caption{caption-side:top;text-align:left;font-size:.85rem;color:#555;padding:.15rem 0}
    details.data{margin:.1rem 0 .6rem}details.data summary{font-size:.8rem;color:#1f4fa8;cursor:pointer}details.data table{font-size:.75rem;margin:.3rem 0}
    details.data th,details.data td{padding:.1rem .3rem}details.data td:first-child{min-width:0;overflow-wrap:break-word}details.data td:not(.text){white-space:nowrap}
    .panel .controls{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:.4rem 1.2rem}
    .panel label{display:flex;gap:.5rem;align-items:center}.panel .name{min-width:9em;overflow-wrap:anywhere}
    .panel input[type=range]{flex:1;min-width:6em}.panel output[data-value]{min-width:4em;text-align:right}
    .prediction output{font-size:1.1rem;font-weight:600}.presets button{margin:.1rem .2rem}
    @media print{body{margin:0;max-width:none;font-size:10pt}nav.toc,.panel,details.data{display:none}.scroll{overflow:visible}
    table{width:100%;font-size:8pt}th,td{overflow-wrap:anywhere;padding:.1rem .25rem}tr,figure,svg{break-inside:avoid}
    h2,h3,h4{break-after:avoid}.grid{display:block}figure{display:inline-block;vertical-align:top;max-width:48%}figure.wide{display:block;max-width:100%}}
    """
}
