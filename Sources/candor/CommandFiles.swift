import CandorCore
import CandorExplain

/// The CLI's file flags as settings, so output errors name the flag the user typed.
extension Setting {
  static let data = Setting("data")
  static let model = Setting("model")
  static let specA = Setting("specA")
  static let specB = Setting("specB")
  static let predictions = Setting("predictions")
  static let evalData = Setting("evalData")
  static let compareModel = Setting("compareModel")
  static let rowsFile = Setting("rowsFile")
  static let out = Setting("out")
  static let json = Setting("json")
  static let html = Setting("html")
  static let weightsOut = Setting("weightsOut")
  static let retrainOut = Setting("retrainOut")
}

/// A command that reads and writes files: it lists both, and its outputs are checked against each other and
/// against its inputs before any work (`OutputTransaction`), then committed together at the end.
protocol FileCommand {
  /// Every file the command reads, by flag (nil when the flag was not given).
  var inputFiles: [(Setting, String?)] { get }
  /// Every file the command writes, by flag.
  var outputFiles: [(Setting, String?)] { get }
}

extension FileCommand {
  func outputTransaction() throws(OutputError) -> OutputTransaction {
    try OutputTransaction(outputs: outputFiles.compactMap { setting, path in path.map { (setting, $0) } },
                          inputs: inputFiles.compactMap { setting, path in path.map { OutputTransaction.Input(setting, $0) } })
  }
}
