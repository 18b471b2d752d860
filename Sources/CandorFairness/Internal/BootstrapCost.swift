import CandorCore
import Foundation

/// What a stratified bootstrap will hold and how many rows it will draw, estimated from the data before it starts,
/// so a run that would exhaust memory or take hours is refused with the figures instead.
///
/// The sets are resampled one after another; the largest holds each replicate's values (`valueCounts` of them:
/// metrics × groups, aggregates, disparities) until its intervals are taken, then three columns of `replicates`
/// numbers to sort, while each core fills a row multiplicity vector.
struct BootstrapCost {
  var replicates: Int
  var rows: Int
  /// Values per replicate of each resampled set and privileged split.
  var valueCounts: [Int]

  /// Bytes of one replicate's values (the array and its header) of the largest set, and its share of the sort.
  var bytesPerReplicate: Double { Double(8 * (valueCounts.max() ?? 0) + 64 + 3 * 8) }
  /// Bytes held whatever the number of replicates: one multiplicity vector per core.
  var fixedBytes: Double { Double(ProcessInfo.processInfo.activeProcessorCount * rows * 8) }
  var bytes: Double { Double(replicates) * bytesPerReplicate + fixedBytes }
  /// Rows drawn: every replicate resamples every row once per set.
  var draws: Double { Double(replicates) * Double(rows) * Double(valueCounts.count) }

  /// Refuses the bootstrap when it needs more memory than `limit` or more row draws than `maxDraws`.
  func check(limit: MemoryLimit, maxDraws: Int) throws(FairnessError) {
    let tooBig = bytes > Double(limit.bytes), tooLong = draws > Double(maxDraws)
    guard tooBig || tooLong else { return }
    var reasons: [String] = []
    if tooBig { reasons.append("would hold about \(MemoryLimit.formatted(bytes)) of memory, \(limit.exceeded)") }
    if tooLong {
      reasons.append("would draw \(String(format: "%.0f", draws)) rows (\(rows) per set × \(valueCounts.count) "
        + "set\(valueCounts.count == 1 ? "" : "s") × \(replicates) replicates), more than the limit of \(maxDraws) row draws")
    }
    let byMemory = (Double(limit.bytes) - fixedBytes) / bytesPerReplicate
    let byDraws = Double(maxDraws) / (Double(rows) * Double(valueCounts.count))
    let most = Int(max(min(byMemory, byDraws, Double(replicates)), 0).rounded(.down))
    let allowed = most >= 2 ? "At most \(most) replicates fit here" : "No bootstrap of this data fits here"
    throw .invalidSetting(.init(.bootstrapReplicates, value: "\(replicates)",
                                .because("the replicates \(reasons.joined(separator: " and ")). \(allowed)")))
  }
}
