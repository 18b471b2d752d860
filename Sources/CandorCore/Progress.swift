import Foundation

/// A one-line progress counter on stderr, shown only when stderr is a terminal (never in pipes, files or
/// CI logs). Safe to advance from parallel workers.
public final class Progress: @unchecked Sendable {
  private let label: String
  private let total: Int
  private var done = 0
  private let lock = NSLock()
  private let isVisible: Bool

  public init(_ label: String, total: Int) {
    self.label = label
    self.total = total
    isVisible = isatty(STDERR_FILENO) != 0 && total > 1
  }

  public func advance() {
    guard isVisible else { return }
    lock.lock()
    done += 1
    let line = "\r\(label): \(done)/\(total)" + (done == total ? "\n" : "")
    lock.unlock()
    FileHandle.standardError.write(Data(line.utf8))
  }
}
