import CandorCore
import CandorPrivacy
import CandorTestSupport
import Foundation
import Testing

@testable import CandorReport

/// The audit and query pages: each opens with its finding, charts with axes and legends, and the tables the issue
/// names.
@Suite struct PrivacyAuditPageTests {
  @Test("the audit page opens with its finding, draws the ROC on log–log axes (decade ticks, both rates labelled, chance line), tabulates TPR at low FPR and compares ε with the accounted one")
  func auditPage() throws {
    let result = ReportInputs.audit()
    let html = PrivacyAuditPage.html(result, model: "m.json")
    let finding = PrivacyAuditSection.finding(result)
    #expect(finding.hasPrefix("LiRA (online, 16 shadow models) tells members from non-members better than chance: ROC AUC "))
    #expect(finding.contains("within the ε = 8 its training accounted for."))
    let body = try #require(html.range(of: "<body")).upperBound
    let opening = try #require(html.range(of: "LiRA (online, 16 shadow models) tells members")).lowerBound
    let chart = try #require(html.range(of: "aria-label=\"ROC, log–log\"")).lowerBound
    #expect(body < opening && opening < chart)
    for text in [">0.001<", ">0.01<", ">0.1<", ">1<", ">false-positive rate (share of non-members flagged)<", ">true-positive rate (share of members)<",
                 ">chance (TPR = FPR)<", ">proved by the attack<", ">accounted ε<", ">FPR at most<", ">ε at least<",
                 ">row of the members file (0-based)<"] {
      #expect(html.contains(text), "\(text)")
    }
    var broken = result
    broken.accountedEpsilon = 0.01
    #expect(PrivacyAuditSection.finding(broken).contains("ABOVE the ε = 0.01 its training accounted for: the accounting or the training is wrong."))
    _ = try PageChecks.expectWellFormed(html)
  }

  @Test("the query page opens with the answer, draws one bar chart per group with error bars, charts ε spent by kind with the budget, and logs every release with this one highlighted")
  func queryPage() throws {
    let (result, ledger) = try ReportInputs.query()
    let html = PrivacyQueryPage.html(result, ledger: ledger, source: "l.jsonl")
    let finding = PrivacyQuerySection.finding(result, ledger: ledger)
    #expect(finding.hasPrefix("The histogram of x by g (bounds 0 to 50), released with differential privacy, is shown below per group with its 95 % error bars. It spent ε = 0.5;"))
    let body = try #require(html.range(of: "<body")).upperBound
    let opening = try #require(html.range(of: "The histogram of x by g")).lowerBound
    let bars = try #require(html.range(of: "aria-label=\"histogram of x by g: &amp;amp;\"")).lowerBound
    #expect(body < opening && opening < bars)
    for text in [">ledger entry (in time order)<", ">ε spent, all kinds composed<", ">after a training run<", ">after a statistic<", ">budget ε = 3<",
                 ">ε of each alone, added<", ">95 % interval<", "<tr class=\"flag\">"] {
      #expect(html.contains(text), "\(text)")
    }
    #expect(html.components(separatedBy: "aria-label=\"histogram of x by g: ").count == 4)
    #expect(html.contains("seeded, NOT private"))
    _ = try PageChecks.expectWellFormed(html)
  }
}
