import Foundation

/// How much memory an analysis may plan to hold at once before it starts, with how the figure was chosen, for
/// the message that refuses a run above it. The default is half of the memory this process may use: the
/// machine's physical memory (`/proc/meminfo`'s MemTotal, via `ProcessInfo.physicalMemory`), or the cgroup
/// limit when a container sets a smaller one.
public struct MemoryLimit: Sendable, Equatable {
  public var bytes: Int
  /// How the limit was chosen, e.g. "half of this machine's memory".
  public var basis: String

  public init(bytes: Int, basis: String) {
    self.bytes = bytes
    self.basis = basis
  }

  /// Half of `availableBytes`.
  public static let halfOfMemory = MemoryLimit(bytes: availableBytes / 2, basis: "half of this machine's memory")

  /// The memory this process may use: physical memory, or the cgroup v2 / v1 limit when it is smaller.
  public static let availableBytes: Int = {
    let physical = Int(clamping: ProcessInfo.processInfo.physicalMemory)
    let cgroupLimits = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"].compactMap { path in
      (try? String(contentsOfFile: path, encoding: .utf8)).flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
    return ([physical] + cgroupLimits).filter { $0 > 0 }.min() ?? physical
  }()

  /// `bytes` in gigabytes (10⁹ bytes) with one decimal, e.g. "480.0 GB"; below 1 GB in megabytes ("93.6 MB").
  public static func formatted(_ bytes: Double) -> String {
    bytes >= 1e9 ? String(format: "%.1f GB", bytes / 1e9) : String(format: "%.1f MB", bytes / 1e6)
  }

  /// "more than the limit of 11.8 GB (half of this machine's memory)".
  public var exceeded: String { "more than the limit of \(Self.formatted(Double(bytes))) (\(basis))" }
}
