import ArgumentParser
import CandorCore
import CandorExplain
import CandorModels
import CandorReport
import Foundation

struct Inspect: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Show how a CSV file is read (rows, and each column's type, missing count and levels or range), or what a model file holds (a tree as rules).")

  @Option(help: "CSV file (RFC 4180, header row, UTF-8).")
  var data: String?

  @OptionGroup var reading: ReadOptions

  @Option(help: "A model file: its kind, features and classes; a decision tree as its rules, an EBM's terms.")
  var model: String?

  @Option(help: "With --model: a page that draws the model — a decision tree with its rows and class shares per node and its rules, an EBM's shape functions.")
  var html: String?

  var inputFiles: [(Setting, String?)] { [(.data, data), (.model, model)] }
  var outputFiles: [(Setting, String?)] { [(.html, html)] }

  func validate() throws {
    if data == nil && model == nil { throw ValidationError("Give --data FILE.csv (how it is read), --model FILE (what it holds), or both.") }
    if html != nil && model == nil { throw ValidationError("--html draws a model; give --model FILE.") }
  }

  func run() throws {
    let files = try outputTransaction()
    if let model {
      let loaded = try ModelLoader.loadModel(path: model, inputColumns: nil)
      if html != nil {
        let page: String
        switch loaded.model {
        case let tree as DecisionTree: page = ExplainPage.treeHTML(tree, source: model)
        case let ebm as ExplainableBoostingMachine: page = ExplainPage.termsHTML(try AdditiveTerms.make(ebm, data: nil, rows: []), source: model)
        default: throw ValidationError("--html draws a decision tree or an explainable boosting machine; \(model) is neither (candor explain draws any model's explanations).")
        }
        try files.write(.html, Data(page.utf8))
        try files.commit()
      }
      print(Self.describe(loaded, path: model))
    }
    guard let data else { return }
    let start = DispatchTime.now()
    let table = try reading.read(data)
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    print("\(data): \(table.rowCount) rows, \(table.columns.count) columns (read in \(String(format: "%.3f", seconds)) s)")
    for column in table.columns {
      print("  " + ColumnProfile(column).text)
    }
  }

  static func describe(_ loaded: LoadedModel, path: String) -> String {
    let m = loaded.model
    var lines = ["\(path): \(loaded.format), \(m.outputKind.rawValue), features \(m.featureNames.map { printable($0) }.joined(separator: ", ")); classes \(m.classes.map { printable($0) }.joined(separator: ", "))."]
    if let tree = m as? DecisionTree {
      lines.append("Decision tree (\(tree.criterion.rawValue), depth \(tree.depth), \(tree.nodeCount) nodes, \(tree.left.count { $0 < 0 }) leaves):")
      lines += tree.rules.map { "  " + $0 }
      lines.append("A missing numeric value is read as its training mean and goes the mean's way; a missing text value is the level missing.")
    }
    if let ebm = m as? ExplainableBoostingMachine {
      let pairs = ebm.terms.indices.filter { ebm.terms[$0].features.count == 2 }
      lines.append("Explainable boosting machine (\(ebm.isRegression ? "squared_error" : "log_loss")): intercept \(formatRounded(ebm.intercept, significantDigits: 5)), "
        + "\(ebm.terms.count - pairs.count) main effects, \(pairs.count) pairs\(pairs.isEmpty ? "" : ": " + pairs.map { printable(ebm.termName($0)) }.joined(separator: ", ")).")
      lines.append("Bins per feature: " + ebm.binnings.map { "\(printable($0.name)) \($0.binCount - 1)" }.joined(separator: ", ") + ". candor explain --method terms shows the shapes.")
    }
    return lines.joined(separator: "\n")
  }
}
