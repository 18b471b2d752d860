import CandorCore
import CandorModels
import CandorReport

/// The report's first section: which model, which data, the positive class and threshold, the gates, and one
/// sentence per analysis.
struct SummarySection: ReportSection {
  var modelName: String
  var modelKind: OutputKind
  var data: ReportConfig.DataSection
  var positive: String?
  var threshold: Double
  var rows: Int
  var analyses: [ReportRun.Analysis]
  var gates: [GateResult]

  var title: String { "Summary" }
  var anchor: String { "summary" }

  /// An analysis's name in words: "What-if", not "whatif".
  static func displayName(_ name: String) -> String {
    ["glassbox": "Glass-box view", "whatif": "What-if", "explanations": "Explanations"][name] ?? name.prefix(1).uppercased() + name.dropFirst()
  }

  static func verdictLine(_ gates: [GateResult]) -> String {
    guard !gates.isEmpty else { return "No gates are set." }
    let count = { (v: GateResult.Verdict) in gates.count { $0.verdict == v } }
    return "Gates: \(count(.pass)) of \(gates.count) pass" + (count(.fail) > 0 ? ", \(count(.fail)) fail" : "") + (count(.inconclusive) > 0 ? ", \(count(.inconclusive)) inconclusive (the interval straddles the limit)" : "") + "."
  }

  func render(into page: inout HTMLWriter) {
    var what = "Model: \(modelName) (\(modelKind.rawValue.replacingOccurrences(of: "_", with: " "))). Measured on \(rows) rows of \(data.test), target \(data.target)"
    if let positive { what += ", positive class \(positive), predicted positive when its probability is above \(formatNumber(threshold))" }
    page.paragraph(HTMLText(words: what + "."))
    page.paragraph(HTMLText(words: Self.verdictLine(gates)))
    if !gates.isEmpty {
      page.table(caption: "Scorecard gates", header: ["Gate", "What it measures", "Measured", "95 % interval", "Verdict"], rows: gates.map { g in
        let entry = MetricGlossary.entry(g.gate.key)
        return [g.gate.text, entry.map { "\($0.name): \($0.meaning); \($0.direction)" } ?? "",
                g.value.isFinite ? formatRounded(g.value, significantDigits: 4) : "not measured",
                g.interval.map { "\(formatRounded($0[0], significantDigits: 4)) to \(formatRounded($0[1], significantDigits: 4))" } ?? "—",
                g.verdict == .inconclusive ? "inconclusive" : g.verdict.rawValue]
      }, flags: gates.map { $0.verdict != .pass }, textColumns: [0, 1, 4], breakable: [0])
    }
    page.list(analyses.map { a in HTMLText(words: "\(Self.displayName(a.name)): \(a.headline)") })
    let warnings = analyses.flatMap(\.warnings)
    if !warnings.isEmpty {
      page.heading("Warnings", anchor: "warnings")
      page.list(warnings.map { HTMLText(words: $0) })
    }
  }
}

/// An analysis that failed or was not run, in place of its sections: what happened, in words.
struct StatusSection: ReportSection {
  var analysis: ReportRun.Analysis
  var title: String { SummarySection.displayName(analysis.name) + (analysis.status == .failed ? " (failed)" : " (not run)") }
  var anchor: String { analysis.name }
  func render(into page: inout HTMLWriter) { page.paragraph(HTMLText(words: analysis.headline)) }
}

/// The audit trail at the foot of the page: every input's SHA-256, Candor's version, the command, the run's times.
struct ProvenanceSection: ReportSection {
  var entries: [(String, String)]
  var title: String { "Provenance" }
  var anchor: String { "provenance" }
  func render(into page: inout HTMLWriter) {
    page.table(caption: "Provenance of this report", header: ["", "Value"], rows: entries.map { [$0.0, $0.1] }, textColumns: [0, 1])
  }
}

/// The model card's words from the config: who owns the model, what it is for, its limits and ethical concerns.
struct ModelCardSection: ReportSection {
  var fields: [String: ConfigScalar]
  var title: String { "Model card" }
  var anchor: String { "model-card" }

  func render(into page: inout HTMLWriter) {
    for (key, label) in [("overview", "Overview"), ("version", "Version"), ("owners", "Owners"), ("intended_use", "Intended use"),
                         ("limitations", "Limitations"), ("ethical_considerations", "Ethical considerations")] {
      switch fields[key] {
      case let .text(text)?: page.paragraph(HTMLText(words: "\(label): \(text)"))
      case let .list(items)? where !items.isEmpty:
        page.paragraph(HTMLText(words: "\(label):"))
        page.list(items.map { HTMLText(words: $0) })
      default: continue
      }
    }
    page.note("The measured metrics are in the JSON's model_card (Model Card Toolkit field names), with their slices and intervals.")
  }
}
