/// The permutation that sorts doubles ascending (stable: equal values keep their index order), by a least-
/// significant-digit radix sort on their bits — linear in the count, where a comparison sort of a million
/// scores costs twenty comparisons per element through a closure. Bits are mapped so that unsigned order is
/// numeric order (negatives flipped whole, positives with the sign bit set); −0 lands just before +0. Digits of
/// 11 bits, six passes, and a pass is skipped when every key has the same digit (the high bits of scores in
/// [0, 1] rarely differ). A NaN, which callers reject before, would sort by its bits (a positive one after +∞).
public func ascendingOrder(_ values: UnsafeBufferPointer<Double>) -> ContiguousArray<Int32> {
  let n = values.count
  precondition(n < Int(Int32.max), "too many values to order")
  var keys = ContiguousArray<UInt64>(unsafeUninitializedCapacity: n) { buffer, count in
    for i in 0..<n {
      let bits = values[i].bitPattern
      buffer[i] = bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }
    count = n
  }
  var order = ContiguousArray<Int32>(unsafeUninitializedCapacity: n) { buffer, count in
    for i in 0..<n { buffer[i] = Int32(i) }
    count = n
  }
  var scratchKeys = keys, scratchOrder = order
  let digitBits = 11, buckets = 1 << digitBits
  var counts = [Int](repeating: 0, count: buckets)
  for shift in stride(from: 0, to: 64, by: digitBits) {
    let mask = UInt64(buckets - 1)
    for i in 0..<buckets { counts[i] = 0 }
    keys.withUnsafeBufferPointer { keys in
      for key in keys { counts[Int((key >> UInt64(shift)) & mask)] += 1 }
    }
    if counts.contains(n) { continue }
    var total = 0
    for i in 0..<buckets {
      let c = counts[i]
      counts[i] = total
      total += c
    }
    keys.withUnsafeBufferPointer { keys in
      order.withUnsafeBufferPointer { order in
        scratchKeys.withUnsafeMutableBufferPointer { outKeys in
          scratchOrder.withUnsafeMutableBufferPointer { outOrder in
            counts.withUnsafeMutableBufferPointer { positions in
              for i in 0..<n {
                let digit = Int((keys[i] >> UInt64(shift)) & mask)
                let position = positions[digit]
                positions[digit] = position + 1
                outKeys[position] = keys[i]
                outOrder[position] = order[i]
              }
            }
          }
        }
      }
    }
    swap(&keys, &scratchKeys)
    swap(&order, &scratchOrder)
  }
  return order
}
