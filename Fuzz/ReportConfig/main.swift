import CandorPipeline
import Foundation

/// libFuzzer target: the bytes are a `candor report --config` file (YAML, read with Yams over libyaml). They go
/// through `ReportConfig.parse(data:path:)`, as the command reads them. A `ConfigError` is a correct answer; a trap, a
/// sanitizer report, another kind of error or a broken invariant is a crash. Seeds: samples/rai.yaml,
/// samples/demo.yaml and small hand-written configs (anchors, flow style, a BOM, a duplicate key, --set-style values).
///
/// Invariants: an error names the file and a line inside it (1 to the file's line count + 1), its message is one
/// printable line; a config that parses parses again the same (gates, analyses, outputs, recorded lines), and every
/// line it records for an analysis or gate is inside the file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReportConfig(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  // Lines as YAML counts them: broken by LF, CR LF, a lone CR, NEL, LS or PS.
  let lineCount = String(decoding: data, as: UTF8.self).split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
  let config: ReportConfig
  do {
    config = try ReportConfig.parse(data: data, path: "fuzz.yaml")
  } catch let error as ConfigError {
    require(error.file == "fuzz.yaml", "an error names another file: \(error.file)")
    require((1...lineCount).contains(error.line), "an error names line \(error.line) of a file of \(lineCount) lines")
    let message = error.description
    require(!message.isEmpty && !message.contains("\n"), "an error message is empty or more than one line")
    require(!message.unicodeScalars.contains { $0.properties.generalCategory == .control }, "an error message holds a control character")
    return 0
  } catch {
    fail("parsing a config threw \(type(of: error)), not a ConfigError: \(error)")
  }
  guard let again = try? ReportConfig.parse(data: data, path: "fuzz.yaml") else { fail("a config that parsed once does not parse again") }
  require(again.gates == config.gates && again.lines == config.lines && again.html == config.html && again.json == config.json
    && again.sensitive == config.sensitive && again.notYetRun == config.notYetRun, "parsing the same config twice gives two configs")
  require(config.lines.values.allSatisfy { (1...lineCount).contains($0) }, "a recorded line is outside the file: \(config.lines)")
  return 0
}
