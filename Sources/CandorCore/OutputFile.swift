import Foundation

/// Errors writing results.
public enum OutputError: Error, Equatable, CustomStringConvertible {
  case cannotWrite(path: String, reason: String)

  public var description: String {
    switch self {
    case let .cannotWrite(path, reason): "Cannot write \(path): \(reason)."
    }
  }
}

/// Writes a whole file or nothing: the bytes go to a temporary file in the same directory, which is then
/// renamed over the destination, so a failure never leaves a partial output behind.
public enum OutputFile {
  public static func write(_ data: Data, to path: String) throws(OutputError) {
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
      let given = (path as NSString).deletingLastPathComponent
      throw .cannotWrite(path: path, reason: "the directory \(given.isEmpty ? "." : given) does not exist")
    }
    let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    do {
      try data.write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      throw .cannotWrite(path: path, reason: error.localizedDescription)
    }
    // POSIX rename replaces the destination atomically (Foundation's replaceItemAt is unreliable on Linux).
    if rename(temporary.path, url.path) != 0 {
      let reason = String(cString: strerror(errno))
      try? FileManager.default.removeItem(at: temporary)
      throw .cannotWrite(path: path, reason: reason)
    }
  }

  public static func write(_ text: String, to path: String) throws(OutputError) {
    try write(Data(text.utf8), to: path)
  }
}
