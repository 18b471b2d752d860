import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorPrivacy

/// Secure aggregation (Bonawitz et al. 2017, pairwise masks without dropout recovery): the PRG is the documented
/// HMAC-SHA256 construction, the masks cancel exactly in any order, one masked part looks uniform, and a keys file
/// that does not pair up is caught by the check word.
@Suite struct SecureAggregationTests {
  nonisolated(unsafe) static let adult = try! Fixtures.adult("train")

  static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

  @Test("HMAC-SHA256 gives RFC 4231's test vectors 1, 2 and 6 (a key longer than the block)")
  func hmacVectors() {
    #expect(Self.hex(HMACSHA256.authenticate(Array("Hi There".utf8), key: [UInt8](repeating: 0x0B, count: 20)))
            == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    #expect(Self.hex(HMACSHA256.authenticate(Array("what do ya want for nothing?".utf8), key: Array("Jefe".utf8)))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    #expect(Self.hex(HMACSHA256.authenticate(Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8), key: [UInt8](repeating: 0xAA, count: 131)))
            == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
  }

  // Python's hmac module on the documented construction: K = HMAC(seed, label ‖ 0 ‖ "s" ‖ 0 ‖ le64(0) ‖ le64(1) ‖ "q"),
  // block i = HMAC(K, be64(i)) as four little-endian words.
  @Test("the mask stream is HMAC-SHA256 in counter mode as documented (words computed independently with Python's hmac)")
  func streamKnownAnswer() {
    let words = SecureAggregation.stream(seed: Array(0..<32), session: "s", pair: (0, 1), context: Array("q".utf8), count: 5)
    #expect(words == [0x1c36e420cfd920b9, 0xfe766d2726672717, 0x8861a723093abbc2, 0x83ef7b4525c53dfc, 0x01fa0c40124802df])
    #expect(SecureAggregation.federationDigest(session: "s1") == "2556ba115e020f4a1ea960a2b17cd0e28cf5f8e663c15545bc1bdc75994e8159")
  }

  @Test("masked parts of 2 to 7 parties sum, in any order, to exactly the plain sums modulo 2⁶⁴", arguments: 2...7)
  func masksCancel(_ parties: Int) {
    var random = SeededRandom(seed: UInt64(parties), stream: 0)
    let keys = MaskKeys.deal(parties: parties, session: "law", using: &random)
    let plain = (0..<parties).map { _ in (0..<37).map { _ in random.next() } }
    let masked = keys.map { SecureAggregation.mask(plain[$0.party], keys: $0, context: Array("ctx".utf8)) }
    #expect(masked != plain)
    let expected = SecureAggregation.total(plain)
    #expect(SecureAggregation.total(masked) == expected)
    #expect(SecureAggregation.total(masked.reversed()) == expected)
    #expect(SecureAggregation.total(masked.shuffled(using: &random)) == expected)
    // One party missing: the remaining masks do not cancel.
    #expect(SecureAggregation.total(Array(masked.dropLast())) != SecureAggregation.total(Array(plain.dropLast())))
    // Another context (another query) gives other masks from the same seeds.
    let other = SecureAggregation.mask(plain[0], keys: keys[0], context: Array("another".utf8))
    #expect(other != masked[0])
  }

  /// Pearson's χ² of the bytes of `words` against uniform (255 degrees of freedom).
  static func byteChiSquare(_ words: [UInt64]) -> Double {
    var counts = [Int](repeating: 0, count: 256)
    for word in words { for b in 0..<8 { counts[Int((word >> (8 * UInt64(b))) & 0xFF)] += 1 } }
    let expected = Double(words.count * 8) / 256
    return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
  }

  /// The largest |z| over the 64 bit positions of how often each bit is set, against Binomial(n, ½).
  static func largestBitZ(_ words: [UInt64]) -> Double {
    let n = Double(words.count)
    return (0..<64).map { bit in
      let ones = Double(words.filter { ($0 >> UInt64(bit)) & 1 == 1 }.count)
      return abs(ones - n / 2) / (n / 4).squareRoot()
    }.max()!
  }

  // χ²₂₅₅ at p = 10⁻⁶ is 377 (Wilson–Hilferty); |z| = 4.9 over 64 positions is p ≈ 6·10⁻⁵. The keys are seeded, so
  // the test is deterministic; the plain words fail both tests by far, which shows the tests can tell.
  @Test("one masked part alone is indistinguishable from uniform words: the bytes' χ² and every bit's frequency, on a 4,096-bin histogram of Adult's ages (plain: far from uniform)", arguments: [0, 1, 2])
  func maskedPartLooksUniform(_ party: Int) throws {
    let query = PrivateQuery(statistic: .histogram, column: "age", by: nil, levels: nil, lower: 0, upper: 100,
                             edges: PrivateQuery.equalWidthEdges(lower: 0, upper: 100, count: 4096), categories: nil,
                             quantiles: nil, epsilon: 1, delta: 0, mechanism: .laplace)
    var rounding = SeededRandom(seed: 1, stream: 0)
    let plain = try PreparedQuery.aggregates(query, table: Self.adult, rounding: &rounding).words
    #expect(plain.count == 4_099 && plain.count == QueryAggregates.wordCount(query))
    var random = SeededRandom(seed: 9, stream: 0)
    let keys = MaskKeys.deal(parties: 3, session: "uniformity", using: &random)
    let masked = SecureAggregation.mask(plain, keys: keys[party], context: [UInt8](try CandorJSON.data(query)))
    #expect(Self.byteChiSquare(plain) > 10_000)
    #expect(Self.largestBitZ(plain) > 20)
    let chi = Self.byteChiSquare(masked), z = Self.largestBitZ(masked)
    #expect(chi < 377, "χ² \(chi)")
    #expect(z < 4.9, "|z| \(z)")
  }

  @Test("a query's sums go to words and back; a nonzero check word (masks that did not cancel) or the wrong count gives nil")
  func wordsRoundTrip() throws {
    let query = PrivateQuery(statistic: .variance, column: "age", by: "sex", levels: ["Female", "Male"], lower: 17, upper: 90,
                             edges: nil, categories: nil, quantiles: nil, epsilon: 1, delta: 0, mechanism: .laplace)
    var rounding = SeededRandom(seed: 4, stream: 0)
    let sums = try PreparedQuery.aggregates(query, table: Self.adult, rounding: &rounding)
    #expect(sums.words.count == QueryAggregates.wordCount(query))
    #expect(QueryAggregates(words: sums.words, query: query) == sums)
    var unchecked = sums.words
    unchecked[0] = 1
    #expect(QueryAggregates(words: unchecked, query: query) == nil)
    #expect(QueryAggregates(words: Array(sums.words.dropLast()), query: query) == nil)
  }

  @Test("dealt keys pair up (i's seed for j is j's for i, each pair its own) and their file reads back")
  func dealtKeys() throws {
    var random = SecureRandomSource()
    let keys = MaskKeys.deal(parties: 4, session: "deal", using: &random)
    var seen = Set<[UInt8]>()
    for i in 0..<4 {
      #expect(keys[i].pairwiseSeeds.keys.sorted() == (0..<4).filter { $0 != i })
      for j in (i + 1)..<4 {
        #expect(keys[i].pairwiseSeeds[j] == keys[j].pairwiseSeeds[i] && keys[i].pairwiseSeeds[j]!.count == 32)
        seen.insert(keys[i].pairwiseSeeds[j]!)
      }
      #expect(try MaskKeys.decode(try keys[i].jsonData(), path: "k.json") == keys[i])
    }
    #expect(seen.count == 6)
  }

  static let seed = String(repeating: "ab", count: 32)

  @Test("a keys file that cannot be used is refused, naming what is wrong and never a seed", arguments: [
    ("{", "it is not valid JSON"),
    ("[]", "it is not a JSON object"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}, "extra": 1}"#, "unknown key 'extra'"),
    (#"{"SEED": "1", "format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, "unknown key of 64 characters (not shown: it may be a seed)"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"SEED": "SEED"}}"#, "has a key of 64 characters (not shown"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "party": 1, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, "repeats the key 'party'"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "SEED", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, "16 hexadecimal digits in a row"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "caf\u00e9", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, "use ASCII letters"),
    (#"{"format": "other", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, #"its "format" is not "candor-mask-keys""#),
    (#"{"format": "candor-mask-keys", "format_version": 2, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, #""format_version" is not 1"#),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, #""session" is not usable: it is empty"#),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 1, "pairwise_seeds": {}}"#, #""parties" is not a whole number from 2 to 1000"#),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 2, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, #""party" is not a whole number from 0 to 1"#),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": true, "parties": 2, "pairwise_seeds": {"1": "SEED"}}"#, #""party" is not a whole number"#),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"0": "SEED"}}"#, "has a key '0', which is not another party's number"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 3, "pairwise_seeds": {"1": "SEED"}}"#, "it has no seed for party 2"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"1": "SEEDabcd"}}"#, "the seed for party 1 is not 64 hexadecimal digits"),
    (#"{"format": "candor-mask-keys", "format_version": 1, "session": "s", "party": 0, "parties": 2, "pairwise_seeds": {"1": "BADSEED"}}"#, "the seed for party 1 is not 64 hexadecimal digits"),
  ])
  func refusedKeys(_ text: String, _ reason: String) {
    // SEED: a well-formed seed; BADSEED: 64 characters, the last two not hexadecimal.
    let data = Data(text.replacingOccurrences(of: "BADSEED", with: Self.seed.dropLast(2) + "zz").replacingOccurrences(of: "SEED", with: Self.seed).utf8)
    do {
      _ = try MaskKeys.decode(data, path: "keys.json")
      Issue.record("accepted \(text)")
    } catch {
      let message = error.message(naming: { "--" + $0.rawValue })
      #expect(message.hasPrefix("keys.json is not a usable mask keys file") && message.contains(reason), "\(message)")
      #expect(!message.contains(String(Self.seed.prefix(16))), "a seed is shown: \(message)")
    }
  }
}
