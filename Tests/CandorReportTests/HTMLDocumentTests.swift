import CandorTestSupport
import Testing

@testable import CandorReport

/// A section that writes what the test gives it.
struct ScriptedSection: ReportSection {
  var title: String
  var anchor: String
  var body: @Sendable (inout HTMLWriter) -> Void
  func render(into page: inout HTMLWriter) { body(&page) }
}

@Suite struct HTMLDocumentTests {
  static let nested = ScriptedSection(title: "Part", anchor: "part") { page in
    page.paragraph("intro")
    page.heading("Inner", anchor: "inner")
    page.heading("Innermost", depth: 2)
  }

  @Test("a one-section page shows the section's title once, as the h1, and its headings from h2")
  func sectionPage() throws {
    let page = try PageChecks.expectWellFormed(HTMLDocument(Self.nested).rendered())
    #expect(page.headings == [.init(level: 1, text: "Part", id: "part"), .init(level: 2, text: "Inner", id: "part-inner"),
                              .init(level: 3, text: "Innermost", id: nil)])
    #expect(page.elements("title").map(\.text) == ["Part"])
    #expect(page.count("nav") == 0 && page.count("section") == 1)
  }

  @Test("a report of several sections: one h1, one stylesheet, a contents entry per section, each heading one level lower")
  func combined() throws {
    let document = HTMLDocument(title: "Run", sections: [Self.nested, Self.nested, ScriptedSection(title: "Other", anchor: "") { $0.list(["x"]) }])
    let page = try PageChecks.expectWellFormed(document.rendered())
    #expect(page.headings.map(\.description) == ["h1 Run", "h2 Part", "h3 Inner", "h4 Innermost", "h2 Part", "h3 Inner", "h4 Innermost", "h2 Other"])
    #expect(page.ids == ["part", "part-inner", "part-2", "part-2-inner", "section"])
    let links = page.elements("nav").flatMap { $0.descendants("a") }
    #expect(links.map(\.text) == ["Part", "Part", "Other"])
    #expect(links.map { $0.attributes["href"] } == ["#part", "#part-2", "#section"])
    #expect(page.count("section") == 3 && page.count("style") == 1)
  }

  @Test("a document of one section under another title keeps its h1 and shows the section as an h2, without contents")
  func oneSectionReport() throws {
    let page = try PageChecks.expectWellFormed(HTMLDocument(title: "Run", sections: [Self.nested]).rendered())
    #expect(page.headings.map(\.description) == ["h1 Run", "h2 Part", "h3 Inner", "h4 Innermost"])
    #expect(page.count("nav") == 0)
  }

  @Test("every section of the real report renders in a combined document with its title as an h2 in the contents")
  func realSections() throws {
    let sections = try PageKind.allSections()
    let page = try PageChecks.expectWellFormed(try PageKind.combined.html())
    let titles = sections.map(\.title)
    #expect(page.headings.filter { $0.level == 2 }.map(\.text) == titles)
    #expect(page.elements("nav").flatMap { $0.descendants("a") }.map(\.text) == titles)
    #expect(page.headings.filter { $0.level == 2 }.map(\.id) == ["fairness", "threshold", "reweighing", "permutation-importance", "kernelshap",
                                                                 "feature-effects", "ledger", "dp-train", "privacy-epsilon", "audit", "query", "counterfactuals", "whatif-panel", "whatif"])
    #expect(page.headings.filter { $0.level == 1 }.map(\.text) == [ReportInputs.script])
  }

  @Test("writer text is escaped in headings, paragraphs, notes, lists, table captions and cells")
  func writerEscapes() throws {
    let hostile = ReportInputs.attribute
    let section = ScriptedSection(title: hostile, anchor: hostile) { page in
      page.heading("\(hostile)", anchor: hostile)
      page.paragraph("\(hostile)")
      page.note("\(hostile)")
      page.list(["\(hostile)"])
      page.table(caption: hostile, header: [hostile], rows: [[hostile]], flags: [true])
    }
    let html = HTMLDocument(section).rendered()
    let page = try PageChecks.expectWellFormed(html)
    #expect(page.headings.map(\.text) == [hostile, hostile])
    #expect(page.headings.map(\.id) == ["img-src-x-onerror-1", "img-src-x-onerror-1-img-src-x-onerror-1"])
    #expect(page.elements("p").map(\.text) == [hostile, hostile] && page.elements("li").map(\.text) == [hostile])
    #expect(page.tables == [.init(header: [hostile], rows: [[hostile]])])
    #expect(page.elements("caption").map(\.text) == [hostile])
    #expect(page.elements("title").map(\.text) == [hostile])
    PageChecks.expectEscaped([hostile], in: html, page)
  }

  @Test("escapeHTML escapes the five markup characters, and writes control characters and bidi overrides visibly")
  func escaping() {
    #expect(escapeHTML("<script>alert('x') & \"y\"</script> é") == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt; é")
    #expect(escapeHTML("\u{1b}[31m<b>\n\u{202e}שלום") == "\\u{1b}[31m&lt;b&gt;\\n\\u{202e}שלום")
  }

  @Test("data is isolated in <bdi> by default: interpolated strings, lists, table cells and titles, never the page's own words")
  func dataIsolated() throws {
    let rtl = "\u{202e}שלום"
    let section = ScriptedSection(title: "By \(rtl)", anchor: "by") { page in
      page.heading("Group \(rtl) of \(3) rows")
      page.paragraph("Small: \(list: [rtl, "b"]).")
      page.note(HTMLText(data: rtl))
      page.list([HTMLText(words: "plain words")])
      page.table(caption: "Groups", header: ["group"], rows: [[rtl]])
    }
    let html = HTMLDocument(section).rendered()
    let escaped = "<bdi>\\u{202e}שלום</bdi>"
    #expect(html.contains("<h1 id=\"by\"><bdi>By \\u{202e}שלום</bdi></h1>"))
    #expect(html.contains("<h2>Group \(escaped) of 3 rows</h2>"))
    #expect(html.contains("<p>Small: \(escaped), <bdi>b</bdi>.</p>"))
    #expect(html.contains("<p class=\"note\">\(escaped)</p>") && html.contains("<li>plain words</li>"))
    #expect(html.contains("<th><bdi>group</bdi></th>") && html.contains("<td>\(escaped)</td>"))
    #expect(!html.unicodeScalars.contains("\u{202e}"))
    _ = try PageChecks.expectWellFormed(html)
  }
}
