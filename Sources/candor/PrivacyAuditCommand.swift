import ArgumentParser
import CandorCore
import CandorModels
import CandorPrivacy
import Foundation

struct PrivacyAudit: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Measure membership leakage: how well a loss-threshold attacker tells a model's training records from records it never saw, and the epsilon that success proves.",
    discussion: """
      The loss-threshold attack (Yeom et al. 2018) guesses "member" when the model's loss on a record is low; it \
      works on every model kind. Reported as Carlini et al. 2022 recommend: ROC AUC (DeLong 95 % interval), the \
      best balanced accuracy, the TPR at FPR 0.1 % and 1 % with exact Clopper-Pearson 95 % intervals, and the \
      empirical lower bound on epsilon they imply, epsilon >= ln((TPR - delta)/FPR) at the intervals' conservative \
      ends: a model with an (epsilon, delta) guarantee can never show more. A bound far below the accounted epsilon \
      is expected (this attacker is weak and the guarantee covers the worst case). Rows are 0-based rows of the \
      members file.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: ArgumentHelp("The records the model was trained on (CSV).", valueName: "TRAIN.csv"))
  var members: String

  @Option(help: ArgumentHelp("Records of the same population the model never saw (CSV, same columns).", valueName: "HOLDOUT.csv"))
  var nonMembers: String

  @Option(help: "The target column (the true label or value).")
  var target: String

  @Option(help: "The attack: loss (the loss-threshold attack).")
  var attack: String = "loss"

  @Option(help: "The delta of the guarantee the bound is read against (0: pure differential privacy).")
  var delta: Double = 0

  @Option(help: "How many of the most exposed members to list.")
  var top: Int = 10

  @OptionGroup var reading: ReadOptions

  @Option(help: "Write the audit as JSON here.")
  var json: String?

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.members, members), (.nonMembers, nonMembers)] }
  var outputFiles: [(Setting, String?)] { [(.json, json)] }

  func validate() throws {
    guard attack == "loss" else {
      throw ValidationError("--attack \(attack): this version has the loss-threshold attack only (--attack loss); LiRA's shadow models are not built yet.")
    }
    guard delta >= 0 && delta < 1 else { throw ValidationError("--delta \(formatNumber(delta)): it must be at least 0 and below 1.") }
    guard top >= 0 else { throw ValidationError("--top \(top): it needs at least 0.") }
  }

  func run() throws {
    let files = try outputTransaction()
    let model = try modelOptions.load().model
    let tables = try reading.read([members, nonMembers], for: model)
    var request = MembershipAuditRequest(model: model, members: tables[0], nonMembers: tables[1], target: target)
    request.delta = delta
    request.top = top
    let result = try request.run()
    if json != nil { try files.write(.json, try result.jsonData()) }
    try files.commit()
    print(Self.text(result))
  }

  static func text(_ r: MembershipAuditResult) -> String {
    func percent(_ x: Double) -> String { formatRounded(100 * x, significantDigits: 3) + " %" }
    var lines = ["Loss-threshold attack, \(r.members) members and \(r.nonMembers) non-members: ROC AUC \(formatRounded(r.auc, significantDigits: 4)) (95 % interval \(formatRounded(r.aucInterval[0], significantDigits: 4)) to \(formatRounded(r.aucInterval[1], significantDigits: 4))), best balanced accuracy \(formatRounded(r.balancedAccuracy, significantDigits: 4))."]
    for key in r.tprAtFPR.keys.sorted(by: { Double($0)! < Double($1)! }) {
      let at = r.tprAtFPR[key]!
      lines.append("  At FPR ≤ \(percent(Double(key)!)): TPR \(percent(at.tpr)) (95 % \(percent(at.interval[0])) to \(percent(at.interval[1]))), \(at.truePositives) member\(at.truePositives == 1 ? "" : "s") and \(at.falsePositives) non-member\(at.falsePositives == 1 ? "" : "s") flagged; ε ≥ \(formatRounded(at.epsilonLowerBound, significantDigits: 3)).")
    }
    lines.append("Empirical ε lower bound: \(formatRounded(r.epsilonLowerBound, significantDigits: 3)) at 95 % confidence (δ = \(formatNumber(r.delta))); an accounted ε below it would be broken.")
    if !r.topRecords.isEmpty { lines.append("Most exposed members (rows): " + r.topRecords.map { "\($0.row)" }.joined(separator: ", ") + ".") }
    return lines.joined(separator: "\n")
  }
}
