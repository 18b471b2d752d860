import CandorTestSupport
import Testing

/// The structure reader the page tests rely on: it reads our markup and refuses anything looser.
@Suite struct HTMLStructureTests {
  @Test("headings, tables, ids and text are read with entities decoded")
  func readsStructure() throws {
    let page = try HTMLStructure("""
      <!DOCTYPE html><html><head><meta charset="utf-8"><style>a>b{x:1}</style></head><body><h1 id="t">A &amp; B</h1>\
      <div class="scroll"><table><thead><tr><th>x</th><th>&lt;y&gt;</th></tr></thead><tbody><tr><td>1</td><td>&#39;2&quot;</td></tr>\
      </tbody></table></div><svg><line x1="0"/><text>&#8594;</text></svg></body></html>
      """)
    #expect(page.hasDoctype)
    #expect(page.headings == [.init(level: 1, text: "A & B", id: "t")])
    #expect(page.tables == [.init(header: ["x", "<y>"], rows: [["1", "'2\""]])])
    #expect(page.ids == ["t"])
    #expect(page.count("line") == 1 && page.count("meta") == 1)
    #expect(page.elements("text").map(\.text) == ["→"])
    #expect(page.elements("style").map(\.text) == ["a>b{x:1}"])
  }

  @Test("markup that unescaped user text would produce is refused", arguments: [
    "<p>a < b</p>", "<p>a > b</p>", "<p>R&D</p>", "<p class=x>t</p>", "<p class='x'>t</p>", "<p><b>t</p></b>", "<p>open",
    "<p>t</p></div>", "<img src=x onerror=1>", "<p a=\"1\" a=\"2\">t</p>", "<p>&bogus;</p>", "<!-- c --><p>t</p>",
  ])
  func refusesLooseMarkup(_ html: String) {
    #expect(throws: HTMLStructure.ReadError.self) { try HTMLStructure(html) }
  }
}
