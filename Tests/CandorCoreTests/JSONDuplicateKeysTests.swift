import CandorCore
import Foundation
import Testing

/// A key repeated within one object is found with its place; the same key in sibling or nested objects is not a
/// repeat, and escapes are decoded before comparing.
@Suite struct JSONDuplicateKeysTests {
  static func first(_ text: String) -> (String, Int, Int)? {
    firstDuplicateJSONKey(in: Data(text.utf8)).map { ($0.key, $0.line, $0.column) }
  }

  @Test("repeats within an object are found, with line and column; siblings, nesting, arrays and values are not repeats")
  func duplicates() {
    #expect(Self.first(#"{"a": 1, "b": {"a": 2}, "c": [{"a": 1}, {"a": 2}], "d": "a"}"#) == nil)
    #expect(Self.first("{\"a\": 1,\n  \"a\": 2}")! == ("a", 2, 3))
    #expect(Self.first(#"{"x": {"type": "G", "noise_multiplier": 1, "noise_multiplier": 2}}"#)! == ("noise_multiplier", 1, 44))
    #expect(Self.first(#"{"a": 1, "\u0061": 2}"#)! == ("a", 1, 10))
    #expect(Self.first(#"{"a\"b": 1, "c": "}", "a\"b": 2}"#)! == ("a\"b", 1, 23))
    #expect(Self.first(#"[{"a": 1}, {"b": 1, "a": 3}]"#) == nil)
  }
}
