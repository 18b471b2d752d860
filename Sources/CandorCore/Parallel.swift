import Dispatch

/// Runs `body(i)` for every i in `0..<count` on all cores. Each index runs exactly once; results must go to
/// index-disjoint storage (see `DisjointWrites`), so they never depend on scheduling.
public func parallelFor(_ count: Int, _ body: @Sendable (Int) -> Void) {
  if count <= 1 {
    for i in 0..<count { body(i) }
    return
  }
  DispatchQueue.concurrentPerform(iterations: count, execute: body)
}

/// A buffer that parallel workers fill at distinct indices. The caller guarantees that no index is
/// written twice concurrently; reading happens after the parallel loop returns.
public final class DisjointWrites<Element>: @unchecked Sendable {
  public private(set) var values: [Element]

  public init(repeating value: Element, count: Int) {
    values = [Element](repeating: value, count: count)
  }

  public subscript(index: Int) -> Element {
    get { values[index] }
    set { values.withUnsafeMutableBufferPointer { $0[index] = newValue } }
  }
}
