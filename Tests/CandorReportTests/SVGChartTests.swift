import CandorTestSupport
import Testing

@testable import CandorReport

@Suite struct SVGChartTests {
  static let hostile = ReportInputs.script

  static func read(_ chart: Chart) throws -> HTMLStructure.Element {
    let elements = try HTMLStructure(chart.svg).elements("svg")
    try #require(elements.count == 1)
    return elements[0]
  }

  static func number(_ element: HTMLStructure.Element, _ attribute: String) -> Double? {
    element.attributes[attribute].flatMap(Double.init)
  }

  /// The chart's first text is its title; its accessible name says the same.
  static func expectTitle(_ svg: HTMLStructure.Element, _ title: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(svg.descendants("text").first?.text == title, sourceLocation: sourceLocation)
    #expect(svg.attributes["aria-label"] == title, sourceLocation: sourceLocation)
  }

  @Test("bars: one rect per finite value, labels in order top to bottom, lengths to scale, n/a for NaN")
  func bars() throws {
    // Scale: from min(values, 0) = -0.25 to 1 over 170 units starting at x = 150.
    let svg = try Self.read(SVGChart.bars(title: Self.hostile, labels: ["b", Self.hostile, "a", "none"], values: [0.5, -0.25, 1, .nan]))
    Self.expectTitle(svg, Self.hostile)
    let rects = svg.descendants("rect")
    #expect(rects.map { Self.number($0, "x") } == [184, 150, 184])
    #expect(rects.map { Self.number($0, "width") } == [68, 34, 136])
    #expect(rects.map { Self.number($0, "y") } == [31, 53, 75])
    #expect(rects.map { $0.descendants("title").first?.text } == ["b: 0.5000", "\(Self.hostile): -0.2500", "a: 1"])
    let texts = svg.descendants("text").map(\.text)
    #expect(texts == [Self.hostile, "b", "0.500", "<script>alert(1)</scr…", "-0.250", "a", "1", "none", "n/a"])
  }

  @Test("bars with no finite value (nor reference) draw n/a rows on the default 0…1 scale")
  func barsWithoutFiniteValues() throws {
    let svg = try Self.read(SVGChart.bars(title: "roc_auc", labels: ["a", "b"], values: [.nan, .infinity], intervals: [[.nan, .nan], [.nan, .nan]],
                                          reference: .nan))
    #expect(svg.descendants("rect").isEmpty && svg.descendants("line").isEmpty)
    #expect(svg.descendants("text").map(\.text) == ["roc_auc", "a", "n/a", "b", "n/a"])
  }

  @Test("x/y: a polyline per lined series, a circle per marker and two per highlighted point, legend names")
  func xy() throws {
    let svg = try Self.read(SVGChart.xy(
      title: "t", series: [.init(name: Self.hostile, points: [(0, 0), (0.5, 0.5), (1, 1)], markers: true),
                           .init(name: "", points: [(0, 1), (1, 0)], color: "#ccc")],
      highlights: [(x: 0.5, y: 0.5, label: "chosen")], xLabel: "fpr", yLabel: "tpr", xDomain: (0, 1), yDomain: (0, 1)))
    Self.expectTitle(svg, "t")
    #expect(svg.descendants("polyline").count == 2)
    #expect(svg.descendants("circle").count == 3 + 2)
    let texts = svg.descendants("text").map(\.text)
    #expect(texts.contains("fpr") && texts.contains("tpr") && texts.contains(Self.hostile) && texts.contains("1: chosen"))
    #expect(texts.contains("1"), "the point's number beside its ring")
  }

  @Test("beeswarm: one circle per row and point, rows in order, positions symmetric about 0, colour by value")
  func beeswarm() throws {
    let rows = [SVGChart.BeeswarmRow(label: Self.hostile, values: [-1, 0, 1], colorValues: [0, 5, 10]),
                SVGChart.BeeswarmRow(label: "plain", values: [0.5, -0.5, .nan])]
    let svg = try Self.read(SVGChart.beeswarm(title: "φ", rows: rows, pointNames: ["row 7", "row 8", "row 9"], xLabel: "SHAP value"))
    Self.expectTitle(svg, "φ")
    let circles = svg.descendants("circle")
    #expect(circles.count == 5)
    // x = 150 + (v + limit) / (2 limit) · 200 with limit 1; each row 22 units below the one before.
    #expect(circles.map { Self.number($0, "cx") } == [150, 250, 350, 300, 200])
    #expect(circles.prefix(3).allSatisfy { (28...50).contains(Self.number($0, "cy")!) })
    #expect(circles.suffix(2).allSatisfy { (50...72).contains(Self.number($0, "cy")!) })
    #expect(circles.map { $0.attributes["fill"] } == ["rgb(30,110,255)", "rgb(142,70,140)", "rgb(255,30,25)", "#888", "#888"])
    #expect(circles.map { $0.descendants("title")[0].text } == ["row 7: -1", "row 8: 0.0000", "row 9: 1", "row 7: 0.5000", "row 8: -0.5000"])
    let texts = svg.descendants("text").map(\.text)
    #expect(texts == ["φ", "-1", "0.000", "1", "SHAP value", "<script>alert(1)</scr…", "plain"])
  }

  @Test("round ticks: steps of 1, 2 or 5 × 10^k covering the range, written as the round numbers they are")
  func roundTicks() {
    #expect(SVGChart.roundTicks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(SVGChart.roundTicks(0.173, 0.91) == [0, 0.2, 0.4, 0.6, 0.8, 1])
    #expect(SVGChart.roundTicks(-3.2, 7.9) == [-4, -2, 0, 2, 4, 6, 8])
    #expect(SVGChart.roundTicks(1, 3, count: 3) == [1, 2, 3] && SVGChart.roundTicks(0.0012, 0.0049, count: 4) == [0.001, 0.002, 0.003, 0.004, 0.005])
    #expect(SVGChart.roundTicks(5, 5).count >= 2 && SVGChart.roundTicks(.nan, 1) == [0, 1])
  }

  @Test("waterfall: one rect per contribution from the running total before it to the one after, in the order given")
  func waterfall() throws {
    let svg = try Self.read(SVGChart.waterfall(title: "row 3", base: 1, labels: ["up", Self.hostile, "again"], contributions: [2, -0.5, 0.25],
                                               errors: [0.1, 0.2, 0.3], xLabel: "output"))
    Self.expectTitle(svg, "row 3")
    // Totals 1 → 3 → 2.5 → 2.75 on x = 225 + (v − 1) / 2 · 180 (the round ticks 1, 2, 3 cover them exactly).
    let rects = svg.descendants("rect")
    #expect(rects.map { Self.number($0, "x") } == [225, 360, 360])
    #expect(rects.map { Self.number($0, "width") } == [180, 45, 22.5])
    #expect(rects.map { Self.number($0, "y") } == [31, 51, 71])
    #expect(rects.map { $0.attributes["fill"] } == ["#d62728", "#1f77b4", "#d62728"])
    #expect(rects.map { $0.descendants("title")[0].text } == ["up: 2 ± 0.1000", "\(Self.hostile): -0.5000 ± 0.2000", "again: 0.2500 ± 0.3000"])
    let texts = svg.descendants("text").map(\.text)
    #expect(texts == ["row 3", "1", "2", "3", "output", "up", "2", "<script>alert(1)</script>", "-0.500", "again", "0.250"])
  }

  // MARK: - Data tables (each chart's text alternative)

  @Test("bars' data table: one line per bar with its interval, n/a for what is not a number, the reference line last")
  func barsTable() {
    let chart = SVGChart.bars(title: "Selection rate", labels: ["Female", Self.hostile, "none"], values: [0.1234567, 0.25, .nan],
                              intervals: [[0.1, 0.15], [0.2, 0.3]], reference: 0.2, labelName: "group")
    #expect(chart.title == "Selection rate")
    #expect(chart.header == ["group", "value", "interval from", "interval to"])
    #expect(chart.rows == [["Female", "0.1235", "0.1", "0.15"], [Self.hostile, "0.25", "0.2", "0.3"], ["none", "n/a", "—", "—"],
                           ["overall (dashed line)", "0.2", "", ""]])
  }

  @Test("x/y data table: every point of each series, then the marked points; background lines named in the note, not listed")
  func xyTable() {
    let chart = SVGChart.xy(title: "t", series: [.init(name: "average", points: [(1, 0.5), (2, 0.75)]),
                                                 .init(name: "ICE (first 50 rows)", points: [(1, 0), (2, 1)], color: "#ccc"),
                                                 .init(name: "", points: [(1, 1), (2, 0)], color: "#ccc")],
                            highlights: [(x: 1.5, y: 0.6, label: "row 3")], xLabel: "age", yLabel: "prediction")
    #expect(chart.header == ["series", "age", "prediction"])
    #expect(chart.rows == [["average", "1", "0.5"], ["average", "2", "0.75"], ["marked 1: row 3", "1.5", "0.6"]])
    #expect(chart.note == "Not listed: ICE (first 50 rows); 1 more background line.")
  }

  @Test("a long curve's table lists 25 evenly spaced points with both ends, and says so")
  func longCurveIsThinned() {
    let points = (0..<1000).map { (x: Double($0) / 999, y: Double($0) / 999) }
    let chart = SVGChart.unitLines(title: "ROC", series: [(name: "Male", points: points)], xLabel: "fpr", yLabel: "tpr")
    #expect(chart.rows.count == 25 && chart.rows.first == ["Male", "0", "0"] && chart.rows.last == ["Male", "1", "1"])
    #expect(chart.rows[1] == ["Male", "0.04204", "0.04204"], "index round(1 · 999 / 24) = 42")
    #expect(chart.note == "Male: 25 of its 1000 points, evenly spaced, first and last included.")
    #expect(Chart.thinned(5, limit: 60) == [0, 1, 2, 3, 4] && Chart.thinned(10, limit: 4) == [0, 3, 6, 9])
  }

  @Test("log–log data table: the points as measured, not their logarithms; points at 0, undrawable, still listed")
  func logLogTable() {
    let chart = SVGChart.logLog(title: "ROC, log–log", series: [.init(name: "attack", points: [(0, 0.001), (0.001, 0.01), (1, 1)])],
                                xLabel: "FPR", yLabel: "TPR", xDomain: (1e-4, 1), yDomain: (1e-4, 1), diagonal: true)
    #expect(chart.rows == [["attack", "0", "0.001"], ["attack", "0.001", "0.01"], ["attack", "1", "1"]])
    #expect(chart.note == nil, "the drawn diagonal is not a series of the data")
  }

  @Test("waterfall data table: base, each contribution with the running total after it, the end; totals add up")
  func waterfallTable() {
    let chart = SVGChart.waterfall(title: "row 3", base: 1, labels: ["up", "down"], contributions: [2, -0.5], errors: [0.1, 0.2],
                                   xLabel: "output", labelName: "feature = the row's value", baseLabel: "base value (dashed line)")
    #expect(chart.header == ["feature = the row's value", "contribution", "running total (output)", "standard error"])
    #expect(chart.rows == [["base value (dashed line)", "", "1", ""], ["up", "2", "3", "0.1"], ["down", "-0.5", "2.5", "0.2"], ["end", "", "2.5", ""]])
  }

  @Test("beeswarm, forest, heat map, shape and score-map tables list what each draws")
  func otherTables() throws {
    let swarm = SVGChart.beeswarm(title: "φ", rows: [.init(label: "age", values: [-1, 0.5, .nan])], pointNames: ["a", "b", "c"],
                                  xLabel: "SHAP value", labelName: "feature")
    #expect(swarm.header == ["feature", "points", "mean |SHAP value|", "lowest", "highest"] && swarm.rows == [["age", "2", "0.75", "-1", "0.5"]])
    let forest = SVGChart.forest(title: "Estimates", labels: ["age", "sex"], estimates: [0.5, -1], intervals: [[0.25, 0.75]], xLabel: "log-odds", labelName: "term")
    #expect(forest.rows == [["age", "0.5", "0.25", "0.75"], ["sex", "-1", "—", "—"]])
    let heat = SVGChart.heatMap(title: "Error", rowLabels: ["a", "b"], columnLabels: ["x", "y"], values: [[0.5, nil], [0.25, 1]],
                                counts: [[2, 0], [4, 1]], rowTitle: "age", columnTitle: "sex", format: { formatValue($0, decimals: 2) })
    #expect(heat.header == ["age", "sex", "error", "rows"])
    #expect(heat.rows == [["a", "x", "0.50", "2"], ["a", "y", "no rows", "0"], ["b", "x", "0.25", "4"], ["b", "y", "1", "1"]])
    let shape = SVGChart.shape(title: "age", cuts: [30, 50], scores: [-0.5, 0, 0.5], weights: [1, 2, 1], xLabel: "age", yLabel: "score")
    #expect(shape.rows == [["≤ 30", "-0.5", "1", "25 %"], ["(30, 50]", "0", "2", "50 %"], ["> 50", "0.5", "1", "25 %"]])
    let map = SVGChart.scoreMap(title: "age × sex", rowLabels: ["young", "old"], columnLabels: ["F"], scores: [[0.25], [0]], weights: [[3], [0]],
                                rowTitle: "age", columnTitle: "sex", unit: "logit")
    #expect(map.rows == [["young", "F", "0.25", "3"]] && map.note == "Not listed: 1 cell without training rows.")
  }

  @Test("a figure folds its data table under the chart: captioned with the title, every cell escaped and isolated")
  func figureCarriesItsTable() throws {
    var writer = HTMLWriter(sectionLevel: 1)
    writer.figure(SVGChart.bars(title: Self.hostile, labels: [Self.hostile], values: [1], labelName: "group"))
    let page = try HTMLStructure(writer.html)
    let figure = try #require(page.elements("figure").first)
    #expect(figure.descendants("svg").count == 1)
    let details = try #require(figure.descendants("details").first)
    #expect(details.descendants("summary").first?.text == "Data table")
    let table = try #require(details.descendants("table").first)
    #expect(table.descendants("caption").first?.text == Self.hostile)
    #expect(table.descendants("th").map(\.text) == ["group", "value"])
    #expect(table.descendants("td").map(\.text) == [Self.hostile, "1"])
    #expect(!writer.html.contains("<script>"), "the hostile label is text, never markup")
  }
}
