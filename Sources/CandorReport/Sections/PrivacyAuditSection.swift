import CandorCore
import CandorPrivacy
import Foundation

/// A membership-inference audit (`candor privacy audit --html`): the finding in words, the ROC on log–log axes
/// (where the low false-positive rates that matter can be read), the TPR at low FPR with exact intervals, the
/// empirical ε lower bound beside the accounted ε, and the most exposed members.
public struct PrivacyAuditSection: ReportSection {
  public var result: MembershipAuditResult
  /// The model audited, as the user named it.
  public var model: String

  /// Said after the title when a page audits more than one model ("of the DP-SGD model").
  public var titleSuffix: String?

  public init(_ result: MembershipAuditResult, model: String, titleSuffix: String? = nil) {
    self.result = result
    self.model = model
    self.titleSuffix = titleSuffix
  }

  public var title: String { "Membership-inference audit" + (titleSuffix.map { " \($0)" } ?? "") }
  public var anchor: String { titleSuffix == nil ? "audit" : "audit-" + titleSuffix!.lowercased().filter { $0.isLetter || $0.isNumber || $0 == " " }.replacingOccurrences(of: " ", with: "-") }

  /// "LiRA (online, 16 shadow models)", "The loss-threshold attack".
  public static func attackName(_ r: MembershipAuditResult) -> String {
    switch r.attack {
    case "lira": "LiRA (online, \(r.shadowModels ?? 0) shadow models)"
    case "lira-offline": "LiRA (offline, \(r.shadowModels ?? 0) shadow models)"
    default: "The loss-threshold attack"
    }
  }

  static func percent(_ x: Double) -> String { formatRounded(100 * x, significantDigits: 3) + " %" }

  /// The finding in one or two sentences.
  public static func finding(_ r: MembershipAuditResult) -> String {
    let atOne = r.tprAtFPR["0.01"]
    let leak = r.aucInterval[0] > 0.5
      ? "tells members from non-members better than chance: ROC AUC \(formatRounded(r.auc, significantDigits: 3)) (95 % interval \(formatRounded(r.aucInterval[0], significantDigits: 3)) to \(formatRounded(r.aucInterval[1], significantDigits: 3)))"
      : "does not tell members from non-members better than chance: ROC AUC \(formatRounded(r.auc, significantDigits: 3)), whose 95 % interval (\(formatRounded(r.aucInterval[0], significantDigits: 3)) to \(formatRounded(r.aucInterval[1], significantDigits: 3))) holds 0.5"
    let flagged = atOne.map { "; at 1 % false positives it finds \(percent($0.tpr)) of members" } ?? ""
    var text = "\(attackName(r)) \(leak)\(flagged). "
    text += r.epsilonLowerBound > 0
      ? "This proves the model's privacy loss is at least ε = \(formatRounded(r.epsilonLowerBound, significantDigits: 3)) (95 % confidence, δ = \(formatNumber(r.delta)))"
      : "This proves no privacy loss (ε lower bound 0)"
    if let accounted = r.accountedEpsilon {
      text += r.epsilonLowerBound > accounted
        ? ", ABOVE the ε = \(formatRounded(accounted)) its training accounted for: the accounting or the training is wrong."
        : ", within the ε = \(formatRounded(accounted)) its training accounted for."
    } else {
      text += "; the model has no accounted ε to compare with."
    }
    return text
  }

  public func render(into page: inout HTMLWriter) {
    let r = result
    page.paragraph(HTMLText(words: Self.finding(r)))
    if let note = r.note { page.note(HTMLText(words: note)) }
    if let accounted = r.accountedEpsilon, r.epsilonLowerBound > accounted {
      page.note(HTMLText(words: "The empirical lower bound exceeds the accounted ε. Check that the members file holds exactly the training rows and that the model file is the one trained."))
    }
    page.paragraph("Model: \(model). \(r.members) members (the records it was trained on) and \(r.nonMembers) non-members (records it never saw).")
    // Down to a decade at or below both 0.1 % (the lowest rate read) and one record in the larger set.
    let floor = pow(10, (log10(min(1e-3, 1 / Double(max(r.members, r.nonMembers))))).rounded(.down))
    let curve = SVGChart.Series(name: "\(Self.attackName(r).replacingOccurrences(of: "The l", with: "L")), AUC \(formatRounded(r.auc, significantDigits: 3))",
                                points: r.roc.map { (x: $0.fpr, y: $0.tpr) })
    let chance = SVGChart.Series(name: "chance (TPR = FPR)", points: [], color: "#bbb")
    page.grid { grid in
      grid.figure(SVGChart.logLog(title: "ROC, log–log", series: [curve, chance], xLabel: "false-positive rate (share of non-members flagged)",
                                       yLabel: "true-positive rate (share of members)", xDomain: (floor, 1), yDomain: (floor, 1), diagonal: true))
      var labels = ["proved by the attack"], values = [r.epsilonLowerBound]
      if let accounted = r.accountedEpsilon { labels.append("accounted ε"); values.append(accounted) }
      grid.figure(SVGChart.bars(title: r.accountedEpsilon == nil ? "ε proved (95 %)" : "ε proved (95 %) and promised", labels: labels, values: values))
    }
    page.note("Points where no member or no non-member is flagged (a rate of 0) cannot be drawn on log axes. The grey diagonal is an attacker who guesses at random.")
    page.heading("True-positive rate at low false-positive rates")
    let rates = r.tprAtFPR.keys.sorted { Double($0)! < Double($1)! }
    page.table(caption: "True-positive rate of the attack at each false-positive rate, and the ε it proves", header: ["FPR at most", "FPR reached", "its 95 % interval", "TPR", "its 95 % interval", "members flagged", "non-members flagged", "ε at least"],
               rows: rates.map { key in
                 let a = r.tprAtFPR[key]!
                 return [Self.percent(Double(key)!), Self.percent(a.fpr), "\(Self.percent(a.fprInterval[0])) to \(Self.percent(a.fprInterval[1]))", Self.percent(a.tpr),
                         "\(Self.percent(a.interval[0])) to \(Self.percent(a.interval[1]))", String(a.truePositives), String(a.falsePositives),
                         formatRounded(a.epsilonLowerBound, significantDigits: 3)]
               })
    page.note("Intervals are exact (Clopper–Pearson, 95 %). ε ≥ ln((TPR − δ)/FPR), and its mirror ln((TNR − δ)/FNR), read at the intervals' conservative ends: a model with an (ε, δ) guarantee cannot do better. Carlini et al. 2022 argue for these low-FPR readings: an attack that is right about a few records with confidence is a real leak even when its AUC is near 0.5.")
    page.paragraph(HTMLText(words: "Best balanced accuracy over thresholds: \(formatRounded(r.balancedAccuracy, significantDigits: 3)). A lower bound far below an accounted ε is expected: an attack is one test of the guarantee, which covers the worst case."))
    if !r.topRecords.isEmpty {
      page.heading("Most exposed members")
      page.table(caption: "The members the attack is most sure of", header: ["row of the members file (0-based)", "attack score"], rows: r.topRecords.map { [String($0.row), formatRounded($0.score, significantDigits: 4)] })
      page.note("Row numbers only: the page shows no record's values.")
    }
  }
}

/// Reports of `candor privacy audit`.
public enum PrivacyAuditPage {
  public static func html(_ result: MembershipAuditResult, model: String) -> String {
    HTMLDocument(PrivacyAuditSection(result, model: model)).rendered()
  }
}
