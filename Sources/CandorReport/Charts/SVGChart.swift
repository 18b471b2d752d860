import CandorCore
import Foundation

/// Inline SVG charts: bars, x/y lines, beeswarms and waterfalls from plain data (labels, values). Each has a
/// title and labelled axes; every label goes through `escapeHTML`; sizes are in SVG user units. Each returns a
/// `Chart`: the SVG and the numbers it draws as a table, the chart's text alternative.
public enum SVGChart {
  static let palette = ["#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5", "#9c6b4e", "#9498a0"]

  public static func color(_ index: Int) -> String { palette[index % palette.count] }

  /// Horizontal bars, one per label, with optional interval whiskers and a dashed reference line (e.g. the
  /// overall value). `labelName` heads the labels' column of the data table ("group").
  public static func bars(title: String, labels: [String], values: [Double], intervals: [[Double]]? = nil,
                          reference: Double? = nil, referenceLabel: String = "overall", labelWidth: Double = 150,
                          labelName: String = "") -> Chart {
    let rowHeight = 22.0, plotWidth = 170.0, top = 28.0
    // About 6.4 units per character at font size 11.
    let labelLength = max(rowLabelLength, Int((labelWidth - 8) / 6.4))
    let height = top + rowHeight * Double(labels.count) + 24
    let finite = (values + (intervals?.flatMap { $0 } ?? []) + (reference.map { [$0] } ?? [])).filter(\.isFinite)
    // From min(values, 0) to the largest value, or to 1 when none is above 0 (or none is finite).
    let highest = finite.max() ?? 1
    let upper = highest > 0 ? highest : 1
    let lower = min(finite.min() ?? 0, 0)
    func x(_ v: Double) -> Double { labelWidth + (v - lower) / (upper - lower) * plotWidth }
    var svg = open(title: title, width: labelWidth + plotWidth + 60, height: height)
    for (i, label) in labels.enumerated() {
      let y = top + rowHeight * Double(i)
      let value = values[i]
      svg += "<text x=\"\(labelWidth - 6)\" y=\"\(y + 14)\" font-size=\"11\" text-anchor=\"end\">\(escapeHTML(truncated(label, labelLength)))</text>"
      if value.isFinite {
        let start = x(min(0, value)), end = x(max(0, value))
        svg += "<rect x=\"\(f(start))\" y=\"\(f(y + 3))\" width=\"\(f(max(end - start, 0.5)))\" height=\"\(f(rowHeight - 8))\" fill=\"\(color(0))\"><title>\(escapeHTML(label)): \(formatValue(value))</title></rect>"
        svg += "<text x=\"\(f(labelWidth + plotWidth + 8))\" y=\"\(y + 14)\" font-size=\"10\" fill=\"#333\">\(formatValue(value, decimals: 3))</text>"
      } else {
        svg += "<text x=\"\(labelWidth + 4)\" y=\"\(y + 14)\" font-size=\"10\" fill=\"#777\">n/a</text>"
      }
      if let intervals, i < intervals.count, case let interval = intervals[i], interval.count == 2, interval[0].isFinite, interval[1].isFinite {
        let mid = y + rowHeight / 2 - 1
        svg += "<line x1=\"\(f(x(interval[0])))\" x2=\"\(f(x(interval[1])))\" y1=\"\(f(mid))\" y2=\"\(f(mid))\" stroke=\"#222\" stroke-width=\"1.2\"/>"
        for end in interval {
          svg += "<line x1=\"\(f(x(end)))\" x2=\"\(f(x(end)))\" y1=\"\(f(mid - 4))\" y2=\"\(f(mid + 4))\" stroke=\"#222\" stroke-width=\"1.2\"/>"
        }
      }
    }
    if let reference, reference.isFinite {
      svg += "<line x1=\"\(f(x(reference)))\" x2=\"\(f(x(reference)))\" y1=\"\(top - 2)\" y2=\"\(f(height - 20))\" stroke=\"#c00\" stroke-dasharray=\"3 3\"/>"
      svg += "<text x=\"\(f(x(reference)))\" y=\"\(f(height - 8))\" font-size=\"10\" fill=\"#c00\" text-anchor=\"middle\">\(escapeHTML(referenceLabel)) \(formatValue(reference, decimals: 3))</text>"
    }
    func whisker(_ i: Int) -> [String] {
      guard let intervals else { return [] }
      return i < intervals.count && intervals[i].count == 2 ? intervals[i].map(Chart.cell) : ["—", "—"]
    }
    var rows = labels.indices.map { [labels[$0], Chart.cell(values[$0])] + whisker($0) }
    if let reference, reference.isFinite { rows.append(["\(referenceLabel) (dashed line)", Chart.cell(reference)] + (intervals == nil ? [] : ["", ""])) }
    return Chart(title: title, svg: svg + "</svg>", header: [labelName, "value"] + (intervals == nil ? [] : ["interval from", "interval to"]), rows: rows)
  }

  /// One series of an x/y chart.
  public struct Series: Sendable {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public var line = true
    public var markers = false
    /// A fixed colour (thin background lines such as ICE curves, reference lines such as a threshold); nil takes
    /// the palette's. Such lines are named in the data table's note, not listed point by point.
    public var color: String?
    public init(name: String, points: [(x: Double, y: Double)], line: Bool = true, markers: Bool = false, color: String? = nil) {
      self.name = name
      self.points = points
      self.line = line
      self.markers = markers
      self.color = color
    }
  }

  /// Lines through points in the unit square (ROC curves), with the diagonal and a legend.
  public static func unitLines(title: String, series: [(name: String, points: [(x: Double, y: Double)])], xLabel: String,
                               yLabel: String, diagonal: Bool = true) -> Chart {
    xy(title: title, series: series.map { Series(name: $0.name, points: $0.points) }, xLabel: xLabel, yLabel: yLabel,
       xDomain: (0, 1), yDomain: (0, 1), diagonal: diagonal)
  }

  /// An x/y chart with both axes in powers of ten (an ROC at low false-positive rates): ticks at every decade of
  /// the domains (given in the data's units, both ends positive), the diagonal y = x dashed. Points at or below 0
  /// cannot be drawn and are left out.
  public static func logLog(title: String, series: [Series], xLabel: String, yLabel: String, xDomain: (Double, Double),
                            yDomain: (Double, Double), diagonal: Bool = false) -> Chart {
    func logged(_ p: (x: Double, y: Double)) -> (x: Double, y: Double)? { p.x > 0 && p.y > 0 ? (log10(p.x), log10(p.y)) : nil }
    let transformed = series.map { Series(name: $0.name, points: $0.points.compactMap(logged), line: $0.line, markers: $0.markers, color: $0.color) }
    var lines = transformed
    if diagonal {
      let low = max(xDomain.0, yDomain.0), high = min(xDomain.1, yDomain.1)
      lines.append(Series(name: "", points: [(log10(low), log10(low)), (log10(high), log10(high))], color: "#bbb"))
    }
    let xRange = (log10(xDomain.0), log10(xDomain.1)), yRange = (log10(yDomain.0), log10(yDomain.1))
    func decades(_ range: (Double, Double)) -> [Double] { Array(stride(from: range.0.rounded(.up), through: range.1, by: 1)) }
    let svg = xyDrawing(title: title, series: lines, xLabel: xLabel, yLabel: yLabel, xDomain: xRange, yDomain: yRange,
                        ticks: (decades(xRange), decades(yRange)), tickText: { formatNumber(pow(10, $0.rounded())) })
    // The table lists the points as measured, not their logarithms.
    return pointTable(title: title, svg: svg, series: series, highlights: [], xLabel: xLabel, yLabel: yLabel)
  }

  /// The most points of one series a data table lists; a longer curve (an ROC over every threshold) is thinned.
  static let listedPoints = 25

  /// An x/y chart's data table: one row per listed point (series, x, y), then the marked points; background and
  /// reference lines (a fixed colour) are named in the note.
  static func pointTable(title: String, svg: String, series: [Series], highlights: [(x: Double, y: Double, label: String)],
                         xLabel: String, yLabel: String) -> Chart {
    var rows: [[String]] = [], notes: [String] = []
    for line in series where line.color == nil {
      let picked = Chart.thinned(line.points.count, limit: listedPoints)
      if picked.count < line.points.count { notes.append("\(line.name): \(picked.count) of its \(line.points.count) points, evenly spaced, first and last included.") }
      for i in picked { rows.append([line.name, Chart.cell(line.points[i].x), Chart.cell(line.points[i].y)]) }
    }
    for (k, point) in highlights.enumerated() { rows.append(["marked \(k + 1): \(point.label)", Chart.cell(point.x), Chart.cell(point.y)]) }
    let background = series.filter { $0.color != nil }
    let named = background.map(\.name).filter { !$0.isEmpty }, unnamed = background.count - named.count
    if !background.isEmpty {
      let what = named + (unnamed == 0 ? [] : ["\(unnamed) more background line\(unnamed == 1 ? "" : "s")"])
      notes.append("Not listed: " + what.joined(separator: "; ") + ".")
    }
    return Chart(title: title, svg: svg, header: ["series", xLabel, yLabel], rows: rows, note: notes.isEmpty ? nil : notes.joined(separator: " "))
  }

  /// An x/y chart: lines and/or markers per series, optional highlighted points (drawn as rings with a
  /// label), the domains given or taken from the data.
  public static func xy(title: String, series: [Series], highlights: [(x: Double, y: Double, label: String)] = [],
                        xLabel: String, yLabel: String, xDomain: (Double, Double)? = nil, yDomain: (Double, Double)? = nil,
                        diagonal: Bool = false) -> Chart {
    let svg = xyDrawing(title: title, series: series, highlights: highlights, xLabel: xLabel, yLabel: yLabel, xDomain: xDomain,
                        yDomain: yDomain, diagonal: diagonal)
    return pointTable(title: title, svg: svg, series: series, highlights: highlights, xLabel: xLabel, yLabel: yLabel)
  }

  /// The SVG of `xy`; `ticks` and `tickText` place and write the ticks of a transformed axis (`logLog`).
  private static func xyDrawing(title: String, series: [Series], highlights: [(x: Double, y: Double, label: String)] = [],
                                xLabel: String, yLabel: String, xDomain: (Double, Double)? = nil, yDomain: (Double, Double)? = nil,
                                diagonal: Bool = false, ticks: (x: [Double], y: [Double])? = nil,
                                tickText: ((Double) -> String)? = nil) -> String {
    let size = 240.0, left = 48.0, top = 26.0
    let allX = series.flatMap { $0.points.map(\.x) } + highlights.map(\.x)
    let allY = series.flatMap { $0.points.map(\.y) } + highlights.map(\.y)
    func domain(_ values: [Double], _ given: (Double, Double)?) -> (Double, Double) {
      if let given { return given }
      let finite = values.filter(\.isFinite)
      guard var low = finite.min(), var high = finite.max() else { return (0, 1) }
      if high - low < 1e-9 { low -= 0.5; high += 0.5 }
      let pad = (high - low) * 0.05
      return (low - pad, high + pad)
    }
    var (x0, x1) = domain(allX, xDomain), (y0, y1) = domain(allY, yDomain)
    // Round ticks (0.2, 0.4, … not 0.173, 0.346, …), the axes extended to the outermost ones.
    let roundX = ticks == nil ? roundTicks(x0, x1) : [], roundY = ticks == nil ? roundTicks(y0, y1) : []
    if ticks == nil { (x0, x1, y0, y1) = (roundX.first!, roundX.last!, roundY.first!, roundY.last!) }
    let legendSeries = series.filter { !$0.name.isEmpty }
    let legendHeight = 14.0 * Double(legendSeries.count + highlights.count)
    let height = top + size + 46 + legendHeight
    func px(_ v: Double) -> Double { left + (v - x0) / (x1 - x0) * size }
    func py(_ v: Double) -> Double { top + (1 - (v - y0) / (y1 - y0)) * size }
    var svg = open(title: title, width: left + size + 20, height: height)
    svg += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(size)\" height=\"\(size)\" fill=\"none\" stroke=\"#999\"/>"
    // Enough decimals to tell neighbouring ticks apart.
    func decimals(_ span: Double) -> Int {
      let digits = (-log10(max(span / 4, 1e-12))).rounded(.up)
      return digits.isFinite ? max(2, Int(digits) + 1) : 2  // a span of inf (values near ±Double.greatestFiniteMagnitude)
    }
    let (xTicks, yTicks) = ticks ?? (roundX, roundY)
    for tx in xTicks {
      let text = tickText?(tx) ?? (ticks == nil ? formatNumber(tx) : formatValue(tx, decimals: decimals(x1 - x0)))
      svg += "<text x=\"\(f(px(tx)))\" y=\"\(f(top + size + 12))\" font-size=\"9\" text-anchor=\"middle\">\(escapeHTML(text))</text>"
      if ticks != nil { svg += "<line x1=\"\(f(px(tx)))\" x2=\"\(f(px(tx)))\" y1=\"\(f(top))\" y2=\"\(f(top + size))\" stroke=\"#eee\"/>" }
    }
    for ty in yTicks {
      let text = tickText?(ty) ?? (ticks == nil ? formatNumber(ty) : formatValue(ty, decimals: decimals(y1 - y0)))
      svg += "<text x=\"\(f(left - 4))\" y=\"\(f(py(ty) + 3))\" font-size=\"9\" text-anchor=\"end\">\(escapeHTML(text))</text>"
      if ticks != nil { svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + size))\" y1=\"\(f(py(ty)))\" y2=\"\(f(py(ty)))\" stroke=\"#eee\"/>" }
    }
    svg += "<text x=\"\(f(left + size / 2))\" y=\"\(f(top + size + 25))\" font-size=\"10\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>"
    svg += "<text x=\"10\" y=\"\(f(top + size / 2))\" font-size=\"10\" text-anchor=\"middle\" transform=\"rotate(-90 10 \(f(top + size / 2)))\">\(escapeHTML(yLabel))</text>"
    if diagonal {
      svg += "<line x1=\"\(f(px(0)))\" y1=\"\(f(py(0)))\" x2=\"\(f(px(1)))\" y2=\"\(f(py(1)))\" stroke=\"#bbb\" stroke-dasharray=\"4 3\"/>"
    }
    // Thin fixed-colour lines first, so the named series draw on top.
    var legendRow = 0
    for (k, line) in series.enumerated().sorted(by: { ($0.element.color == nil ? 1 : 0) < ($1.element.color == nil ? 1 : 0) }) {
      let points = line.points.filter { $0.x.isFinite && $0.y.isFinite }
      let stroke = line.color ?? color(k)
      if line.line {
        let path = points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
        svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(stroke)\" stroke-width=\"\(line.color == nil ? 1.6 : 0.6)\"><title>\(escapeHTML(line.name))</title></polyline>"
      }
      if line.markers {
        for point in points {
          svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"2.6\" fill=\"\(stroke)\"><title>\(escapeHTML(line.name)): (\(formatValue(point.x)), \(formatValue(point.y)))</title></circle>"
        }
      }
      guard !line.name.isEmpty else { continue }
      let y = top + size + 50 + 14 * Double(legendRow)
      legendRow += 1
      svg += "<rect x=\"\(left)\" y=\"\(f(y - 8))\" width=\"10\" height=\"3\" fill=\"\(stroke)\"/>"
      svg += "<text x=\"\(left + 14)\" y=\"\(f(y - 4))\" font-size=\"10\">\(escapeHTML(truncated(line.name, legendLength)))</text>"
    }
    for (k, point) in highlights.enumerated() where point.x.isFinite && point.y.isFinite {
      svg += "<circle cx=\"\(f(px(point.x)))\" cy=\"\(f(py(point.y)))\" r=\"5\" fill=\"none\" stroke=\"#c00\" stroke-width=\"2\"><title>\(escapeHTML(point.label))</title></circle>"
      // A direct label: the point's number beside its ring (inside the plot), the legend saying what it is.
      let (nx, ny) = (px(point.x) > left + size - 14 ? px(point.x) - 8 : px(point.x) + 8, py(point.y) < top + 12 ? py(point.y) + 14 : py(point.y) - 6)
      let anchor = px(point.x) > left + size - 14 ? "end" : "start"
      svg += "<text x=\"\(f(nx))\" y=\"\(f(ny))\" font-size=\"10\" font-weight=\"bold\" fill=\"#c00\" text-anchor=\"\(anchor)\">\(k + 1)</text>"
      let y = top + size + 50 + 14 * Double(legendSeries.count + k)
      svg += "<circle cx=\"\(left + 5)\" cy=\"\(f(y - 6))\" r=\"4\" fill=\"none\" stroke=\"#c00\" stroke-width=\"2\"/>"
      svg += "<text x=\"\(left + 14)\" y=\"\(f(y - 3))\" font-size=\"10\">\(escapeHTML(truncated("\(k + 1): " + point.label, legendLength)))</text>"
    }
    return svg + "</svg>"
  }

  // MARK: - Shared pieces

  /// The opening tag with its size and accessible name, and the title drawn at the top left.
  static func open(title: String, width: Double, height: Double) -> String {
    "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(escapeHTML(title))\">"
      + "<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"600\">\(escapeHTML(title))</text>"
  }

  /// A horizontal axis at `y`: tick marks with their values, and `label` centred below them at `labelX`.
  /// `round`: the ticks are `roundTicks`, written as the short numbers they are (0.5, not 0.500).
  static func axis(ticks: [Double], at x: (Double) -> Double, y: Double, label: String, labelX: Double, round: Bool = false) -> String {
    var svg = "<line x1=\"\(f(x(ticks.min() ?? 0)))\" x2=\"\(f(x(ticks.max() ?? 0)))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#999\"/>"
    for tick in ticks {
      svg += "<line x1=\"\(f(x(tick)))\" x2=\"\(f(x(tick)))\" y1=\"\(f(y))\" y2=\"\(f(y + 3))\" stroke=\"#999\"/>"
      svg += "<text x=\"\(f(x(tick)))\" y=\"\(f(y + 13))\" font-size=\"9\" text-anchor=\"middle\">\(round ? formatNumber(tick) : formatValue(tick, decimals: 3))</text>"
    }
    return svg + "<text x=\"\(f(labelX))\" y=\"\(f(y + 27))\" font-size=\"10\" text-anchor=\"middle\">\(escapeHTML(label))</text>"
  }

  static func f(_ v: Double) -> String { String(format: "%.1f", v) }

  /// About `count` round ticks (steps of 1, 2 or 5 × 10^k, Heckbert's "nice numbers", Graphics Gems 1990) that
  /// cover `low…high`: the first at or below `low`, the last at or above `high`.
  public static func roundTicks(_ low: Double, _ high: Double, count: Int = 5) -> [Double] {
    guard low.isFinite, high.isFinite else { return [0, 1] }
    let span = max(high - low, abs(high) * 1e-9, 1e-12)
    let rough = span / Double(max(count - 1, 1))
    let magnitude = pow(10, (log10(rough)).rounded(.down))
    // The round step nearest the rough one (Heckbert's rounding: below 1.5 → 1, 3 → 2, 7 → 5, else 10).
    let fraction = rough / magnitude
    let step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * magnitude
    let first = (low / step).rounded(.down) * step, last = (high / step).rounded(.up) * step
    let n = Int(((last - first) / step).rounded()) + 1
    // Multiples of the step, so 0.30000000000000004 is written 0.3.
    return (0..<max(n, 2)).map { (((first / step).rounded() + Double($0)) * step * 1e12).rounded() / 1e12 }
  }

  /// Characters that fit a row label (about 140 units at font size 11) and a legend entry (about 240 units at
  /// 10); longer text ends in "…" (tooltips keep it whole).
  static let rowLabelLength = 22, legendLength = 44

  static func truncated(_ text: String, _ length: Int) -> String {
    text.count <= length ? text : String(text.prefix(length - 1)) + "…"
  }
}
