import Foundation

/// log(eˣ + eʸ), exact when either is −∞.
@inline(__always) func logAdd(_ x: Double, _ y: Double) -> Double {
  let (a, b) = x < y ? (x, y) : (y, x)
  if a == -.infinity { return b }
  return log1p(exp(a - b)) + b
}

/// log Φ(x), the standard normal log-CDF, accurate in both tails (scipy's `log_ndtr`): log1p(−Φ(−x)) above 6,
/// log(½·erfc(−x/√2)) down to −20, and below the asymptotic series of Abramowitz & Stegun 26.2.12.
func logNormalCDF(_ x: Double) -> Double {
  if x > 6 { return log1p(-0.5 * erfc(x / 2.0.squareRoot())) }
  if x > -20 { return log(0.5 * erfc(-x / 2.0.squareRoot())) }
  // log Φ(x) = −x²/2 − log(−x) − ½ log 2π + log(1 − 1/x² + 3/x⁴ − 15/x⁶ + …), summed while terms shrink.
  let lhs = -0.5 * x * x - log(-x) - 0.5 * log(2 * Double.pi)
  var total = 1.0, term = 1.0
  let inverse = 1 / (x * x)
  for i in 1..<100 {
    let next = -term * Double(2 * i - 1) * inverse
    if abs(next) >= abs(term) { break }
    term = next
    total += term
    if abs(term) < Double.ulpOfOne * abs(total) { break }
  }
  return lhs + log(total)
}

/// log erfc(x) = log 2 + log Φ(−x√2) (dp_accounting's `_log_erfc`).
@inline(__always) func logErfc(_ x: Double) -> Double { log(2.0) + logNormalCDF(-x * 2.0.squareRoot()) }

/// Φ(x), the standard normal CDF.
@inline(__always) func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// log |C(n, k)| by log-gamma (fractional n allowed; the sign is not kept, as dp_accounting's `_log_comb`).
@inline(__always) func logBinomial(_ n: Double, _ k: Double) -> Double {
  lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1)
}

/// ∫ f over [a, b] of a non-negative f by adaptive Gauss–Kronrod (7–15 points; QUADPACK's qk15 with its error
/// estimate, Piessens et al. 1983): an interval is split until its error is below `relativeTolerance` of its own
/// value or of its share of `scale` (an estimate of the whole integral), at most `maxIntervals` intervals.
func integrate(_ f: (Double) -> Double, from a: Double, to b: Double, relativeTolerance: Double, scale: Double, maxIntervals: Int = 500) -> Double {
  var pending = [(a, b, kronrod15(f, a, b))]
  var total = 0.0
  var intervals = 1
  while let (lo, hi, (value, error)) = pending.popLast() {
    let floor = relativeTolerance * max(abs(value), abs(scale) * (hi - lo) / (b - a))
    if error <= floor || intervals >= maxIntervals || hi - lo < 1e-12 * max(1, abs(lo)) {
      total += value
      continue
    }
    let mid = 0.5 * (lo + hi)
    pending.append((lo, mid, kronrod15(f, lo, mid)))
    pending.append((mid, hi, kronrod15(f, mid, hi)))
    intervals += 1
  }
  return total
}

/// Kronrod nodes and weights for 15 points, Gauss weights of the embedded 7 (QUADPACK's qk15).
private let kronrodNodes: [Double] = [0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
                                      0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                                      0.207784955007898467600689403773245, 0]
private let kronrodWeights: [Double] = [0.022935322010529224963732008058970, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
                                        0.140653259715525918745189590510238, 0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                                        0.204432940075298892414161999234649, 0.209482141084727828012999174891714]
private let gaussWeights: [Double] = [0.129484966168869693270611432679082, 0.279705391489276667901467771423780, 0.381830050505118944950369775488975,
                                      0.417959183673469387755102040816327]

/// One 15-point Kronrod estimate of ∫ f over [lo, hi] and QUADPACK's error estimate:
/// resasc·min(1, (200·|K − G|/resasc)^1.5), resasc the Kronrod integral of |f − mean|.
func kronrod15(_ f: (Double) -> Double, _ lo: Double, _ hi: Double) -> (value: Double, error: Double) {
  let center = 0.5 * (lo + hi), half = 0.5 * (hi - lo)
  // On the stack: no allocation per call.
  var left = SIMD8<Double>(), right = SIMD8<Double>()
  let fc = f(center)
  var k = fc * kronrodWeights[7], g = fc * gaussWeights[3]
  for j in 0..<7 {
    let x = half * kronrodNodes[j]
    let (l, r) = (f(center - x), f(center + x))
    left[j] = l
    right[j] = r
    k += kronrodWeights[j] * (l + r)
    if j % 2 == 1 { g += gaussWeights[j / 2] * (l + r) }
  }
  let mean = k * 0.5
  var resasc = kronrodWeights[7] * abs(fc - mean)
  for j in 0..<7 { resasc += kronrodWeights[j] * (abs(left[j] - mean) + abs(right[j] - mean)) }
  resasc *= abs(half)
  var error = abs((k - g) * half)
  if resasc != 0 && error != 0 { error = resasc * min(1, pow(200 * error / resasc, 1.5)) }
  return (k * half, error)
}
