import CandorCore
import Testing

@Suite struct ParallelTests {
  @Test("parallel workers writing arrays into distinct slots keep every write (many writers at once)")
  func disjointWritesKeepEveryValue() {
    let count = 300_000
    let slots = DisjointWrites<[Double]>(repeating: [], count: count)
    parallelFor(count) { i in slots[i] = [Double](repeating: Double(i), count: 124) }
    #expect(slots.values.enumerated().allSatisfy { i, value in value == [Double](repeating: Double(i), count: 124) })
  }
}
