import CandorCore
import CandorPrivacy

/// What an event tree costs (`candor privacy epsilon --html`): the answer in words, ε against the steps of a repeated
/// event under each accountant, and every accountant's value with its kind of bound.
public struct PrivacyEpsilonSection: ReportSection {
  public var result: EpsilonResult
  /// For a repeated event (a DP-SGD run): ε after each number of its steps.
  public var curve: EpsilonCurve?

  public init(_ result: EpsilonResult, curve: EpsilonCurve?) {
    self.result = result
    self.curve = curve
  }

  public var title: String { "Privacy cost" }
  public var anchor: String { "privacy-epsilon" }

  public static func finding(_ r: EpsilonResult) -> String {
    let name = r.accountant.uppercased()
    let tightest = r.accountants == nil ? "" : ", the tightest of the accountants below"
    let bracket = r.bracket.map { "; the true ε lies between \(formatRounded($0.lower)) and \(formatRounded($0.upper))" } ?? ""
    return "\(r.events.summary) costs ε = \(formatRounded(r.epsilon)) at δ = \(formatRounded(r.delta)) (\(name) accountant\(tightest)\(bracket))."
  }

  public func render(into page: inout HTMLWriter) {
    page.paragraph(HTMLText(words: Self.finding(result)))
    if let curve, let chart = curve.chart(prefix: "ε") {
      page.grid { grid in
        grid.figure(SVGChart.xy(title: "ε against steps", series: chart.series, xLabel: "steps", yLabel: "ε (δ = \(formatRounded(result.delta)))",
                                     xDomain: (0, chart.lastStep), yDomain: (0, chart.top * 1.05)))
      }
      if let overlap = curve.overlapNote { page.note(HTMLText(words: overlap)) }
    }
    if let entries = result.accountants {
      page.heading("Accountants")
      page.table(caption: "ε by accountant", header: ["accountant", "ε", "true ε lies in", "what it is"], rows: entries.map { entry in
        [entry.accountant, entry.epsilon.map { formatRounded($0) } ?? "—",
         entry.bracket.map { "\(formatRounded($0.lower))–\(formatRounded($0.upper))" } ?? (entry.epsilon.map { "0–\(formatRounded($0))" } ?? "—"),
         entry.note.map { "\(entry.bound); \($0)" } ?? entry.bound]
      }, textColumns: [3])
    }
    page.note("Neighbouring datasets differ by adding or removing one record. Every accountant gives an upper bound on the true ε, so the smallest is a valid guarantee.")
  }
}

extension EpsilonCurve {
  /// One line per accountant with points (RDP a line, PLD and PRV marked points), the last step and the largest
  /// finite ε; nil when there is nothing to draw.
  func chart(prefix: String) -> (series: [SVGChart.Series], lastStep: Double, top: Double)? {
    var series: [SVGChart.Series] = []
    let lines: [(String, [Int], [Double], Bool)] = [("RDP", steps, epsilon, false), ("PLD", pldSteps, pldEpsilon, true), ("PRV", prvSteps, prvEpsilon, true)]
    for (name, x, y, markers) in lines where !x.isEmpty {
      series.append(.init(name: "\(prefix) (\(name))", points: zip(x, y).map { (x: Double($0), y: $1) }, markers: markers))
    }
    if series.isEmpty { return nil }
    let top = (epsilon + pldEpsilon + prvEpsilon).filter(\.isFinite).max() ?? 1
    return (series, Double(max(steps.last ?? 1, pldSteps.last ?? 1, prvSteps.last ?? 1)), max(top, 1e-9))
  }

  /// Said under the chart when PLD's and PRV's points fall on each other (within 2 % of the chart's height), so a
  /// reader who sees one series knows the other is beneath it.
  public var overlapNote: String? {
    guard !pldSteps.isEmpty, pldSteps == prvSteps else { return nil }
    let gaps = zip(pldEpsilon, prvEpsilon).map { abs($0 - $1) }.filter(\.isFinite)
    let top = (epsilon + pldEpsilon + prvEpsilon).filter(\.isFinite).max() ?? 1
    guard let widest = gaps.max(), widest <= 0.02 * top else { return nil }
    return "PLD's and PRV's points lie on each other: they differ by at most \(formatRounded(widest)) in ε here (PRV's is the upper end of its ±0.01 bracket)."
  }
}

/// Reports of `candor privacy epsilon`.
public enum PrivacyEpsilonPage {
  public static func html(_ result: EpsilonResult, curve: EpsilonCurve?) -> String {
    HTMLDocument(PrivacyEpsilonSection(result, curve: curve)).rendered()
  }
}
