import CandorCore
import CandorModels
import Foundation
import Testing

@testable import CandorExplain

/// The law behind sharded permutation importance: a scorer's sums over contiguous parts of the rows, merged in
/// order, give the score of all rows.
@Suite struct ScoreSumsTests {
  /// Predictions and truth for `n` rows: P(positive) and a 0/1 label for the classifier scorers, values for the
  /// regression ones (targets near 10⁶, where Σy² − (Σy)²/n would lose every digit of the spread).
  static func rows(_ scorer: Scorer, n: Int, seed: UInt64) -> (predictions: [Double], truth: [Double], weights: [Double]) {
    var random = SeededRandom(seed: seed, stream: 0)
    var predictions: [Double] = [], truth: [Double] = [], weights: [Double] = []
    for _ in 0..<n {
      if scorer.needsClassifier {
        let p = Double(Int.random(in: 0...40, using: &random)) / 40  // ties, as a tree's scores have
        predictions.append(p)
        truth.append(Double.random(in: 0..<1, using: &random) < p ? 1 : 0)
      } else {
        let y = 1e6 + Double.random(in: -1...1, using: &random)
        truth.append(y)
        predictions.append(y + Double.random(in: -0.5...0.5, using: &random))
      }
      weights.append(Double(Int.random(in: 1...3, using: &random)))
    }
    return (predictions, truth, weights)
  }

  @Test("sums of parts merge into the score of all rows, weighted or not", arguments: Scorer.allCases)
  func partsMerge(_ scorer: Scorer) throws {
    let n = 1_001
    let (predictions, truth, weights) = Self.rows(scorer, n: n, seed: 3)
    let kind: OutputKind = scorer.needsClassifier ? .binaryProbability : .regression
    for weighted in [false, true] {
      let w = weighted ? weights : nil
      let whole = predictions.withUnsafeBufferPointer { scorer.score($0, outputs: 1, kind: kind, truth: truth, weights: w, range: 0..<n, offset: 0) }
      for cuts in [[0, n], [0, 1, 500, n], [0, 0, 333, 333, 700, n]] {
        let parts = zip(cuts, cuts.dropFirst()).map { a, b in
          predictions.withUnsafeBufferPointer { p in
            scorer.sums(UnsafeBufferPointer(rebasing: p[a..<b]), outputs: 1, kind: kind, truth: truth, weights: w, range: a..<b, offset: 0)
          }
        }
        let merged = scorer.score(of: scorer.merging(parts))
        #expect(abs(merged - whole) <= 1e-12 * max(1, abs(whole)), "\(scorer) \(cuts): \(merged) vs \(whole)")
        #expect(parts.allSatisfy { scorer.isWellFormed($0, classCount: 2) } || !scorer.needsClassifier)
      }
    }
  }

  @Test("R² over targets near 10⁶: the merged spread is the two-pass one (Chan et al.'s update), not a cancelled difference")
  func spreadWithLargeMean() {
    let n = 2_000
    let (predictions, truth, _) = Self.rows(.r2, n: n, seed: 9)
    let whole = predictions.withUnsafeBufferPointer { Scorer.r2.score($0, outputs: 1, kind: .regression, truth: truth, weights: nil, range: 0..<n, offset: 0) }
    let halves = [0..<1_000, 1_000..<n].map { r in
      predictions.withUnsafeBufferPointer { Scorer.r2.sums(UnsafeBufferPointer(rebasing: $0[r]), outputs: 1, kind: .regression, truth: truth, weights: nil, range: r, offset: 0) }
    }
    #expect(whole > 0.7 && whole < 0.8)
    #expect(abs(Scorer.r2.score(of: Scorer.r2.merging(halves)) - whole) < 1e-14)
    // Σy² − (Σy)²/n from the same rows, for contrast: off in the third digit or worse.
    let sum = truth.reduce(0, +), squares = truth.reduce(0) { $0 + $1 * $1 }
    let residual = zip(predictions, truth).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
    let naive = 1 - residual / (squares - sum * sum / Double(n))
    #expect(abs(naive - whole) > 1e-6)
  }

  @Test("sums out of the scorer's shape are refused before anything is added")
  func malformed() {
    let good = ScoreSums(sums: [3, 4, 1, 2, 2, 2])
    #expect(Scorer.accuracy.isWellFormed(good, classCount: 2))
    #expect(!Scorer.accuracy.isWellFormed(good, classCount: 3))
    #expect(!Scorer.accuracy.isWellFormed(ScoreSums(sums: [3, .nan, 1, 2, 2, 2]), classCount: 2))
    var histogram = ScoreHistogram()
    histogram.add(score: 0.2, weight: 1, isPositive: true)
    histogram.add(score: 0.7, weight: 1, isPositive: false)
    #expect(Scorer.rocAUC.isWellFormed(ScoreSums(sums: [], histogram: histogram), classCount: 2))
    histogram.scores.reverse()
    #expect(!Scorer.rocAUC.isWellFormed(ScoreSums(sums: [], histogram: histogram), classCount: 2))
    #expect(Scorer.r2.isWellFormed(ScoreSums(sums: [1, 2, 1, 0, 0, 1]), classCount: 0))
    #expect(!Scorer.r2.isWellFormed(ScoreSums(sums: [1, 2, -1, 0, 0, 1]), classCount: 0))
  }
}
