import ArgumentParser
import CandorCore
import CandorExplain
import CandorFairness
import CandorModels
import CandorPrivacy
import CandorReport
import Foundation

extension Setting {
  static let part = Setting("part")
}

/// A part's result, read once its header has been checked.
struct PartBody<Result: Decodable>: Decodable {
  var result: Result
}

/// A part that cannot be merged, or parts that do not belong together.
struct MergeError: CandorError {
  let text: String
  func message(naming name: (Setting) -> String) -> String { text }
}

struct Merge: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Combine the parts of a sharded run into the result of the whole data.",
    discussion: """
      Each part is the --partial-out file of one shard (candor predict, candor fairness, candor privacy query, or candor explain --method \
      permutation|shap|kernelshap|treeshap|pdp|ale, with --shard-index i --shard-count n). The parts \
      must come from one command line, one Candor version and the same inputs (each part records them, with \
      BLAKE3 digests, as b3sum prints them), and every shard must be there exactly once. A file may hold several parts, one per line (the \
      --stdout-format jsonl lines of Spark's pipe, saved as text). The result is the one the unsharded run gives: \
      the same JSON, page and text. Parts of candor privacy query --mask-with (each party's own data, its sums masked) \
      add up to the parties' totals alone, which are noised once and spent from the federation's --ledger.
      """)

  @Argument(help: ArgumentHelp("The parts, one per shard, in any order.", valueName: "part"))
  var parts: [String] = []

  @OptionGroup var outputs: ReportOutputs

  @Option(help: "Parts of candor predict: where to write the predictions CSV.")
  var out: String?

  func validate() throws {
    if parts.isEmpty { throw ValidationError("Give the parts to merge (the --partial-out files of every shard).") }
  }

  var inputFiles: [(Setting, String?)] { parts.map { (.part, $0) } }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles + [(.out, out)] }

  func run() throws {
    let files = try outputTransaction()
    let documents = try Self.read(parts)
    let first = documents[0].part
    let isPredict = first.command == Predict.configuration.commandName
    if isPredict, let flag = [("--json", outputs.json), ("--html", outputs.html)].first(where: { $0.1 != nil })?.0 {
      throw ValidationError("\(flag) does nothing with parts of candor predict: they merge into the predictions CSV (--out).")
    }
    if isPredict != (out != nil) {
      throw ValidationError(isPredict ? "Parts of candor predict merge into a predictions CSV; give --out FILE.csv."
                                      : "--out does nothing with parts of candor \(printable(first.command)): give --json or --html.")
    }
    switch first.command {
    case Predict.configuration.commandName: try mergePredictions(documents, files: files)
    case PrivacyQuery.configuration.commandName where first.shard.masked == true: try mergeMaskedQuery(documents, files: files)
    case PrivacyQuery.configuration.commandName: try mergePrivacyQuery(documents, files: files)
    case Fairness.configuration.commandName: try mergeFairness(documents, files: files)
    case Explain.configuration.commandName: try mergeExplanation(documents, files: files)
    default:
      throw MergeError(text: "\(printable(documents[0].path)) is a part of candor \(printable(first.command)), which candor merge does not combine.")
    }
  }

  /// The command the parts' recorded arguments give.
  /// `extra`: what the merge's own options add (a shard's predict line has no --out, the merge's has).
  static func command<C: ParsableCommand>(_ type: C.Type, _ documents: [Part], adding extra: [String] = []) throws -> C {
    do { return try C.parse(documents[0].part.arguments + extra) } catch {
      throw MergeError(text: "\(printable(documents[0].path)): its recorded arguments do not parse: \(C.message(for: error))")
    }
  }

  /// Group sums and score histograms of every shard, into the unsharded assessment.
  func mergeFairness(_ documents: [Part], files: OutputTransaction) throws {
    let fairness = try Self.command(Fairness.self, documents)
    let request = try fairness.request()
    let parts = try documents.map { try Self.decode(FairnessPartial.self, $0) }
    let analysis: FairnessAnalysis
    do {
      analysis = try FairnessAssessment.merge(parts, configuration: request.configuration, weightsColumn: request.weightsColumn,
                                              targetColumn: request.targetColumn, rocCurves: outputs.html != nil)
    } catch let FairnessError.damagedPart(index, reason) {
      throw MergeError(text: "\(printable(documents[index].path)) is a damaged part: \(reason).")
    }
    for warning in analysis.report.warnings { warn(warning) }
    let source = fairness.predictions ?? fairness.data ?? StreamOptions.source
    try outputs.write(into: files, json: { try analysis.report.jsonData() },
                      html: { FairnessPage.html(analysis.report, source: source, rocCurves: analysis.rocCurves) })
    try files.commit()
    print(FairnessPage.text(analysis.report))
  }

  /// Every shard's exact sums, added, then noised once and spent once from the ledger — by this process alone.
  func mergePrivacyQuery(_ documents: [Part], files: OutputTransaction) throws {
    var command = try Self.command(PrivacyQuery.self, documents)
    command.outputs = outputs  // the merge's --json and --html
    let query = try command.parsedQuery()
    let parts = try documents.map { try Self.decode(QueryPart.self, $0) }
    for (document, part) in zip(documents, parts) {
      guard part.query == query, part.aggregates.fits(query), part.aggregates.rows == document.part.shard.rows else {
        throw MergeError(text: "\(printable(document.path)) is a damaged part: it does not hold the sums of \(query.description) over its \(document.part.shard.rows) rows.")
      }
    }
    guard let total = QueryAggregates.adding(parts.map(\.aggregates)) else {
      throw MergeError(text: "\(printable(documents[0].path)) and the other parts are damaged: their sums do not add up within 64-bit integers.")
    }
    let digest = parts[0].dataSHA256
    if let other = zip(documents, parts).first(where: { $0.1.dataSHA256 != digest }) {
      throw MergeError(text: "\(printable(documents[0].path)) and \(printable(other.0.path)) are not parts of one run: they record different SHA-256 digests of their data.")
    }
    try command.present(try command.request(query).run(merged: total, digest: digest), files: files)
  }

  /// Every party's masked sums, added modulo 2⁶⁴ so that the masks cancel (`SecureAggregation`): this process
  /// learns the totals alone, then noises them once and spends once from the federation's ledger.
  func mergeMaskedQuery(_ documents: [Part], files: OutputTransaction) throws {
    // Each party read its own data file, which its part does not name.
    var command = try Self.command(PrivacyQuery.self, documents, adding: ["--data", "-"])
    command.outputs = outputs
    if command.fresh {
      throw MergeError(text: "\(printable(documents[0].path)) records --fresh, which a masked part cannot be (its masks would mask a second release); a party never writes it.")
    }
    let query = try command.parsedQuery()
    for document in documents {
      if let duplicate = firstDuplicateJSONKey(in: document.data) {
        throw MergeError(text: "\(printable(document.path)) is a damaged part: line \(duplicate.line), column \(duplicate.column) repeats the key \"\(printable(duplicate.key))\" within one object.")
      }
    }
    let parts = try documents.map { try Self.decode(MaskedQueryPart.self, $0) }
    let count = QueryAggregates.wordCount(query)
    var words: [[UInt64]] = []
    for (document, part) in zip(documents, parts) {
      guard part.query == query, let masked = part.maskedWords, masked.count == count else {
        throw MergeError(text: "\(printable(document.path)) is a damaged part: it does not hold \(count) masked sums of \(query.description).")
      }
      if let problem = MaskKeys.sessionProblem(part.session) {
        throw MergeError(text: "\(printable(document.path)) is a damaged part: its session name cannot be used (\(problem)).")
      }
      if part.session != parts[0].session {
        throw MergeError(text: "\(printable(documents[0].path)) and \(printable(document.path)) are not parts of one run: they were masked with the keys of sessions '\(printable(parts[0].session))' and '\(printable(part.session))'.")
      }
      words.append(masked)
    }
    let session = parts[0].session
    guard let total = QueryAggregates(words: SecureAggregation.total(words), query: query), total.fits(query) else {
      throw MergeError(text: "The parts' masks do not cancel, so their sums cannot be read: the parties' keys files are not one set (party i's seed for party j must be party j's seed for party i, all of session '\(printable(session))'), or a part was edited. Nothing was spent.")
    }
    let digest = SecureAggregation.federationDigest(session: session)
    let ledger = try LedgerFile.read(command.ledger)
    guard ledger.header.dataset.sha256 == digest else {
      throw MergeError(text: "The ledger \(printable(command.ledger)) is for \(printable(ledger.header.dataset.file)), not for the federation '\(printable(session))' whose parts these are; make its ledger with candor privacy ledger init --federation \(printable(session)) --records N.")
    }
    var request = command.request(query)
    request.dataPath = "the federation '\(session)'"
    try command.present(try request.run(merged: total, digest: digest), files: files)
  }

  /// Every shard's predictions, in row order, into the unsharded run's file and score.
  func mergePredictions(_ documents: [Part], files: OutputTransaction) throws {
    let predict = try Self.command(Predict.self, documents, adding: ["--out", out!])
    let parts = try documents.map { try Self.decode(PredictionsPart.self, $0) }
    for (document, part) in zip(documents, parts) {
      guard part.isWellFormed(rows: document.part.shard.rows), part.outputKind == parts[0].outputKind, part.classes == parts[0].classes,
            part.columns == parts[0].columns, (part.target == nil) == (predict.target == nil),
            part.target?.columns.first.map({ ($0.name, $0.numbers == nil) == (predict.target, parts[0].target!.columns[0].numbers == nil) }) ?? true else {
        throw MergeError(text: "\(printable(document.path)) is a damaged part: it does not hold \(document.part.shard.rows) predictions of the first part's model\(predict.target == nil ? "" : " with their target values").")
      }
    }
    let first = parts[0]
    let values = Matrix(rows: parts.reduce(0) { $0 + $1.labels.count }, columns: first.columns, storage: ContiguousArray(parts.flatMap(\.values)))
    let predictions = Predictions(outputKind: first.outputKind, classes: first.classes, values: values, labels: parts.flatMap(\.labels))
    let target = try predict.target.map { try TableExcerpt(concatenating: parts.map { $0.target! }).table().column($0) }
    try Predict.write(predictions, target: target, to: out!, files: files)
  }

  /// SHAP values of every shard's rows, in shard order, with the rows' values for the page.
  func mergeExplanation(_ documents: [Part], files: OutputTransaction) throws {
    let explain = try Self.command(Explain.self, documents)
    let parts = try documents.map { try Self.decode(ExplanationPart.self, $0) }
    for (document, part) in zip(documents, parts) {
      guard part.holdsOne, part.kind == parts[0].kind, part.explained.isWellFormed,
            part.holdsSums || part.explained.rows.count == document.part.shard.rows,
            part.summedRows.map({ $0 == document.part.shard.rows }) ?? true,
            part.explained.columns.map(\.name) == parts[0].explained.columns.map(\.name) else {
        throw MergeError(text: "\(printable(document.path)) is a damaged part: it does not hold one explanation of its \(document.part.shard.rows) rows with their values.")
      }
    }
    let excerpt = TableExcerpt(concatenating: parts.map(\.explained))
    let table = try excerpt.table(source: explain.data)
    let positions = Dictionary(excerpt.rows.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    let source = explain.data ?? "the data"
    func merged<T>(_ merge: () throws(ExplanationMergeError) -> T) throws -> T {
      do { return try merge() } catch {
        throw MergeError(text: "\(printable(documents[0].path)) and \(printable(documents[error.part].path)) are not parts of one run: \(error.reason).")
      }
    }
    if parts[0].permutation != nil {
      let result = try merged { () throws(ExplanationMergeError) in try PermutationImportancePartial.merging(parts.map { $0.permutation! }) }
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.permutationHTML(result, source: source) })
      try files.commit()
      print(ExplainPage.permutationText(result))
      for warning in ExplanationWarnings.uncertainImportance(result) { warn(warning) }
    } else if parts[0].effects != nil {
      let result = try merged { () throws(ExplanationMergeError) in try FeatureEffectsPartial.merging(parts.map { $0.effects! }) }.effects
      let warnings = parts[0].warnings
      try outputs.write(into: files, json: { try result.jsonData() }, html: { ExplainPage.effectsHTML(result, source: source, warnings: warnings) })
      try files.commit()
      print(ExplainPage.effectsText(result))
      for warning in warnings { warn(warning) }
    } else if parts[0].kernelSHAP != nil {
      let result = try merged { () throws(ExplanationMergeError) in try KernelSHAP.merging(parts.map { $0.kernelSHAP! }) }
      try outputs.write(into: files, json: { try result.jsonData() },
                        html: { ExplainPage.shapHTML(result, explained: table, source: source, positions: positions) })
      try files.commit()
      print(ExplainPage.shapText(result))
      for warning in ExplanationWarnings.uncertainShapley(result) { warn(warning) }
    } else {
      let result = try merged { () throws(ExplanationMergeError) in try TreeSHAP.merging(parts.map { $0.treeSHAP! }) }
      try outputs.write(into: files, json: { try result.jsonData() },
                        html: { ExplainPage.treeSHAPHTML(result, explained: table, source: source, positions: positions) })
      try files.commit()
      print(ExplainPage.treeSHAPText(result))
    }
  }

  /// A document's format and version, whatever else it holds (nil: it is not a JSON object). Read with the
  /// decoder, not JSONSerialization, which turns every number of a large part into a Decimal.
  struct Probe: Decodable {
    var format: String?
    var formatVersion: Int?

    enum CodingKeys: String, CodingKey {
      case format
      case formatVersion = "format_version"
    }

    init(from decoder: any Decoder) throws {
      let container = try decoder.container(keyedBy: CodingKeys.self)
      format = try? container.decode(String.self, forKey: .format)
      formatVersion = try? container.decode(Int.self, forKey: .formatVersion)
    }

    static func read(_ data: Data) -> Probe? { try? CandorJSON.decode(Probe.self, from: data) }
  }

  /// What every part says about itself, without its result.
  struct Header: Decodable {
    var format: String
    var formatVersion: Int
    var candorVersion: String
    var command: String
    var arguments: [String]
    var inputs: [InputHash]
    var shard: ShardSlice
    var columnKinds: [ColumnKind]?

    enum CodingKeys: String, CodingKey {
      case format, command, arguments, inputs, shard
      case formatVersion = "format_version"
      case candorVersion = "candor_version"
      case columnKinds = "column_kinds"
    }
  }

  /// A part as read: its file (and line, for JSON Lines), header, bytes and their tree (read once, decoded twice).
  struct Part {
    var path: String
    var part: Header
    var data: Data
    var tree: JSONValue
  }

  /// Reads every part's header and checks that they belong together: one format, version, command line and set
  /// of inputs, and each shard of the count once.
  static func read(_ paths: [String]) throws -> [Part] {
    var documents: [Part] = []
    for (path, data) in try paths.flatMap(partsInFile) {
      let tree: JSONValue
      do {
        tree = try CandorJSON.tree(data)
      } catch {
        // A part names its format in its first line; bad JSON after that is a damaged part.
        let named = data.prefix(200).range(of: Data("\"candor-partial\"".utf8)) != nil
        throw MergeError(text: "\(printable(path)) \(named ? "is a damaged part" : "is not a part of a sharded Candor run (a --partial-out file)"): \(decodingProblem(error)).")
      }
      if let header = try? CandorJSON.decode(Header.self, from: tree), header.format == "candor-partial", header.formatVersion == 2 {
        documents.append(Part(path: path, part: header, data: data, tree: tree))
        continue
      }
      // The probe words what is wrong with a part that is not well formed.
      guard let probe = try? CandorJSON.decode(Probe.self, from: tree), probe.format == "candor-partial" else {
        throw MergeError(text: "\(printable(path)) is not a part of a sharded Candor run (a --partial-out file).")
      }
      guard probe.formatVersion == 2 else {
        throw MergeError(text: "\(printable(path)) is a part of format version \(probe.formatVersion.map { "\($0)" } ?? "(none)"); this Candor reads version 2 (version 1 parts recorded SHA-256 digests of their inputs, version 2 BLAKE3 ones).")
      }
      do {
        documents.append(Part(path: path, part: try CandorJSON.decode(Header.self, from: tree), data: data, tree: tree))
      } catch {
        throw MergeError(text: "\(printable(path)) is a damaged part: \(decodingProblem(error)).")
      }
    }
    let (firstPath, first) = (documents[0].path, documents[0].part)
    for (path, part) in documents.dropFirst().map({ ($0.path, $0.part) }) {
      func differ(_ what: String) -> MergeError {
        MergeError(text: "\(printable(firstPath)) and \(printable(path)) are not parts of one run: \(what).")
      }
      if part.candorVersion != first.candorVersion {
        throw differ("they were computed by Candor \(printable(first.candorVersion)) and \(printable(part.candorVersion))")
      }
      // Before the command lines, which a masked part records without its --data.
      if part.shard.masked != first.shard.masked { throw differ("one is masked (--mask-with), the other is not") }
      if part.command != first.command || part.arguments != first.arguments {
        let a = [first.command] + first.arguments, b = [part.command] + part.arguments
        let k = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(a.count, b.count)
        func argument(_ list: [String]) -> String { k < list.count ? "'\(printable(list[k]))'" : "the end of the line" }
        throw differ("their command lines differ at argument \(k + 1): \(argument(a)) and \(argument(b))")
      }
      let mine = Dictionary(first.inputs.map { ($0.flag, $0.blake3) }, uniquingKeysWith: { a, _ in a })
      let theirs = Dictionary(part.inputs.map { ($0.flag, $0.blake3) }, uniquingKeysWith: { a, _ in a })
      for flag in Set(mine.keys).union(theirs.keys).sorted() where mine[flag] != theirs[flag] {
        throw differ("they read different \(flag) files (BLAKE3 \((mine[flag] ?? "none").prefix(12))… and \((theirs[flag] ?? "none").prefix(12))…)")
      }
      if part.shard.count != first.shard.count { throw differ("one is a shard of \(first.shard.count), the other of \(part.shard.count)") }
      if part.shard.streamed != first.shard.streamed { throw differ("one was read from standard input (--stdin-format), the other from a file") }
      if part.shard.streamed != true, part.shard.totalRows != first.shard.totalRows { throw differ("their data has \(first.shard.totalRows) and \(part.shard.totalRows) rows") }
    }
    // Shards that typed their rows alone must have read every column alike.
    let typedAlone = documents.filter { $0.part.columnKinds != nil }
    func kinds(_ part: Header) -> [String: String] {
      Dictionary(part.columnKinds!.map { ($0.name, $0.kind) }, uniquingKeysWith: { a, _ in a })
    }
    for (path, part) in typedAlone.dropFirst().map({ ($0.path, $0.part) }) {
      let (firstPath, first, theirs) = (typedAlone[0].path, kinds(typedAlone[0].part), kinds(part))
      for name in Set(first.keys).union(theirs.keys).sorted() where first[name] != theirs[name] {
        func kind(_ value: String?) -> String { value == "numeric" ? "numbers" : value == "categorical" ? "text" : "missing" }
        throw MergeError(text: "\(printable(firstPath)) and \(printable(path)) are not parts of one run: column '\(printable(name))' was read as \(kind(first[name])) in the first and as \(kind(theirs[name])) in the second (each shard types its own rows). Run every shard with --categorical \(printable(name)) or --numeric \(printable(name)).")
      }
    }
    var pathOfShard: [Int: String] = [:]
    for (path, part) in documents.map({ ($0.path, $0.part) }) {
      guard (1...1_000_000).contains(part.shard.count), (0...(1 << 40)).contains(part.shard.totalRows) else {
        throw MergeError(text: "\(printable(path)) is a damaged part: a shard of \(part.shard.count) over \(part.shard.totalRows) rows.")
      }
      // A partition of standard input holds rows 0 ..< rows of its own.
      // A masked party's part says nothing of its rows (0 of 0).
      let expected = part.shard.streamed == true || part.shard.masked == true ? 0..<part.shard.totalRows : ShardSlice.rows(index: part.shard.index, count: part.shard.count, total: part.shard.totalRows)
      guard part.shard.index >= 0, part.shard.index < part.shard.count, part.shard.firstRow == expected.lowerBound, part.shard.rows == expected.count else {
        throw MergeError(text: "\(printable(path)) is a damaged part: shard \(part.shard.index) of \(part.shard.count) over \(part.shard.totalRows) rows cannot hold rows \(part.shard.firstRow) to \(part.shard.firstRow + part.shard.rows - 1).")
      }
      if let other = pathOfShard[part.shard.index] {
        throw MergeError(text: "Shard \(part.shard.index) is given twice: \(printable(other)) and \(printable(path)).")
      }
      pathOfShard[part.shard.index] = path
    }
    let missing = (0..<first.shard.count).filter { pathOfShard[$0] == nil }
    if !missing.isEmpty {
      let shown = missing.prefix(10).map(String.init).joined(separator: ", ") + (missing.count > 10 ? ", …" : "")
      throw MergeError(text: "\(missing.count == 1 ? "Shard" : "Shards") \(shown) of \(first.shard.count) \(missing.count == 1 ? "is" : "are") missing: every shard's part is needed.")
    }
    return documents.sorted { $0.part.shard.index < $1.part.shard.index }
  }

  /// The parts a file holds: the file itself, or — JSON Lines, as Spark's `pipe` output is saved — one part per
  /// line, each named by its line.
  static func partsInFile(_ path: String) throws -> [(String, Data)] {
    let data = try InputFile.read(path)
    // The lines that are not blank, by number and byte range (found with memchr: a part is megabytes).
    let lines: [(number: Int, bytes: Range<Int>)] = data.withUnsafeBytes { raw in
      var found: [(Int, Range<Int>)] = [], start = 0, number = 1
      while start < raw.count {
        let end = memchr(raw.baseAddress! + start, 0x0A, raw.count - start).map { raw.baseAddress!.distance(to: UnsafeRawPointer($0)) } ?? raw.count
        if raw[start..<end].contains(where: { $0 != 0x20 && $0 != 0x0D && $0 != 0x09 }) { found.append((number, start..<end)) }
        (start, number) = (end + 1, number + 1)
      }
      return found
    }
    // JSON Lines when the first line is a JSON object of its own (a part written by --partial-out spans lines).
    guard lines.count > 1, Probe.read(data.subdata(in: lines[0].bytes)) != nil else { return [(path, data)] }
    return lines.map { ("\(path), line \($0.number)", data.subdata(in: $0.bytes)) }
  }

  /// A part's result, checked to hold the rows its header says.
  static func decode<Result: Decodable>(_ type: Result.Type, _ document: Part) throws -> Result {
    do {
      return try CandorJSON.decode(PartBody<Result>.self, from: document.tree).result
    } catch {
      throw MergeError(text: "\(printable(document.path)) is a damaged part: \(decodingProblem(error)).")
    }
  }

  /// A decoding error in words: the key path and what was wrong, or the line and column of bad JSON.
  static func decodingProblem(_ error: any Error) -> String {
    func path(_ context: DecodingError.Context) -> String {
      context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
    }
    switch error as? DecodingError {
    case let .keyNotFound(key, context)?: return "\(path(context)).\(key.stringValue) is missing".trimmingCharacters(in: CharacterSet(charactersIn: "."))
    case let .typeMismatch(_, context)?, let .valueNotFound(_, context)?: return "\(path(context)) is not what a part holds there"
    case let .dataCorrupted(context)?:
      if let syntax = context.underlyingError as? JSONReader.SyntaxError { return syntax.isValidJSON ? "\(syntax)" : "it is not valid JSON (\(syntax))" }
      if context.debugDescription.hasPrefix("Parsed JSON number") {
        return "\(path(context)) holds a number that does not fit there (too large, or not whole where a count or an index is)"
      }
      return "\(path(context)) is not what a part holds there"
    default: return "it does not decode"
    }
  }
}
