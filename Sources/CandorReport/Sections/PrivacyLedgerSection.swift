import CandorCore
import CandorPrivacy

/// A privacy budget ledger (`candor privacy ledger show --html`): the finding in words, ε after each spend
/// against the budget, and every spend with its events.
public struct PrivacyLedgerSection: ReportSection {
  public var summary: LedgerSummary
  /// The ledger file, as the user named it.
  public var source: String

  public init(_ summary: LedgerSummary, source: String) {
    self.summary = summary
    self.source = source
  }

  public var title: String { "Privacy budget" }
  public var anchor: String { "ledger" }

  public func render(into page: inout HTMLWriter) {
    let s = summary
    page.paragraph(HTMLText(words: PrivacyLedgerPage.finding(s)))
    page.paragraph("Ledger: \(source). Dataset: \(s.dataset.file), \(s.dataset.records) records, SHA-256 \(s.dataset.sha256). Made \(s.created).")
    let each = LedgerSummary.byAccountant(s.spentByAccountant)
    page.paragraph("The whole history under each accountant: \(each). Each is an upper bound on the true ε, so the smallest (\(s.accountant.uppercased())) is the one spent; PRV's is the upper end of its bracket.")
    if s.remainingEpsilon < 0.1 * s.budget.epsilon {
      page.note(HTMLText(words: "Less than a tenth of the budget is left: a further release of ε = \(formatRounded(s.remainingEpsilon)) or more will be refused."))
    }
    if !s.spends.isEmpty {
      let spent = SVGChart.Series(name: "ε spent (tightest accountant)",
                                  points: [(x: 0, y: 0)] + s.spends.map { (x: Double($0.index), y: $0.epsilonAfter) }, markers: true)
      let budget = SVGChart.Series(name: "budget ε = \(formatRounded(s.budget.epsilon))",
                                   points: [(x: 0, y: s.budget.epsilon), (x: Double((s.spends.count + 3) / 4 * 4), y: s.budget.epsilon)])
      page.grid { grid in
        grid.figure(SVGChart.xy(title: "ε spent over the spends", series: [spent, budget], xLabel: "spend (entry number)",
                                     yLabel: "ε (δ = \(formatRounded(s.budget.delta)))", xDomain: (0, Double((s.spends.count + 3) / 4 * 4)),
                                     yDomain: (0, max(s.budget.epsilon, s.spentEpsilon) * 1.05)))
      }
    }
    page.heading("Spends")
    if s.spends.isEmpty {
      page.paragraph("Nothing has been spent.")
    } else {
      page.table(caption: "Every spend in the ledger, oldest first", header: ["entry", "time (UTC)", "command", "note", "what was released", "its ε alone", "ε after", "accountant"],
                 rows: zip(s.spends, s.spendAlone).map { e, alone in
                   [String(e.index), e.time, e.command, e.note, e.events.summary, LedgerSummary.byAccountant(alone.byAccountant),
                    formatRounded(e.epsilonAfter), (e.accountant ?? "rdp").uppercased()]
                 }, textColumns: [1, 2, 3, 4, 5, 7])
    }
    page.note("ε is re-accounted from the events of every spend together, so spends compose tightly rather than adding up; each line of the ledger carries its own SHA-256 and the one of the line before, and the ledger was checked when this page was made.")
  }
}

/// Reports of `candor privacy ledger show`.
public enum PrivacyLedgerPage {

  /// The finding in one sentence.
  public static func finding(_ s: LedgerSummary) -> String {
    let spends = s.spends.count == 1 ? "1 spend" : "\(s.spends.count) spends"
    return "\(formatRounded(s.spentEpsilon)) of the budget ε = \(formatRounded(s.budget.epsilon)) (δ = \(formatRounded(s.budget.delta))) is spent by \(spends); "
      + "at most ε = \(formatRounded(s.remainingEpsilon)) is left."
  }

  public static func html(_ summary: LedgerSummary, source: String) -> String {
    HTMLDocument(PrivacyLedgerSection(summary, source: source)).rendered()
  }
}
