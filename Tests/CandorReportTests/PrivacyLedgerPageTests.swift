import CandorPrivacy
import CandorTestSupport
import Foundation
import Testing

@testable import CandorReport

/// The ledger page: its finding first, the ε-over-spends chart with axes and legend, and every note escaped.
@Suite struct PrivacyLedgerPageTests {
  @Test("the page opens with what is spent and left, charts ε against the budget, lists the spends in words, escapes a hostile note")
  func page() throws {
    let run = PrivacyEvent.dpSGD(samplingRate: 256 / 32561, noiseMultiplier: 1.38016, steps: 1272)
    var ledger = PrivacyLedger(budget: .init(epsilon: 3, delta: 1e-5), dataset: .init(file: "adult_train.csv", sha256: String(repeating: "0", count: 64), records: 32561),
                               created: "2026-12-02T00:00:00Z")
    ledger = try ledger.spending(run, command: "privacy spend", note: "<script>alert(1)</script>", time: "2026-12-02T00:00:01Z")
    ledger = try ledger.spending(run, command: "privacy spend", note: "second", time: "2026-12-02T00:00:02Z")
    let html = PrivacyLedgerPage.html(try LedgerSummary(ledger), source: "l.jsonl")
    #expect(PrivacyLedgerPage.finding(try LedgerSummary(ledger)) == "1.3021 of the budget ε = 3 (δ = 1e-05) is spent by 2 spends; at most ε = 1.6979 is left.")
    let body = try #require(html.range(of: "<body")).upperBound
    let finding = try #require(html.range(of: "1.3021 of the budget ε = 3")).lowerBound
    let chart = try #require(html.range(of: "aria-label=\"ε spent over the spends\"")).lowerBound
    #expect(body < finding && finding < chart)
    #expect(html.contains(">spend (entry number)<") && html.contains(">ε (δ = 1e-05)<") && html.contains(">ε spent (tightest accountant)<") && html.contains(">budget ε = 3<"))
    #expect(html.contains("1272 steps of Gaussian noise σ = 1.38016 on Poisson samples at rate 0.00786217"))
    #expect(html.contains("The whole history under each accountant: <bdi>RDP 1.42935, PLD 1.3021, PRV 1.31217</bdi>."))
    #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>alert"))
  }
}
