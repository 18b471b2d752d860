import CandorCore
import Foundation

/// Pairwise additive masking, as in Bonawitz et al. 2017, "Practical Secure Aggregation for Privacy-Preserving
/// Machine Learning" (CCS '17), §4 "the masking with one-time pads" — without its dropout recovery, so every party
/// must send its part: parties 0 ..< n hold, for each pair i < j, a shared 32-byte seed sᵢⱼ; party i sends
///
///     yᵢ = xᵢ + Σ_{j > i} PRG(sᵢⱼ) − Σ_{j < i} PRG(sⱼᵢ)   (mod 2⁶⁴, word by word),
///
/// and the masks cancel in Σᵢ yᵢ = Σᵢ xᵢ (mod 2⁶⁴): whoever adds the parts learns the totals and, of one part,
/// nothing (it is uniform to anyone without one of its party's seeds). The words are exact integers (a private
/// query's counts and grid sums), so the total is exact: no fixed-point rounding beyond the query's own grid.
///
/// The PRG is HMAC-SHA256 in counter mode (NIST SP 800-108, §4.1) keyed by the pair's seed and bound to the session,
/// the pair, and the query's normal form: a seed never masks two different queries with the same words. The same
/// session, seeds and query over changed data would reuse the masks, so that the difference of two parts shows the
/// change: a session is one federation over one version of its data (with its own ledger), and a masked query is
/// released once in it (the command refuses `--fresh`).
///
/// One word of every part is a check whose true value is 0: when the parties' seeds do not pair up (a keys file of
/// another session, a seed mistyped) the masks do not cancel and the check is nonzero but with probability 2⁻⁶⁴.
public enum SecureAggregation {
  /// The domain-separation label the PRG's key derivation starts with.
  static let label = Array("candor secure aggregation v1".utf8)

  /// `words` masked as party `keys.party` of `keys.parties` sends them, for the release named by `context` (the
  /// query's normal form, as bytes: the same at every party).
  public static func mask(_ words: [UInt64], keys: MaskKeys, context: [UInt8]) -> [UInt64] {
    var masked = words
    for (other, seed) in keys.pairwiseSeeds.sorted(by: { $0.key < $1.key }) {
      let (low, high) = (min(keys.party, other), max(keys.party, other))
      let stream = Self.stream(seed: seed, session: keys.session, pair: (low, high), context: context, count: words.count)
      if keys.party == low {
        for k in masked.indices { masked[k] &+= stream[k] }
      } else {
        for k in masked.indices { masked[k] &-= stream[k] }
      }
    }
    return masked
  }

  /// The word-wise sum of every party's masked words, modulo 2⁶⁴: the plain totals when all parties are there.
  public static func total(_ parts: [[UInt64]]) -> [UInt64] {
    guard var sum = parts.first else { return [] }
    for part in parts.dropFirst() {
      for k in sum.indices { sum[k] &+= part[k] }
    }
    return sum
  }

  /// `count` pseudorandom words for the pair (low, high): HMAC-SHA256(K, i) for i = 0, 1, …, each block read as
  /// four little-endian words, where K = HMAC-SHA256(seed, label ‖ 0 ‖ session ‖ 0 ‖ low ‖ high ‖ context).
  static func stream(seed: [UInt8], session: String, pair: (Int, Int), context: [UInt8], count: Int) -> [UInt64] {
    var info = label + [0] + Array(session.utf8) + [0]
    withUnsafeBytes(of: UInt64(pair.0).littleEndian) { info += $0 }
    withUnsafeBytes(of: UInt64(pair.1).littleEndian) { info += $0 }
    info += context
    let key = HMACSHA256.authenticate(info, key: seed)
    var words: [UInt64] = []
    words.reserveCapacity(count + 3)
    var block: UInt64 = 0
    while words.count < count {
      let counter = withUnsafeBytes(of: block.bigEndian) { Array($0) }
      let bytes = HMACSHA256.authenticate(counter, key: key)
      for w in 0..<4 {
        var word: UInt64 = 0
        for b in 0..<8 { word |= UInt64(bytes[w * 8 + b]) << (8 * UInt64(b)) }
        words.append(word)
      }
      block += 1
    }
    return Array(words.prefix(count))
  }

  /// The identity of a federation's data, which a ledger made for it records instead of a file's SHA-256: the
  /// parties' rows together, named by the session their keys belong to.
  public static func federationDigest(session: String) -> String {
    SHA256.hex(Data("candor federation\u{0}".utf8 + Array(session.utf8)))
  }
}

/// HMAC (RFC 2104) with SHA-256, checked against RFC 4231's test vectors.
public enum HMACSHA256 {
  public static func authenticate(_ message: [UInt8], key: [UInt8]) -> [UInt8] {
    var block = key.count > 64 ? SHA256.digest(Data(key)) : key
    block += [UInt8](repeating: 0, count: 64 - block.count)
    let inner = SHA256.digest(Data(block.map { $0 ^ 0x36 } + message))
    return SHA256.digest(Data(block.map { $0 ^ 0x5C } + inner))
  }
}

/// One party's keys for masked parts (`--mask-with FILE`): the session, the party's number among the parties, and a
/// 32-byte seed shared with each other party. The file:
///
/// ```
/// {"format": "candor-mask-keys", "format_version": 1, "session": "adult-2026-q4", "party": 0, "parties": 3,
///  "pairwise_seeds": {"1": "64 hex digits", "2": "64 hex digits"}}
/// ```
///
/// Party i's seed for j must be party j's seed for i. `candor privacy mask-keys` deals a set from the system CSPRNG;
/// or each pair agrees on its seed with a key exchange (X25519: `openssl pkeyutl -derive`), so that nobody else
/// knows it. The seeds are secret: no message ever shows one.
public struct MaskKeys: Sendable, Equatable {
  public static let format = "candor-mask-keys"
  public static let largestParties = 1000

  public var session: String
  public var party: Int
  public var parties: Int
  /// The seed shared with each other party, by that party's number.
  public var pairwiseSeeds: [Int: [UInt8]]

  public init(session: String, party: Int, parties: Int, pairwiseSeeds: [Int: [UInt8]]) {
    (self.session, self.party, self.parties, self.pairwiseSeeds) = (session, party, parties, pairwiseSeeds)
  }

  /// A full set for `parties` parties: a fresh seed for every pair, from `random` (the system CSPRNG in use).
  public static func deal(parties: Int, session: String, using random: inout some RandomNumberGenerator) -> [MaskKeys] {
    var sets = (0..<parties).map { MaskKeys(session: session, party: $0, parties: parties, pairwiseSeeds: [:]) }
    for i in 0..<parties {
      for j in (i + 1)..<max(i + 1, parties) {
        var seed: [UInt8] = []
        for _ in 0..<4 { withUnsafeBytes(of: random.next()) { seed += $0 } }
        sets[i].pairwiseSeeds[j] = seed
        sets[j].pairwiseSeeds[i] = seed
      }
    }
    return sets
  }

  /// Why a session name cannot be used (nil: it can). It is recorded in parts and ledgers and shown in messages, and
  /// the masks are drawn with its bytes: so it is plain ASCII (one spelling, nothing invisible or reordering) and
  /// holds no run of 16 hexadecimal digits (a seed pasted in the wrong place would be shown everywhere).
  public static func sessionProblem(_ session: String) -> String? {
    if session.isEmpty { return "it is empty" }
    if session.utf8.count > 200 { return "it is longer than 200 characters" }
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:@+".utf8)
    if !session.utf8.allSatisfy(allowed.contains) { return "use ASCII letters, digits and - _ . : @ + only" }
    if shown(session) != "'\(session)'" { return "it holds 16 hexadecimal digits in a row, as a seed does; name a session in words (e.g. bank-2026-q4)" }
    return nil
  }

  /// The file's JSON (sorted keys, the seeds in hexadecimal).
  public func jsonData() throws -> Data {
    struct File: Encodable {
      var format = MaskKeys.format
      var formatVersion = 1
      var session: String, party: Int, parties: Int
      var pairwiseSeeds: [String: String]
      enum CodingKeys: String, CodingKey {
        case format, session, party, parties
        case formatVersion = "format_version"
        case pairwiseSeeds = "pairwise_seeds"
      }
    }
    let seeds = Dictionary(uniqueKeysWithValues: pairwiseSeeds.map { ("\($0.key)", $0.value.map { String(format: "%02x", $0) }.joined()) })
    return try CandorJSON.data(File(session: session, party: party, parties: parties, pairwiseSeeds: seeds))
  }

  /// Reads a keys file. - Throws: `PrivacyError.invalidMaskKeys` naming what is wrong (never a seed's value).
  public static func decode(_ data: Data, path: String) throws(PrivacyError) -> MaskKeys {
    func invalid(_ reason: String) -> PrivacyError { .invalidMaskKeys(path: path, reason: reason) }
    let top: [String: Any]
    switch jsonTopLevelObject(data) {
    case let .success(object): top = object
    case let .failure(fault): throw invalid(fault.reason)
    }
    if let duplicate = firstDuplicateJSONKey(in: data) {
      throw invalid("line \(duplicate.line), column \(duplicate.column) repeats the key \(shown(duplicate.key)) within one object (readers disagree on which one counts)")
    }
    let known: Set<String> = ["format", "format_version", "session", "party", "parties", "pairwise_seeds"]
    if let key = top.keys.sorted().first(where: { !known.contains($0) }) {
      throw invalid("it has an unknown key \(shown(key)); a keys file holds \(known.sorted().joined(separator: ", "))")
    }
    guard top["format"] as? String == format else { throw invalid("its \"format\" is not \"\(format)\"") }
    guard let version = top["format_version"] as? NSNumber, !jsonIsBoolean(version), version.doubleValue == 1 else { throw invalid("its \"format_version\" is not 1") }
    guard let session = top["session"] as? String else { throw invalid("it has no \"session\" text") }
    if let problem = sessionProblem(session) { throw invalid("its \"session\" is not usable: \(problem)") }
    func whole(_ key: String) -> Int? {
      guard let number = top[key] as? NSNumber, !jsonIsBoolean(number), let value = Int(exactly: number.doubleValue) else { return nil }
      return value
    }
    guard let parties = whole("parties"), (2...largestParties).contains(parties) else {
      throw invalid("its \"parties\" is not a whole number from 2 to \(largestParties)")
    }
    guard let party = whole("party"), (0..<parties).contains(party) else {
      throw invalid("its \"party\" is not a whole number from 0 to \(parties - 1)")
    }
    guard let seeds = top["pairwise_seeds"] as? [String: Any] else { throw invalid("it has no \"pairwise_seeds\" object") }
    var pairwise: [Int: [UInt8]] = [:]
    for key in seeds.keys.sorted() {
      guard let other = Int(key), String(other) == key, (0..<parties).contains(other), other != party else {
        throw invalid("\"pairwise_seeds\" has a key \(shown(key)), which is not another party's number (0 to \(parties - 1), not \(party))")
      }
      guard let hex = seeds[key] as? String, let seed = Self.bytes(hex: hex), seed.count == 32 else {
        throw invalid("the seed for party \(other) is not 64 hexadecimal digits (32 bytes)")
      }
      pairwise[other] = seed
    }
    let missing = (0..<parties).filter { $0 != party && pairwise[$0] == nil }
    if !missing.isEmpty {
      throw invalid("it has no seed for part\(missing.count == 1 ? "y" : "ies") \(missing.prefix(10).map(String.init).joined(separator: ", "))\(missing.count > 10 ? ", …" : ""): every pair of parties shares one")
    }
    return MaskKeys(session: session, party: party, parties: parties, pairwiseSeeds: pairwise)
  }

  /// A key of the file as a message may show it: quoted, unless it holds 16 hexadecimal digits in a row, which
  /// may be a seed written in the wrong place (then only its length is said).
  static func shown(_ key: String) -> String {
    var run = 0
    for c in key.utf8 {
      run = (0x30...0x39).contains(c) || (0x61...0x66).contains(c) || (0x41...0x46).contains(c) ? run + 1 : 0
      if run >= 16 { return "of \(key.count) characters (not shown: it may be a seed)" }
    }
    return "'\(printable(key))'"
  }

  static func bytes(hex: String) -> [UInt8]? {
    let digits = Array(hex.utf8)
    guard digits.count % 2 == 0 else { return nil }
    func value(_ c: UInt8) -> UInt8? {
      switch c {
      case 0x30...0x39: c - 0x30
      case 0x61...0x66: c - 0x61 + 10
      case 0x41...0x46: c - 0x41 + 10
      default: nil
      }
    }
    var bytes: [UInt8] = []
    for k in stride(from: 0, to: digits.count, by: 2) {
      guard let high = value(digits[k]), let low = value(digits[k + 1]) else { return nil }
      bytes.append(high << 4 | low)
    }
    return bytes
  }
}

extension QueryAggregates {
  /// The sums as words for masking: the check word (0), the rows, then counts, sums, squares and cells in order.
  public var words: [UInt64] {
    ([0, Int64(rows)] + counts + sums + squares + cells.flatMap { $0 }).map { UInt64(bitPattern: $0) }
  }

  /// How many words `query`'s sums make.
  public static func wordCount(_ query: PrivateQuery) -> Int {
    let (groups, numeric) = shape(query)
    return 2 + groups * (numeric ? 3 : 1) + groups * query.binCount
  }

  /// The sums the unmasked total of every party's words gives; nil when the check word is not 0 (the masks did
  /// not cancel) or the words are not `query`'s shape.
  public init?(words: [UInt64], query: PrivateQuery) {
    guard words.count == Self.wordCount(query), words[0] == 0 else { return nil }
    let values = words.map { Int64(bitPattern: $0) }
    let (groups, numeric) = Self.shape(query)
    var k = 2
    func take(_ n: Int) -> [Int64] {
      defer { k += n }
      return Array(values[k..<(k + n)])
    }
    let counts = take(groups)
    let sums = numeric ? take(groups) : [], squares = numeric ? take(groups) : []
    let bins = query.binCount
    let cells = bins == 0 ? [] : (0..<groups).map { _ in take(bins) }
    guard values[1] >= 0 else { return nil }
    self.init(rows: Int(values[1]), counts: counts, sums: sums, squares: squares, cells: cells)
  }
}

extension PrivacyLedger.Dataset {
  /// What a ledger for a federation's parties records: `records`, declared (no file is read), bounds its size for δ.
  public static func federation(session: String, records: Int) -> PrivacyLedger.Dataset {
    PrivacyLedger.Dataset(file: "federation '\(session)'", sha256: SecureAggregation.federationDigest(session: session), records: records)
  }
}
