import CandorCore
import CandorFairness
import CandorTestSupport
import Foundation
import Testing

@testable import CandorReport

@Suite struct HTMLEscapingTests {
  @Test("every markup character in user text is escaped")
  func escaping() {
    #expect(escapeHTML("<script>alert('x') & \"y\"</script>") == "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;")
    var page = HTMLPage(title: "<b>t</b>")
    page.table(header: ["<h>"], rows: [["<td>"]])
    let html = page.rendered()
    #expect(!html.contains("<b>t</b>") && !html.contains("<h>") && !html.contains("<td><td>"))
  }
}

@Suite struct FairnessPageTests {
  /// A report on data whose group names and column names are hostile markup.
  static func hostileReport() throws -> (FairnessReport, [String: [String: [(x: Double, y: Double)]]]) {
    let csv = """
      y,p,s,<img src=x onerror=alert(1)>
      1,1,0.9,<script>alert(1)</script>
      0,0,0.2,<script>alert(1)</script>
      1,0,0.4,b&b
      0,1,0.6,b&b
      1,1,0.8,b&b

      """
    let table = try CSVReader.parse(Data(csv.utf8), source: "hostile.csv")
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y", predictionColumn: "p", scoreColumn: "s", positive: "1", threshold: 0.5)
    let features = ["<img src=x onerror=alert(1)>"]
    var configuration = FairnessConfiguration(sensitiveSets: [features])
    configuration.bootstrapReplicates = 20
    let report = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: configuration)
    guard case let .binary(labels, _, scores?) = outcomes else { throw CancellationError() }
    let curves = ROCCurves.compute(labels: labels, scores: scores, weights: nil, grouping: try table.grouping(by: features))
    return (report, [features[0]: curves])
  }

  @Test("user strings never reach the page as markup")
  func hostileNamesEscaped() throws {
    let (report, curves) = try Self.hostileReport()
    let html = FairnessPage.html(report, source: "<i>hostile.csv</i>", rocCurves: curves)
    #expect(!html.contains("<script>"))
    #expect(!html.contains("<img"))
    #expect(!html.contains("<i>hostile"))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
    #expect(html.contains("b&amp;b"))
  }

  @Test("the report loads in headless Chromium with no console messages and no injected elements",
        .enabled(if: Chromium.isAvailable, "needs Debian's chromium; make test installs it"))
  func rendersInChromium() throws {
    let (report, curves) = try Self.hostileReport()
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("report.html")
    try FairnessPage.html(report, source: "hostile.csv", rocCurves: curves).write(to: file, atomically: true, encoding: .utf8)
    let (dom, console) = try Chromium.load(file)
    #expect(console.isEmpty, "\(console)")
    #expect(dom.contains("<h1>Fairness assessment</h1>"))
    #expect(dom.contains("<svg"))
    #expect(!dom.contains("<script"))
    #expect(!dom.contains("<img"))
  }

  @Test("the text summary lists groups, headline disparities and what cannot be told from parity")
  func summary() throws {
    let (report, _) = try Self.hostileReport()
    let text = FairnessPage.text(report)
    #expect(text.hasPrefix("5 rows, binary classification.\n\nSensitive set: <img src=x onerror=alert(1)>\n"))
    #expect(text.contains("* fewer rows than the minimum group size"))
    #expect(text.contains("  demographic_parity_difference: 0.1667 ["))
  }
}
