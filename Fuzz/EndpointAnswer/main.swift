import CandorCore
import CandorModels
import Foundation

/// libFuzzer target: the bytes are what a `--model-url` endpoint sends back — status line, header fields and
/// body (plain, with Content-Length, or chunked) — read by `EndpointModel.scores(fromHTTPAnswer:)` as a binary,
/// a three-class and a regression model's answer to 3 rows. A `ModelError` is a correct answer; a trap, a
/// sanitizer report or a broken invariant is a crash. Seeds: answers of the test servers
/// (Tests/Fixtures/adapters/scoring_server.py): healthy, by class, lists, miscounted, text, 500, chunked.
///
/// Invariants: an accepted answer has rows × columns values, each finite, probabilities in [0, 1].
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEndpointAnswer(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let bytes = start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? []
  let outputs = [BlackBoxOutput(kind: .binaryProbability, classes: ["0", "1"]),
                 BlackBoxOutput(kind: .multiclassProbabilities, classes: ["a", "b", "c"]),
                 BlackBoxOutput(kind: .regression, classes: ["y"])]
  for output in outputs {
    do {
      let values = try EndpointModel.scores(fromHTTPAnswer: bytes, output: output, rows: 3)
      let width = output.kind == .multiclassProbabilities ? 3 : 1
      require(values.count == 3 * width, "an accepted answer has one value per row and column")
      for value in values {
        require(value.isFinite, "accepted values are finite")
        if output.kind != .regression { require(value >= 0 && value <= 1, "accepted probabilities are in [0, 1]") }
      }
    } catch is ModelError {
    } catch {
      fail("reading threw \(error), which is not a ModelError")
    }
  }
  return 0
}
