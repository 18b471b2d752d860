import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Data never reaches the terminal raw: control characters and bidirectional overrides are printed escaped and a
/// long level is cut at 60 characters (`printable`), in `inspect`, in error messages and in the fairness summary;
/// in the HTML report every data string is isolated in `<bdi>`.
@Suite struct TerminalHygieneCLITests {
  static let long = String(repeating: "x", count: 500)
  /// ANSI red, a newline, 500 characters, and right-to-left text behind a right-to-left override.
  static let levels = ["\u{1b}[31mred", "two\nlines", long, "\u{202e}שלום txet"]
  static let escaped = ["\\u{1b}[31mred", "two\\nlines", String(repeating: "x", count: 59) + "… (500 characters)", "\\u{202e}שלום txet"]
  /// A column named with an escape that sets the terminal's title; labels, predictions and the hostile group, two rows each.
  static let column = "g\u{1b}]0;pwned\u{7}"
  static let csv = "y,p,\"\(column)\"\n" + levels.flatMap { level in
    let quoted = "\"\(level)\""
    return ["1,1,\(quoted)", "0,0,\(quoted)"]
  }.joined(separator: "\n") + "\n"

  static func run(_ arguments: [String]) throws -> (CommandResult, String?) {
    let (result, written) = try EdgeCaseCLITests.run(arguments, files: ["d.csv": csv])
    return (result, written["f.html"])
  }

  static func expectNoRawControls(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(!text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x202E || $0.value == 0x7 },
            sourceLocation: sourceLocation)
  }

  @Test("inspect prints the column's name and levels escaped, the long one cut")
  func inspect() throws {
    let (result, _) = try Self.run(["inspect", "--data", "d.csv"])
    #expect(result.exitCode == 0)
    let lines = result.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines.count == 4)
    #expect(lines[3] == "  g\\u{1b}]0;pwned\\u{7}: categorical, 4 levels: " + Self.escaped.map { "\($0) (2)" }.joined(separator: ", "))
    Self.expectNoRawControls(result.standardOutput)
  }

  @Test("an error message quoting the data's values prints them escaped and cut")
  func errorMessage() throws {
    let (result, _) = try Self.run(["train", "--data", "d.csv", "--target", Self.column, "--positive", "z", "--out", "m.json"])
    #expect(result.exitCode == 2)
    // Sorted by code point: ESC, "t", "x", then U+202E.
    #expect(result.standardError == "error: d.csv: the positive label 'z' never occurs in column 'g\\u{1b}]0;pwned\\u{7}'. Its values are: "
      + Self.escaped.joined(separator: ", ") + ".\n")
  }

  @Test("the fairness summary prints group names escaped and cut; the page isolates every data string in <bdi>")
  func fairness() throws {
    let (result, html) = try Self.run(["fairness", "--predictions", "d.csv", "--target", "y", "--pred-column", "p", "--sensitive", Self.column,
                                       "--html", "f.html"])
    #expect(result.exitCode == 0, "\(result.standardError)")
    let lines = result.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines.contains("Sensitive set: g\\u{1b}]0;pwned\\u{7}"))
    // Groups sorted by code point, each marked small (fewer than 30 rows).
    let groupRows = lines.filter { line in Self.escaped.contains { line.hasPrefix($0 + "*") } }
    #expect(groupRows.map { $0.prefix { $0 != "*" } } == Self.escaped.map { Substring($0) })
    Self.expectNoRawControls(result.standardOutput)

    let text = try #require(html)
    Self.expectNoRawControls(text)
    let page = try HTMLStructure(text)
    // The metrics-by-group table (its first header cell is "group").
    let metrics = try #require(page.elements("table").first { $0.descendants("th").first?.text == "group" })
    let cells = metrics.descendants("td")
    #expect(cells.allSatisfy { $0.descendants("bdi").count == 1 })
    #expect(metrics.descendants("tr").dropFirst().map { $0.descendants("td")[0].text }
      == ["\\u{1b}[31mred", "two\\nlines", Self.long, "\\u{202e}שלום txet", "overall"])
    #expect(page.headings.contains { $0.text == "Sensitive set: g\\u{1b}]0;pwned\\u{7}" })
    let heading = try #require(page.elements("h2").first { $0.text.hasPrefix("Sensitive set: ") })
    #expect(heading.descendants("bdi").map(\.text) == ["g\\u{1b}]0;pwned\\u{7}"])
  }
}
