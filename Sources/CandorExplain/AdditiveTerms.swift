import CandorCore
import CandorModels
import Foundation

/// `candor explain --method terms`: an explainable boosting machine explained by itself, exactly — its intercept, each
/// term's shape (the score of every bin, with the training weight that fell in it) and importance (InterpretML's:
/// the mean absolute score over the training rows), and, for rows of data, each term's contribution to the margin
/// (they sum with the intercept to it) and each feature's exact interventional Shapley value against the data
/// (`ExplainableBoostingMachine.additiveShapley`, which TreeSHAP reproduces).
public struct AdditiveTerms: Sendable, Equatable, Codable, JSONDocument {
  public struct Bin: Sendable, Equatable, Codable {
    /// `≤ 25.5`, `(25.5, 30.5]`, `> 70.5`, `missing`, a level, or `unseen level`.
    public var label: String
    /// A numeric bin's bounds (nil where open or missing).
    public var lower: Double?
    public var upper: Double?
    public var score: Double
    /// Training weight (rows, unless weighted) in the bin.
    public var weight: Double
  }

  public struct Term: Sendable, Equatable, Codable {
    public var term: String
    public var features: [String]
    /// `numeric` or `categorical` for a main effect, `pair` for a pair.
    public var kind: String
    public var importance: Double
    /// Main effects: every bin.
    public var bins: [Bin]?
    /// Pairs: the bin labels of the first feature (rows) and the second (columns), the scores and weights row by row.
    public var rowBins: [String]?
    public var columnBins: [String]?
    public var scores: [[Double]]?
    public var weights: [[Double]]?

    enum CodingKeys: String, CodingKey {
      case term, features, kind, importance, bins, scores, weights
      case rowBins = "row_bins"
      case columnBins = "column_bins"
    }
  }

  public struct Row: Sendable, Equatable, Codable {
    public var row: Int
    /// The intercept plus every contribution: log-odds for a classifier, the prediction for regression.
    public var margin: Double
    public var prediction: Double
    /// Per term, its score for the row.
    public var contributions: [String: Double]
    /// Per feature, its exact interventional Shapley value of the margin against the data's rows.
    public var shapley: [String: Double]
  }

  public var method = "terms"
  public var model = "ebm"
  /// `logit` (the margin is the log-odds of the positive class) or `identity`.
  public var link: String
  public var positiveClass: String?
  public var intercept: Double
  public var terms: [Term]
  public var rows: [Row]
  /// The data's mean margin: what each row's Shapley values are measured from.
  public var baseMargin: Double?
  public var backgroundRows: Int?

  enum CodingKeys: String, CodingKey {
    case method, model, link, intercept, terms, rows
    case positiveClass = "positive_class"
    case baseMargin = "base_margin"
    case backgroundRows = "background_rows"
  }

  /// - Parameters:
  ///   - data: rows to explain and the background of their Shapley values; nil for the shapes alone.
  ///   - rows: which rows of `data` to explain.
  /// - Throws: `ExplainError.invalidSetting` for a model that is not an explainable boosting machine.
  public static func make(_ model: any Model, data: Table?, rows: [Int]) throws -> AdditiveTerms {
    guard let ebm = model as? ExplainableBoostingMachine else {
      throw ExplainError.invalidSetting(InvalidSetting(.explainMethod, value: "terms", .because(
        "the model is not an additive model with terms (an EBM, --model-type ebm); use permutation, shap, kernelshap, pdp, ale, coefficients (linear models), surrogate or error-analysis")))
    }
    var terms: [Term] = []
    for (t, term) in ebm.terms.enumerated() {
      let total = term.weights.reduce(0, +)
      let importance = total > 0 ? zip(term.weights, term.scores).reduce(0) { $0 + $1.0 * abs($1.1) } / total : 0
      let names = term.features.map { ebm.binnings[$0].name }
      var entry = Term(term: ebm.termName(t), features: names, kind: term.features.count == 2 ? "pair" : ebm.binnings[term.features[0]].isNumeric ? "numeric" : "categorical", importance: importance)
      if term.features.count == 1 {
        let binning = ebm.binnings[term.features[0]]
        entry.bins = term.scores.indices.map { b in
          var bounds: (Double?, Double?) = (nil, nil)
          if let cuts = binning.cuts, b > 0 { bounds = (b >= 2 ? cuts[b - 2] : nil, b <= cuts.count ? cuts[b - 1] : nil) }
          return Bin(label: binning.binLabel(b), lower: bounds.0, upper: bounds.1, score: term.scores[b], weight: term.weights[b])
        }
      } else {
        let (a, c) = (ebm.binnings[term.features[0]], ebm.binnings[term.features[1]])
        let width = c.pairBinCount
        entry.rowBins = (0..<a.pairBinCount).map(a.pairBinLabel)
        entry.columnBins = (0..<width).map(c.pairBinLabel)
        entry.scores = (0..<a.pairBinCount).map { i in Array(term.scores[(i * width)..<((i + 1) * width)]) }
        entry.weights = (0..<a.pairBinCount).map { i in Array(term.weights[(i * width)..<((i + 1) * width)]) }
      }
      terms.append(entry)
    }
    var result = AdditiveTerms(link: ebm.isRegression ? "identity" : "logit", positiveClass: ebm.isRegression ? nil : ebm.classes[1],
                               intercept: ebm.intercept, terms: terms, rows: [])
    guard let data, !rows.isEmpty else { return result }
    let explained = data.selecting(rows: rows)
    let (n, scores) = try ebm.termScores(explained)
    let (shapley, base) = try ebm.additiveShapley(explained, background: data)
    let p = ebm.binnings.count, t = ebm.terms.count
    for r in 0..<n {
      var contributions: [String: Double] = [:], values: [String: Double] = [:]
      var margin = ebm.intercept
      for k in 0..<t { contributions[terms[k].term] = scores[r * t + k]; margin += scores[r * t + k] }
      for f in 0..<p { values[ebm.binnings[f].name] = shapley[r * p + f] }
      result.rows.append(Row(row: rows[r], margin: margin, prediction: ebm.isRegression ? margin : 1 / (1 + exp(-margin)),
                             contributions: contributions, shapley: values))
    }
    (result.baseMargin, result.backgroundRows) = (base, data.rowCount)
    return result
  }
}
