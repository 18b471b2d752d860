import Foundation

/// An in-place iterative radix-2 Cooley–Tukey FFT on split real and imaginary parts (length a power of two), for the
/// convolutions of privacy loss distributions. Twiddles come from one table of cos/sin computed directly (not by
/// recurrence), so rounding stays at a few ulps of the largest value.
struct FFT {
  let length: Int
  private let cosines: [Double]
  private let sines: [Double]

  init(length: Int) {
    precondition(length > 0 && length & (length - 1) == 0, "FFT length must be a power of two")
    self.length = length
    let half = length / 2
    cosines = (0..<max(half, 1)).map { cos(2 * Double.pi * Double($0) / Double(length)) }
    sines = (0..<max(half, 1)).map { sin(2 * Double.pi * Double($0) / Double(length)) }
  }

  /// The smallest power of two at least `n`.
  static func size(atLeast n: Int) -> Int {
    var size = 1
    while size < n { size <<= 1 }
    return size
  }

  /// Forward (e^{−2πi jk/n}) or inverse (e^{+2πi jk/n}, divided by n) transform of (re, im) in place.
  func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool) {
    let n = length
    precondition(re.count == n && im.count == n)
    re.withUnsafeMutableBufferPointer { r in
      im.withUnsafeMutableBufferPointer { i in
        // Bit-reversal permutation.
        var j = 0
        for k in 1..<max(n, 1) {
          var bit = n >> 1
          while j & bit != 0 {
            j ^= bit
            bit >>= 1
          }
          j |= bit
          if k < j {
            r.swapAt(k, j)
            i.swapAt(k, j)
          }
        }
        let sign: Double = inverse ? 1 : -1
        let rp = r.baseAddress!, ip = i.baseAddress!
        cosines.withUnsafeBufferPointer { cosTable in
          sines.withUnsafeBufferPointer { sinTable in
            let cp = cosTable.baseAddress!, sp = sinTable.baseAddress!
            var span = 1
            while span < n {
              let step = n / (2 * span)
              var start = 0
              while start < n {
                for k in 0..<span {
                  let wr = cp[k * step], wi = sign * sp[k * step]
                  let a = start + k, b = a + span
                  let tr = rp[b] * wr - ip[b] * wi, ti = rp[b] * wi + ip[b] * wr
                  rp[b] = rp[a] - tr
                  ip[b] = ip[a] - ti
                  rp[a] += tr
                  ip[a] += ti
                }
                start += 2 * span
              }
              span *= 2
            }
          }
        }
        if inverse {
          let scale = 1 / Double(n)
          for k in 0..<n {
            r[k] *= scale
            i[k] *= scale
          }
        }
      }
    }
  }

  /// The linear convolution of two real sequences (length a.count + b.count − 1).
  static func convolve(_ a: [Double], _ b: [Double]) -> [Double] {
    let count = a.count + b.count - 1
    if a.count * b.count <= 1 << 16 {
      // Small: direct sums, exact to rounding.
      var out = [Double](repeating: 0, count: count)
      for (i, x) in a.enumerated() where x != 0 { for (j, y) in b.enumerated() { out[i + j] += x * y } }
      return out
    }
    let fft = FFT(length: size(atLeast: count))
    var ar = a + [Double](repeating: 0, count: fft.length - a.count), ai = [Double](repeating: 0, count: fft.length)
    var br = b + [Double](repeating: 0, count: fft.length - b.count), bi = [Double](repeating: 0, count: fft.length)
    fft.transform(&ar, &ai, inverse: false)
    fft.transform(&br, &bi, inverse: false)
    for k in 0..<fft.length {
      let r = ar[k] * br[k] - ai[k] * bi[k], i = ar[k] * bi[k] + ai[k] * br[k]
      ar[k] = r
      ai[k] = i
    }
    fft.transform(&ar, &ai, inverse: true)
    return Array(ar.prefix(count))
  }

  /// The n-fold self-convolution of `a` taken cyclically over `length` points: ifft(fft(a)ⁿ), each transform value
  /// raised to the n-th power in polar form (|z|ⁿ, n·arg z).
  static func cyclicPower(_ a: [Double], times n: Int, length: Int) -> [Double] {
    let fft = FFT(length: length)
    var re = [Double](repeating: 0, count: length), im = [Double](repeating: 0, count: length)
    for (k, x) in a.enumerated() { re[k % length] += x }
    fft.transform(&re, &im, inverse: false)
    let power = Double(n)
    for k in 0..<length {
      let magnitude = (re[k] * re[k] + im[k] * im[k]).squareRoot()
      // |z|ⁿ below the smallest double is 0: most bins of a long composition, skipped without their trigonometry.
      let logScaled = power * log(magnitude)
      if magnitude == 0 || logScaled < -745.2 {
        re[k] = 0
        im[k] = 0
        continue
      }
      let angle = atan2(im[k], re[k]) * power
      let scaled = pow(magnitude, power)
      re[k] = scaled * cos(angle)
      im[k] = scaled * sin(angle)
    }
    fft.transform(&re, &im, inverse: true)
    return re
  }
}
