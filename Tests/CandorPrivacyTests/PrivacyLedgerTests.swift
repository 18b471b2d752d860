import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// The ledger keeps events and re-accounts the whole history; every line's digest and link catch an edit.
@Suite struct PrivacyLedgerTests {
  static let run = PrivacyEvent.dpSGD(samplingRate: 256 / 32561, noiseMultiplier: 1.38016, steps: 1272)
  static let dataset = PrivacyLedger.Dataset(file: "d.csv", sha256: String(repeating: "ab", count: 32), records: 32561)

  static func ledger(spends: Int, epsilon: Double = 3) throws -> PrivacyLedger {
    var ledger = PrivacyLedger(budget: .init(epsilon: epsilon, delta: 1e-5), dataset: Self.dataset, created: "2026-12-02T00:00:00Z")
    for k in 0..<spends { ledger = try ledger.spending(Self.run, command: "privacy spend", note: "run \(k)", time: "2026-12-02T00:00:0\(k)Z") }
    return ledger
  }

  @Test("spends compose tightly under the tightest accountant (four runs of ε ≈ 0.90 cost 1.89 under PLD, 2.06 under RDP, not 3.6), and a spend past the budget is refused naming what is left")
  func composes() throws {
    let ledger = try Self.ledger(spends: 4)
    var accountant = RDPAccountant()
    for _ in 0..<4 { try accountant.compose(Self.run) }
    let spent = try ledger.spentEpsilon()
    #expect(spent.byAccountant["rdp"] == accountant.epsilon(delta: 1e-5).epsilon)
    // dp_accounting 0.6.0: RdpAccountant().compose(ComposedDpEvent([run] * 4)).get_epsilon(1e-5) (its optimal order is an
    // integer one, where both methods are the exact sum), and PLDAccountant(1e-4) of the same: 1.8904157610329475;
    // prv_accountant's bracket (eps_error 0.01, delta_error 1e-8): [1.8802624709614724, 1.9004989102047793].
    #expect(abs(spent.byAccountant["rdp"]! - 2.064557092572765) < 1e-9 * 2.07)
    #expect(abs(spent.byAccountant["pld"]! - 1.8904157610329475) < 2e-4)
    #expect(abs(spent.byAccountant["prv"]! - 1.9004989102047793) < 1e-3)
    #expect(spent.accountant == "pld" && spent.epsilon == spent.byAccountant["pld"] && ledger.entries.last!.epsilonAfter == spent.epsilon)
    #expect(ledger.entries.last!.accountant == "pld")
    // Nine fit in ε = 3 under PLD (2.95335; dp_accounting 2.9533532246368495), the tenth does not (3.13231; 3.132305023748539).
    let full = try Self.ledger(spends: 9)
    #expect(abs(try full.spentEpsilon().epsilon - 2.9533532246368495) < 2e-4)
    #expect(throws: PrivacyError.overBudget(budget: 3, delta: 1e-5, spent: try full.spentEpsilon().epsilon, spend: try LedgerEpsilon(Self.run, delta: 1e-5).epsilon,
                                            total: try LedgerEpsilon(.composed([PrivacyEvent](repeating: Self.run, count: 10)), delta: 1e-5).epsilon)) {
      try full.spending(Self.run, command: "privacy spend", note: "", time: "t")
    }
    let refusal = PrivacyError.overBudget(budget: 3, delta: 1e-5, spent: 2.79585, spend: 1.0000032, total: 3.00816).description
    #expect(refusal == "The privacy budget is ε = 3 at δ = 1e-05: 2.79585 is spent, and this spend (ε = 1 alone) would bring it to 3.00816. Nothing was spent; at most ε = 0.20415 is left.")
  }

  @Test("equal spends are gathered into one repeated event, in order of first occurrence; a ledger without them is left as it is")
  func mergingRepeats() {
    let other = PrivacyEvent.laplace(noiseMultiplier: 10)
    #expect(LedgerEpsilon.mergingRepeats(.composed([Self.run, other, Self.run, Self.run])) == .composed([.repeated(Self.run, times: 3), other]))
    #expect(LedgerEpsilon.mergingRepeats(.composed([Self.run, other])) == .composed([Self.run, other]))
  }

  @Test("an entry written before the accountant field reads back and keeps its digest")
  func olderEntry() throws {
    var lines = try Self.ledger(spends: 1).encoded().split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    // Rewrite entry 1 as an older Candor wrote it: no accountant, its digest over the rest.
    var entry = try PrivacyLedger.decode(Data((lines.joined(separator: "\n") + "\n").utf8), path: "l").entries[0]
    entry.accountant = nil
    entry.sha256 = ""
    entry.sha256 = PrivacyLedger.digest(of: entry)
    lines[1] = String(decoding: PrivacyLedger.canonical(entry), as: UTF8.self)
    #expect(!lines[1].contains("accountant"))
    let read = try PrivacyLedger.decode(Data((lines.joined(separator: "\n") + "\n").utf8), path: "l")
    #expect(read.entries[0].accountant == nil)
  }

  @Test("the file reads back as the same ledger, byte for byte")
  func roundTrip() throws {
    let ledger = try Self.ledger(spends: 3)
    let data = ledger.encoded()
    let read = try PrivacyLedger.decode(data, path: "l.jsonl")
    #expect(read == ledger && read.encoded() == data)
    #expect(data.split(separator: 0x0A).count == 4)
  }

  @Test("an edited, removed, reordered or cut line is found and named", arguments: [
    ("a number edited", 3, "its SHA-256 does not match its contents (edited or damaged)"),
    ("the budget raised", 1, "its SHA-256 does not match its contents (edited or damaged)"),
    ("a line removed", 2, "it does not follow the line before it (a line was removed, added or reordered)"),
    ("two lines swapped", 2, "it does not follow the line before it (a line was removed, added or reordered)"),
    ("the last line cut short", 4, "the file does not end with a complete line (it was cut short)"),
  ])
  func tampering(_ change: String, _ line: Int, _ reason: String) throws {
    var lines = try Self.ledger(spends: 3).encoded().split(separator: 0x0A).map { String(decoding: $0, as: UTF8.self) }
    switch change {
    case "a number edited": lines[2] = lines[2].replacingOccurrences(of: "\"noise_multiplier\":1.38016", with: "\"noise_multiplier\":13.8016")
    case "the budget raised": lines[0] = lines[0].replacingOccurrences(of: "\"epsilon\":3", with: "\"epsilon\":30")
    case "a line removed": lines.remove(at: 1)
    case "two lines swapped": lines.swapAt(1, 2)
    default: break
    }
    var data = Data(lines.joined(separator: "\n").utf8)
    if change == "the last line cut short" { data = data.prefix(data.count - 20) } else { data.append(0x0A) }
    #expect(throws: PrivacyError.corruptLedger(path: "l.jsonl", line: line, reason: reason)) { try PrivacyLedger.decode(data, path: "l.jsonl") }
  }
}
