import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// The audit's statistics, checked against independent computations: exact binomial intervals (scipy), the
/// Mann–Whitney area and DeLong's variance by their O(mn) definitions, the low-FPR reading and the ε bound by hand.
@Suite struct MembershipAuditTests {
  // scipy 1.x: beta.ppf(0.025, k, n − k + 1), beta.ppf(0.975, k + 1, n − k).
  @Test("Clopper–Pearson 95 % intervals within 1e-9 of scipy's beta quantiles",
        arguments: [(0, 500, 0.0, 0.007350610051907784), (1, 500, 5.0634334007415215e-05, 0.011092476898968787),
                    (3, 500, 0.0012390575435407506, 0.017433673725913514), (250, 500, 0.4552855693242276, 0.5447144306757724),
                    (500, 500, 0.9926493899480923, 1.0), (7, 1000, 0.002818858759620524, 0.014369194978918632)])
  func clopperPearson(_ k: Int, _ n: Int, _ lower: Double, _ upper: Double) {
    let (lo, hi) = ProportionInterval.clopperPearson(successes: k, trials: n)
    #expect(abs(lo - lower) <= 1e-9 * max(lower, 1e-300) + 1e-15 && abs(hi - upper) <= 1e-9 * upper, "\(lo), \(hi)")
  }

  @Test("AUC is the Mann–Whitney statistic (ties half) and its interval DeLong's, by their O(mn) definitions, on scores with ties")
  func areaAndDeLong() {
    var random = SeededRandom(seed: 7)
    let members = (0..<300).map { _ in Double(random.nextIndex(below: 40)) + 3 }, nonMembers = (0..<200).map { _ in Double(random.nextIndex(below: 40)) }
    let result = MembershipAuditResult(attack: "loss", members: members, nonMembers: nonMembers, delta: 0, top: 3, falsePositiveRates: [0.01])
    func psi(_ x: Double, _ y: Double) -> Double { x > y ? 1 : (x == y ? 0.5 : 0) }
    let m = Double(members.count), n = Double(nonMembers.count)
    let v10 = members.map { x in nonMembers.map { psi(x, $0) }.reduce(0, +) / n }
    let v01 = nonMembers.map { y in members.map { psi($0, y) }.reduce(0, +) / m }
    let auc = v10.reduce(0, +) / m
    let s10 = v10.map { ($0 - auc) * ($0 - auc) }.reduce(0, +) / (m - 1), s01 = v01.map { ($0 - auc) * ($0 - auc) }.reduce(0, +) / (n - 1)
    let se = (s10 / m + s01 / n).squareRoot()
    #expect(abs(result.auc - auc) < 1e-12)
    #expect(abs(result.aucInterval[0] - (auc - 1.959963984540054 * se)) < 1e-12 && abs(result.aucInterval[1] - (auc + 1.959963984540054 * se)) < 1e-12)
    #expect(result.topRecords.map(\.score) == Array(members.sorted(by: >).prefix(3)))
  }

  @Test("TPR at FPR: the most members a threshold flags while flagging at most FPR·n non-members; ε ≥ ln((TPR_lo − δ)/FPR_hi) or its mirror")
  func lowFalsePositiveRate() {
    // 100 members at 10 and 900 at 1; 1000 non-members, 5 at 10 and the rest at 0.
    let members = [Double](repeating: 10, count: 100) + [Double](repeating: 1, count: 900)
    let nonMembers = [Double](repeating: 10, count: 5) + [Double](repeating: 0, count: 995)
    let result = MembershipAuditResult(attack: "loss", members: members, nonMembers: nonMembers, delta: 1e-5, top: 0, falsePositiveRates: [0.001, 0.01])
    let loose = result.tprAtFPR["0.01"]!, strict = result.tprAtFPR["0.001"]!
    // At FPR ≤ 1 % the threshold 1 flags every member and the 5 non-members at 10; at ≤ 0.1 % (one non-member) none.
    #expect(loose.truePositives == 1000 && loose.falsePositives == 5 && loose.threshold == 1 && loose.tpr == 1 && loose.fpr == 0.005)
    #expect(strict.truePositives == 0 && strict.threshold == nil && strict.epsilonLowerBound == 0)
    let tpr = ProportionInterval.clopperPearson(successes: 1000, trials: 1000), fpr = ProportionInterval.clopperPearson(successes: 5, trials: 1000)
    let expected = max(log((tpr.lower - 1e-5) / fpr.upper), log((1 - fpr.upper - 1e-5) / (1 - tpr.lower)))
    #expect(abs(loose.epsilonLowerBound - expected) < 1e-12 && result.epsilonLowerBound == loose.epsilonLowerBound)
    #expect(result.balancedAccuracy == 0.5 * (1 + 1 - 0.005))
  }

  @Test("LiRA's halves: every record trains exactly K/2 of the K shadows, each shadow about half the records, the same for the same seed", arguments: [2, 4, 16])
  func shadowHalves(_ k: Int) {
    let n = 2000
    let membership = LikelihoodRatioAttack.halves(records: n, models: k, seed: 9)
    #expect(membership == LikelihoodRatioAttack.halves(records: n, models: k, seed: 9) && membership != LikelihoodRatioAttack.halves(records: n, models: k, seed: 10))
    for r in 0..<n { #expect((0..<k).count { membership[r * k + $0] } == k / 2) }
    for m in 0..<k {
      let size = (0..<n).count { membership[$0 * k + m] }
      #expect(abs(size - n / 2) < 4 * Int((Double(n) / 4).squareRoot()), "shadow \(m): \(size)")
    }
  }
}

/// The one-run audit (Steinke, Nasr & Jagielski 2023): its p-value and ε bound against the paper's formula in scipy,
/// and the canaries it draws.
@Suite struct OneRunAuditTests {
  nonisolated(unsafe) static let cases = PrivacyFixtures.file("one_run_audit.json")["cases"] as! [[String: Any]]

  @Test("p-values within 1e-9 relative and ε lower bounds within 1e-9 of the paper's formula in scipy (8 cases, δ = 0 and δ > 0)")
  func matchesReference() {
    #expect(Self.cases.count == 8)
    for c in Self.cases {
      let (m, r, v, delta, p) = (c["m"] as! Int, c["r"] as! Int, c["v"] as! Int, c["delta"] as! Double, c["p"] as! Double)
      let pValue = OneRunAudit.pValue(examples: m, guesses: r, correct: v, epsilon: 1, delta: delta), expected = c["p_value_at_1"] as! Double
      #expect(abs(pValue - expected) <= 1e-9 * expected, "\(c)")
      let bound = OneRunAudit.epsilonLowerBound(examples: m, guesses: r, correct: v, delta: delta, miss: p)
      #expect(abs(bound - (c["epsilon_lower_bound"] as! Double)) <= 1e-9, "\(c): \(bound)")
    }
  }

  @Test("canaries: m distinct rows, every label changed, about half included, taken out of the training rows; the same seed draws the same")
  func canaries() throws {
    let table = try Fixtures.adult("train")
    var random = SeededRandom(seed: 5)
    let audit = try OneRunAudit.draw(count: 400, from: table, target: "income", classes: ["<=50K", ">50K"], using: &random)
    #expect(Set(audit.rows).count == 400)
    let original = try table.column("income"), changed = try audit.canaries.column("income")
    for (k, row) in audit.rows.enumerated() { #expect(original.text(at: row) != changed.text(at: k)) }
    let included = audit.included.count { $0 }
    #expect(abs(included - 200) < 40)
    #expect(try audit.trainingRows(of: table).rowCount == table.rowCount - 400 + included)
    var again = SeededRandom(seed: 5)
    #expect(try OneRunAudit.draw(count: 400, from: table, target: "income", classes: ["<=50K", ">50K"], using: &again).rows == audit.rows)
    var other = SeededRandom(seed: 5)
    #expect(throws: PrivacyError.self) { try OneRunAudit.draw(count: 1, from: table, target: "income", classes: ["<=50K", ">50K"], using: &other) }
  }
}
