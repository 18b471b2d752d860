import CandorCore

/// A twice-differentiable convex objective for `NewtonSolver`.
protocol ConvexObjective {
  var parameterCount: Int { get }
  func value(_ parameters: [Double]) -> Double
  func gradientAndHessian(_ parameters: [Double]) -> (gradient: [Double], hessian: Matrix)
}

struct NewtonResult {
  var parameters: [Double]
  var iterations: Int
  /// Largest absolute component of the gradient at the returned parameters.
  var gradientNorm: Double
  var converged: Bool
}

/// Damped Newton's method (Nocedal & Wright 2006, Alg. 3.1 with backtracking, Armijo constant 1e-4).
///
/// The Newton system is solved by Cholesky (LAPACK dposv). Where the Hessian is only semi-definite (an
/// unpenalized intercept direction with no curvature), a small multiple of the identity is added: this
/// changes the step, never the fixed point, which is where the gradient vanishes.
enum NewtonSolver {
  static func minimize(_ objective: some ConvexObjective, from initial: [Double], tolerance: Double,
                       maxIterations: Int = 100) throws -> NewtonResult {
    var theta = initial
    var current = objective.value(theta)
    var iterations = 0
    while true {
      let (gradient, hessian) = objective.gradientAndHessian(theta)
      let gradientNorm = gradient.reduce(0) { max($0, abs($1)) }
      if gradientNorm <= tolerance || iterations >= maxIterations {
        return NewtonResult(parameters: theta, iterations: iterations, gradientNorm: gradientNorm,
                            converged: gradientNorm <= tolerance)
      }
      iterations += 1
      let step = try solveDamped(hessian, gradient)
      let slope = zip(gradient, step).reduce(0) { $0 + $1.0 * $1.1 }
      // Once the predicted decrease (½·gᵀΔ) is below what the objective's value can resolve, the line
      // search can no longer tell better from worse; in that quadratic region the full step is safe.
      if slope <= 1e-13 * max(1, abs(current)) {
        theta = zip(theta, step).map { $0 - $1 }
        current = objective.value(theta)
        continue
      }
      var t = 1.0
      var accepted = false
      for _ in 0..<60 {
        let trial = zip(theta, step).map { $0 - t * $1 }
        let value = objective.value(trial)
        if value <= current - 1e-4 * t * slope {
          theta = trial
          current = value
          accepted = true
          break
        }
        t *= 0.5
      }
      if !accepted {
        // No decrease is representable any more: we are at the optimum to machine precision.
        return NewtonResult(parameters: theta, iterations: iterations, gradientNorm: gradientNorm,
                            converged: gradientNorm <= tolerance * 1e3)
      }
    }
  }

  private static func solveDamped(_ hessian: Matrix, _ gradient: [Double]) throws -> [Double] {
    let scale = (0..<hessian.rows).reduce(0) { max($0, abs(hessian[$1, $1])) }
    var damping = 0.0
    while true {
      var damped = hessian
      if damping > 0 { for i in 0..<damped.rows { damped[i, i] += damping } }
      do {
        return try damped.solveSymmetricPositiveDefinite(gradient)
      } catch {
        damping = damping == 0 ? max(scale, 1) * 1e-10 : damping * 10
        if damping > max(scale, 1) * 1e3 {
          throw ModelError.solverFailed(reason: "the Hessian is not positive definite even after damping")
        }
      }
    }
  }
}
