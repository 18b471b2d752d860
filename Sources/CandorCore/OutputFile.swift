import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Errors writing results. Each names the output by its setting, so the CLI can say `--json`.
public enum OutputError: CandorError, Equatable {
  case cannotWrite(path: String, reason: String)
  /// An output resolves to a file the same command reads.
  case overwritesInput(output: Setting, path: String, input: Setting, inputPath: String)
  /// Two outputs of one command resolve to the same file.
  case sameOutput(Setting, Setting, path: String)
  case unsafeLink(path: String)

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .cannotWrite(path, reason): "Cannot write \(path): \(reason)."
    case let .overwritesInput(output, path, input, inputPath):
      "\(name(output)) \(path) is the \(name(input)) file\(path == inputPath ? "" : " \(inputPath)"), which this command reads; "
        + "Candor never writes over its input. Choose another path."
    case let .sameOutput(first, second, path):
      "\(name(first)) and \(name(second)) both name \(path); give each output a path of its own."
    case let .unsafeLink(path):
      "Cannot write \(path): it is a symbolic link owned by another user in a shared folder (sticky and writable by all), "
        + "which Candor does not follow. Remove the link or choose another path."
    }
  }
}

/// Where a producer puts a file's bytes, piece by piece; the first failure is kept and later pieces are
/// dropped (the file is then not committed).
public final class OutputSink {
  fileprivate let descriptor: Int32
  fileprivate var failure: Int32?

  fileprivate init(descriptor: Int32) { self.descriptor = descriptor }

  public func write(_ bytes: UnsafeRawBufferPointer) {
    var written = 0
    while failure == nil && written < bytes.count {
      let result = Foundation.write(descriptor, bytes.baseAddress! + written, bytes.count - written)
      if result < 0 {
        if errno != EINTR { failure = errno }
        continue
      }
      written += result
    }
  }

  public func write(_ data: Data) { data.withUnsafeBytes { write($0) } }
}

/// The outputs of one command, committed together or not at all.
///
/// Made before any work: it checks every destination (its folder exists and is writable, it is not an input of
/// the same command nor another output, a link at it is safe to follow) so a run never fails at the end for a
/// path it could have refused at the start. Outputs are then written to anonymous temporary files (Linux
/// `O_TMPFILE`: a kill at any moment leaves nothing behind) in the destination's folder, and `commit` gives them
/// their names — each linked under a fresh random name (`linkat` never follows or replaces anything), then
/// renamed over the destination, so a destination is replaced whole and atomically. Until `commit`, nothing
/// a user can see has changed.
///
/// A destination that is a device, FIFO or socket (`/dev/null`, a named pipe) is written into at commit, never
/// replaced; `/dev/stdout`, `/dev/stderr` and `/dev/fd/N` write to the process's own descriptor.
///
/// Where the file system has no `O_TMPFILE`, temporaries get random names created with
/// `O_CREAT | O_EXCL | O_NOFOLLOW`; SIGINT, SIGTERM and SIGHUP remove them, and a later run in the same folder
/// removes those a SIGKILL left (their names carry the process id).
public final class OutputTransaction {
  /// A file the command reads: refused as an output.
  public struct Input {
    public var setting: Setting
    public var path: String
    public init(_ setting: Setting, _ path: String) {
      self.setting = setting
      self.path = path
    }
  }

  enum Target {
    /// A regular file, replaced at `path` (symbolic links at the destination resolved).
    case file(path: String)
    /// A device, FIFO or socket, opened and written into.
    case special(path: String)
    /// One of the process's open descriptors (`/dev/stdout`).
    case descriptor(Int32)
  }

  struct Destination {
    let setting: Setting
    let path: String
    let target: Target
  }

  struct Staged {
    let destination: Destination
    let descriptor: Int32
    /// The name of a fallback temporary (nil for an anonymous one).
    let temporaryName: String?
  }

  private let destinations: [Setting: Destination]
  private var staged: [Setting: Staged] = [:]
  private var committed = false

  /// Checks every destination; throws before anything is written.
  public init(outputs: [(Setting, String)], inputs: [Input]) throws(OutputError) {
    var destinations: [Setting: Destination] = [:]
    let inputFiles = inputs.compactMap { input in FileIdentity(path: input.path).map { ($0, input) } }
    var outputFiles: [(canonical: String, identity: FileIdentity?, setting: Setting)] = []
    for (setting, path) in outputs {
      let target = try Self.target(of: path)
      destinations[setting] = Destination(setting: setting, path: path, target: target)
      guard case let .file(resolved) = target else { continue }
      let identity = FileIdentity(path: resolved)
      if let identity, let (_, input) = inputFiles.first(where: { $0.0 == identity }) {
        throw .overwritesInput(output: setting, path: path, input: input.setting, inputPath: input.path)
      }
      let canonical = Self.canonical(resolved)
      if let other = outputFiles.first(where: { $0.canonical == canonical || (identity != nil && $0.identity == identity) }) {
        throw .sameOutput(other.setting, setting, path: path)
      }
      outputFiles.append((canonical, identity, setting))
    }
    self.destinations = destinations
    for folder in Set(outputFiles.map { Self.folder(of: $0.canonical) }) { Self.removeTemporariesOfDeadRuns(in: folder) }
  }

  deinit {
    if !committed { discard() }
  }

  /// Writes what `produce` puts into the sink to the temporary of the output named by `setting`. `mode`: the file's
  /// permissions, set before anything is written (0o600 for a secret), instead of the replaced file's or the umask's.
  public func write(_ setting: Setting, mode: mode_t? = nil, _ produce: (OutputSink) -> Void) throws(OutputError) {
    guard let destination = destinations[setting] else { preconditionFailure("output \(setting) was not declared") }
    precondition(staged[setting] == nil, "output \(setting) written twice")
    let entry = try Self.temporary(for: destination)
    staged[setting] = entry
    if let mode, fchmod(entry.descriptor, mode) != 0 {
      let reason = InputFile.reason(errno)
      discard(setting)
      throw .cannotWrite(path: destination.path, reason: reason)
    }
    let sink = OutputSink(descriptor: entry.descriptor)
    produce(sink)
    if let failure = sink.failure {
      discard(setting)
      throw .cannotWrite(path: destination.path, reason: InputFile.reason(failure))
    }
  }

  public func write(_ setting: Setting, _ data: Data, mode: mode_t? = nil) throws(OutputError) {
    try write(setting, mode: mode) { $0.write(data) }
  }

  public func write(_ setting: Setting, _ text: String) throws(OutputError) {
    try write(setting, Data(text.utf8))
  }

  /// Gives every written output its name: first each regular file is linked under a fresh name in its folder
  /// (the step that can fail: a full disk, a folder made read-only meanwhile), then all are renamed into place
  /// and the special destinations written.
  /// Gives every output its final name, all or none; `durably` first flushes each to disk (fsync) and after the
  /// renames flushes their folders, so a crash of the machine, not only of the process, keeps the old files or the
  /// new ones (the privacy ledger).
  public func commit(durably: Bool = false) throws(OutputError) {
    precondition(!committed, "outputs committed twice")
    if durably {
      for entry in staged.values where fsync(entry.descriptor) != 0 {
        let reason = InputFile.reason(errno)
        discard()
        throw .cannotWrite(path: entry.destination.path, reason: reason)
      }
    }
    // Devices and descriptors first: what they take cannot be taken back, so a failure there (a full /dev/full)
    // must come before any file is given its name.
    for entry in staged.values {
      switch entry.destination.target {
      case .file: continue
      case let .special(path):
        let descriptor = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC)
        guard descriptor >= 0 else {
          discard()
          throw .cannotWrite(path: entry.destination.path, reason: InputFile.reason(errno))
        }
        defer { close(descriptor) }
        try Self.copy(entry, into: descriptor)
      case let .descriptor(descriptor):
        try Self.copy(entry, into: descriptor)
      }
    }
    var linked: [(Staged, String)] = []
    for setting in staged.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
      let entry = staged[setting]!
      guard case let .file(path) = entry.destination.target else { continue }
      if let name = entry.temporaryName {
        linked.append((entry, name))
        continue
      }
      do {
        linked.append((entry, try Self.link(entry.descriptor, into: Self.folder(of: path), for: path)))
      } catch {
        for (_, name) in linked { unlink(name) }
        discard()
        throw .cannotWrite(path: entry.destination.path, reason: error.reason)
      }
    }
    TemporaryNames.register(linked.map(\.1))
    defer { TemporaryNames.unregister(linked.map(\.1)) }
    for (entry, name) in linked {
      guard case let .file(path) = entry.destination.target else { continue }
      if rename(name, path) != 0 {
        let reason = InputFile.reason(errno)
        for (_, other) in linked { unlink(other) }
        discard()
        throw .cannotWrite(path: entry.destination.path, reason: reason)
      }
    }
    if durably {
      for folder in Set(linked.compactMap { entry, _ -> String? in
        if case let .file(path) = entry.destination.target { return Self.folder(of: path) }
        return nil
      }) {
        let descriptor = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if descriptor >= 0 {
          fsync(descriptor)
          close(descriptor)
        }
      }
    }
    committed = true
    for entry in staged.values { close(entry.descriptor) }
    staged = [:]
  }

  private func discard(_ setting: Setting) {
    guard let entry = staged.removeValue(forKey: setting) else { return }
    close(entry.descriptor)
    if let name = entry.temporaryName {
      unlink(name)
      TemporaryNames.unregister([name])
    }
  }

  private func discard() {
    for setting in Array(staged.keys) { discard(setting) }
  }

  // MARK: Destinations

  /// What writing to `path` means: a regular file to replace, a special file to write into, or an open descriptor.
  static func target(of path: String) throws(OutputError) -> Target {
    guard !path.isEmpty else { throw .cannotWrite(path: "\"\"", reason: "an empty path names no file") }
    if let descriptor = ownDescriptor(path) { return .descriptor(descriptor) }
    var link = stat()
    if lstat(path, &link) == 0 {
      var resolved = path
      var info = link
      if (link.st_mode & S_IFMT) == S_IFLNK {
        guard mayFollowLink(at: path, owner: link.st_uid) else { throw .unsafeLink(path: path) }
        guard let real = realpath(path, nil) else {
          throw .cannotWrite(path: path, reason: "it is a symbolic link to \(linkText(path)), which does not exist")
        }
        resolved = String(cString: real)
        free(real)
        guard stat(resolved, &info) == 0 else { throw .cannotWrite(path: path, reason: InputFile.reason(errno)) }
      }
      switch info.st_mode & S_IFMT {
      case S_IFREG:
        guard access(resolved, W_OK) == 0 else { throw .cannotWrite(path: path, reason: "the file is read-only") }
        try checkFolder(of: resolved, for: path)
        return .file(path: resolved)
      case S_IFDIR: throw .cannotWrite(path: path, reason: "it is a folder; give a file name")
      case S_IFCHR, S_IFBLK, S_IFIFO, S_IFSOCK: return .special(path: resolved)
      default: throw .cannotWrite(path: path, reason: "it is not a regular file")
      }
    }
    guard errno == ENOENT else { throw .cannotWrite(path: path, reason: InputFile.reason(errno)) }
    try checkFolder(of: path, for: path)
    return .file(path: path)
  }

  /// `/dev/stdout`, `/dev/stderr`, `/dev/fd/N`, `/proc/self/fd/N`: the process's own descriptor, which may
  /// be a terminal, a pipe or a file the shell opened (reopening that file by name would lose `>>`'s append).
  static func ownDescriptor(_ path: String) -> Int32? {
    switch path {
    case "/dev/stdout": return 1
    case "/dev/stderr": return 2
    default:
      for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) {
        if let number = Int32(path.dropFirst(prefix.count)), number >= 0 { return number }
      }
      return nil
    }
  }

  /// The kernel's rule for `fs.protected_symlinks`, applied whatever the machine's setting: a link in a
  /// sticky, world-writable folder (`/tmp`) is followed only when its owner is the caller or the folder's owner.
  static func mayFollowLink(at path: String, owner: uid_t) -> Bool {
    var folder = stat()
    guard stat(Self.folder(of: path), &folder) == 0 else { return false }
    let shared = (folder.st_mode & S_ISVTX) != 0 && (folder.st_mode & S_IWOTH) != 0
    return !shared || owner == geteuid() || owner == folder.st_uid
  }

  static func linkText(_ path: String) -> String {
    var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    let count = readlink(path, &buffer, Int(PATH_MAX))
    return count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "?"
  }

  /// The path with its folder resolved (`./r.json` and `r.json` are one file), for files that may not exist yet.
  static func canonical(_ path: String) -> String {
    let folder = folder(of: path)
    guard let real = realpath(folder, nil) else { return path }
    defer { free(real) }
    return String(cString: real) + "/" + FilePath.name(of: path)
  }

  static func folder(of path: String) -> String { FilePath.folder(of: path) }

  static func checkFolder(of path: String, for given: String) throws(OutputError) {
    let folder = folder(of: path)
    var info = stat()
    guard stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
      throw .cannotWrite(path: given, reason: "the folder \(Self.folder(of: given)) does not exist")
    }
    guard access(folder, W_OK | X_OK) == 0 else {
      throw .cannotWrite(path: given, reason: "the folder \(Self.folder(of: given)) is not writable")
    }
  }

  // MARK: Temporaries

  struct SystemFailure: Error {
    let code: Int32
    var reason: String { InputFile.reason(code) }
  }

  /// Linux's `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`), which Glibc's Swift module does not export.
  static let anonymousFlag: Int32 = 0o20_000_000 | O_DIRECTORY

  /// Set `CANDOR_TEMPORARY_FILES=named` to use the named fallback where `O_TMPFILE` works too (how the tests
  /// exercise it).
  static let anonymousTemporaries = ProcessInfo.processInfo.environment["CANDOR_TEMPORARY_FILES"] != "named"

  static func temporary(for destination: Destination) throws(OutputError) -> Staged {
    let folder: String
    // A new file gets 0666 less the umask, as `open` gives; a replaced one keeps its mode.
    var replacedMode: mode_t?
    switch destination.target {
    case let .file(path):
      folder = Self.folder(of: path)
      var existing = stat()
      if stat(path, &existing) == 0 { replacedMode = existing.st_mode & 0o7777 }
    case .special, .descriptor:
      // Staged in the temporary folder and copied in at commit, so a failed run writes nothing into a pipe.
      folder = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }
    if anonymousTemporaries {
      let descriptor = open(folder, anonymousFlag | O_RDWR | O_CLOEXEC, 0o666)
      if descriptor >= 0 {
        if let replacedMode { fchmod(descriptor, replacedMode) }
        return Staged(destination: destination, descriptor: descriptor, temporaryName: nil)
      }
      guard errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL else {
        throw .cannotWrite(path: destination.path, reason: InputFile.reason(errno))
      }
    }
    let keepsName = if case .file = destination.target { true } else { false }
    for _ in 0..<16 {
      let name = folder + "/" + temporaryName(for: destination.path)
      TemporaryNames.register([name])
      let descriptor = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o666)
      let code = errno
      if descriptor >= 0 && keepsName {
        if let replacedMode { fchmod(descriptor, replacedMode) }
        return Staged(destination: destination, descriptor: descriptor, temporaryName: name)
      }
      if descriptor >= 0 { unlink(name) }  // a staging copy for a special file needs no name
      TemporaryNames.unregister([name])
      if descriptor >= 0 { return Staged(destination: destination, descriptor: descriptor, temporaryName: nil) }
      guard code == EEXIST else { throw .cannotWrite(path: destination.path, reason: InputFile.reason(code)) }
    }
    throw .cannotWrite(path: destination.path, reason: "no unused temporary name in 16 tries")
  }

  /// `.NAME.candor-PID-RANDOM.tmp`: hidden, unpredictable, and traceable to the run that made it.
  static func temporaryName(for path: String) -> String {
    var generator = SystemRandomNumberGenerator()
    let random = String(generator.next() as UInt64, radix: 36)
    let base = String(FilePath.name(of: path).prefix(64))
    return ".\(base).candor-\(getpid())-\(random).tmp"
  }

  /// Gives an anonymous temporary a fresh random name in `folder`; `linkat` fails rather than replace anything.
  static func link(_ descriptor: Int32, into folder: String, for path: String) throws(SystemFailure) -> String {
    for _ in 0..<16 {
      let name = folder + "/" + temporaryName(for: path)
      if linkat(AT_FDCWD, "/proc/self/fd/\(descriptor)", AT_FDCWD, name, AT_SYMLINK_FOLLOW) == 0 { return name }
      guard errno == EEXIST else { throw SystemFailure(code: errno) }
    }
    throw SystemFailure(code: EEXIST)
  }

  static func copy(_ entry: Staged, into output: Int32) throws(OutputError) {
    guard lseek(entry.descriptor, 0, SEEK_SET) == 0 else {
      throw .cannotWrite(path: entry.destination.path, reason: InputFile.reason(errno))
    }
    let sink = OutputSink(descriptor: output)
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
    defer { buffer.deallocate() }
    while sink.failure == nil {
      let count = read(entry.descriptor, buffer.baseAddress, buffer.count)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw .cannotWrite(path: entry.destination.path, reason: InputFile.reason(errno)) }
      if count == 0 { break }
      sink.write(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
    }
    if let failure = sink.failure { throw .cannotWrite(path: entry.destination.path, reason: InputFile.reason(failure)) }
  }

  /// Removes `.*.candor-PID-*.tmp` files of this user whose process no longer runs (a run killed with SIGKILL
  /// while it used named temporaries).
  static func removeTemporariesOfDeadRuns(in folder: String) {
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
    for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
      guard let marker = name.range(of: ".candor-", options: .backwards) else { continue }
      let fields = name[marker.upperBound...].dropLast(4).split(separator: "-")
      guard fields.count == 2, let pid = Int32(fields[0]), pid != getpid() else { continue }
      guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
      let path = folder + "/" + name
      var info = stat()
      guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_uid == geteuid() else { continue }
      unlink(path)
    }
  }
}

/// A file's identity (device and inode): two paths name the same file when these agree, whatever links or
/// `..` they go through.
struct FileIdentity: Equatable {
  let device: UInt64
  let inode: UInt64

  init?(path: String) {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    device = UInt64(info.st_dev)
    inode = UInt64(info.st_ino)
  }
}

/// What the SIGINT/SIGTERM/SIGHUP handler cleans up before the process dies of the signal: temporaries that exist
/// right now (`TemporaryNames`) and the process groups of child processes that run right now
/// (`ChildProcessGroups`). The handler may only call async-signal-safe functions, so both live in fixed slots
/// made before the handler is installed.
enum SignalCleanup {
  static let lock = NSLock()
  nonisolated(unsafe) static var installed = false

  /// Installs the handler once; a signal the process was started ignoring (nohup, a background job) stays ignored.
  static func install() {
    lock.lock()
    defer { lock.unlock() }
    guard !installed else { return }
    _ = TemporaryNames.slots
    _ = ChildProcessGroups.slots
    for signal in [SIGINT, SIGTERM, SIGHUP] {
      let previous = Glibc.signal(signal, cleanUpAndDie)
      if let previous, unsafeBitCast(previous, to: Int.self) == 1 { Glibc.signal(signal, SIG_IGN) }  // SIG_IGN is 1
    }
    installed = true
  }
}

/// Names of temporaries that exist right now, unlinked by the signal handler; C strings made when a name is
/// registered, in fixed slots.
enum TemporaryNames {
  static let capacity = 64
  nonisolated(unsafe) static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
    let slots = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
    slots.initialize(repeating: nil, count: capacity)
    return slots
  }()
  static let lock = NSLock()

  static func register(_ names: [String]) {
    guard !names.isEmpty else { return }
    SignalCleanup.install()
    lock.lock()
    defer { lock.unlock() }
    for name in names {
      guard let slot = (0..<capacity).first(where: { slots[$0] == nil }) else { return }
      slots[slot] = strdup(name)
    }
  }

  static func unregister(_ names: [String]) {
    lock.lock()
    defer { lock.unlock() }
    for name in names {
      for slot in 0..<capacity {
        guard let stored = slots[slot], String(cString: stored) == name else { continue }
        slots[slot] = nil
        free(stored)
      }
    }
  }
}

/// Process groups of child processes (models behind a command) that run right now: the signal handler kills
/// them, since they are in groups of their own and a Ctrl-C to candor does not reach them.
public enum ChildProcessGroups {
  static let capacity = 128
  nonisolated(unsafe) static let slots: UnsafeMutablePointer<pid_t> = {
    let slots = UnsafeMutablePointer<pid_t>.allocate(capacity: capacity)
    slots.initialize(repeating: 0, count: capacity)
    return slots
  }()
  static let lock = NSLock()

  /// Kills the group `group` (its leader's pid) if candor is ended by a signal while it runs.
  public static func register(_ group: pid_t) {
    SignalCleanup.install()
    lock.lock()
    defer { lock.unlock() }
    if let slot = (0..<capacity).first(where: { slots[$0] == 0 }) { slots[slot] = group }
  }

  public static func unregister(_ group: pid_t) {
    lock.lock()
    defer { lock.unlock() }
    for slot in 0..<capacity where slots[slot] == group { slots[slot] = 0 }
  }
}

/// The signal handler: kill every registered child process group, unlink every registered temporary, then die of
/// the same signal.
private func cleanUpAndDie(_ signal: Int32) {
  for slot in 0..<ChildProcessGroups.capacity where ChildProcessGroups.slots[slot] > 0 {
    kill(-ChildProcessGroups.slots[slot], SIGKILL)
  }
  for slot in 0..<TemporaryNames.capacity {
    if let name = TemporaryNames.slots[slot] { unlink(name) }
  }
  Glibc.signal(signal, SIG_DFL)
  raise(signal)
}

/// Writes one file whole or not at all, for a caller with a single output (see `OutputTransaction`).
public enum OutputFile {
  public static let output = Setting("output")

  public static func write(to path: String, _ produce: (OutputSink) -> Void) throws(OutputError) {
    let transaction = try OutputTransaction(outputs: [(output, path)], inputs: [])
    try transaction.write(output, produce)
    try transaction.commit()
  }

  public static func write(_ data: Data, to path: String) throws(OutputError) {
    try write(to: path) { $0.write(data) }
  }

  public static func write(_ text: String, to path: String) throws(OutputError) {
    try write(Data(text.utf8), to: path)
  }
}

/// A path's folder and last name, by its slashes alone. Foundation's `NSString.deletingLastPathComponent` traps on
/// a one-character relative path ("x") in swift-corelibs-foundation, so nothing here goes through it.
public enum FilePath {
  /// "a/b/c" → "a/b", "c" → ".", "/c" → "/", "a/b/" → "a".
  public static func folder(of path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return "." }
    var end = slash
    while end > 0, bytes[end - 1] == UInt8(ascii: "/") { end -= 1 }
    return end == 0 ? "/" : String(decoding: bytes[..<end], as: UTF8.self)
  }

  /// "a/b/c" → "c", "c" → "c", "a/b/" → "b", "/" → "/".
  public static func name(of path: String) -> String {
    var bytes = Array(path.utf8)
    while bytes.count > 1, bytes.last == UInt8(ascii: "/") { bytes.removeLast() }
    guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")), bytes.count > 1 else { return String(decoding: bytes, as: UTF8.self) }
    return String(decoding: bytes[(slash + 1)...], as: UTF8.self)
  }
}
