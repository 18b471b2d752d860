import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads an input file whole, with every failure worded for a user: "no such file", "is a folder",
/// "permission denied" — never a Foundation error code. A pipe is read to its end (a named pipe or `<(…)` works as
/// `--data`), up to the same 4 GiB limit as a file; a device is refused.
public enum InputFile {
  public static let sizeLimit = 1 << 32

  public static func read(_ path: String) throws(TableError) -> Data {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
    guard descriptor >= 0 else {
      if errno == ENOENT { throw .fileNotFound(path) }
      throw .unreadable(path, reason: reason(errno))
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else { throw .unreadable(path, reason: reason(errno)) }
    switch info.st_mode & S_IFMT {
    case S_IFDIR: throw .unreadable(path, reason: "it is a folder, not a file")
    case S_IFREG: if Int(info.st_size) >= sizeLimit { throw tooLarge(path) }
    // A device (/dev/zero, /dev/urandom, a terminal) is not data: it would be read up to the size limit, or wait for
    // typing. A pipe is read (process substitution, /dev/stdin from a pipe), as `cat` reads it.
    case S_IFCHR, S_IFBLK: throw .unreadable(path, reason: "it is a device, not a file")
    default: break
    }
    var data = Data(count: info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : 1 << 16)
    var filled = 0
    while true {
      if filled == data.count {
        guard data.count < sizeLimit else { throw tooLarge(path) }
        data.count = min(data.count * 2, sizeLimit)
      }
      let count = data.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress! + filled, $0.count - filled) }
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw .unreadable(path, reason: reason(errno)) }
      if count == 0 { break }
      filled += count
    }
    data.count = filled
    return data
  }

  static func tooLarge(_ path: String) -> TableError {
    .unreadable(path, reason: "it is larger than 4 GiB; split it into smaller files")
  }

  /// `strerror`'s words in lower case, as the middle of a sentence: "permission denied".
  static func reason(_ code: Int32) -> String {
    let text = String(cString: strerror(code))
    return text.prefix(1).lowercased() + text.dropFirst()
  }
}
