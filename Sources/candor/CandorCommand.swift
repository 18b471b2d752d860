import ArgumentParser
import CandorCore
import CandorExplain
import CandorFairness
import CandorModels
import Foundation
#if canImport(Glibc)
  import Glibc

  /// glibc's `mallopt` (malloc.h, not part of the Glibc module).
  @_silgen_name("mallopt") func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif

/// `candor`: parse flags, call a library, write files. Exit 0 on success, 2 on bad input or usage, 1 on
/// anything else; errors go to stderr as one or two plain sentences.
@main
struct Candor: ParsableCommand {
  static let version = "0.1.0"

  // Every command names itself: ArgumentParser would otherwise derive the name from the type by reflection,
  // milliseconds of conformance lookups at every start.
  static let configuration = CommandConfiguration(
    commandName: "candor",
    abstract: "Responsible-AI analysis: train and score models, then explain, assess fairness, and more.",
    version: version,
    subcommands: [Inspect.self, Train.self, Predict.self, CompareModels.self, Fairness.self, Mitigate.self, Explain.self, WhatIf.self, Counterfactual.self, Privacy.self, DPTrain.self, Report.self, Demo.self, Merge.self])

  static func main() {
    BLAS.useSingleThread()
    #if canImport(Glibc)
      // Analyses allocate and free large blocks (synthetic batches, encoded rows) again and again. glibc
      // returns such blocks to the kernel and every reuse then pays page faults; keep them in the heap.
      _ = glibcMallopt(-3, 1 << 30)  // M_MMAP_THRESHOLD
      _ = glibcMallopt(-1, 1 << 30)  // M_TRIM_THRESHOLD
    #endif
    do {
      var command = try parseAsRoot(Self.joiningNegativeValues(Array(CommandLine.arguments.dropFirst())))
      // Ends (and reaps) the processes of models behind commands, also when the run throws.
      defer { StartedModels.shared.shutDown() }
      try command.run()
      // What a command printed is in stdio's buffer; a full disk or /dev/full behind stdout fails only here.
      if fflush(nil) != 0 {
        fail("Standard output cannot be written (\(String(cString: strerror(errno)).lowercased())): the command's summary was not all printed.", code: 2)
      }
    } catch let error as any CandorError {
      fail(error.message(naming: Flags.spelling), code: error.exitStatus.rawValue)
    } catch {
      switch exitCode(for: error) {
      case .success:
        exit(withError: error)  // --help, --version
      case .validationFailure:
        // ArgumentParser lists allowed values one per line; keep the message to one line.
        let text = message(for: error).replacingOccurrences(of: " of the following:\n  - ", with: " of: ")
          .replacingOccurrences(of: "\n  - ", with: ", ")
        let sentence = text.hasSuffix(".") || text.hasSuffix("?") ? text : text + "."
        let words = CommandLine.arguments.dropFirst().prefix { !$0.hasPrefix("-") }
        let command = (["candor"] + words).joined(separator: " ")
        fail("\(sentence) Run '\(command) --help' for usage.", code: 2)
      default:
        fail(fullMessage(for: error), code: 1)
      }
    }
  }

  /// `--threshold -1` as `--threshold=-1`: ArgumentParser reads a word starting with `-` as an option, so a
  /// negative value would be "missing". Candor has no positional arguments, so a negative number after a long
  /// option can only be its value (and a range check then says what is wrong with it).
  static func joiningNegativeValues(_ arguments: [String]) -> [String] {
    var result: [String] = []
    for argument in arguments {
      if let last = result.last, last.hasPrefix("--"), last.count > 2, !last.contains("="), isNegativeNumber(argument) {
        result[result.count - 1] = last + "=" + argument
      } else {
        result.append(argument)
      }
    }
    return result
  }

  static func isNegativeNumber(_ text: String) -> Bool {
    guard text.hasPrefix("-"), text.count > 1 else { return false }
    let rest = text.dropFirst()
    return Double(rest) != nil && !rest.hasPrefix("-")
  }

  static func fail(_ message: String, code: Int32) -> Never {
    // Whatever a message quotes (a path, a flag's text) reaches the terminal escaped, never as control characters.
    FileHandle.standardError.write(Data("error: \(printable(message, limit: nil))\n".utf8))
    Foundation.exit(code)
  }
}

/// Prints `warning: …` on stderr: something the user probably did not mean, which does not stop the run.
func warn(_ message: String) {
  FileHandle.standardError.write(Data("warning: \(message)\n".utf8))
}

/// Splits `a,b` options (and repeated flags) into one list.
func commaSeparated(_ values: [String]) -> [String] {
  values.flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
}
