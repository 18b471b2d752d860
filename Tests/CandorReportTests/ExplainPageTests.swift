import CandorTestSupport
import Testing

@testable import CandorReport

@Suite struct ExplainPageTests {
  @Test("permutation page: one bar per feature, largest importance first, and the same order in the table")
  func permutation() throws {
    let page = try PageChecks.expectWellFormed(ExplainPage.permutationHTML(try ReportInputs.permutation(), source: "adult.csv"))
    #expect(page.headings.map(\.description) == ["h1 Permutation importance"])
    #expect(page.tables == [.init(header: ["feature", "mean", "std", "95% low", "95% high"], rows: [
      [ReportInputs.entity, "0.3000", "0.0100", "0.2800", "0.3200"],
      [ReportInputs.script, "0.2000", "0.0100", "0.1800", "0.2200"],
      [ReportInputs.attribute, "-0.0100", "0.0100", "-0.0300", "0.0100"],
    ])])
    let chart = try #require(page.elements("svg").first)
    #expect(chart.descendants("rect").map { $0.descendants("title")[0].text }
      == ["\(ReportInputs.entity): 0.3000", "\(ReportInputs.script): 0.2000", "\(ReportInputs.attribute): -0.0100"])
  }

  @Test("KernelSHAP page: mean |φ| bars, one beeswarm with a circle per row and feature, a waterfall per row")
  func kernelSHAP() throws {
    let (result, table) = try ReportInputs.kernelSHAP()
    let page = try PageChecks.expectWellFormed(ExplainPage.shapHTML(result, explained: table, source: "adult.csv"))
    #expect(page.headings.map(\.description) == ["h1 KernelSHAP explanations", "h2 Rows"])
    let charts = page.elements("svg")
    #expect(charts.map { $0.attributes["aria-label"]! } == ["mean |φ|", "φ by feature (colour: feature value)", "row 0: -1 → -0.6250 (P = 0.349)", "row 2: -1 → -1 (P = 0.269)"])
    #expect(charts[0].descendants("rect").count == 3)
    let dots = charts[1].descendants("circle")
    #expect(dots.count == result.rows.count * result.features.count)
    // Features by mean |φ| (script, attribute, entity); the categorical one is grey, numeric ones coloured by value.
    #expect(dots.map { $0.descendants("title")[0].text } == ["row 0: 0.5000", "row 2: -1", "row 0: -0.2500", "row 2: 0.7500", "row 0: 0.1250", "row 2: 0.2500"])
    #expect(dots.map { $0.attributes["fill"] } == ["rgb(30,110,255)", "rgb(255,30,25)", "#888", "#888", "rgb(30,110,255)", "rgb(255,30,25)"])
    // Row 0's waterfall: largest |φ| first, each bar named with the row's value of its feature; on the logit scale
    // the title gives the probability too.
    #expect(charts[2].descendants("rect").map { $0.descendants("title")[0].text }
      == ["\(ReportInputs.script) = 1: 0.5000 ± 0.0100", "\(ReportInputs.attribute) = a: -0.2500 ± 0.0200", "\(ReportInputs.entity) = 10: 0.1250 ± 0.0300"])
    #expect(charts[3].descendants("rect").count == 3)
  }

  @Test("KernelSHAP page with two outputs: a heading per output with its rows one level below")
  func kernelSHAPOutputs() throws {
    let (result, table) = try ReportInputs.kernelSHAP(outputs: ["a", "b"])
    let page = try PageChecks.expectWellFormed(ExplainPage.shapHTML(result, explained: table, source: "adult.csv"))
    #expect(page.headings.map(\.description) == ["h1 KernelSHAP explanations", "h2 Output a", "h3 Rows", "h2 Output b", "h3 Rows"])
    #expect(page.count("svg") == 8)
  }

  @Test("partial dependence page: a line with ICE curves for the numeric feature, bars over the levels of the categorical one")
  func partialDependence() throws {
    let page = try PageChecks.expectWellFormed(ExplainPage.effectsHTML(try ReportInputs.effects(), source: "adult.csv"))
    #expect(page.headings.map(\.description) == ["h1 Partial dependence and ICE"])
    let charts = page.elements("svg")
    #expect(charts.map { $0.attributes["aria-label"]! } == [ReportInputs.attribute, ReportInputs.script])
    #expect(charts[0].descendants("rect").map { $0.descendants("title")[0].text } == ["\(ReportInputs.entity): 0.1250", "b: 0.3750"])
    // The average with a marker per grid point, and two ICE curves.
    #expect(charts[1].descendants("polyline").count == 3 && charts[1].descendants("circle").count == 3)
    #expect(charts[1].descendants("text").map(\.text).contains("prediction"))
  }

  @Test("accumulated local effects page: its own title and axis, no ICE curves")
  func accumulatedLocalEffects() throws {
    let page = try PageChecks.expectWellFormed(ExplainPage.effectsHTML(try ReportInputs.effects(method: "ale"), source: "adult.csv"))
    #expect(page.headings.map(\.description) == ["h1 Accumulated local effects"])
    let line = page.elements("svg")[1]
    #expect(line.descendants("polyline").count == 1)
    #expect(line.descendants("text").map(\.text).contains("effect") && line.descendants("text").map(\.text).contains("ALE"))
  }

  @Test("the text summaries name the method and list features in order of importance")
  func summaries() throws {
    #expect(ExplainPage.permutationText(try ReportInputs.permutation()).split(separator: "\n").first
      == "Permutation importance (roc_auc, baseline 0.9000, 5 repeats, seed 1):")
    #expect(ExplainPage.effectsText(try ReportInputs.effects(method: "ale")).hasPrefix("Accumulated local effects:\n"))
    #expect(ExplainPage.effectsText(try ReportInputs.effects()).hasPrefix("Partial dependence (average over rows):\n"))
  }
}
