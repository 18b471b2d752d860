/// The weighted coefficient of determination 1 − SS_res / SS_tot (scikit-learn's `r2_score` with
/// `sample_weight` and `force_finite`: a constant target gives 1 for a perfect fit, else 0; fewer than two rows
/// give nan, as scikit-learn's "not well-defined with less than two samples"). Ridge's
/// training summary, `candor predict`'s score and the permutation explanations' `r2` scorer compute it here.
///
/// Sums run in row order: the weighted mean first, then SS_res = Σ w·(p − y)² and SS_tot = Σ w·(y − ȳ)².
/// - Parameters:
///   - predictions: one prediction per row.
///   - targets: the true value per row.
///   - weights: per-row weights; nil weighs every row 1.
/// - Complexity: two passes, no allocation.
public func rSquared(predictions: UnsafeBufferPointer<Double>, targets: UnsafeBufferPointer<Double>,
                     weights: UnsafeBufferPointer<Double>?) -> Double {
  precondition(predictions.count == targets.count && (weights?.count ?? targets.count) == targets.count,
               "one prediction and weight per target")
  if targets.count < 2 { return .nan }
  var mean = 0.0, weightSum = 0.0
  for i in 0..<targets.count {
    let w = weights?[i] ?? 1
    mean += w * targets[i]
    weightSum += w
  }
  mean /= weightSum
  var residual = 0.0, spread = 0.0
  for i in 0..<targets.count {
    let w = weights?[i] ?? 1, e = predictions[i] - targets[i], d = targets[i] - mean
    residual += w * e * e
    spread += w * d * d
  }
  return spread > 0 ? 1 - residual / spread : (residual == 0 ? 1 : 0)
}
