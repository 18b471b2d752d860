import CandorCore
import CandorPrivacy

/// A DP-SGD run (`candor dp-train --html`): what it promised in words, ε against the steps, how it ran, and the
/// ledger it spent from.
public struct PrivateTrainingSection: ReportSection {
  public var report: PrivateTrainingReport
  public var curve: EpsilonCurve
  /// The model file written, as the user named it.
  public var source: String

  public init(_ report: PrivateTrainingReport, curve: EpsilonCurve, source: String) {
    self.report = report
    self.curve = curve
    self.source = source
  }

  public var title: String { "Private training (DP-SGD)" }
  public var anchor: String { "dp-train" }

  /// The finding in one sentence.
  public static func finding(_ r: PrivateTrainingReport) -> String {
    let epsilon = r.epsilonSpent["rdp"].map { formatRounded($0) } ?? "?"
    let accuracy = r.testAccuracy.map { "; its test accuracy is \(String(format: "%.4f", $0))" } ?? ""
    if !r.isPrivate {
      return "This \(r.modelType.rawValue) model is NOT private: it was trained with a fixed seed, so its noise can be recomputed and removed. Its settings would give ε = \(epsilon) at δ = \(formatRounded(r.delta))\(accuracy)."
    }
    let (name, value) = r.tightest ?? ("rdp", r.epsilonSpent["rdp"] ?? .nan)
    let which = name == "rdp" ? "RDP accountant" : "\(name.uppercased()) accountant, the tightest; RDP gives \(epsilon)"
    let audit = r.audit.map { " A one-run audit of \($0.canaries) canaries proves ε ≥ \(formatRounded($0.epsilonLowerBound, significantDigits: 3)) at 95 % confidence\($0.epsilonLowerBound > ($0.accountedEpsilon ?? .infinity) ? ", ABOVE the accounted ε: the accounting or the training is wrong" : ", within the accounted ε")." } ?? ""
    return "This \(r.modelType.rawValue) model was trained with differential privacy: ε = \(formatRounded(value)) at δ = \(formatRounded(r.delta)) (\(which)) over \(r.steps) steps\(accuracy).\(audit)"
  }

  public func render(into page: inout HTMLWriter) {
    let r = report
    page.paragraph(HTMLText(words: Self.finding(r)))
    if !r.isPrivate {
      page.note(HTMLText(words: "Not private: \(r.randomness). Use it to reproduce a run, never to release a model."))
    }
    if r.preprocessing.contains("NOT covered") {
      page.note(HTMLText(words: "Preprocessing \(r.preprocessing)."))
    }
    page.paragraph("Model file: \(source).")
    var series = curve.chart(prefix: "ε spent")?.series ?? []
    let top = max(curve.epsilon.last ?? 0, r.targetEpsilon ?? 0)
    if let target = r.targetEpsilon {
      series.append(.init(name: "target ε = \(formatRounded(target))", points: [(x: 0, y: target), (x: Double(r.steps), y: target)]))
    }
    page.grid { grid in
      grid.figure(SVGChart.xy(title: "ε after each step of the run", series: series, xLabel: "steps",
                                   yLabel: "ε (δ = \(formatRounded(r.delta)))", xDomain: (0, Double(r.steps)),
                                   yDomain: (0, max(top, 1e-9) * 1.05)))
    }
    if let overlap = curve.overlapNote { page.note(HTMLText(words: overlap)) }
    page.heading("How it ran")
    let batches = r.batches
    page.table(caption: "How the private training ran", header: ["setting", "value"], rows: [
      ["noise multiplier σ", formatRounded(r.noiseMultiplier) + (r.targetEpsilon.map { " (calibrated for ε ≤ \(formatRounded($0)) under \((r.calibratedWith ?? "rdp").uppercased()))" } ?? "")],
      ["clipping norm C", formatRounded(r.clip)],
      ["sampling", "Poisson, rate q = \(formatRounded(r.samplingRate)) (expected batch \(formatRounded(batches.expected)))"],
      ["batches", "\(batches.smallest)–\(batches.largest) rows, mean \(formatRounded(batches.mean)), \(batches.empty) empty"],
      ["steps", "\(r.steps) (\(formatRounded(r.epochs)) epochs)"],
      ["optimizer", "\(r.optimizer), learning rate \(formatRounded(r.learningRate))"],
      ["gradients clipped", "\(formatRounded(100 * r.clippedShare))% of those sampled"],
      ["randomness", r.randomness],
      ["preprocessing", r.preprocessing],
      ["training accuracy", String(format: "%.4f", r.trainAccuracy)],
    ] + (r.testAccuracy.map { [["test accuracy", String(format: "%.4f", $0)]] } ?? []), textColumns: [1])
    if let ledger = r.ledger {
      page.heading("Budget")
      page.paragraph(HTMLText(words: "The run was charged to the ledger \(ledger.path) before training (entry \(ledger.entry)): ε = \(formatRounded(ledger.spentEpsilon)) of \(formatRounded(ledger.budgetEpsilon)) is now spent; at most ε = \(formatRounded(ledger.remainingEpsilon)) is left."))
    }
    page.note("ε assumes what ran: Poisson sampling (each row joins each step on its own with probability q), every gradient clipped to C, Gaussian noise of σ·C on the sum. The curves are each accountant's ε after that many steps; every one is an upper bound, so the lowest holds.")
    if let audit = r.audit {
      page.heading("One-run audit")
      let accounted = audit.accountedEpsilon ?? .nan
      let verdict = audit.epsilonLowerBound > accounted
        ? "ABOVE the accountant's ε = \(formatRounded(accounted)): the accounting or the training is wrong."
        : "within the accountant's ε = \(formatRounded(accounted)), as it must be; a bound far below it is expected, since one run and black-box guesses see a fraction of the worst case."
      page.paragraph(HTMLText(words: "\(audit.canaries) training rows were made canaries (Steinke, Nasr & Jagielski 2023): each was taken out and, with probability ½, put back with its label changed (\(audit.included) were). Guessing from the trained model alone which were put back, \(audit.correct) of \(audit.guesses) guesses were right, which proves \(audit.epsilonLowerBound > 0 ? "" : "nothing: ")ε ≥ \(formatRounded(audit.epsilonLowerBound, significantDigits: 3)) at \(formatNumber(100 * audit.confidence)) % confidence (δ = \(formatRounded(audit.delta))) — \(verdict)"))
      page.grid { grid in
        grid.figure(SVGChart.bars(title: "ε proved (95 %) and promised", labels: ["one-run audit", "accountant"],
                                       values: [audit.epsilonLowerBound, accounted]))
      }
      page.table(caption: "The one-run audit\u{2019}s guesses", header: ["guesses (half in, half out)", "right", "share right", "ε at least"],
                 rows: audit.readings.map { [String($0.guesses), String($0.correct), formatRounded(Double($0.correct) / Double($0.guesses), significantDigits: 3),
                                             formatRounded($0.epsilonLowerBound, significantDigits: 3)] })
      page.note("Each guess count's p-value is corrected for the \(audit.readings.count) tried (Bonferroni), so the largest bound holds at the stated confidence. The model written is the audited one, with its canaries.")
    }
  }
}

/// Reports of `candor dp-train`.
public enum PrivateTrainingPage {
  /// The run, followed by the ledger it spent from when there is one.
  public static func html(_ report: PrivateTrainingReport, curve: EpsilonCurve, source: String,
                          ledger: (summary: LedgerSummary, source: String)?) -> String {
    var sections: [any ReportSection] = [PrivateTrainingSection(report, curve: curve, source: source)]
    if let ledger { sections.append(PrivacyLedgerSection(ledger.summary, source: ledger.source)) }
    return HTMLDocument(title: "Private training", sections: sections).rendered()
  }
}
