import CandorCore

/// Percentile bootstrap intervals (Efron & Tibshirani 1993, ch. 13) by the Poisson bootstrap: in replicate b, row r
/// counts m(b, r) ~ Poisson(1) times (Hanley & MacGibbon 2006, "Creating non-parametric bootstrap samples using
/// Poisson frequencies"; Chamandy, Muralidharan, Najmi & Naidu 2012, "Estimating uncertainty for massive data
/// streams"). The counts multiply the row weights; every statistic of a replicate comes from one pass over the rows
/// (plus one over the score order for ROC AUC).
///
/// Why Poisson and not a multinomial draw of n rows: m(b, r) is a function of (seed, b, r) alone, so shards
/// compute their own rows' counts without seeing any other row, and their replicate sums add up to the unsharded
/// run's — the merged intervals are the unsharded ones. A replicate's group sizes vary around their size, as in
/// Fairlearn's bootstrap (which resamples all rows together); a group of n rows is empty in a replicate with
/// probability e^−n (its values there are NaN and left out of that interval).
enum PoissonBootstrap {
  /// The count of row `row` (numbered in the whole data) in replicate `replicate`.
  @inline(__always)
  static func multiplicity(seed: UInt64, replicate: Int, row: Int) -> Double {
    let u = KeyedRandom.uniform(seed: seed, stream: replicate, index: row)
    var k = 0
    while k < cumulative.count - 1 && u >= cumulative[k] { k += 1 }
    return Double(k)
  }

  /// P(K ≤ k) for K ~ Poisson(1), k = 0 … 19 (P(K > 19) < 10⁻¹⁷, below the resolution of the 53-bit uniform).
  static let cumulative: [Double] = {
    var term = 1.0 / 2.718281828459045235360287, total = 0.0
    return (0..<20).map { k in
      if k > 0 { term /= Double(k) }
      total += term
      return total
    }
  }()

  /// Each replicate's counts for `count` rows starting at row `firstRow` of the whole data.
  static func multiplicities(seed: UInt64, replicate: Int, firstRow: Int, count: Int) -> [Double] {
    (0..<count).map { multiplicity(seed: seed, replicate: replicate, row: firstRow + $0) }
  }

  /// A grouping of the rows and what a replicate's sums give for it.
  struct Evaluator: @unchecked Sendable {
    let groups: ContiguousArray<Int32>
    let groupCount: Int
    let evaluate: (GroupSums) -> [Double]
  }

  /// Each evaluator's values in each replicate ([evaluator][replicate]), on all cores: a replicate's counts are
  /// drawn once and serve every grouping.
  static func samples(terms: RowTerms, evaluators: [Evaluator], replicates: Int, seed: UInt64, firstRow: Int = 0) -> [[[Double]]] {
    let samples = DisjointWrites<[[Double]]>(repeating: [], count: replicates)
    parallelFor(replicates) { r in
      let multiplicity = multiplicities(seed: seed, replicate: r, firstRow: firstRow, count: terms.count)
      samples[r] = multiplicity.withUnsafeBufferPointer { m in
        evaluators.map { evaluator in
          let sums = evaluator.groups.withUnsafeBufferPointer { GroupSums(terms: terms, groups: $0, groupCount: evaluator.groupCount, multiplicity: m) }
          return evaluator.evaluate(sums)
        }
      }
    }
    return evaluators.indices.map { e in (0..<replicates).map { samples[$0][e] } }
  }

  /// Each grouping's sums in each replicate ([grouping][replicate]: the groups' blocks, without the all-rows one
  /// and without ROC AUC) for a part whose rows start at row `firstRow` of the whole data.
  static func replicateSums(terms: RowTerms, groupings: [(groups: ContiguousArray<Int32>, groupCount: Int)], replicates: Int, seed: UInt64,
                            firstRow: Int) -> [[[Double]]] {
    let sums = DisjointWrites<[[Double]]>(repeating: [], count: replicates)
    parallelFor(replicates) { r in
      let multiplicity = multiplicities(seed: seed, replicate: r, firstRow: firstRow, count: terms.count)
      sums[r] = multiplicity.withUnsafeBufferPointer { m in
        groupings.map { grouping in
          let replicate = grouping.groups.withUnsafeBufferPointer {
            GroupSums(terms: terms, groups: $0, groupCount: grouping.groupCount, multiplicity: m, withAreas: false)
          }
          return Array(replicate.sums.prefix(grouping.groupCount * replicate.slotCount))
        }
      }
    }
    return groupings.indices.map { g in (0..<replicates).map { sums[$0][g] } }
  }

  /// The equal-tailed percentile interval of each value over the replicates (NaN replicates left out).
  static func percentiles(_ samples: [[Double]], level: Double) -> [Interval] {
    let width = samples[0].count
    let lowQuantile = (1 - level) / 2
    return (0..<width).map { v in
      let values = samples.map { $0[v] }.filter { !$0.isNaN }.sorted()
      return [Statistics.quantile(sorted: values, lowQuantile), Statistics.quantile(sorted: values, 1 - lowQuantile)]
    }
  }
}
