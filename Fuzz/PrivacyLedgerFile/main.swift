import CandorPrivacy
import Foundation

/// libFuzzer target: the bytes are a privacy ledger (`--ledger`): `PrivacyLedger.decode` (the header, every line's
/// digest and link, entry numbers, events that are mechanisms). A ledger that decodes is encoded, decoded again and
/// re-accounted, and a small spend is tried against it. A `PrivacyError` is a correct answer; a trap, a sanitizer
/// report or a broken invariant is a crash. Seeds: ledgers `candor privacy spend` wrote.
///
/// Invariants: an encoded ledger decodes to the same ledger; the spent ε is never negative or NaN; a spend either
/// extends the ledger by one entry linked to the last, or is refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrivacyLedgerFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  guard let ledger = try? PrivacyLedger.decode(data, path: "fuzz.jsonl") else { return 0 }
  require((try? PrivacyLedger.decode(ledger.encoded(), path: "again.jsonl")) == ledger, "an encoded ledger decodes to another ledger")
  guard let spent = try? ledger.spentEpsilon().epsilon else { return 0 }
  require(spent >= 0 && !spent.isNaN, "spent ε = \(spent)")
  if let next = try? ledger.spending(.gaussian(noiseMultiplier: 50), command: "fuzz", note: "", time: "t") {
    require(next.entries.count == ledger.entries.count + 1, "a spend added \(next.entries.count - ledger.entries.count) entries")
    require(next.entries.last!.previousSHA256 == (ledger.entries.last?.sha256 ?? ledger.header.sha256), "a spend is not linked to the last line")
    require((try? PrivacyLedger.decode(next.encoded(), path: "next.jsonl")) == next, "a spent ledger does not read back")
  }
  return 0
}
