import CandorTestSupport
import Foundation
import Testing

/// Checks every page must pass, whatever it shows.
enum PageChecks {
  /// The page parses strictly, has one stylesheet, no script and no element ids twice, and its heading levels
  /// never skip one going down.
  static func expectWellFormed(_ html: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> HTMLStructure {
    let page = try HTMLStructure(html)
    #expect(page.hasDoctype, sourceLocation: sourceLocation)
    #expect(page.count("style") == 1 && page.count("h1") == 1, sourceLocation: sourceLocation)
    // Scripts: only Candor's own, each at most once (a data block per panel, one script per kind of panel).
    let scripts = page.elements("script")
    #expect(scripts.allSatisfy { $0.attributes["data-candor"] != nil }, sourceLocation: sourceLocation)
    let code = scripts.filter { $0.attributes["type"] == nil }.map { $0.attributes["data-candor"]! }
    #expect(Set(code).count == code.count, "\(code)", sourceLocation: sourceLocation)
    #expect(scripts.allSatisfy { $0.attributes["type"] == nil || $0.attributes["type"] == "application/json" }, sourceLocation: sourceLocation)
    #expect(Set(page.ids).count == page.ids.count, "repeated ids: \(page.ids)", sourceLocation: sourceLocation)
    let levels = page.headings.map(\.level)
    #expect(zip(levels, levels.dropFirst()).allSatisfy { $1 <= $0 + 1 }, "\(page.headings)", sourceLocation: sourceLocation)
    expectAccessible(page, sourceLocation: sourceLocation)
    return page
  }

  /// Every table has a caption; every chart is an image with an accessible name and, folded under it, a data
  /// table of what it draws, captioned with the chart's title.
  static func expectAccessible(_ page: HTMLStructure, sourceLocation: SourceLocation = #_sourceLocation) {
    for table in page.elements("table") {
      let captions = table.descendants("caption")
      #expect(captions.count == 1 && !captions[0].text.isEmpty, "a table without a caption: \(HTMLStructure.cells(table).header)", sourceLocation: sourceLocation)
    }
    for figure in page.elements("figure") {
      let svg = figure.descendants("svg"), data = figure.descendants("details").filter { $0.attributes["class"] == "data" }
      #expect(svg.count == 1 && svg[0].attributes["role"] == "img" && svg[0].attributes["aria-label"]?.isEmpty == false, sourceLocation: sourceLocation)
      #expect(data.count == 1 && data[0].descendants("table").count == 1, "a chart without its data table", sourceLocation: sourceLocation)
      #expect(data.first?.descendants("caption").first?.text == svg.first?.attributes["aria-label"], sourceLocation: sourceLocation)
    }
  }

  /// Nothing is fetched: no URL but the SVG namespace, no `<link>`, `<img>`, `<iframe>`, `src` or external
  /// `href`, no `@import` or `url(`.
  static func expectSelfContained(_ html: String, _ page: HTMLStructure, sourceLocation: SourceLocation = #_sourceLocation) {
    let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
    #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"), sourceLocation: sourceLocation)
    #expect(!html.contains("@import") && !html.contains("url("), sourceLocation: sourceLocation)
    for name in ["link", "img", "iframe", "object", "embed", "base"] {
      #expect(page.count(name) == 0, "<\(name)>", sourceLocation: sourceLocation)
    }
    for element in page.allElements {
      #expect(element.attributes["src"] == nil, "\(element.name) src", sourceLocation: sourceLocation)
      if let href = element.attributes["href"] { #expect(href.hasPrefix("#"), "href \(href)", sourceLocation: sourceLocation) }
    }
  }

  /// Every `<script` on the page is one of Candor's own (marked `data-candor`), none from user text.
  static func onlyOwnScripts(_ html: String) -> Bool {
    html.components(separatedBy: "<script").dropFirst().allSatisfy { $0.hasPrefix(" data-candor=") }
  }

  /// Every string of `hostile` is on the page as text (escaped in the markup), and no element or attribute
  /// came from one.
  static func expectEscaped(_ hostile: [String], in html: String, _ page: HTMLStructure, sourceLocation: SourceLocation = #_sourceLocation) {
    let text = page.document.text
    for string in hostile {
      #expect(text.contains(string), "\(string) is missing", sourceLocation: sourceLocation)
      #expect(html.contains(ReportInputs.escaped[string]!), "\(string) is not escaped", sourceLocation: sourceLocation)
    }
    #expect(onlyOwnScripts(html) && !html.contains("<img") && !html.contains("<i>"), sourceLocation: sourceLocation)
    #expect(page.allElements.allSatisfy { !$0.attributes.keys.contains { $0.hasPrefix("on") } }, sourceLocation: sourceLocation)
  }
}
