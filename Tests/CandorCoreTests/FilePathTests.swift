import CandorCore
import Testing

/// A path's folder and name by its slashes (Foundation's `deletingLastPathComponent` traps on "x" on Linux).
@Suite struct FilePathTests {
  @Test("folder and name of one-letter, nested, absolute and trailing-slash paths", arguments: [
    ("x", ".", "x"), ("ab", ".", "ab"), ("/x", "/", "x"), ("a/b", "a", "b"), ("a//b", "a", "b"), ("a/b/", "a", "b"),
    ("/a/b/c.json", "/a/b", "c.json"), ("./o", ".", "o"), ("/", "/", "/"),
  ])
  func parts(_ path: String, _ folder: String, _ name: String) {
    #expect(FilePath.folder(of: path) == folder)
    #expect(FilePath.name(of: path) == name)
  }
}
