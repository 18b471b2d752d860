import CandorCore
import CandorPrivacy

/// A private statistic and the ledger it was spent from (`candor privacy query --html`): the answer in words with
/// its error bars, the budget spent by kind (training, statistics) entry by entry, and the log of every statistic
/// the ledger has released.
public struct PrivacyQuerySection: ReportSection {
  public var result: QueryResult
  public var ledger: LedgerSummary
  /// The ledger file, as the user named it.
  public var source: String

  public init(_ result: QueryResult, ledger: LedgerSummary, source: String) {
    (self.result, self.ledger, self.source) = (result, ledger, source)
  }

  public var title: String { "Private statistics" }
  public var anchor: String { "query" }

  /// "training" for a DP-SGD run, "statistics" for a released answer, else "other".
  static func kind(_ entry: PrivacyLedger.Entry) -> String {
    entry.release != nil ? "statistics" : entry.command.hasPrefix("dp-train") ? "training" : "other"
  }

  /// An answer in one line: "38.5", or "Female: 36.9, Male: 39.4" (the first `limit` keys, then how many more).
  static func line(_ value: ReleasedValue, limit: Int = 6) -> String {
    switch value {
    case let .number(n): return formatRounded(n)
    case let .interval(lo, hi): return "\(formatRounded(lo)) to \(formatRounded(hi))"
    case .none: return "—"
    case let .keyed(values):
      let keys = values.keys.sorted(by: ReleasedValue.keyOrder)
      let shown = keys.prefix(limit).map { "\($0): \(line(values[$0]!, limit: 3))" }.joined(separator: "; ")
      return keys.count > limit ? shown + "; … (\(keys.count) in all)" : shown
    }
  }

  /// The finding in one or two sentences.
  public static func finding(_ r: QueryResult, ledger: LedgerSummary) -> String {
    let bounds = r.bounds.map { " (bounds \(formatNumber($0[0])) to \(formatNumber($0[1])))" } ?? ""
    let answer: String
    if case .keyed = r.answer {
      answer = "The \(r.query.description)\(bounds), released with differential privacy, is shown below per \(r.by != nil ? "group" : r.statistic == "quantile" ? "quantile" : "bin") with its 95 % error bars"
    } else {
      answer = "The \(r.query.description)\(bounds), released with differential privacy, is \(line(r.answer))" + (r.interval95.interval.map { " (95 % interval \(formatRounded($0.0)) to \(formatRounded($0.1)))" } ?? "")
    }
    let spent = r.cached ? "It was answered from the ledger (entry \(r.entry)), spending nothing" : "It spent ε = \(formatNumber(r.epsilon))\(r.delta > 0 ? " at δ = \(formatNumber(r.delta))" : "")"
    return "\(answer). \(spent); ε = \(formatRounded(ledger.spentEpsilon)) of the budget \(formatRounded(ledger.budget.epsilon)) is spent and at most \(formatRounded(ledger.remainingEpsilon)) is left."
  }

  public func render(into page: inout HTMLWriter) {
    let r = result, s = ledger
    page.paragraph(HTMLText(words: Self.finding(r, ledger: s)))
    if r.insecure { page.note("This answer's noise came from --insecure-seed: it is reproducible and NOT private.") }
    if s.remainingEpsilon < 0.1 * s.budget.epsilon {
      page.note(HTMLText(words: "Less than a tenth of the budget is left: a further release of ε = \(formatRounded(s.remainingEpsilon)) or more will be refused."))
    }
    // The answer's bars: one chart per group of a histogram by group, else one for all values.
    var charts: [(title: String, labels: [String], values: [Double], intervals: [[Double]])] = []
    func bars(_ answer: [String: ReleasedValue], _ interval: ReleasedValue?, title: String) {
      let keys = answer.keys.sorted(by: ReleasedValue.keyOrder).filter { answer[$0]?.number != nil }
      guard !keys.isEmpty else { return }
      let intervals = keys.map { key -> [Double] in interval?[key]?.interval.map { [$0.0, $0.1] } ?? [] }
      charts.append((title, keys, keys.map { answer[$0]!.number! }, intervals))
    }
    switch r.answer {
    case let .keyed(values) where values.values.contains(where: { if case .keyed = $0 { true } else { false } }):
      for key in values.keys.sorted(by: ReleasedValue.keyOrder) {
        if case let .keyed(inner)? = values[key] { bars(inner, r.interval95[key], title: "\(r.query.description): \(key)") }
      }
    case let .keyed(values):
      bars(values, r.interval95, title: r.query.description)
    case let .number(n):
      charts.append((r.query.description, [r.statistic], [n], [r.interval95.interval.map { [$0.0, $0.1] } ?? []]))
    default: break
    }
    if !charts.isEmpty {
      page.grid { grid in
        for chart in charts.prefix(12) {
          grid.figure(SVGChart.bars(title: chart.title, labels: chart.labels, values: chart.values, intervals: chart.intervals))
        }
      }
      page.note("Bars are the released values; whiskers their 95 % intervals (the noise actually added; for a mean or variance, all its noisy parts). Per value, not simultaneous.")
    }
    if let rank = r.rankError95 { page.paragraph("With 95 % probability each quantile's rank is within \(formatRounded(rank)) records of the one asked for.") }

    page.heading("Budget spent, by kind")
    if !s.spends.isEmpty {
      let width = Double((s.spends.count + 3) / 4 * 4)
      var series = [SVGChart.Series(name: "ε spent, all kinds composed", points: [(x: 0, y: 0)] + s.spends.map { (x: Double($0.index), y: $0.epsilonAfter) })]
      for (k, kind) in ["training", "statistics", "other"].enumerated() {
        let points = s.spends.filter { Self.kind($0) == kind }.map { (x: Double($0.index), y: $0.epsilonAfter) }
        if !points.isEmpty { series.append(SVGChart.Series(name: "after a \(kind == "statistics" ? "statistic" : kind == "training" ? "training run" : "other spend")", points: points, line: false, markers: true, color: SVGChart.color(k + 1))) }
      }
      series.append(SVGChart.Series(name: "budget ε = \(formatRounded(s.budget.epsilon))", points: [(x: 0, y: s.budget.epsilon), (x: width, y: s.budget.epsilon)], color: "#c00"))
      page.grid { grid in
        grid.figure(SVGChart.xy(title: "ε spent, entry by entry", series: series, xLabel: "ledger entry (in time order)",
                                     yLabel: "ε (δ = \(formatRounded(s.budget.delta)))", xDomain: (0, width), yDomain: (0, max(s.budget.epsilon, s.spentEpsilon) * 1.05)))
      }
      let rows = ["training", "statistics", "other"].compactMap { kind -> [String]? in
        let entries = zip(s.spends, s.spendAlone).filter { Self.kind($0.0) == kind }
        guard !entries.isEmpty else { return nil }
        let alone = entries.map { $0.1.byAccountant.values.min() ?? 0 }.reduce(0, +)
        return [kind, String(entries.count), formatRounded(alone), entries.last!.0.time]
      }
      page.table(caption: "Spends by kind", header: ["kind", "entries", "ε of each alone, added", "latest (UTC)"], rows: rows, textColumns: [0, 3])
      page.note("Spends compose more tightly than they add: the ledger re-accounts every event together (the line in the chart), so the per-kind sums are upper bounds on each kind's share.")
    }

    page.heading("Statistics released from this ledger")
    let releases = s.spends.filter { $0.release != nil }
    if releases.isEmpty {
      page.paragraph("None yet.")
    } else {
      page.table(caption: "Every released statistic", header: ["entry", "time (UTC)", "query", "bounds", "answer", "95 % interval", "ε", "δ", "mechanism", "noise"],
                 rows: releases.map { e in
                   let q = e.release!.query, a = e.release!.answer
                   let bounds = q.lower.map { "\(formatNumber($0)) to \(formatNumber(q.upper!))" } ?? "—"
                   return [String(e.index), e.time, q.description, bounds, Self.line(a.answer), Self.line(a.interval95), formatNumber(q.epsilon),
                           formatNumber(q.delta), q.statistic == .quantile ? "exponential" : q.mechanism.rawValue, a.insecure ? "seeded, NOT private" : "CSPRNG"]
                 }, flags: releases.map { $0.index == r.entry }, textColumns: [1, 2, 3, 4, 5, 8, 9])
      page.note("The highlighted row is this answer. Asking any of these again gives the same answer and spends nothing; --fresh draws anew and spends again.")
    }
    page.paragraph("Ledger: \(source). Dataset: \(s.dataset.file), \(s.dataset.records) records, SHA-256 \(s.dataset.sha256).")
  }
}

extension ReleasedValue {
  /// The bounds of an `.interval`.
  var interval: (Double, Double)? { if case let .interval(lo, hi) = self { (lo, hi) } else { nil } }
}

/// Reports of `candor privacy query`.
public enum PrivacyQueryPage {
  public static func html(_ result: QueryResult, ledger: LedgerSummary, source: String) -> String {
    HTMLDocument(PrivacyQuerySection(result, ledger: ledger, source: source)).rendered()
  }
}
