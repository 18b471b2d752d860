import Foundation

/// Debian's headless Chromium, to check that generated HTML loads in a real browser.
public enum Chromium {
  public static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  public static var isAvailable: Bool { path != nil }

  /// Loads a page headless and returns the DOM after scripts ran and every console message the page logged.
  public static func load(_ file: URL) throws -> (dom: String, consoleMessages: [String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path!)
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                         "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("candor-chromium-\(UUID().uuidString)").path)",
                         "--dump-dom", file.absoluteString]
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let log = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    return (dom, log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
  }
}
