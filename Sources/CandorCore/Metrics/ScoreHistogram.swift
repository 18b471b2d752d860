import Foundation

/// Distinct scores in ascending order, with the weight of the positive and of the negative rows at each.
public struct ScoreHistogram: Sendable, Equatable, Codable {
  public var scores: [Double] = []
  public var positive: [Double] = []
  public var negative: [Double] = []

  public init() {}

  /// The histogram of all of `ranked`'s rows.
  public init(_ ranked: RankedScores) {
    for k in 0..<ranked.count {
      let i = Int(ranked.order[k])
      add(score: ranked.sortedScores[k], weight: ranked.weights?[i] ?? 1, isPositive: ranked.labels[i] == 1)
    }
  }

  /// Counts one row; rows come in ascending order of score.
  public mutating func add(score: Double, weight: Double, isPositive: Bool) {
    if scores.last != score {
      scores.append(score)
      positive.append(0)
      negative.append(0)
    }
    if isPositive { positive[positive.count - 1] += weight } else { negative[negative.count - 1] += weight }
  }

  /// The histograms' union (equal scores combined): pairwise merges of their ascending scores, in a balanced tree,
  /// O(entries · log parts). At an equal score the earlier part's weight is added first, so the order of additions
  /// is the same on every run.
  public static func merging(_ parts: [ScoreHistogram]) -> ScoreHistogram {
    guard !parts.isEmpty else { return ScoreHistogram() }
    var level = parts
    while level.count > 1 {
      level = stride(from: 0, to: level.count, by: 2).map { i in i + 1 < level.count ? merging(level[i], level[i + 1]) : level[i] }
    }
    return level[0]
  }

  public static func merging(_ a: ScoreHistogram, _ b: ScoreHistogram) -> ScoreHistogram {
    var merged = ScoreHistogram()
    merged.scores.reserveCapacity(a.scores.count + b.scores.count)
    merged.positive.reserveCapacity(a.scores.count + b.scores.count)
    merged.negative.reserveCapacity(a.scores.count + b.scores.count)
    var i = 0, j = 0
    while i < a.scores.count || j < b.scores.count {
      let takeA = j == b.scores.count || (i < a.scores.count && a.scores[i] <= b.scores[j])
      let (score, positive, negative) = takeA ? (a.scores[i], a.positive[i], a.negative[i]) : (b.scores[j], b.positive[j], b.negative[j])
      if takeA { i += 1 } else { j += 1 }
      if merged.scores.last == score {
        merged.positive[merged.positive.count - 1] += positive
        merged.negative[merged.negative.count - 1] += negative
      } else {
        merged.scores.append(score)
        merged.positive.append(positive)
        merged.negative.append(negative)
      }
    }
    return merged
  }

  /// ROC AUC = Σ_s P_s·(N_below + ½·N_s) / (P·N), as `RankedScores.rocAreas` computes it row by row; NaN with one
  /// class only.
  public var rocArea: Double {
    var area = 0.0, negativesBelow = 0.0, positives = 0.0
    for k in scores.indices {
      area += positive[k] * (negativesBelow + 0.5 * negative[k])
      negativesBelow += negative[k]
      positives += positive[k]
    }
    return positives > 0 && negativesBelow > 0 ? area / (positives * negativesBelow) : .nan
  }
}

extension ScoreHistogram {
  enum CodingKeys: String, CodingKey { case scores, positive, negative }

  /// The three arrays packed (`PackedArray`): a part holds a histogram per group of every distinct score.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encodePacked(scores, forKey: .scores)
    try container.encodePacked(positive, forKey: .positive)
    try container.encodePacked(negative, forKey: .negative)
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    scores = try container.decodePacked([Double].self, forKey: .scores)
    positive = try container.decodePacked([Double].self, forKey: .positive)
    negative = try container.decodePacked([Double].self, forKey: .negative)
  }
}
