import CandorCore
import Testing

@Suite struct PrintableTextTests {
  static let long = String(repeating: "x", count: 500)

  @Test("control characters, bidirectional overrides and invisible characters come out as visible escapes; other text as it is", arguments: [
    ("\u{1b}[31mred\u{1b}[0m", "\\u{1b}[31mred\\u{1b}[0m"),
    ("two\nlines\r\n\tend", "two\\nlines\\r\\n\\tend"),
    ("\u{202e}txet\u{202c} \u{2066}x\u{2069}", "\\u{202e}txet\\u{202c} \\u{2066}x\\u{2069}"),
    ("bell\u{7} del\u{7f} c1\u{85} nul\u{0} ls\u{2028}", "bell\\u{7} del\\u{7f} c1\\u{85} nul\\u{0} ls\\u{2028}"),
    ("שלום, é, C:\\path, 数据", "שלום, é, C:\\path, 数据"),
    ("perf\u{200b}ormance j\u{200d}oin \u{feff}bom", "perf\\u{200b}ormance j\\u{200d}oin \\u{feff}bom"),
    ("nb\u{a0}sp \u{61c}alm \u{3164}filler", "nb\\u{a0}sp \\u{61c}alm \\u{3164}filler"),
  ])
  func escapes(_ text: String, _ expected: String) {
    #expect(printable(text) == expected)
  }

  @Test("a text longer than the limit keeps limit − 1 printed characters, then an ellipsis and its full length")
  func capped() {
    #expect(printable(Self.long) == String(repeating: "x", count: 59) + "… (500 characters)")
    #expect(printable(Self.long, limit: nil) == Self.long)
    #expect(printable(String(repeating: "y", count: 60)) == String(repeating: "y", count: 60))
    // An escape is never cut in half: 58 x and an ESC print 64 characters, so the ESC goes.
    #expect(printable(String(repeating: "x", count: 58) + "\u{1b}[0m") == String(repeating: "x", count: 58) + "… (62 characters)")
  }
}
