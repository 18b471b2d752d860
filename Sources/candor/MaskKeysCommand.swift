import ArgumentParser
import CandorCore
import CandorPrivacy
import Foundation

/// `candor privacy mask-keys`: deals the pairwise seeds of a secure aggregation (`SecureAggregation`) to files, one per
/// party, from the system CSPRNG.
struct PrivacyMaskKeys: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "mask-keys",
    abstract: "Deal the keys of a masked (secure-aggregation) query: one file per party, a fresh 32-byte seed for every pair.",
    discussion: """
      Writes DIR/mask-keys-0.json … DIR/mask-keys-(N−1).json, readable by their owner only. Give party i its file \
      alone, over a private channel; the coordinator that runs candor merge must get none (with two parties' files \
      it could unmask their parts). Whoever runs this command knows every seed: when no one may, each pair of parties \
      agrees on its own seed instead (an X25519 exchange, e.g. `openssl pkeyutl -derive`, hashed to 32 bytes) and \
      writes its file by hand; the README shows how. A session is one federation over one version of the parties' \
      data, with its own ledger (candor privacy ledger init --federation NAME): new data, a new session.
      """)

  @Option(help: "How many parties (data holders), at least 2.")
  var parties: Int

  @Option(help: ArgumentHelp("The session's name, the same in every party's file and in the federation's ledger (candor privacy ledger init --federation).", valueName: "NAME"))
  var session: String

  @Option(help: ArgumentHelp("The folder the files are written into.", valueName: "DIR"))
  var outDir: String

  func validate() throws {
    guard (2...MaskKeys.largestParties).contains(parties) else { throw ValidationError("--parties \(parties): give from 2 to \(MaskKeys.largestParties) parties.") }
    if let problem = MaskKeys.sessionProblem(session) { throw ValidationError("--session: the name cannot be used: \(problem).") }
  }

  func path(of party: Int) -> String { (outDir.hasSuffix("/") ? outDir : outDir + "/") + "mask-keys-\(party).json" }
  static func setting(_ party: Int) -> Setting { Setting("maskKeys\(party)") }

  var inputFiles: [(Setting, String?)] { [] }
  var outputFiles: [(Setting, String?)] { (0..<parties).map { (Self.setting($0), path(of: $0)) } }

  func run() throws {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: outDir, isDirectory: &isFolder), isFolder.boolValue else {
      throw ValidationError("--out-dir \(printable(outDir)) is not a folder; make it first.")
    }
    if let existing = (0..<parties).first(where: { FileManager.default.fileExists(atPath: path(of: $0)) }) {
      throw ValidationError("\(printable(path(of: existing))) already exists: keys are dealt once per session (remove the old set first, or use another folder).")
    }
    let files = try outputTransaction()
    var random = SecureRandomSource()
    for keys in MaskKeys.deal(parties: parties, session: session, using: &random) {
      try files.write(Self.setting(keys.party), try keys.jsonData(), mode: 0o600)
    }
    try files.commit(durably: true)
    print("Dealt the keys of session '\(session)' for \(parties) parties: \(path(of: 0)) to \(path(of: parties - 1)). Give each party its own file, privately; the coordinator gets none.")
  }
}
