import CandorCore
import CandorModels
import Foundation

/// A membership-inference audit: how well an attacker who sees a model's outputs tells the records it was trained on
/// (members) from records it never saw (non-members), and the privacy loss that much success proves.
///
/// The loss-threshold attack (Yeom, Giacomelli, Fredrikson & Jha 2018, "Privacy Risk in Machine Learning", CSF):
/// a record is guessed a member when the model's loss on it is low; its score is −loss (log loss of the true class
/// for a classifier, squared error for a regression). Reported as Carlini et al. 2022 ("Membership Inference Attacks
/// From First Principles", S&P) argue: the ROC, its area, and the TPR at very low FPR, with exact intervals; and
/// the ε an (ε, δ)-DP guarantee would need to allow that TPR at that FPR — ε ≥ ln((TPR − δ)/FPR), and the mirror
/// ln((TNR − δ)/FNR) — taken at the conservative ends of the Clopper–Pearson intervals, so it is a lower bound at 95 %
/// confidence for each threshold it is read at.
public struct MembershipAuditRequest {
  /// How a record is scored: the loss-threshold attack on the model alone, or LiRA with shadow models.
  public enum Attack: Sendable {
    case loss
    case likelihoodRatio(LikelihoodRatioAttack)
  }

  public var model: any Model
  public var members: Table
  public var nonMembers: Table
  public var target: String
  public var attack: Attack = .loss
  /// The δ of the guarantee the bound is against (0: pure DP).
  public var delta = 0.0
  /// How many of the most exposed members to list.
  public var top = 10
  /// The false-positive rates the TPR is read at.
  public var falsePositiveRates = [0.001, 0.01]

  public init(model: any Model, members: Table, nonMembers: Table, target: String) {
    (self.model, self.members, self.nonMembers, self.target) = (model, members, nonMembers, target)
  }

  /// - Throws: `PrivacyError.invalidSetting` for sets with different columns, shared records, a missing target or a
  ///   label the model does not know; the model's own errors.
  public func run() throws -> MembershipAuditResult {
    guard members.rowCount > 0, nonMembers.rowCount > 0 else {
      throw PrivacyError.invalidSetting(InvalidSetting(members.rowCount == 0 ? .members : .nonMembers, value: "", .because("it holds no rows")))
    }
    guard members.columnNames.sorted() == nonMembers.columnNames.sorted() else {
      let missing = Set(members.columnNames).symmetricDifference(nonMembers.columnNames).sorted()
      throw PrivacyError.invalidSetting(InvalidSetting(.nonMembers, value: nonMembers.source ?? "", .because(
        "its columns differ from the members' (\(missing.prefix(5).joined(separator: ", ")) in one file only); both sets must be rows of one table")))
    }
    let shared = Self.sharedRows(members, nonMembers)
    guard shared == 0 else {
      throw PrivacyError.invalidSetting(InvalidSetting(.nonMembers, value: nonMembers.source ?? "", .because(
        "\(shared) of its rows also appear among the members; a record cannot be both, so the attack's rates would be wrong")))
    }
    switch attack {
    case .loss:
      let memberScores = try scores(members), nonMemberScores = try scores(nonMembers)
      return MembershipAuditResult(attack: "loss", members: memberScores, nonMembers: nonMemberScores, delta: delta, top: top,
                                   falsePositiveRates: falsePositiveRates)
    case let .likelihoodRatio(lira):
      // Each set's labels checked on its own first, so a bad one is named by its own file and line.
      _ = try scores(members)
      _ = try scores(nonMembers)
      let union: Table
      do { union = try members.concatenating([try nonMembers.selecting(columns: members.columnNames)]) } catch {
        throw PrivacyError.invalidSetting(InvalidSetting(.nonMembers, value: nonMembers.source ?? "", .because(
          "a column holds numbers in one set and text in the other; both sets must be rows of one table")))
      }
      let scores = try lira.scores(model: model, union: union, target: target)
      var result = MembershipAuditResult(attack: lira.online ? "lira" : "lira-offline", members: Array(scores[..<members.rowCount]),
                                         nonMembers: Array(scores[members.rowCount...]), delta: delta, top: top,
                                         falsePositiveRates: falsePositiveRates)
      result.shadowModels = lira.shadowModels
      return result
    }
  }

  /// Rows of `a` whose every cell's text equals a row of `b` (columns matched by name).
  static func sharedRows(_ a: Table, _ b: Table) -> Int {
    let names = a.columnNames.sorted()
    func key(_ t: Table, _ r: Int) -> [String?] { names.map { t[$0]!.text(at: r) } }
    var seen = Set<[String?]>()
    for r in 0..<b.rowCount { seen.insert(key(b, r)) }
    return (0..<a.rowCount).count { seen.contains(key(a, $0)) }
  }

  /// −loss per row: log p(true class) for a classifier, −(y − ŷ)² for a regression.
  func scores(_ table: Table) throws -> [Double] {
    try Self.confidences(of: model, on: table, target: target).map(\.logTrue)
  }

  /// Per row, how well the model fits the record's label: for a classifier log p(true class) and log(1 − p(true
  /// class)) (each floored at log 1e-300), for a regression −(y − ŷ)² twice over.
  static func confidences(of model: any Model, on table: Table, target: String) throws -> [(logTrue: Double, logOther: Double)] {
    guard let labels = table[target] else {
      throw PrivacyError.invalidSetting(InvalidSetting(.targetColumn, value: target, .because("\(table.source ?? "the data") has no such column")))
    }
    let output = try model.predict(table)
    switch model.outputKind {
    case .regression:
      return try (0..<table.rowCount).map { r in
        guard let y = labels.text(at: r).flatMap(Double.init) else {
          throw PrivacyError.invalidSetting(InvalidSetting(.targetColumn, value: target, .because("line \(r + 2) of \(table.source ?? "the data") holds \(labels.text(at: r).map { "'\(printable($0))'" } ?? "nothing"), but a regression's target must be a number")))
        }
        let e = y - output[r, 0]
        return (-e * e, -e * e)
      }
    default:
      let classes = model.classes
      let index = Dictionary(classes.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
      return try (0..<table.rowCount).map { r in
        guard let text = labels.text(at: r), let k = index[text] else {
          throw PrivacyError.invalidSetting(InvalidSetting(.targetColumn, value: target, .because(
            "line \(r + 2) of \(table.source ?? "the data") holds \(labels.text(at: r).map { "'\(printable($0))'" } ?? "nothing"); the model's classes are \(classes.map { printable($0) }.joined(separator: ", "))")))
        }
        // A binary model gives P(positive): the negative class's log-probability is log1p(−p), which keeps the
        // digits that 1 − p would lose where the model is confident — the low-FPR end of the ROC lives there.
        if output.columns == 1 {
          let (logP, logOneMinusP) = (log(max(output[r, 0], 1e-300)), log1p(-min(output[r, 0], 1 - 1e-16)))
          return k == 1 ? (logP, logOneMinusP) : (logOneMinusP, logP)
        }
        var others = 0.0
        for j in 0..<output.columns where j != k { others += output[r, j] }
        return (log(max(output[r, k], 1e-300)), log(max(others, 1e-300)))
      }
    }
  }
}

/// What `candor privacy audit --json` writes.
public struct MembershipAuditResult: Sendable, Equatable, Codable, JSONDocument {
  public struct RateAt: Sendable, Equatable, Codable {
    /// The false-positive rate reached (at most the one asked for) and its interval.
    public var fpr: Double
    public var fprInterval: [Double]
    public var tpr: Double
    public var interval: [Double]
    /// The members and non-members the threshold flags.
    public var truePositives: Int
    public var falsePositives: Int
    /// Flag every record scoring at least this; nil when no threshold keeps the FPR that low and flags a member.
    public var threshold: Double?
    public var epsilonLowerBound: Double

    enum CodingKeys: String, CodingKey {
      case fpr, tpr, interval, threshold
      case fprInterval = "fpr_interval"
      case truePositives = "true_positives"
      case falsePositives = "false_positives"
      case epsilonLowerBound = "epsilon_lower_bound"
    }
  }

  public struct Exposed: Sendable, Equatable, Codable {
    /// 0-based row of the members file.
    public var row: Int
    public var score: Double
  }

  public struct ROCPoint: Sendable, Equatable, Codable {
    public var fpr: Double
    public var tpr: Double
  }

  public var attack: String
  /// LiRA's shadow models (nil for the loss attack).
  public var shadowModels: Int?
  /// Why the attack run is not the one asked for (LiRA on a model Candor cannot retrain), else nil.
  public var note: String?
  /// The ε the model's training accounted for at `delta` (its privacy record's tightest), when it has one.
  public var accountedEpsilon: Double?
  public var members: Int
  public var nonMembers: Int
  public var auc: Double
  /// DeLong, DeLong & Clarke-Pearson 1988's variance, normal 95 %.
  public var aucInterval: [Double]
  /// The best threshold's (TPR + TNR)/2.
  public var balancedAccuracy: Double
  public var tprAtFPR: [String: RateAt]
  /// The largest lower bound over the thresholds read (each at 95 %).
  public var epsilonLowerBound: Double
  public var delta: Double
  public var topRecords: [Exposed]
  /// The ROC at every distinct score (at most 2,000 points, evenly thinned), for the log–log chart.
  public var roc: [ROCPoint]

  enum CodingKeys: String, CodingKey {
    case attack, members, auc, delta, roc, note
    case accountedEpsilon = "accounted_epsilon"
    case shadowModels = "shadow_models"
    case nonMembers = "non_members"
    case aucInterval = "auc_interval"
    case balancedAccuracy = "balanced_accuracy"
    case tprAtFPR = "tpr_at_fpr"
    case epsilonLowerBound = "epsilon_lower_bound"
    case topRecords = "top_records"
  }

  /// The audit of per-record attack scores (higher: more likely a member), `top` most exposed members listed.
  public init(attack: String, members memberScores: [Double], nonMembers nonMemberScores: [Double], delta: Double, top: Int = 10,
              falsePositiveRates: [Double] = [0.001, 0.01]) {
    self.attack = attack
    self.delta = delta
    let m = memberScores.count, n = nonMemberScores.count
    (members, nonMembers) = (m, n)
    let positives = memberScores.sorted(), negatives = nonMemberScores.sorted()
    // Mann–Whitney with ties as half, and DeLong's per-record components.
    func below(_ sorted: [Double], _ x: Double) -> (less: Int, equal: Int) {
      var (lo, hi) = (0, sorted.count)
      while lo < hi { let mid = (lo + hi) / 2; if sorted[mid] < x { lo = mid + 1 } else { hi = mid } }
      var end = lo
      while end < sorted.count && sorted[end] == x { end += 1 }
      return (lo, end - lo)
    }
    let v10 = positives.map { x -> Double in let (l, e) = below(negatives, x); return (Double(l) + 0.5 * Double(e)) / Double(n) }
    let v01 = negatives.map { x -> Double in let (l, e) = below(positives, x); return (Double(m - l - e) + 0.5 * Double(e)) / Double(m) }
    let area = v10.reduce(0, +) / Double(m)
    func variance(_ v: [Double], _ mean: Double) -> Double { v.count < 2 ? 0 : v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1) }
    let se = (variance(v10, area) / Double(m) + variance(v01, area) / Double(n)).squareRoot()
    auc = area
    aucInterval = [max(0, area - 1.959963984540054 * se), min(1, area + 1.959963984540054 * se)]
    // Thresholds from the highest score down: flag every record scoring at least t.
    let thresholds = Array(Set(positives + negatives)).sorted(by: >)
    var (tp, fp, ip, ineg) = (0, 0, m, n)
    var best = 0.5
    var curve: [ROCPoint] = [ROCPoint(fpr: 0, tpr: 0)]
    var reading = Dictionary(uniqueKeysWithValues: falsePositiveRates.map { ($0, (tp: 0, fp: 0, threshold: Double.infinity)) })
    for t in thresholds {
      while ip > 0 && positives[ip - 1] >= t { ip -= 1; tp += 1 }
      while ineg > 0 && negatives[ineg - 1] >= t { ineg -= 1; fp += 1 }
      best = max(best, 0.5 * (Double(tp) / Double(m) + 1 - Double(fp) / Double(n)))
      curve.append(ROCPoint(fpr: Double(fp) / Double(n), tpr: Double(tp) / Double(m)))
      for rate in falsePositiveRates where Double(fp) <= rate * Double(n) && tp > reading[rate]!.tp { reading[rate] = (tp, fp, t) }
    }
    balancedAccuracy = best
    var byRate: [String: RateAt] = [:]
    var strongest = 0.0
    for rate in falsePositiveRates {
      let (k, f, t) = reading[rate]!
      let tprCI = ProportionInterval.clopperPearson(successes: k, trials: m), fprCI = ProportionInterval.clopperPearson(successes: f, trials: n)
      // ε ≥ ln((TPR − δ)/FPR) and ε ≥ ln((TNR − δ)/FNR), each at its conservative end; 0 when nothing is proven.
      let direct = log((tprCI.lower - delta) / fprCI.upper), mirror = log((1 - fprCI.upper - delta) / (1 - tprCI.lower))
      let bound = max(0, [direct, mirror].filter { $0.isFinite }.max() ?? 0)
      strongest = max(strongest, bound)
      byRate[formatNumber(rate)] = RateAt(fpr: Double(f) / Double(n), fprInterval: [fprCI.lower, fprCI.upper], tpr: Double(k) / Double(m),
                                         interval: [tprCI.lower, tprCI.upper], truePositives: k, falsePositives: f,
                                         threshold: t.isFinite ? t : nil, epsilonLowerBound: bound)
    }
    tprAtFPR = byRate
    epsilonLowerBound = strongest
    let stride = max(1, curve.count / 2000)
    roc = curve.enumerated().filter { $0.offset % stride == 0 || $0.offset == curve.count - 1 }.map(\.element)
    topRecords = memberScores.enumerated().sorted { $0.element > $1.element || ($0.element == $1.element && $0.offset < $1.offset) }
      .prefix(top).map { Exposed(row: $0.offset, score: $0.element) }
  }
}

extension Setting {
  public static let members = Setting("members")
  public static let nonMembers = Setting("nonMembers")
}
