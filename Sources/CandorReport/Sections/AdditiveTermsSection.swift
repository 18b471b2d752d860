import CandorCore
import CandorExplain
import Foundation

/// `candor explain --method terms --html`: an explainable boosting machine read whole — the finding in words, the
/// terms by importance, one shape curve per main effect (with a density rug of the training rows), a heat map per
/// pair, and the explained rows' contributions.
public struct AdditiveTermsSection: ReportSection {
  public var result: AdditiveTerms
  public var source: String
  /// How many pair heat maps to draw (the most important pairs).
  public var pairMaps = 6

  public init(_ result: AdditiveTerms, source: String) { (self.result, self.source) = (result, source) }

  public var title: String { "Explainable boosting machine" }
  public var anchor: String { "terms" }

  var unit: String { result.link == "logit" ? "log-odds" : "target units" }

  public static func finding(_ r: AdditiveTerms) -> String {
    let mains = r.terms.filter { $0.features.count == 1 }.count, pairs = r.terms.count - mains
    let ranked = r.terms.sorted { $0.importance > $1.importance }
    let unit = r.link == "logit" ? "log-odds" : "target units"
    var text = "The model adds up \(mains) main effects and \(pairs) pair\(pairs == 1 ? "" : "s") to an intercept of \(formatRounded(r.intercept, significantDigits: 4)) \(unit)"
    if r.link == "logit" { text += " (P(\(r.positiveClass ?? "positive")) = \(formatRounded(100 / (1 + exp(-r.intercept)), significantDigits: 3)) % for an average row)" }
    text += "."
    if let first = ranked.first {
      let next = ranked.dropFirst().prefix(2).map { "\($0.term) (\(formatRounded($0.importance, significantDigits: 3)))" }
      text += " The most important term is \(first.term): it moves a training row's score by \(formatRounded(first.importance, significantDigits: 3)) \(unit) on average"
      text += next.isEmpty ? "." : ", then \(next.joined(separator: " and "))."
    }
    return text + " Every prediction is exactly the sum of these terms."
  }

  public func render(into page: inout HTMLWriter) {
    page.paragraph(HTMLText(words: Self.finding(result)))
    let ranked = result.terms.sorted { $0.importance > $1.importance }
    let charted = ranked.prefix(25)
    page.figure(SVGChart.bars(title: "Term importance (mean |score|, \(unit))", labels: charted.map(\.term), values: charted.map(\.importance),
                                   labelWidth: 230, labelName: "term"))
    if ranked.count > charted.count {
      page.note(HTMLText(words: "The \(charted.count) most important of \(ranked.count) terms; the least important: \(ranked.suffix(ranked.count - charted.count).map { "\($0.term) (\(formatRounded($0.importance, significantDigits: 2)))" }.joined(separator: ", "))."))
    }
    page.heading("Main effects", anchor: "shapes")
    page.note(HTMLText(words: "Each curve is the feature's score (\(unit), added to the intercept; 0 is the average row); the grey bars below show how many training rows fall in each bin. A bin no training row fell in scores 0. Scores where few rows are rest on little data."))
    for term in ranked where term.features.count == 1 {
      guard let bins = term.bins else { continue }
      let name = term.features[0]
      if term.kind == "numeric" {
        // Numeric: bins 1… are intervals; bin 0 is missing.
        let intervals = Array(bins.dropFirst())
        let cuts = intervals.compactMap(\.upper)
        page.figure(SVGChart.shape(title: "\(name): score by value", cuts: cuts, scores: intervals.map(\.score), weights: intervals.map(\.weight),
                                        xLabel: name, yLabel: "score (\(unit))"))
        if bins[0].weight > 0 {
          page.note(HTMLText(words: "\(name) missing: score \(formatRounded(bins[0].score, significantDigits: 4)) (\(formatRounded(bins[0].weight, significantDigits: 6)) training rows)."))
        }
      } else {
        let shown = bins.dropFirst().filter { $0.weight > 0 }
        page.figure(SVGChart.bars(title: "\(name): score by level (\(unit))", labels: shown.map { "\($0.label) (n=\(formatRounded($0.weight, significantDigits: 6)))" },
                                       values: shown.map(\.score), labelWidth: 230, labelName: "\(name) (training rows)"))
      }
    }
    let pairs = ranked.filter { $0.features.count == 2 }
    if !pairs.isEmpty {
      page.heading("Pairs", anchor: "pairs")
      page.note(HTMLText(words: "Each map is a pair's score on top of both main effects (purified: its average along every row and column of training rows is 0). Red raises the score, blue lowers it; grey cells have no training rows. The \(min(pairMaps, pairs.count)) most important of \(pairs.count) pairs are drawn; the JSON holds them all."))
      for term in pairs.prefix(pairMaps) {
        guard let allScores = term.scores, let allWeights = term.weights, let allRows = term.rowBins, let allColumns = term.columnBins else { continue }
        // Bins without training rows (a missing value or unseen level training never had) are left out.
        let keptRows = allRows.indices.filter { i in allWeights[i].contains { $0 > 0 } }
        let keptColumns = allColumns.indices.filter { j in allWeights.contains { $0[j] > 0 } }
        let rows = keptRows.map { allRows[$0] }, columns = keptColumns.map { allColumns[$0] }
        let scores = keptRows.map { i in keptColumns.map { allScores[i][$0] } }, weights = keptRows.map { i in keptColumns.map { allWeights[i][$0] } }
        page.figure(SVGChart.scoreMap(title: "\(term.term) (importance \(formatRounded(term.importance, significantDigits: 3)))", rowLabels: rows, columnLabels: columns,
                                                              scores: scores, weights: weights, rowTitle: term.features[0], columnTitle: term.features[1], unit: unit), wide: true)
      }
    }
    if !result.rows.isEmpty {
      page.heading("Explained rows", anchor: "rows")
      page.note(HTMLText(words: "Per row: the score (\(unit)) = intercept \(formatRounded(result.intercept, significantDigits: 4)) + the terms' contributions; the largest contributions are listed. Shapley values per feature (split pairs in half between their features) are in the JSON."))
      page.table(caption: "Explained rows and their largest contributions", header: ["Row", "Prediction", "Score", "Largest contributions"], rows: result.rows.map { row in
        let top = row.contributions.sorted { abs($0.value) > abs($1.value) || (abs($0.value) == abs($1.value) && $0.key < $1.key) }.prefix(5)
        return [String(row.row), formatRounded(row.prediction, significantDigits: 4), formatRounded(row.margin, significantDigits: 4),
                top.map { "\($0.key) \($0.value >= 0 ? "+" : "−")\(formatRounded(abs($0.value), significantDigits: 3))" }.joined(separator: ", ")]
      }, textColumns: [3])
    }
  }
}

extension ExplainPage {
  public static func termsText(_ r: AdditiveTerms) -> String {
    var lines = [AdditiveTermsSection.finding(r), "  term" + String(repeating: " ", count: 30) + "importance"]
    let ranked = r.terms.sorted(by: { $0.importance > $1.importance })
    for term in ranked.prefix(20) {
      lines.append("  " + printable(term.term).padding(toLength: 34, withPad: " ", startingAt: 0) + formatRounded(term.importance, significantDigits: 4))
    }
    if ranked.count > 20 { lines.append("  … \(ranked.count - 20) more terms (every one in --json)") }
    for row in r.rows {
      let top = row.contributions.sorted { abs($0.value) > abs($1.value) || (abs($0.value) == abs($1.value) && $0.key < $1.key) }.prefix(3)
      lines.append("Row \(row.row): prediction \(formatRounded(row.prediction, significantDigits: 4)), score \(formatRounded(row.margin, significantDigits: 4)); largest: "
        + top.map { "\(printable($0.key)) \(formatRounded($0.value, significantDigits: 3))" }.joined(separator: ", "))
    }
    return lines.joined(separator: "\n")
  }

  public static func termsHTML(_ r: AdditiveTerms, source: String) -> String {
    HTMLDocument(AdditiveTermsSection(r, source: source)).rendered()
  }
}
