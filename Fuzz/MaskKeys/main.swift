import CandorCore
import CandorPrivacy
import Foundation

/// libFuzzer target: the bytes are a `--mask-with` keys file (`candor privacy query`). They go through
/// `MaskKeys.decode`; a `PrivacyError` is a correct answer, and its message never holds 16 hexadecimal digits of the
/// input in a row (no seed is shown). Keys that decode are encoded and decoded to the same keys, and mask a few words
/// that the same keys' masks, taken off again, give back. Seeds: files `candor privacy mask-keys` wrote, hand edits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMaskKeys(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  let keys: MaskKeys
  do {
    keys = try MaskKeys.decode(data, path: "fuzz.keys.json")
  } catch {
    let message = error.message(naming: { "--" + $0.rawValue })
    let hex = Set("0123456789abcdefABCDEF".utf8)
    var run = 0
    for byte in message.utf8 {
      run = hex.contains(byte) ? run + 1 : 0
      require(run < 16, "a refusal shows 16 hexadecimal digits: \(message)")
    }
    return 0
  }
  require(keys.pairwiseSeeds.count == keys.parties - 1 && keys.pairwiseSeeds.values.allSatisfy { $0.count == 32 }, "keys without a 32-byte seed per other party")
  guard let encoded = try? keys.jsonData() else { fail("decoded keys do not encode") }
  require((try? MaskKeys.decode(encoded, path: "again.json")) == keys, "keys' encoding decodes to other keys")
  let words: [UInt64] = [0, 1, .max, 12_345]
  let masked = SecureAggregation.mask(words, keys: keys, context: Array("fuzz".utf8))
  let zero = SecureAggregation.mask([0, 0, 0, 0], keys: keys, context: Array("fuzz".utf8))
  require(zip(masked, zero).map { $0 &- $1 } == words, "a mask is not additive")
  return 0
}
