import Foundation

/// Debian's headless Chromium, to check that generated HTML loads in a real browser.
public enum Chromium {
  public static let path: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first {
    FileManager.default.isExecutableFile(atPath: $0)
  }

  public static var isAvailable: Bool { path != nil }

  /// A page that did not finish loading in time (a dialog from injected script waits forever, for one).
  public struct Timeout: Error, CustomStringConvertible {
    public let file: URL
    public var description: String { "Chromium did not finish loading \(file.path) in time" }
  }

  /// Loads a page headless and returns the DOM after scripts ran and every console message the page logged;
  /// throws `Timeout` when the browser has not finished after `timeoutSeconds`.
  /// `windowWidth` lays the page out at that width (Chromium's default otherwise).
  public static func load(_ file: URL, windowWidth: Int? = nil, timeoutSeconds: Double = 60) throws -> (dom: String, consoleMessages: [String]) {
    try run(file, action: ["--dump-dom"], windowWidth: windowWidth, timeoutSeconds: timeoutSeconds)
  }

  /// Saves a PNG of the page's top `height` pixels, laid out `width` wide, to `png`; returns the console messages.
  @discardableResult
  public static func screenshot(_ file: URL, to png: URL, width: Int = 1280, height: Int = 2000, timeoutSeconds: Double = 60) throws -> [String] {
    try run(file, action: ["--hide-scrollbars", "--screenshot=\(png.path)", "--window-size=\(width),\(height)"], windowWidth: nil, timeoutSeconds: timeoutSeconds).consoleMessages
  }

  static func run(_ file: URL, action: [String], windowWidth: Int?, timeoutSeconds: Double) throws -> (dom: String, consoleMessages: [String]) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path!)
    process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                         "--user-data-dir=\(FileManager.default.temporaryDirectory.appendingPathComponent("candor-chromium-\(UUID().uuidString)").path)"]
      + (windowWidth.map { ["--window-size=\($0),2000"] } ?? []) + action + [file.absoluteString]
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try launch(process)
    let stopped = StoppedFlag()
    let watchdog = DispatchWorkItem {
      if process.isRunning {
        stopped.set()
        process.terminate()
      }
    }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeoutSeconds, execute: watchdog)
    defer { watchdog.cancel() }
    let dom = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    let log = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if stopped.isSet { throw Timeout(file: file) }
    return (dom, log.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init))
  }
}

/// Set once by the watchdog, read after the browser has exited.
private final class StoppedFlag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  func set() { lock.withLock { value = true } }
  var isSet: Bool { lock.withLock { value } }
}
