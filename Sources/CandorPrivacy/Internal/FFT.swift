import CandorCore
import Foundation

/// An in-place iterative radix-2 Cooley–Tukey FFT on split real and imaginary parts (length a power of two), for the
/// convolutions of privacy loss distributions. Twiddles come from one table of cos/sin computed directly (not by
/// recurrence), so rounding stays at a few ulps of the largest value.
struct FFT {
  let length: Int
  /// cos and sin of 2πk/`tableLength` for k < `tableLength`/2: a real transform of twice the length shares them.
  let cosines: [Double]
  let sines: [Double]
  /// How far apart this transform's twiddles sit in the table.
  private let tableStride: Int

  init(length: Int, tableLength: Int? = nil) {
    precondition(length > 0 && length & (length - 1) == 0, "FFT length must be a power of two")
    let tableLength = tableLength ?? length
    precondition(tableLength >= length && tableLength % length == 0)
    self.length = length
    tableStride = tableLength / length
    (cosines, sines) = Self.twiddles(tableLength)
  }

  /// cos and sin of 2πk/n for k < n/2, each computed directly, on all cores when there are many.
  private static func twiddles(_ n: Int) -> ([Double], [Double]) {
    let count = max(n / 2, 1), chunk = 1 << 15
    let chunks = (count + chunk - 1) / chunk
    let cosines = DisjointWrites<Double>(repeating: 0, count: count), sines = DisjointWrites<Double>(repeating: 0, count: count)
    parallelFor(chunks) { c in
      for k in (c * chunk)..<min(count, (c + 1) * chunk) {
        let angle = 2 * Double.pi * Double(k) / Double(n)
        cosines[k] = cos(angle)
        sines[k] = sin(angle)
      }
    }
    return (cosines.values, sines.values)
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
              let step = n / (2 * span) * tableStride
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
    let fft = RealFFT(length: size(atLeast: max(count, 2)))
    let (ar, ai) = fft.forward(a), (br, bi) = fft.forward(b)
    var re = ar, im = ai
    for k in re.indices {
      re[k] = ar[k] * br[k] - ai[k] * bi[k]
      im[k] = ar[k] * bi[k] + ai[k] * br[k]
    }
    return Array(fft.inverse(re, im).prefix(count))
  }

  /// The n-fold self-convolution of `a` taken cyclically over `length` points: ifft(fft(a)ⁿ).
  static func cyclicPower(_ a: [Double], times n: Int, length: Int) -> [Double] {
    let fft = RealFFT(length: length)
    var folded = [Double](repeating: 0, count: length)
    for (k, x) in a.enumerated() { folded[k % length] += x }
    let (re, im) = fft.forward(folded)
    let product = powerProduct([(re, im, Double(n))])
    return fft.inverse(product.re, product.im)
  }

  /// Π zₘ^{nₘ} at every bin of equally long spectra, each power taken in polar form (|z|ⁿ, n·arg z) so that large n
  /// lose no more than n ulps; a bin whose product falls below the smallest double is 0 without its trigonometry.
  static func powerProduct(_ spectra: [(re: [Double], im: [Double], power: Double)]) -> (re: [Double], im: [Double]) {
    let count = spectra[0].re.count, chunk = 1 << 14
    let re = DisjointWrites<Double>(repeating: 0, count: count), im = DisjointWrites<Double>(repeating: 0, count: count)
    parallelFor((count + chunk - 1) / chunk) { c in
      for k in (c * chunk)..<min(count, (c + 1) * chunk) {
        var logMagnitude = 0.0
        for s in spectra {
          let squared = s.re[k] * s.re[k] + s.im[k] * s.im[k]
          logMagnitude += squared == 0 ? -.infinity : 0.5 * s.power * log(squared)
          if logMagnitude < -745.2 { break }
        }
        if logMagnitude < -745.2 { continue }
        var angle = 0.0
        for s in spectra { angle += s.power * atan2(s.im[k], s.re[k]) }
        let magnitude = exp(logMagnitude)
        re[k] = magnitude * cos(angle)
        im[k] = magnitude * sin(angle)
      }
    }
    return (re.values, im.values)
  }
}

/// The transform of a real sequence through one complex transform of half its length: the even samples as real
/// parts and the odd as imaginary parts, then split into the two half-length transforms and joined by the twiddles
/// (Press et al., Numerical Recipes, 3rd ed., §12.3.2). Half the work and memory of a complex transform.
struct RealFFT {
  let length: Int
  private let half: FFT

  init(length: Int) {
    precondition(length >= 2 && length & (length - 1) == 0, "real FFT length must be a power of two, at least 2")
    self.length = length
    half = FFT(length: length / 2, tableLength: length)
  }

  /// Bins 0 … n/2 of Σ xⱼ e^{−2πi jk/n} (the rest are their conjugates). `x` shorter than n is padded with zeros.
  func forward(_ x: [Double]) -> (re: [Double], im: [Double]) {
    let m = length / 2
    precondition(x.count <= length)
    var zr = [Double](repeating: 0, count: m), zi = [Double](repeating: 0, count: m)
    for j in 0..<x.count { if j & 1 == 0 { zr[j >> 1] = x[j] } else { zi[j >> 1] = x[j] } }
    half.transform(&zr, &zi, inverse: false)
    var re = [Double](repeating: 0, count: m + 1), im = [Double](repeating: 0, count: m + 1)
    re[0] = zr[0] + zi[0]
    re[m] = zr[0] - zi[0]
    half.cosines.withUnsafeBufferPointer { cosines in
      half.sines.withUnsafeBufferPointer { sines in
        for k in 1..<max(m, 1) {
          let (a, b, c, d) = (zr[k], zi[k], zr[m - k], -zi[m - k])
          let (evenRe, evenIm) = (0.5 * (a + c), 0.5 * (b + d))
          let (oddRe, oddIm) = (0.5 * (b - d), -0.5 * (a - c))
          let (wc, ws) = (cosines[k], sines[k])
          re[k] = evenRe + wc * oddRe + ws * oddIm
          im[k] = evenIm + wc * oddIm - ws * oddRe
        }
      }
    }
    return (re, im)
  }

  /// The n real values whose bins 0 … n/2 are (re, im): the inverse of `forward`, divided by n.
  func inverse(_ re: [Double], _ im: [Double]) -> [Double] {
    let m = length / 2
    precondition(re.count == m + 1 && im.count == m + 1)
    var zr = [Double](repeating: 0, count: m), zi = [Double](repeating: 0, count: m)
    half.cosines.withUnsafeBufferPointer { cosines in
      half.sines.withUnsafeBufferPointer { sines in
        for k in 0..<m {
          let (p, q, r, s) = (re[k], im[k], re[m - k], im[m - k])
          let (evenRe, evenIm) = (0.5 * (p + r), 0.5 * (q - s))
          let (diffRe, diffIm) = (0.5 * (p - r), 0.5 * (q + s))
          let (wc, ws) = (cosines[k], sines[k])
          let (oddRe, oddIm) = (diffRe * wc - diffIm * ws, diffRe * ws + diffIm * wc)
          zr[k] = evenRe - oddIm
          zi[k] = evenIm + oddRe
        }
      }
    }
    half.transform(&zr, &zi, inverse: true)
    var x = [Double](repeating: 0, count: length)
    for k in 0..<m {
      x[2 * k] = zr[k]
      x[2 * k + 1] = zi[k]
    }
    return x
  }
}
