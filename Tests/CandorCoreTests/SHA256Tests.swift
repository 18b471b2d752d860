import CandorTestSupport
import Foundation
import Testing

@testable import CandorCore

/// SHA-256 gives FIPS 180-4's example digests (one block, two blocks, a million bytes) and the digests the model
/// zoo's manifest records for its files (computed there by Python's hashlib).
@Suite struct SHA256Tests {
  @Test("FIPS 180-4 examples: empty, 'abc', the 56-byte two-block message, a million 'a'")
  func standardVectors() {
    #expect(SHA256.hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(SHA256.hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    #expect(SHA256.hex(Data("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
      == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    #expect(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000))
      == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }

  @Test("every length around the padding boundary differs from its neighbours, and 64-byte multiples take an extra block")
  func boundaries() {
    let digests = (50..<135).map { SHA256.hex(Data(repeating: 0x61, count: $0)) }
    #expect(Set(digests).count == digests.count)
    // Python hashlib.sha256(b"a" * 64).hexdigest()
    #expect(SHA256.hex(Data(repeating: 0x61, count: 64)) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
  }

  @Test("the zoo's files have the digests models.json records", arguments: [
    ("adult_logreg.onnx", "109c314aa89e0997690cc257988b0c1620248d619ec5645f47188c68daf5f2a3"),
    ("adult_rf.onnx", "bcc547e9f523312ab4244775d0fc97d101320178db0de50b5ec8111ab25a4531"),
    ("adult_xgb.json", "bd29f548549e0f1d910f31b7151406a507fcdab1f063f4c6e71ea856e20139bc"),
    ("adult_lgbm.txt", "2a74cc23921f9f613b04a11aaae3ab9f61a5899d365fc11485d3d2a1f83d13bf"),
  ])
  func zooDigests(_ file: String, _ digest: String) throws {
    #expect(SHA256.hex(try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/" + file)))) == digest)
  }

  @Test("the CPU's SHA instructions and the portable code give the same digest for every length 0–300 and for 1 MB of seeded bytes, misaligned too")
  func hardwareMatchesPortable() {
    var random = SeededRandom(seed: 8)
    let bytes = Data((0..<1_000_003).map { _ in UInt8(truncatingIfNeeded: random.next()) })
    for length in Array(0...300) + [4096, 65_537, 1_000_000] {
      let slice = bytes.subdata(in: 3..<(3 + length))
      #expect(SHA256.digest(slice, useHardware: true) == SHA256.digest(slice, useHardware: false), "length \(length)")
    }
    #expect(SHA256.hex(Data(repeating: UInt8(ascii: "a"), count: 1_000_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}
