import CandorCore
import Foundation

/// What is wrong with a privacy request or file.
public enum PrivacyError: CandorError, Equatable {
  case invalidSetting(InvalidSetting)
  /// An events file that cannot be read as an event tree.
  case unreadableEvents(path: String, reason: String)
  /// An event the accountant cannot account (`part` names it in the event tree's JSON words).
  case unsupportedEvent(accountant: String, part: String, reason: String)
  /// No noise multiplier up to `largest` reaches the target ε.
  case unreachableEpsilon(target: Double, delta: Double, largest: Double, epsilonThere: Double)
  /// A spend the budget cannot take: ε spent so far, the spend's own ε, and the two composed; for a training run,
  /// the least noise with which the same run would still fit.
  case overBudget(budget: Double, delta: Double, spent: Double, spend: Double, total: Double, fitting: FittingNoise? = nil)
  /// A ledger whose line `line` is damaged or was edited.
  case corruptLedger(path: String, line: Int, reason: String)
  case ledgerExists(path: String)
  case unreadableLedger(path: String, reason: String)
  case unwritableLedger(path: String, reason: String)
  /// The data given is not the dataset the ledger's budget is for.
  case datasetMismatch(path: String, ledger: String, expected: String, found: String)
  /// δ at or above 1/n, which lets a mechanism publish a record outright.
  case deltaTooLarge(delta: Double, records: Int)
  /// The ledger's `--max-queries` cap on released statistics is reached.
  case releaseCapReached(cap: Int)
  /// A `--mask-with` keys file that cannot be used (the reason never shows a seed).
  case invalidMaskKeys(path: String, reason: String)

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .invalidSetting(invalid):
      invalid.message(naming: name)
    case let .unreadableEvents(path, reason):
      "\(printable(path)) is not a privacy event tree: \(reason)."
    case let .unsupportedEvent(accountant, part, reason):
      "The \(accountant) accountant cannot account \(part): \(reason)."
    case let .unreachableEpsilon(target, delta, largest, epsilonThere):
      "No noise multiplier up to \(formatNumber(largest)) reaches ε = \(formatNumber(target)) at δ = \(formatNumber(delta)) "
        + "(ε is \(formatNumber(epsilonThere)) there); ask for a larger ε or fewer steps."
    case let .overBudget(budget, delta, spent, spend, total, fitting):
      "The privacy budget is ε = \(formatNumber(budget)) at δ = \(formatNumber(delta)): \(formatRounded(spent)) is spent, and this spend "
        + "(ε = \(formatRounded(spend)) alone) would bring it to \(formatRounded(total) == formatNumber(budget) ? formatNumber(total) : formatRounded(total)). Nothing was spent"
        + (fitting.map {
          ", nothing trained. The same run fits with \(name(.noiseMultiplier)) \(formatNumber(roundedUp($0.noiseMultiplier))) or more "
            + "(ε = \(formatRounded($0.epsilon)) alone, the largest that fits)."
        } ?? "; at most ε = \(formatRounded(max(0, budget - spent))) is left.")
    case let .corruptLedger(path, line, reason):
      "\(printable(path)) line \(line) is not a valid privacy ledger line: \(reason). The ledger is refused; nothing was spent."
    case let .ledgerExists(path):
      "\(printable(path)) already exists; a ledger is made once (\(name(.ledger)) names one to spend from)."
    case let .unreadableLedger(path, reason):
      "The privacy ledger \(printable(path)) cannot be read: \(reason)\(reason.hasSuffix(".") ? "" : ".")"
    case let .unwritableLedger(path, reason):
      "The privacy ledger \(printable(path)) cannot be written: \(reason). It is unchanged."
    case let .datasetMismatch(path, ledger, expected, found):
      "\(printable(path)) is not the dataset of the ledger \(printable(ledger)): its SHA-256 is \(found), the ledger's is \(expected)."
    case let .invalidMaskKeys(path, reason):
      "\(printable(path)) is not a usable mask keys file (\(name(.maskWith))): \(reason)."
    case let .releaseCapReached(cap):
      "The ledger allows \(cap) released statistic\(cap == 1 ? "" : "s") (\(name(.maxQueries)) when it was made) and all are used. Nothing was released or spent; a query asked before is still answered from the ledger."
    case let .deltaTooLarge(delta, records):
      "\(name(.delta)) \(formatNumber(delta)) is at least 1/n for the dataset's \(records) records: a mechanism could then publish a record "
        + "outright and still meet it. Choose δ well below 1/n, or pass \(name(.allowLargeDelta)) to accept it."
    }
  }
}

/// `value` rounded up to 6 significant digits: a least noise multiplier shown so that the number shown still fits.
func roundedUp(_ value: Double) -> Double {
  guard value > 0, value.isFinite else { return value }
  let scale = pow(10, 5 - (log10(value)).rounded(.down))
  let up = (value * scale).rounded(.up) / scale
  return up >= value ? up : up.nextUp
}

/// The least noise multiplier with which a planned run still fits a ledger's budget, and that run's own ε.
public struct FittingNoise: Sendable, Equatable {
  public var noiseMultiplier: Double
  public var epsilon: Double

  public init(noiseMultiplier: Double, epsilon: Double) {
    self.noiseMultiplier = noiseMultiplier
    self.epsilon = epsilon
  }
}

extension Setting {
  public static let ledger = Setting("ledger")
  public static let allowLargeDelta = Setting("allowLargeDelta")
  public static let epsilon = Setting("epsilon")
  public static let delta = Setting("delta")
  public static let samplingRate = Setting("samplingRate")
  public static let noiseMultiplier = Setting("noiseMultiplier")
  public static let steps = Setting("steps")
  public static let sensitivity = Setting("sensitivity")
  public static let rdpOrders = Setting("rdpOrders")
}
