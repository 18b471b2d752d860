import CandorTestSupport
import Foundation
import Testing

@Suite struct ChromiumTimeoutTests {
  @Test("a page that never finishes loading (a script's alert dialog) fails the check instead of hanging it")
  func alertTimesOut() throws {
    guard Chromium.isAvailable else { return }
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let page = directory.appendingPathComponent("alert.html")
    try Data("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".utf8).write(to: page)
    #expect(throws: Chromium.Timeout.self) { try Chromium.load(page, timeoutSeconds: 5) }
  }
}
