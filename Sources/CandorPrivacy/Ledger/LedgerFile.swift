import CandorCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The ledger on disk, changed only under an exclusive lock and only by replacing the whole file: the new
/// contents go to an anonymous temporary file in the same folder, are flushed to disk (fsync), renamed over the
/// ledger and the folder is flushed. A process killed at any point leaves the old ledger or the new one, never half an entry.
/// The lock is `flock` on `<ledger>.lock` beside it — a file that is never replaced, so a process waiting for the
/// lock reads, once it has it, the ledger the one before it wrote, and two runs started together cannot both spend
/// the last of the budget.
public enum LedgerFile {
  /// Reads the ledger under a shared lock.
  public static func read(_ path: String) throws(PrivacyError) -> PrivacyLedger {
    try requireExisting(path)
    return try withLock(path, exclusive: false) { () throws(PrivacyError) in try load(path) }
  }

  /// Writes a new ledger; refuses one that exists.
  public static func create(_ ledger: PrivacyLedger, at path: String) throws(PrivacyError) {
    try withLock(path, exclusive: true) { () throws(PrivacyError) in
      if FileManager.default.fileExists(atPath: path) { throw .ledgerExists(path: path) }
      try replace(path, with: ledger.encoded())
    }
  }

  /// Reads the ledger, lets `change` make the next one (or throw, leaving the file as it was) and writes it, all
  /// under the exclusive lock.
  @discardableResult
  public static func update(_ path: String, _ change: (PrivacyLedger) throws(PrivacyError) -> PrivacyLedger) throws(PrivacyError) -> PrivacyLedger {
    try requireExisting(path)
    return try withLock(path, exclusive: true) { () throws(PrivacyError) in
      let current = try load(path)
      let next = try change(current)
      // Nothing changed (a query answered from the ledger): the file is left as it is.
      if next != current { try replace(path, with: next.encoded()) }
      return next
    }
  }

  /// A ledger that is not there is named before a lock file is made beside it.
  static func requireExisting(_ path: String) throws(PrivacyError) {
    guard FileManager.default.fileExists(atPath: path) else {
      throw .unreadableLedger(path: path, reason: "there is no such file (candor privacy ledger init makes one)")
    }
    // A FIFO or device would block the read (or never end); a directory is not a ledger. stat follows a symlink.
    var status = stat()
    guard stat(path, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
      throw .unreadableLedger(path: path, reason: "it is not a regular file")
    }
  }

  static func load(_ path: String) throws(PrivacyError) -> PrivacyLedger {
    let data: Data
    do {
      data = try InputFile.read(path)
    } catch {
      throw .unreadableLedger(path: path, reason: error.description)
    }
    return try PrivacyLedger.decode(data, path: path)
  }

  static func withLock<T>(_ path: String, exclusive: Bool, _ body: () throws(PrivacyError) -> T) throws(PrivacyError) -> T {
    // Beside the file the path resolves to: two paths to one ledger (a symlink, "./l" and "l") take one lock.
    let lockPath = lockPath(of: path)
    let descriptor = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .unreadableLedger(path: path, reason: "its lock file \(lockPath) cannot be opened (\(String(cString: strerror(errno))))") }
    defer { close(descriptor) }
    while flock(descriptor, exclusive ? LOCK_EX : LOCK_SH) != 0 {
      guard errno == EINTR else { throw .unreadableLedger(path: path, reason: "its lock cannot be taken (\(String(cString: strerror(errno))))") }
    }
    defer { flock(descriptor, LOCK_UN) }
    return try body()
  }

  /// The lock file beside a ledger, which every ledger command takes (so no output may be written over it).
  public static func lockPath(of path: String) -> String { canonical(path) + ".lock" }

  /// The path with symlinks and dots resolved (for a file not yet made, its folder's), else as given.
  static func canonical(_ path: String) -> String {
    if let resolved = realpath(path, nil) {
      defer { free(resolved) }
      return String(cString: resolved)
    }
    guard let resolved = realpath(FilePath.folder(of: path), nil) else { return path }
    defer { free(resolved) }
    return String(cString: resolved) + "/" + FilePath.name(of: path)
  }

  /// Replaces the file with `data` through an `OutputTransaction` committed durably: an anonymous temporary beside
  /// it (nothing is left if the process dies), flushed to disk, renamed over the ledger, the folder flushed.
  static func replace(_ path: String, with data: Data) throws(PrivacyError) {
    do {
      let transaction = try OutputTransaction(outputs: [(.ledger, path)], inputs: [])
      try transaction.write(.ledger, data)
      try transaction.commit(durably: true)
    } catch {
      if case let .cannotWrite(_, reason) = error { throw .unwritableLedger(path: path, reason: reason) }
      throw .unwritableLedger(path: path, reason: error.message(naming: \.rawValue))
    }
  }
}
