import CandorCore
import Dispatch
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What a black-box model returns, as the user declares it (never guessed).
public struct BlackBoxOutput: Sendable, Equatable {
  public var kind: OutputKind
  /// The classes (`[negative, positive]` for binary, in the order of the model's columns for multiclass).
  public var classes: [String]
  /// The model answers each row with its class label only (`--model-output labels`): candor scores it as
  /// probability 1 for that class, and analyses that need scores refuse it (`Model.providesScores`).
  public var labelsOnly: Bool

  public init(kind: OutputKind, classes: [String], labelsOnly: Bool = false) {
    self.kind = kind
    self.classes = classes
    self.labelsOnly = labelsOnly
  }

  /// What a black box answers, declared by its kind (`binary`, `multiclass`, `regression`, `labels`) and classes
  /// (default 0,1; `prediction` for regression); nil kind means binary.
  /// - Returns: the output, or why the classes do not fit the kind.
  public static func declared(kind: String?, classes given: [String]?) -> Result<BlackBoxOutput, DeclarationProblem> {
    let kind = kind ?? "binary"
    let classes = given ?? (kind == "regression" ? ["prediction"] : ["0", "1"])
    let problem: String? = switch kind {
    case "binary" where classes.count != 2: "a binary model has two classes, the positive one last"
    case "multiclass" where classes.count < 3: "a multiclass model has three classes or more (two: binary)"
    case "labels" where classes.count < 2: "a model answering labels has two classes or more"
    case "binary", "multiclass", "regression", "labels": Set(classes).count != classes.count ? "the classes must differ from one another" : nil
    default: "'\(kind)' is not an output; the outputs are binary, multiclass, regression, labels"
    }
    if let problem { return .failure(DeclarationProblem(reason: problem, classes: classes)) }
    let outputKind: OutputKind = switch kind {
    case "multiclass": .multiclassProbabilities
    case "regression": .regression
    case "labels": classes.count == 2 ? .binaryProbability : .multiclassProbabilities
    default: .binaryProbability
    }
    return .success(BlackBoxOutput(kind: outputKind, classes: classes, labelsOnly: kind == "labels"))
  }

  public struct DeclarationProblem: Error, Sendable {
    public var reason: String
    /// The classes it was about (the given ones, or the default).
    public var classes: [String]
  }

  /// Numbers per row in the scores: 1 for binary (P(positive)) and regression, one per class for multiclass.
  var columns: Int { kind == .multiclassProbabilities ? classes.count : 1 }

  /// Why one answered row of class probabilities is not a distribution, or nil: rows must sum to 1 within 1e-4
  /// (float32 probabilities sum to 1 within a few ulps; the ONNX reader allows the same).
  static func sumProblem(_ row: some Collection<Double>) -> String? {
    let total = row.reduce(0, +)
    return abs(total - 1) <= 1e-4 ? nil : "its class probabilities sum to \(formatRounded(total)), not 1"
  }

  /// The scores of one answered label: 1 for its class (binary: P(positive) = 1 or 0); nil for a label that is
  /// none of the classes (a number is matched by its shortest text).
  public func scores(ofLabel text: String) -> [Double]? {
    let label = text.trimmingCharacters(in: .whitespaces)
    guard let index = classes.firstIndex(of: label) ?? Double(label).flatMap({ n in classes.firstIndex(of: formatNumber(n)) }) else { return nil }
    if kind == .binaryProbability { return [index == 1 ? 1 : 0] }
    return classes.indices.map { $0 == index ? 1 : 0 }
  }
}

/// How a slow model is called: at most `batchSize` rows per call, at most `concurrency` calls in flight, each
/// given `timeout` seconds.
public struct BatchingOptions: Sendable, Equatable {
  public var batchSize = 1000
  public var concurrency = 1
  public var timeout = 60.0

  public init() {}

  /// Refuses a batch size outside 1…10⁸, a concurrency outside 1…64, a timeout outside (0, 10⁶] seconds.
  public func validate() throws(ModelError) {
    guard batchSize >= 1 && batchSize <= 100_000_000 else {
      throw .invalidSetting(.init(.batchSize, value: "\(batchSize)", .because("it must be a whole number from 1 to 100000000")))
    }
    guard concurrency >= 1 && concurrency <= 64 else {
      throw .invalidSetting(.init(.concurrency, value: "\(concurrency)", .because("it must be a whole number from 1 to 64")))
    }
    guard timeout > 0 && timeout <= 1_000_000 else {
      throw .invalidSetting(.init(.modelTimeout, value: formatNumber(timeout), .because("it must be a positive number of seconds, at most 1000000")))
    }
  }
}

/// A model behind a command (`--model-cmd`): the process is started once per worker; it reads CSV on stdin — one
/// header line naming the model's input columns, then data rows in batches — and writes one line per data row
/// on stdout: the positive class's probability for binary, one probability per class for multiclass, the value
/// for regression, comma-separated. Candor reads exactly as many lines as it sent rows before sending the next
/// batch, so a child that flushes per line never deadlocks. `concurrency` > 1 starts that many processes, each
/// given one batch at a time (a process is never written to by two calls at once).
public final class CommandModel: Model, @unchecked Sendable {
  public let command: String
  public let featureNames: [String]
  public let declared: BlackBoxOutput
  public let options: BatchingOptions
  public var outputKind: OutputKind { declared.kind }
  public var providesScores: Bool { !declared.labelsOnly }
  public var classes: [String] { declared.classes }

  private let pool: WorkerPool
  private let statistics = CallStatistics()

  /// Starts the worker processes.
  /// - Throws: `ModelError.invalidSetting` for a batch size, concurrency or timeout that cannot be used;
  ///   `ModelError.modelCommandFailed` when the command cannot be started.
  public init(command: String, features: [String], output: BlackBoxOutput, options: BatchingOptions) throws {
    try options.validate()
    self.command = command
    featureNames = features
    declared = output
    self.options = options
    signal(SIGPIPE, SIG_IGN)  // a child that exits early must not kill candor when a batch is written to it
    let header = ScoringProcess.csvLine(features)
    pool = WorkerPool(try (0..<options.concurrency).map { _ in try ScoringProcess(command: command, header: header) })
  }

  deinit { pool.shutDown() }

  /// Ends the worker processes (closing their stdin, then waiting for each; one that does not exit within two
  /// seconds is killed) and reaps them.
  public func shutDown() { pool.shutDown() }

  /// Rows scored, calls made and seconds spent, so far.
  public var callSummary: (rows: Int, calls: Int, seconds: Double) { statistics.summary }

  public func predict(_ table: Table) throws -> Matrix {
    let columns = try boundColumns(featureNames, of: table)
    return try runBatches(rows: table.rowCount, width: declared.columns, options: options, statistics: statistics) { [self] first, last in
      var text = ""
      for r in first..<last { text += ScoringProcess.csvLine(columns.map { $0.text(at: r) ?? "" }) }
      let worker = pool.take()
      defer { pool.give(worker) }
      do {
        return try worker.score(Data(text.utf8), rows: last - first, columns: declared.columns, output: declared, timeout: options.timeout)
      } catch let error as ScoringProcess.Failure {
        throw ModelError.modelCommandFailed(command: command, rows: first...(last - 1), reason: error.reason, stderr: error.stderr)
      }
    }
  }
}

/// The columns a black box reads, by name.
func boundColumns(_ names: [String], of table: Table) throws -> [Column] {
  try names.map { name -> Column in
    guard let column = try? table.column(name) else { throw TableError.missingModelFeature(name, file: table.source) }
    return column
  }
}

/// The batching contract of every slow model: rows in batches of `options.batchSize`, taken in row order by
/// `options.concurrency` loops (so at most that many calls are in flight), each batch scored by `score(first,
/// last)` into `width` numbers per row; after the first failure the remaining batches are not sent, and that
/// failure (the lowest batch among those that failed) is thrown.
func runBatches(rows: Int, width: Int, options: BatchingOptions, statistics: CallStatistics,
                score: @escaping @Sendable (_ first: Int, _ last: Int) throws -> [Double]) throws -> Matrix {
  var result = Matrix(rows: rows, columns: width)
  if rows == 0 { return result }
  let batches = (rows + options.batchSize - 1) / options.batchSize
  let outputs = DisjointWrites<[Double]>(repeating: [], count: batches)
  let failure = FirstFailure(), next = BatchCounter()
  let started = DispatchTime.now()
  // One thread per loop: the loops wait on the model, so they must not be limited to one per core.
  let loops = min(options.concurrency, batches), finished = DispatchGroup()
  for _ in 0..<loops {
    finished.enter()
    Thread.detachNewThread {
      defer { finished.leave() }
      while !failure.happened, let b = next.take(below: batches) {
        let first = b * options.batchSize, last = min(rows, first + options.batchSize)
        do {
          outputs[b] = try score(first, last)
        } catch {
          failure.record(error, batch: b)
        }
      }
    }
  }
  finished.wait()
  if let error = failure.error { throw error }
  for b in 0..<batches {
    let first = b * options.batchSize
    for (i, value) in outputs[b].enumerated() { result.storage[first * width + i] = value }
  }
  statistics.add(rows: rows, calls: batches, seconds: Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9)
  return result
}

/// The first error of parallel batches (the lowest batch index among those that failed before the others
/// stopped).
final class FirstFailure: @unchecked Sendable {
  private let lock = NSLock()
  private var first: (batch: Int, error: any Error)?

  var happened: Bool { lock.withLock { first != nil } }
  var error: (any Error)? { lock.withLock { first?.error } }

  func record(_ error: any Error, batch: Int) {
    lock.withLock { if first == nil || batch < first!.batch { first = (batch, error) } }
  }
}

/// Hands out batch indices in order, each once.
final class BatchCounter: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0

  func take(below count: Int) -> Int? {
    lock.withLock {
      guard next < count else { return nil }
      defer { next += 1 }
      return next
    }
  }
}

/// Counters of a model's calls, for the rate reported at the end of long runs.
final class CallStatistics: @unchecked Sendable {
  private let lock = NSLock()
  private var rows = 0, calls = 0, seconds = 0.0

  func add(rows: Int, calls: Int, seconds: Double) {
    lock.withLock {
      self.rows += rows
      self.calls += calls
      self.seconds += seconds
    }
  }

  var summary: (rows: Int, calls: Int, seconds: Double) { lock.withLock { (rows, calls, seconds) } }
}

/// Worker processes handed to one batch at a time.
final class WorkerPool: @unchecked Sendable {
  private let lock = NSLock()
  private let available: DispatchSemaphore
  private var free: [ScoringProcess]
  private let all: [ScoringProcess]

  init(_ workers: [ScoringProcess]) {
    free = workers
    all = workers
    available = DispatchSemaphore(value: workers.count)
  }

  func take() -> ScoringProcess {
    available.wait()
    return lock.withLock { free.removeLast() }
  }

  func give(_ worker: ScoringProcess) {
    lock.withLock { free.append(worker) }
    available.signal()
  }

  /// Closes every worker's stdin first, then waits (two seconds in all) and stops the rest.
  func shutDown() {
    for worker in all { worker.closeInput() }
    for worker in all { worker.shutDown() }
  }
}

/// One child process speaking the line protocol, started with posix_spawn in a process group of its own (so a
/// stop ends the shell and whatever it started) and always reaped with waitpid.
final class ScoringProcess: @unchecked Sendable {
  struct Failure: Error {
    var reason: String
    var stderr: String
  }

  private var pid: pid_t = 0
  private let input: Int32
  private let output: Int32
  private let errorTail = ErrorTail()
  private var pending = [UInt8]()
  private var broken: Failure?
  private let lock = NSLock()
  private var exitStatus: Int32?

  init(command: String, header: String) throws {
    // Close-on-exec on every end, so a second worker does not inherit this one's pipes (its stdin would then
    // never see end-of-file); the file actions put the child's ends on 0, 1 and 2.
    var toChild: [Int32] = [0, 0], fromChild: [Int32] = [0, 0], errors: [Int32] = [0, 0]
    guard pipe(&toChild) == 0, pipe(&fromChild) == 0, pipe(&errors) == 0 else {
      throw ModelError.modelCommandFailed(command: command, rows: nil, reason: "no pipe could be made (\(String(cString: strerror(errno))))", stderr: "")
    }
    for descriptor in toChild + fromChild + errors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
    posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
    posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP))
    posix_spawnattr_setpgroup(&attributes, 0)
    let words: [String] = ["/bin/sh", "-c", command]
    let arguments: [UnsafeMutablePointer<CChar>?] = words.map { word in strdup(word) } + [nil]
    defer { for argument in arguments { free(argument) } }
    let spawned = posix_spawn(&pid, "/bin/sh", &actions, &attributes, arguments, environ)
    for descriptor in [toChild[0], fromChild[1], errors[1]] { close(descriptor) }
    guard spawned == 0 else {
      for descriptor in [toChild[1], fromChild[0], errors[0]] { close(descriptor) }
      throw ModelError.modelCommandFailed(command: command, rows: nil, reason: "it could not be started (\(String(cString: strerror(spawned))))", stderr: "")
    }
    input = toChild[1]
    output = fromChild[0]
    ChildProcessGroups.register(pid)
    errorTail.follow(errors[0])
    writeAll(Data(header.utf8))
  }

  deinit {
    shutDown()
    close(output)
  }

  /// One CSV line (RFC 4180 quoting) of text fields.
  static func csvLine(_ fields: [String]) -> String {
    fields.map { field in
      // Scalars, not Characters: "\r\n" is one Character, equal to neither "\r" nor "\n".
      field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }.joined(separator: ",") + "\n"
  }

  private func writeAll(_ data: Data) {
    data.withUnsafeBytes { bytes in
      var written = 0
      while written < bytes.count {
        let result = Glibc.write(input, bytes.baseAddress! + written, bytes.count - written)
        if result < 0 {
          if errno == EINTR { continue }
          return  // the child closed its stdin or exited; the read side says how
        }
        written += result
      }
    }
  }

  /// Sends `rows` data rows and reads as many lines back, each of `columns` numbers.
  func score(_ lines: Data, rows: Int, columns: Int, output declared: BlackBoxOutput, timeout: Double) throws(Failure) -> [Double] {
    if let broken { throw broken }
    // The batch is written on another thread while this one reads, so neither pipe can fill up and block both.
    let writing = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
      self.writeAll(lines)
      writing.signal()
    }
    do {
      let values = try answer(rows: rows, columns: columns, output: declared, timeout: timeout)
      writing.wait()
      return values
    } catch {
      // A child that answered wrongly may have stopped reading: end it first, so the writer cannot stay blocked
      // on a full pipe.
      stop()
      writing.wait()
      throw error
    }
  }

  private func answer(rows: Int, columns: Int, output declared: BlackBoxOutput, timeout: Double) throws(Failure) -> [Double] {
    var values = [Double]()
    values.reserveCapacity(rows * columns)
    let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
    var line = 0
    while line < rows {
      let text = try nextLine(deadline: deadline, timeout: timeout, line: line + 1, of: rows)
      line += 1
      if declared.labelsOnly {
        guard let scores = declared.scores(ofLabel: text) else {
          throw fail("line \(line) of its answer to the batch is '\(printable(String(text.prefix(60))))', which is none of the declared classes (\(declared.classes.map { printable($0) }.joined(separator: ", ")))")
        }
        values += scores
        continue
      }
      let fields = text.split(separator: ",", omittingEmptySubsequences: false)
      guard fields.count == columns else {
        throw fail("line \(line) of its answer to the batch has \(fields.count) value\(fields.count == 1 ? "" : "s") ('\(printable(String(text.prefix(60))))'); a \(declared.kind.rawValue.replacingOccurrences(of: "_", with: " ")) model writes \(columns)")
      }
      for field in fields {
        guard !field.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\t" || $0 == "\u{FFFD}" }),
              let value = Double(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
          throw fail("line \(line) of its answer to the batch holds '\(printable(String(field.prefix(40))))', which is not a number")
        }
        if declared.kind != .regression && !(value >= 0 && value <= 1) {
          throw fail("line \(line) of its answer to the batch holds \(formatNumber(value)), which is not a probability")
        }
        values.append(value)
      }
      if declared.kind == .multiclassProbabilities, let problem = BlackBoxOutput.sumProblem(values.suffix(columns)) {
        throw fail("line \(line) of its answer to the batch: \(problem)")
      }
    }
    // Lines beyond the batch's rows would be taken for the next batch's answers.
    if !pending.isEmpty {
      throw fail("it wrote more lines than the batch's \(rows) rows ('\(printable(String(decoding: pending.prefix(40), as: UTF8.self)))' after the last)")
    }
    return values
  }

  /// The next line the child writes: reads until a newline, the deadline, or the end of the child's output.
  private func nextLine(deadline: UInt64, timeout: Double, line: Int, of rows: Int) throws(Failure) -> String {
    var buffer = [UInt8](repeating: 0, count: 65_536)
    while true {
      if let newline = pending.firstIndex(of: 0x0A) {
        var bytes = pending[..<newline]
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        let text = String(decoding: bytes, as: UTF8.self)
        pending.removeSubrange(...newline)
        return text
      }
      let now = DispatchTime.now().uptimeNanoseconds
      guard now < deadline else {
        stop()
        throw fail("it gave \(line - 1) of \(rows) lines within the timeout of \(formatNumber(timeout)) s, so it was stopped")
      }
      var descriptor = pollfd(fd: output, events: Int16(POLLIN), revents: 0)
      let waited = poll(&descriptor, 1, Int32(min((deadline - now) / 1_000_000 + 1, 1_000_000)))
      if waited <= 0 { continue }  // interrupted, or the time is up (checked above)
      let count = buffer.withUnsafeMutableBytes { Glibc.read(output, $0.baseAddress, $0.count) }
      if count < 0 && errno == EINTR { continue }
      if count <= 0 {
        // End of its output: wait for its exit until the deadline (a child that closed stdout may keep running).
        while !hasEnded() && DispatchTime.now().uptimeNanoseconds < deadline { usleep(5_000) }
        if !hasEnded() {
          stop()
          throw fail("it closed its output after \(line - 1) of \(rows) lines of its answer to the batch but kept running, so it was stopped")
        }
        let status = reap()
        // waitpid's status: the low 7 bits are the signal that ended it, else bits 8–15 its exit status.
        let how = status & 0x7F != 0 ? "was ended by signal \(status & 0x7F)" : "exited with status \((status >> 8) & 0xFF)"
        throw fail("it \(how) after \(line - 1) of \(rows) lines of its answer to the batch")
      }
      pending += buffer[0..<count]
    }
  }

  private func fail(_ reason: String) -> Failure {
    // A child that has exited may still have stderr in the pipe: let the reader reach its end first.
    errorTail.waitForEnd(seconds: 0.5)
    let failure = Failure(reason: reason, stderr: errorTail.text)
    broken = failure
    return failure
  }

  /// Waits for the child to end (blocking) and returns waitpid's status; once.
  @discardableResult private func reap() -> Int32 {
    lock.withLock {
      if let exitStatus { return exitStatus }
      var status: Int32 = 0
      while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
      exitStatus = status
      ChildProcessGroups.unregister(pid)
      return status
    }
  }

  private func hasEnded() -> Bool {
    lock.withLock {
      if exitStatus != nil { return true }
      var status: Int32 = 0
      guard waitpid(pid, &status, WNOHANG) == pid else { return false }
      exitStatus = status
      ChildProcessGroups.unregister(pid)
      return true
    }
  }

  /// Kills the child's process group and reaps the child.
  private func stop() {
    // The whole group, also when the shell has exited (it stays a zombie, its pid reserved, until reaped): what it
    // started may still hold the pipes. Once reaped, the pid may belong to someone else: no signal then.
    if lock.withLock({ exitStatus == nil }) { Glibc.kill(-pid, SIGKILL) }
    reap()
  }

  private var inputClosed = false

  /// Ends the child's input (it sees end-of-file); idempotent.
  func closeInput() {
    lock.withLock {
      if !inputClosed { close(input) }
      inputClosed = true
    }
  }

  /// Closes the child's stdin (end of input), gives it two seconds to exit, then stops it; idempotent.
  func shutDown() {
    let first = lock.withLock { () -> Bool in
      defer { broken = broken ?? Failure(reason: "it was shut down", stderr: "") }
      return broken?.reason != "it was shut down"
    }
    guard first else { return }
    closeInput()
    let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
    while !hasEnded() && DispatchTime.now().uptimeNanoseconds < deadline { usleep(5_000) }
    stop()
  }
}

/// The last 20 lines (at most 4 KB) a child wrote on stderr, read on a thread of their own.
final class ErrorTail: @unchecked Sendable {
  private let lock = NSLock()
  private var bytes = [UInt8]()
  private let ended = DispatchSemaphore(value: 0)

  func waitForEnd(seconds: Double) {
    if ended.wait(timeout: .now() + seconds) == .success { ended.signal() }
  }

  func follow(_ descriptor: Int32) {
    Thread.detachNewThread {
      var buffer = [UInt8](repeating: 0, count: 4096)
      while true {
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 && errno == EINTR { continue }
        if count <= 0 {
          self.ended.signal()
          return
        }
        self.lock.withLock {
          self.bytes += buffer[0..<count]
          if self.bytes.count > 4096 { self.bytes.removeFirst(self.bytes.count - 4096) }
        }
      }
    }
  }

  var text: String {
    let all = lock.withLock { String(decoding: bytes, as: UTF8.self) }
    return all.split(separator: "\n", omittingEmptySubsequences: true).suffix(20).joined(separator: "\n")
  }
}
