import CandorTestSupport
import Foundation
import Testing

import CandorCore
import CandorPrivacy
@testable import CandorReport

/// The dp-train page: its finding first (and NOT PRIVATE when seeded), the warnings the run calls for, ε against
/// steps with axes and legend, and the ledger after the run.
@Suite struct PrivateTrainingPageTests {
  @Test("a seeded run opens with NOT private, warns of the uncovered preprocessing, charts ε over steps to its final value, and lists the ledger")
  func page() throws {
    let (report, curve) = try ReportInputs.privateTraining()
    let html = PrivateTrainingPage.html(report, curve: curve, source: "m.json", ledger: (try ReportInputs.ledger(), "l.jsonl"))
    let finding = "This logistic model is NOT private: it was trained with a fixed seed, so its noise can be recomputed and removed. Its settings would give ε = 0.8 at δ = 1e-05; its test accuracy is 0.8000."
    #expect(PrivateTrainingSection.finding(report) == finding)
    let body = try #require(html.range(of: "<body")).upperBound
    let first = try #require(html.range(of: "This logistic model is NOT private")).lowerBound
    let chart = try #require(html.range(of: "aria-label=\"ε after each step of the run\"")).lowerBound
    let ledger = try #require(html.range(of: "<h2 id=\"ledger\">")).lowerBound
    #expect(body < first && first < chart && chart < ledger)
    #expect(html.contains(">steps<") && html.contains(">ε (δ = 1e-05)<") && html.contains(">ε spent (RDP)<") && html.contains(">target ε = 1<"))
    #expect(html.contains("Not private: insecure seed 1") && html.contains("NOT covered by the privacy guarantee"))
    // The curve ends at the run's steps with the ε of the whole run, and never falls.
    #expect(curve.steps.first == 1 && curve.steps.last == 500)
    #expect(zip(curve.epsilon, curve.epsilon.dropFirst()).allSatisfy { $0 <= $1 })
    var accountant = RDPAccountant()
    try accountant.compose(.dpSGD(samplingRate: 0.01, noiseMultiplier: 1.5, steps: 500))
    #expect(abs(curve.epsilon.last! - accountant.epsilon(delta: 1e-5).epsilon) < 1e-12)
    // PLD at 4 step counts, the last the whole run's, each below RDP's there; drawn as its own series.
    var pld = PLDAccountant()
    try pld.compose(.dpSGD(samplingRate: 0.01, noiseMultiplier: 1.5, steps: 500))
    #expect(curve.pldSteps == [125, 250, 375, 500] && curve.pldEpsilon.last == pld.epsilon(delta: 1e-5))
    #expect(curve.pldEpsilon.last! < curve.epsilon.last! && html.contains(">ε spent (PLD)<"))
  }

  @Test("privacy epsilon's page opens with the tightest ε in words, charts every accountant against steps and lists each with its bound")
  func epsilonPage() throws {
    let (result, curve) = try ReportInputs.epsilon()
    let html = PrivacyEpsilonPage.html(result, curve: curve)
    #expect(result.accountant == "pld" && result.accountants?.map(\.accountant) == ["rdp", "pld", "prv"])
    let finding = try #require(html.range(of: "300 steps of Gaussian noise σ = 1.5 on Poisson samples at rate 0.01 costs ε = \(formatRounded(result.epsilon))")).lowerBound
    let chart = try #require(html.range(of: "aria-label=\"ε against steps\"")).lowerBound
    #expect(finding < chart)
    #expect(html.contains(">ε (RDP)<") && html.contains(">ε (PLD)<") && html.contains(">steps<") && html.contains(">ε (PRV)<"))
    #expect(html.contains(">true ε lies in<") && html.contains("upper end of the bracket the true value lies in (Gopi et al. 2021"))
  }

  @Test("a private run opens with its guarantee in words")
  func privateFinding() throws {
    var (report, _) = try ReportInputs.privateTraining()
    report.isPrivate = true
    #expect(PrivateTrainingSection.finding(report) == "This logistic model was trained with differential privacy: ε = 0.8 at δ = 1e-05 (RDP accountant) over 500 steps; its test accuracy is 0.8000.")
    report.epsilonSpent["pld"] = 0.7
    #expect(PrivateTrainingSection.finding(report) == "This logistic model was trained with differential privacy: ε = 0.7 at δ = 1e-05 (PLD accountant, the tightest; RDP gives 0.8) over 500 steps; its test accuracy is 0.8000.")
  }
}
