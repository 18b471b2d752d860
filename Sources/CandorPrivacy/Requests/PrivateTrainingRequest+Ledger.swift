import CandorCore
import Foundation

extension PrivateTrainingRequest {
  /// Charges the planned run to the ledger at `path` before any training, under the ledger's lock: refused, the ledger
  /// unchanged, when its header changed since it was read as `before`, or when the budget cannot take the run (the
  /// refusal then says which noise multiplier would fit what is left).
  /// - Returns: the ledger with the run's entry.
  public func charge(_ plan: Plan, toLedger path: String, readBefore before: PrivacyLedger, command: String, note: String,
                     time: String) throws(PrivacyError) -> PrivacyLedger {
    let rows = data.rowCount
    return try LedgerFile.update(path) { (current) throws(PrivacyError) -> PrivacyLedger in
      guard current.header.sha256 == before.header.sha256 else {
        throw .corruptLedger(path: path, line: 1, reason: "its header changed while the run was being planned")
      }
      do throws(PrivacyError) {
        return try current.spending(plan.event, command: command, note: note, time: time)
      } catch {
        guard case let .overBudget(budget, delta, spent, spend, total, _) = error else { throw error }
        let (q, steps) = (plan.settings.samplingRate(examples: rows), plan.settings.steps(examples: rows))
        let fitting = current.fittingNoise { .dpSGD(samplingRate: q, noiseMultiplier: $0, steps: steps) }
        throw .overBudget(budget: budget, delta: delta, spent: spent, spend: spend, total: total, fitting: fitting)
      }
    }
  }
}

extension PrivacyLedger {
  /// The time a ledger entry is stamped with: now, ISO 8601 to the second.
  public static func entryTime(_ date: Date = Date()) -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: date)
  }

  /// - Throws: `PrivacyError.datasetMismatch` when the file at `path` is not the ledger's dataset (its SHA-256
  ///   differs); what reading the file throws.
  public func checkDataset(at path: String, ledgerPath: String) throws {
    let digest = SHA256.hex(try InputFile.read(path))
    guard digest == header.dataset.sha256 else {
      throw PrivacyError.datasetMismatch(path: path, ledger: ledgerPath, expected: header.dataset.sha256, found: digest)
    }
  }
}

extension PrivacyLedger.Dataset {
  /// A dataset file's name, SHA-256 and number of records.
  public static func identify(_ path: String) throws -> PrivacyLedger.Dataset {
    let data = try InputFile.read(path)
    let table = try CSVReader.parse(data, source: path)
    return PrivacyLedger.Dataset(file: FilePath.name(of: path), sha256: SHA256.hex(data), records: table.rowCount)
  }
}

/// A failure after a spend was recorded in the ledger (written first, so nothing is released unspent): the error
/// and what became of the spend.
public struct FailedAfterSpend: CandorError {
  public let underlying: any CandorError
  public let said: String
  public init(underlying: any CandorError, said: String) { (self.underlying, self.said) = (underlying, said) }
  public var exitStatus: ExitStatus { underlying.exitStatus }
  public func message(naming name: (Setting) -> String) -> String { underlying.message(naming: name) + " " + said }
}
