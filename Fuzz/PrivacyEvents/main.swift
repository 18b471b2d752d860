import CandorPrivacy
import Foundation

/// libFuzzer target: the bytes are an events file (`candor privacy epsilon --events`, and later the ledger's
/// spends). They go through `PrivacyEvent.decode`; a tree that decodes is encoded and decoded again, and accounted
/// by the RDP accountant (dp_accounting's series at fractional orders, and the exact integration when the tree is
/// small) at δ = 1e-5 and δ = 0. A `PrivacyError` is a correct answer; a trap, a sanitizer report, a hang or a
/// broken invariant is a crash. Seeds: the event trees of Tests/Fixtures/privacy/composition_cases.json.
///
/// Invariants: the encoding of a decoded tree decodes to the same tree; ε is never negative or NaN; a refused
/// tree leaves the accountant unchanged; at δ = 0, ε is 0 or +∞. PLD (coarse grid, small work bound) answers with a
/// number ≥ 0 or refuses.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPrivacyEvents(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  let event: PrivacyEvent
  do {
    event = try PrivacyEvent.decode(data, path: "fuzz.json")
  } catch {
    return 0
  }
  let encoder = JSONEncoder()
  guard let encoded = try? encoder.encode(event) else { fail("a decoded event tree does not encode") }
  require((try? PrivacyEvent.decode(encoded, path: "again.json")) == event, "a tree's encoding decodes to another tree")
  for method in data.count < 400 ? [FractionalOrderMethod.dpAccounting, .exact] : [.dpAccounting] {
    var accountant = RDPAccountant(fractionalOrders: method)
    do {
      try accountant.compose(event)
    } catch {
      require(accountant.rdp.allSatisfy { $0 == 0 }, "a refused tree changed the accountant")
      continue
    }
    let (epsilon, _) = accountant.epsilon(delta: 1e-5)
    require(epsilon >= 0 && !epsilon.isNaN, "ε = \(epsilon)")
    let pure = accountant.epsilon(delta: 0).epsilon
    require(pure == 0 || pure == .infinity, "ε at δ = 0 is \(pure)")
  }
  // PLD on a coarse grid with a small work bound: it answers or refuses, never traps; its ε is a number ≥ 0.
  var pld = PLDAccountant(discretization: 0.01, largestGrid: 20_000)
  if (try? pld.compose(event)) != nil {
    let epsilon = pld.epsilon(delta: 1e-5)
    require(epsilon >= 0 && !epsilon.isNaN, "PLD ε = \(epsilon)")
  }
  // PRV with a small grid bound: it answers or refuses, never traps; its bracket is ordered and not NaN.
  if let bracket = try? PRVAccountant(largestGrid: 1 << 14).epsilon(event, delta: 1e-5) {
    require(!bracket.lower.isNaN && bracket.lower <= bracket.estimate && bracket.estimate <= bracket.upper, "PRV bracket \(bracket)")
  }
  return 0
}
