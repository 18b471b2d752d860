import ArgumentParser
import CandorCore
import CandorModels
import CandorPrivacy
import CandorReport
import Foundation

struct PrivacyAudit: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "audit",
    abstract: "Measure membership leakage: how well an attacker tells a model's training records from records it never saw (loss threshold or LiRA), and the epsilon that success proves.",
    discussion: """
      The loss-threshold attack (Yeom et al. 2018) guesses "member" when the model's loss on a record is low; it \
      works on every model kind. Reported as Carlini et al. 2022 recommend: ROC AUC (DeLong 95 % interval), the \
      best balanced accuracy, the TPR at FPR 0.1 % and 1 % with exact Clopper-Pearson 95 % intervals, and the \
      empirical lower bound on epsilon they imply, epsilon >= ln((TPR - delta)/FPR) at the intervals' conservative \
      ends: a model with an (epsilon, delta) guarantee can never show more. A bound far below the accounted epsilon \
      is expected (this attacker is weak and the guarantee covers the worst case). Rows are 0-based rows of the \
      members file.

      LiRA (Carlini et al. 2022; --attack lira, or lira-offline) trains --shadow-models K models like the audited \
      one on random halves of members and non-members together (each record in exactly K/2), on every core, and \
      scores each record's logit-scaled confidence by a Gaussian likelihood ratio: IN against OUT shadows \
      (online) or OUT alone (offline); variances are pooled for K below 64. The model's kind, features and an \
      MLP's layers are read from its file; give the training options it was made with (--l2, --epochs, \
      --shadow-batch-size, --learning-rate), as for candor train. A model Candor cannot retrain (ONNX, XGBoost, \
      LightGBM, a command, an endpoint, a threshold policy) gets the loss attack instead, and the output says so.
      """)

  @OptionGroup var modelOptions: ModelOptions

  @Option(help: ArgumentHelp("The records the model was trained on (CSV).", valueName: "TRAIN.csv"))
  var members: String

  @Option(help: ArgumentHelp("Records of the same population the model never saw (CSV, same columns).", valueName: "HOLDOUT.csv"))
  var nonMembers: String

  @Option(help: "The target column (the true label or value).")
  var target: String

  @Option(help: "The attack: loss (the loss-threshold attack), lira (online LiRA) or lira-offline.")
  var attack: String = "loss"

  @Option(name: .customLong("shadow-models"), help: "LiRA: how many shadow models to train (even; default 16).")
  var shadowModels: Int?

  @Option(help: "LiRA: seed of the shadows' halves and MLP initialization (default 0; the attack needs no secrecy).")
  var seed: UInt64?

  @Option(name: .customLong("l2"), help: "LiRA shadows: inverse L2 strength C, as for candor train (default 1).")
  var inverseRegularization: Double?

  @Option(help: "LiRA shadows (MLP): most epochs, as for candor train (default 200).")
  var epochs: Int?

  @Option(name: .customLong("shadow-batch-size"), help: "LiRA shadows (MLP): mini-batch size, candor train's --batch-size (default 200).")
  var batchSize: Int?

  @Option(name: .customLong("learning-rate"), help: "LiRA shadows (MLP): Adam learning rate (default 0.001).")
  var learningRate: Double?

  @Option(help: "The delta of the guarantee the bound is read against (default: a DP model's own delta, else 0: pure differential privacy).")
  var delta: Double?

  @Option(help: "How many of the most exposed members to list.")
  var top: Int = 10

  @OptionGroup var reading: ReadOptions

  @OptionGroup var outputs: ReportOutputs

  var inputFiles: [(Setting, String?)] { [(.model, modelOptions.model), (.members, members), (.nonMembers, nonMembers)] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func validate() throws {
    guard ["loss", "lira", "lira-offline"].contains(attack) else {
      throw ValidationError("--attack \(attack): use loss, lira or lira-offline.")
    }
    try refuseUnused([("--shadow-models", shadowModels != nil), ("--seed", seed != nil), ("--l2", inverseRegularization != nil),
                      ("--epochs", epochs != nil), ("--shadow-batch-size", batchSize != nil), ("--learning-rate", learningRate != nil)],
                     unless: attack != "loss", here: "with --attack loss", scope: "with --attack lira or lira-offline")
    if let shadowModels, !(shadowModels >= 2 && shadowModels % 2 == 0 && shadowModels <= LikelihoodRatioAttack.largestShadowModels) {
      throw ValidationError("--shadow-models \(shadowModels): give an even number from 2 to \(LikelihoodRatioAttack.largestShadowModels), so every record is in exactly half of the shadows.")
    }
    if let epochs, epochs < 1 { throw ValidationError("--epochs \(epochs): it needs at least 1.") }
    if let batchSize, batchSize < 1 { throw ValidationError("--shadow-batch-size \(batchSize): it needs at least 1.") }
    if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate \(formatNumber(learningRate)): it needs a positive finite number.") }
    if let inverseRegularization, !(inverseRegularization > 0 && inverseRegularization.isFinite) { throw ValidationError("--l2 \(formatNumber(inverseRegularization)): it needs a positive finite number.") }
    if let delta, !(delta >= 0 && delta < 1) { throw ValidationError("--delta \(formatNumber(delta)): it must be at least 0 and below 1.") }
    guard top >= 0 else { throw ValidationError("--top \(top): it needs at least 0.") }
  }

  func run() throws {
    let files = try outputTransaction()
    let loaded = try modelOptions.load()
    let model = loaded.model
    let tables = try reading.read([members, nonMembers], for: model)
    var request = MembershipAuditRequest(model: model, members: tables[0], nonMembers: tables[1], target: target)
    let privacy = loaded.file?.privacy
    request.delta = delta ?? privacy?.delta ?? 0
    request.top = top
    var note: String?
    if attack != "loss" {
      let (recipe, whyNot) = try shadowRecipe(loaded)
      if let recipe {
        var lira = LikelihoodRatioAttack(recipe: recipe)
        lira.online = attack == "lira"
        if let shadowModels { lira.shadowModels = shadowModels }
        if let seed { lira.seed = seed }
        request.attack = .likelihoodRatio(lira)
      } else {
        note = "LiRA needs shadow models Candor can train like this one, but \(whyNot!); the loss-threshold attack was run instead."
      }
    }
    var result = try request.run()
    result.note = note
    // The accounted ε is comparable when the bound is read at the δ it was accounted at.
    if let privacy, privacy.delta == request.delta { result.accountedEpsilon = privacy.epsilon.values.min() }
    if let note { warn(note) }
    try outputs.write(into: files, json: { try result.jsonData() }, html: { PrivacyAuditPage.html(result, model: loaded.path) })
    try files.commit()
    print(Self.text(result))
  }

  /// The audited model's recipe for LiRA's shadows, or why it has none.
  func shadowRecipe(_ loaded: LoadedModel) throws -> (ShadowRecipe?, String?) {
    guard let file = loaded.file, loaded.spec == nil else {
      return (nil, "\(loaded.path) is \(loaded.spec != nil ? "bound to a --model-spec" : "\(loaded.format)"), which Candor cannot retrain")
    }
    if file.model.modelType != .mlp, let flag = [("--epochs", epochs != nil), ("--shadow-batch-size", batchSize != nil), ("--learning-rate", learningRate != nil)].first(where: \.1)?.0 {
      throw ValidationError("\(flag) does nothing here: it is for MLP shadows, and \(loaded.path) is a \(file.model.modelType.rawValue) model.")
    }
    var options = TrainingOptions()
    if let inverseRegularization { options.inverseRegularization = inverseRegularization }
    if let epochs { options.mlp.maxEpochs = epochs }
    if let batchSize { options.mlp.batchSize = batchSize }
    if let learningRate { options.mlp.learningRate = learningRate }
    return ShadowRecipe.of(file.model, target: target, options: options)
  }

  static func text(_ r: MembershipAuditResult) -> String {
    func percent(_ x: Double) -> String { formatRounded(100 * x, significantDigits: 3) + " %" }
    let name = PrivacyAuditSection.attackName(r).replacingOccurrences(of: "The loss", with: "Loss")
    var lines = ["\(name), \(r.members) members and \(r.nonMembers) non-members: ROC AUC \(formatRounded(r.auc, significantDigits: 4)) (95 % interval \(formatRounded(r.aucInterval[0], significantDigits: 4)) to \(formatRounded(r.aucInterval[1], significantDigits: 4))), best balanced accuracy \(formatRounded(r.balancedAccuracy, significantDigits: 4))."]
    for key in r.tprAtFPR.keys.sorted(by: { Double($0)! < Double($1)! }) {
      let at = r.tprAtFPR[key]!
      lines.append("  At FPR ≤ \(percent(Double(key)!)): TPR \(percent(at.tpr)) (95 % \(percent(at.interval[0])) to \(percent(at.interval[1]))), \(at.truePositives) member\(at.truePositives == 1 ? "" : "s") and \(at.falsePositives) non-member\(at.falsePositives == 1 ? "" : "s") flagged; ε ≥ \(formatRounded(at.epsilonLowerBound, significantDigits: 3)).")
    }
    let against = r.accountedEpsilon.map { r.epsilonLowerBound > $0 ? "; ABOVE the accounted ε = \(formatRounded($0)): the accounting or the training is wrong" : "; the model's training accounted ε = \(formatRounded($0))" } ?? "; an accounted ε below it would be broken"
    lines.append("Empirical ε lower bound: \(formatRounded(r.epsilonLowerBound, significantDigits: 3)) at 95 % confidence (δ = \(formatNumber(r.delta)))\(against).")
    if !r.topRecords.isEmpty { lines.append("Most exposed members (rows): " + r.topRecords.map { "\($0.row)" }.joined(separator: ", ") + ".") }
    if let note = r.note { lines.append(note) }
    return lines.joined(separator: "\n")
  }
}
