import CandorTestSupport
import Foundation
import Testing

@testable import CandorCore

/// The plain field scan through CKernels' `candor_scan_plain_fields` (AVX2 and portable) finds the byte loop's
/// fields, lines and errors, on drawn quote-free buffers of commas, line feeds, carriage returns and blank lines,
/// across the kernel's 64-byte steps and its buffer refills.
@Suite struct FieldScanKernelTests {
  struct Scan: Equatable {
    var fields: [Int] = []
    var lines: [UInt32] = []
    var lineBreaks = 0
    var error: String?
  }

  static func scan(_ buffer: UnsafeBufferPointer<UInt8>, from: Int, columns: Int, kernel: Bool, portable: Bool) -> Scan {
    var buffers = FieldBuffers(tracksEscapes: false)
    defer { buffers.deallocate() }
    var lines = ContiguousArray<UInt32>()
    var result = Scan()
    do {
      result.lineBreaks = try FieldScanner.scanPlainRecords(buffer, from: from, to: buffer.count, firstLine: 3, columnCount: columns,
                                                            into: &buffers, lines: &lines, source: "s.csv", kernel: kernel, portable: portable)
    } catch {
      result.error = "\(error)"
    }
    // After an error the buffers are thrown away (the byte loop has stored the faulty record's fields, the kernel not).
    if result.error == nil { for k in 0..<buffers.count { result.fields += [Int(buffers.starts[k]), Int(buffers.ends[k])] } }
    result.lines = Array(lines)
    return result
  }

  @Test("the kernel's fields, lines and errors are the byte loop's, on 3,000 drawn buffers")
  func matchesByteLoop() {
    var random = SeededRandom(seed: 23)
    let alphabets: [[UInt8]] = [Array("ab1,".utf8) + [10], Array("x,,".utf8) + [10, 10, 13], Array("0123456789.".utf8) + [44, 10]]
    var clean = 0
    for trial in 0..<3_000 {
      let columns = 1 + trial % 4
      let alphabet = alphabets[trial % alphabets.count]
      var bytes: [UInt8] = []
      // Well-formed records mostly (so that scans get far), with drawn bytes between.
      let records = Int.random(in: 0...(trial % 20 == 0 ? 3_000 : 40), using: &random)
      for _ in 0..<records {
        if Int.random(in: 0..<30, using: &random) == 0 {
          bytes += (0..<Int.random(in: 1...90, using: &random)).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &random)] }
          continue
        }
        for column in 0..<columns {
          if column > 0 { bytes.append(44) }
          bytes += (0..<Int.random(in: 0...12, using: &random)).map { _ in UInt8.random(in: 97...122, using: &random) }
        }
        bytes += Int.random(in: 0..<5, using: &random) == 0 ? [13, 10] : [10]
        if Int.random(in: 0..<15, using: &random) == 0 { bytes += [10] }
      }
      if trial % 3 == 0 && !bytes.isEmpty { bytes.removeLast() }
      let from = bytes.isEmpty ? 0 : Int.random(in: 0...min(3, bytes.count), using: &random)
      bytes.withUnsafeBufferPointer { buffer in
        let expected = Self.scan(buffer, from: from, columns: columns, kernel: false, portable: false)
        #expect(Self.scan(buffer, from: from, columns: columns, kernel: true, portable: false) == expected, "trial \(trial)")
        #expect(Self.scan(buffer, from: from, columns: columns, kernel: true, portable: true) == expected, "trial \(trial), portable")
        if expected.error == nil { clean += 1 }
      }
    }
    // Both outcomes are exercised: buffers scanned to the end, and records of the wrong width.
    #expect(clean > 600 && clean < 2_900, "\(clean) clean")
  }
}
