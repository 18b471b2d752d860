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
///
/// The slots live in one allocation written through its pointer: an `Array` here would be checked for
/// uniqueness (and could be copied) by every concurrent write, which corrupted the heap under many writers.
public final class DisjointWrites<Element>: @unchecked Sendable {
  private let slots: UnsafeMutableBufferPointer<Element>

  public init(repeating value: Element, count: Int) {
    slots = .allocate(capacity: count)
    slots.initialize(repeating: value)
  }

  deinit {
    _ = slots.deinitialize()
    slots.deallocate()
  }

  /// Every slot, in index order.
  public var values: [Element] { Array(slots) }

  public subscript(index: Int) -> Element {
    get { slots[index] }
    set { slots[index] = newValue }
  }
}
