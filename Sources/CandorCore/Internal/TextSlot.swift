/// A 32-byte stack buffer for one number's text: `write` formats into it and returns the byte count, `use` gets
/// the bytes written. Shared by the writers of doubles and integers (JSON, CSV), so none builds a `String`.
enum TextSlot {
  static let capacity = 32

  @inline(__always)
  static func with<R>(_ write: (UnsafeMutablePointer<UInt8>) -> Int, _ use: (UnsafeBufferPointer<UInt8>) -> R) -> R {
    var slot: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    return withUnsafeMutableBytes(of: &slot) { raw in
      let start = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
      return use(UnsafeBufferPointer(start: start, count: write(start)))
    }
  }
}
