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
    let name = r.accountant == "pld" ? "PLD" : "RDP"
    let tightest = r.accountants == nil ? "" : ", the tightest of the accountants below"
    return "\(r.events.summary) costs ε = \(formatRounded(r.epsilon)) at δ = \(formatRounded(r.delta)) (\(name) accountant\(tightest))."
  }

  public func render(into page: inout HTMLWriter) {
    page.paragraph(HTMLText(words: Self.finding(result)))
    if let curve, !(curve.steps.isEmpty && curve.pldSteps.isEmpty) {
      var series: [SVGChart.Series] = []
      if !curve.steps.isEmpty {
        series.append(.init(name: "ε (RDP)", points: zip(curve.steps, curve.epsilon).map { (x: Double($0), y: $1) }))
      }
      if !curve.pldSteps.isEmpty {
        series.append(.init(name: "ε (PLD)", points: zip(curve.pldSteps, curve.pldEpsilon).map { (x: Double($0), y: $1) }, markers: true))
      }
      let top = (curve.epsilon + curve.pldEpsilon).filter(\.isFinite).max() ?? 1
      let last = Double(max(curve.steps.last ?? 1, curve.pldSteps.last ?? 1))
      page.grid { grid in
        grid.figure(svg: SVGChart.xy(title: "ε against steps", series: series, xLabel: "steps", yLabel: "ε (δ = \(formatRounded(result.delta)))",
                                     xDomain: (0, last), yDomain: (0, max(top, 1e-9) * 1.05)))
      }
    }
    if let entries = result.accountants {
      page.heading("Accountants")
      page.table(header: ["accountant", "ε", "what it is"], rows: entries.map { entry in
        [entry.accountant, entry.epsilon.map { formatRounded($0) } ?? "—", entry.note.map { "\(entry.bound); \($0)" } ?? entry.bound]
      })
    }
    page.note("Neighbouring datasets differ by adding or removing one record. Every accountant gives an upper bound on the true ε, so the smallest is a valid guarantee.")
  }
}

/// Reports of `candor privacy epsilon`.
public enum PrivacyEpsilonPage {
  public static func html(_ result: EpsilonResult, curve: EpsilonCurve?) -> String {
    HTMLDocument(PrivacyEpsilonSection(result, curve: curve)).rendered()
  }
}
