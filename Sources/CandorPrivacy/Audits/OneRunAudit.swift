import CandorCore
import CandorModels
import Foundation

/// Privacy auditing with one training run (Steinke, Nasr & Jagielski 2023, "Privacy Auditing with One (1) Training
/// Run", NeurIPS): m canaries are each included in the training data with probability ½, independently; the model
/// is trained once; an auditor guesses, from the trained model alone, which canaries were in — the k/2 it is most
/// confident of as "in", the k/2 least as "out", abstaining on the rest. If training is (ε, δ)-DP, the number of
/// correct guesses among those r = k is stochastically dominated by Binomial(r, e^ε/(1 + e^ε)) up to a δ term, so
/// many correct guesses reject every ε below some value: that value is a lower bound on the ε training really has,
/// at the stated confidence. It can never exceed a correct accountant's ε (a law tested over seeds and budgets).
///
/// Canaries here are training rows taken out of the data and, with probability ½, put back with their label changed
/// to another class (input-space canaries that move a model most), chosen and included with the system CSPRNG. Several guess counts are tried, and each
/// p-value is Bonferroni-corrected for the number tried, so reporting the best stays valid.
public struct OneRunAudit: Sendable {
  /// The canary rows (labels already changed), the data rows they were made from, and whether each was put in the
  /// training data.
  public var canaries: Table
  public var rows: [Int]
  public var included: [Bool]
  public var target: String

  /// m rows of `table` chosen without replacement, each label changed to another of `classes` (uniformly), each
  /// included with probability ½. The rows themselves leave the training data (`trainingRows`), so a canary left
  /// out is not in training in any form.
  /// - Throws: `PrivacyError.invalidSetting` when m is below 2 or above the rows.
  public static func draw(count m: Int, from table: Table, target: String, classes: [String], using random: inout some RandomNumberGenerator) throws -> OneRunAudit {
    guard m >= 2 && m <= table.rowCount / 2, classes.count >= 2 else {
      throw PrivacyError.invalidSetting(InvalidSetting(.auditCanaries, value: "\(m)", .because(
        "the canaries are made from training rows, so give from 2 to half the \(table.rowCount) rows the data has (training keeps the rest)")))
    }
    var rows = Array(0..<table.rowCount)
    for k in 0..<m { rows.swapAt(k, k + Int(random.next(upperBound: UInt64(table.rowCount - k)))) }
    let picked = Array(rows.prefix(m))
    var canaries = table.selecting(rows: picked)
    let labels = try canaries.column(target)
    let flipped = (0..<m).map { r -> String? in
      let current = labels.text(at: r)
      let others = classes.filter { $0 != current }
      return others[Int(random.next(upperBound: UInt64(others.count)))]
    }
    canaries = canaries.replacing(labels.isNumeric
      ? .numeric(NumericColumn(name: target, values: ContiguousArray(flipped.map { $0.flatMap(Double.init) ?? .nan })))
      : .categorical(CategoricalColumn(name: target, strings: flipped)))
    let included = (0..<m).map { _ in random.next() & 1 == 1 }
    return OneRunAudit(canaries: canaries, rows: picked, included: included, target: target)
  }

  /// What training sees: the data without the canaries' rows, then the included canaries.
  public func trainingRows(of table: Table) throws -> Table {
    let taken = Set(rows)
    let kept = table.selecting(rows: (0..<table.rowCount).filter { !taken.contains($0) })
    return try kept.concatenating([canaries.selecting(rows: included.indices.filter { included[$0] })])
  }

  /// Guesses from `model` and the ε lower bound they prove at `confidence`, against (ε, δ)-DP.
  public func result(model: any Model, delta: Double, accountedEpsilon: Double?, confidence: Double = 0.95) throws -> OneRunAuditResult {
    let scores = try LikelihoodRatioAttack.logits(model: model, table: canaries, target: target)
    let m = scores.count
    // Highest confidence in the changed label first: those are guessed "in".
    let order = scores.indices.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
    let counts = Array(Set(OneRunAuditResult.guessShares.map { max(2, Int((Double(m) * $0).rounded()) / 2 * 2) }.filter { $0 <= m })).sorted()
    let miss = (1 - confidence) / Double(counts.count)
    var readings: [OneRunAuditResult.Reading] = []
    for r in counts {
      let half = r / 2
      let correct = order.prefix(half).count { included[$0] } + order.suffix(half).count { !included[$0] }
      let bound = Self.epsilonLowerBound(examples: m, guesses: r, correct: correct, delta: delta, miss: miss)
      readings.append(.init(guesses: r, correct: correct, epsilonLowerBound: bound))
    }
    let best = readings.max { $0.epsilonLowerBound < $1.epsilonLowerBound || ($0.epsilonLowerBound == $1.epsilonLowerBound && $0.guesses > $1.guesses) }!
    return OneRunAuditResult(canaries: m, included: included.count { $0 }, guesses: best.guesses, correct: best.correct,
                             epsilonLowerBound: best.epsilonLowerBound, confidence: confidence, delta: delta,
                             accountedEpsilon: accountedEpsilon, readings: readings)
  }

  /// P[at least `correct` of `guesses` right] under (ε, δ)-DP with m canaries: β + 2mδ·α, where β is
  /// P[Binomial(r, q) ≥ v] for randomized response's accuracy q = 1/(1 + e^−ε) and α = max_i P[v > Binomial(r, q) ≥
  /// v − i]/i (the paper's Theorem 3.3 and its code, `p_value_DP_audit`).
  static func pValue(examples m: Int, guesses r: Int, correct v: Int, epsilon: Double, delta: Double) -> Double {
    let logQ = -log1p(exp(-epsilon)), log1mQ = -epsilon - log1p(exp(-epsilon))
    func logPMF(_ k: Int) -> Double { logBinomial(Double(r), Double(k)) + Double(k) * logQ + Double(r - k) * log1mQ }
    var logBeta = -Double.infinity
    for k in v...max(v, r) where k <= r { logBeta = logAdd(logBeta, logPMF(k)) }
    var (alpha, sum) = (0.0, 0.0)
    if delta > 0 {
      for i in stride(from: 1, through: v, by: 1) {
        sum += exp(logPMF(v - i))
        if sum > Double(i) * alpha { alpha = sum / Double(i) }
      }
    }
    return min(1, exp(logBeta) + alpha * delta * 2 * Double(m))
  }

  /// The largest ε whose p-value is below `miss` (bisection to 2⁻³⁰ of its bracket, as the paper's
  /// `get_eps_audit`), 0 when none is.
  static func epsilonLowerBound(examples m: Int, guesses r: Int, correct v: Int, delta: Double, miss: Double) -> Double {
    guard v > 0, pValue(examples: m, guesses: r, correct: v, epsilon: 0, delta: delta) < miss else { return 0 }
    var (low, high) = (0.0, 1.0)
    while pValue(examples: m, guesses: r, correct: v, epsilon: high, delta: delta) < miss && high < 1e3 { (low, high) = (high, high * 2) }
    for _ in 0..<40 {
      let middle = (low + high) / 2
      if pValue(examples: m, guesses: r, correct: v, epsilon: middle, delta: delta) < miss { low = middle } else { high = middle }
    }
    return low
  }
}

/// The one-run audit as `dp-train --json` reports it under `audit`.
public struct OneRunAuditResult: Sendable, Equatable, Codable {
  public struct Reading: Sendable, Equatable, Codable {
    public var guesses: Int
    public var correct: Int
    public var epsilonLowerBound: Double
    enum CodingKeys: String, CodingKey {
      case guesses, correct
      case epsilonLowerBound = "epsilon_lower_bound"
    }
  }

  /// The shares of the canaries guessed on (half "in", half "out"); each reading's confidence is corrected for all.
  public static let guessShares = [0.02, 0.05, 0.1, 0.2, 0.5, 1.0]

  public var canaries: Int
  public var included: Int
  public var guesses: Int
  public var correct: Int
  public var epsilonLowerBound: Double
  public var confidence: Double
  public var delta: Double
  public var accountedEpsilon: Double?
  public var readings: [Reading]
  public var method = "Steinke, Nasr & Jagielski 2023, one training run: m training rows taken out and each put back with its label changed with probability 1/2; guesses from the trained model's confidence in the changed label"

  enum CodingKeys: String, CodingKey {
    case canaries, included, guesses, correct, confidence, delta, readings, method
    case epsilonLowerBound = "epsilon_lower_bound"
    case accountedEpsilon = "accounted_epsilon"
  }
}

extension Setting {
  public static let auditCanaries = Setting("auditCanaries")
}
