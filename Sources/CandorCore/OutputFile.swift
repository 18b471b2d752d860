import Foundation

/// Errors writing results.
public enum OutputError: CandorError, Equatable {
  case cannotWrite(path: String, reason: String)

  public func message(naming name: (Setting) -> String) -> String {
    switch self {
    case let .cannotWrite(path, reason): "Cannot write \(path): \(reason)."
    }
  }
}

/// Writes a whole file or nothing: the bytes go to a temporary file in the same directory, which is then
/// renamed over the destination, so a failure never leaves a partial output behind.
public enum OutputFile {
  /// Where a producer puts the file's bytes, piece by piece; the first failure is kept and later pieces are
  /// dropped (the file is then not renamed into place).
  public final class Sink {
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

  /// Writes what `produce` puts into the sink. Plain POSIX writes, no fsync: a crash of the machine is not
  /// what the rename guards against, and syncing a large file costs more than writing it.
  public static func write(to path: String, _ produce: (Sink) -> Void) throws(OutputError) {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      let given = (path as NSString).deletingLastPathComponent
      throw .cannotWrite(path: path, reason: "the directory \(given.isEmpty ? "." : given) does not exist")
    }
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
    guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
    let sink = Sink(descriptor: descriptor)
    produce(sink)
    if close(descriptor) != 0 && sink.failure == nil { sink.failure = errno }
    if let failure = sink.failure {
      unlink(temporary.path)
      throw .cannotWrite(path: path, reason: String(cString: strerror(failure)))
    }
    // POSIX rename replaces the destination atomically (Foundation's replaceItemAt is unreliable on Linux).
    if rename(temporary.path, url.path) != 0 {
      let reason = String(cString: strerror(errno))
      unlink(temporary.path)
      throw .cannotWrite(path: path, reason: reason)
    }
  }

  public static func write(_ data: Data, to path: String) throws(OutputError) {
    try write(to: path) { $0.write(data) }
  }

  public static func write(_ text: String, to path: String) throws(OutputError) {
    try write(Data(text.utf8), to: path)
  }
}
