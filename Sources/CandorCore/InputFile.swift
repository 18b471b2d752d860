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
    // Read into uninitialized memory: `Data(count:)` would first write zeros over every page the read then fills.
    // A regular file's size plus one byte: the read that finds its end then needs no larger buffer (a copy).
    var capacity = info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) + 1 : 1 << 16
    guard var buffer = malloc(capacity) else { throw .unreadable(path, reason: "there is not enough memory to read it") }
    var filled = 0
    var handedOver = false
    defer { if !handedOver { free(buffer) } }
    while true {
      if filled == capacity {
        // A regular file is read to its size; one more read tells it did not grow.
        guard capacity < sizeLimit else { throw tooLarge(path) }
        capacity = min(capacity * 2, sizeLimit)
        guard let grown = realloc(buffer, capacity) else { throw .unreadable(path, reason: "there is not enough memory to read it") }
        buffer = grown
      }
      let count = Glibc.read(descriptor, buffer + filled, capacity - filled)
      if count < 0 && errno == EINTR { continue }
      guard count >= 0 else { throw .unreadable(path, reason: reason(errno)) }
      if count == 0 { break }
      filled += count
    }
    handedOver = true
    return Data(bytesNoCopy: buffer, count: filled, deallocator: .free)
  }

  /// Calls `body` with the file's bytes, mapped rather than copied when it is a regular file: a shard that parses a
  /// slice of a large file then neither zeroes nor copies the rest (its SHA-256 reads every page from the page cache).
  /// A pipe is read as `read` reads it. A file truncated by another process while it is mapped ends the process
  /// with SIGBUS — a non-zero exit that an engine retries, never a partial output.
  public static func withBytes<T>(_ path: String, _ body: (UnsafeBufferPointer<UInt8>) throws(TableError) -> T) throws(TableError) -> T {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)
    guard descriptor >= 0 else {
      if errno == ENOENT { throw .fileNotFound(path) }
      throw .unreadable(path, reason: reason(errno))
    }
    var info = stat()
    let isRegular = fstat(descriptor, &info) == 0 && info.st_mode & S_IFMT == S_IFREG && info.st_size > 0 && Int(info.st_size) < sizeLimit
    let size = Int(info.st_size)
    let mapped = isRegular ? mmap(nil, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, descriptor, 0) : nil
    close(descriptor)
    guard let mapped, mapped != MAP_FAILED else {
      let data = try read(path)
      let result: Result<T, TableError> = data.withUnsafeBytes { raw in Result { () throws(TableError) -> T in try body(raw.bindMemory(to: UInt8.self)) } }
      return try result.get()
    }
    defer { munmap(mapped, size) }
    return try body(UnsafeBufferPointer(start: mapped.assumingMemoryBound(to: UInt8.self), count: size))
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
