import CandorTestSupport
import Foundation
import Testing

import CandorPrivacy
import CandorExplain
import CandorModels
@testable import CandorReport

/// Every page the CLI writes, and a combined report, built from results with hostile names.
enum PageKind: String, CaseIterable, Sendable {
  case fairness, threshold, thresholdExact, reweighing, permutation, kernelSHAP, partialDependence, accumulatedLocalEffects, ledger, dpTrain, epsilon, audit, query, counterfactual, whatIf, coefficients, surrogate, errorAnalysis, additiveTerms, decisionTree, combined

  func html() throws -> String {
    let source = ReportInputs.source
    switch self {
    case .fairness:
      let (report, curves) = try ReportInputs.fairness()
      return FairnessPage.html(report, source: source, rocCurves: curves)
    case .threshold: return MitigationPage.thresholdHTML(try ReportInputs.threshold(), hulls: ReportInputs.hulls, source: source)
    case .thresholdExact:
      return MitigationPage.thresholdHTML(try ReportInputs.threshold(mode: "exact", constraint: "demographic_parity"), hulls: ReportInputs.hulls,
                                          source: source)
    case .reweighing: return MitigationPage.reweighingHTML(try ReportInputs.reweighing(), evaluation: try ReportInputs.evaluation(), source: source)
    case .permutation: return ExplainPage.permutationHTML(try ReportInputs.permutation(), source: source)
    case .kernelSHAP:
      let (result, table) = try ReportInputs.kernelSHAP()
      return ExplainPage.shapHTML(result, explained: table, source: source)
    case .partialDependence: return ExplainPage.effectsHTML(try ReportInputs.effects(), source: source)
    case .accumulatedLocalEffects: return ExplainPage.effectsHTML(try ReportInputs.effects(method: "ale"), source: source)
    case .ledger: return PrivacyLedgerPage.html(try ReportInputs.ledger(), source: source)
    case .epsilon:
      let (result, curve) = try ReportInputs.epsilon()
      return PrivacyEpsilonPage.html(result, curve: curve)
    case .dpTrain:
      let (report, curve) = try ReportInputs.privateTraining()
      return PrivateTrainingPage.html(report, curve: curve, source: source, ledger: (try ReportInputs.ledger(), source))
    case .audit: return PrivacyAuditPage.html(ReportInputs.audit(), model: source)
    case .query:
      let (result, ledger) = try ReportInputs.query()
      return PrivacyQueryPage.html(result, ledger: ledger, source: source)
    case .counterfactual:
      let (section, panel) = try ReportInputs.counterfactual()
      return CounterfactualPage.html(section, panel: panel)
    case .whatIf:
      let (section, panel) = try ReportInputs.whatIf()
      return WhatIfPage.html(section, panel: panel)
    case .coefficients:
      let (_, model, summary) = try ReportInputs.glassBox()
      return ExplainPage.coefficientsHTML(try CoefficientTable.make(model, training: summary), source: source)
    case .surrogate:
      let (table, model, _) = try ReportInputs.glassBox()
      let (result, fitted) = try Surrogate.run(SurrogateRequest(), model: model, data: table)
      guard case let .tree(tree) = fitted else { throw ReportInputs.NotATree() }
      return ExplainPage.surrogateHTML(result, source: source, tree: tree)
    case .errorAnalysis:
      let (table, model, _) = try ReportInputs.glassBox(noisy: true)
      var request = ErrorAnalysisRequest(targetColumn: "y")
      request.minCohort = 5
      return ExplainPage.errorAnalysisHTML(try ErrorAnalysis.run(request, model: model, data: table), source: source)
    case .additiveTerms:
      let (table, _, _) = try ReportInputs.glassBox()
      var spec = TrainingSpec(target: "y", positive: "1")
      spec.scaling = false
      var options = ExplainableBoostingMachine.Options()
      (options.outerBags, options.interactions, options.minSamplesLeaf) = (1, 1, 2)
      let ebm = try ExplainableBoostingMachine.fit(table, data: try TrainingSet.prepare(table, spec: spec, classification: true), options: options).0
      return ExplainPage.termsHTML(try AdditiveTerms.make(ebm, data: table, rows: [0, 1]), source: source)
    case .decisionTree:
      let (table, _, _) = try ReportInputs.glassBox()
      var spec = TrainingSpec(target: "y", positive: "1")
      spec.scaling = false
      return ExplainPage.treeHTML(try DecisionTree.fit(try TrainingSet.prepare(table, spec: spec, classification: true)).0, source: source)
    case .combined: return HTMLDocument(title: ReportInputs.script, sections: try Self.allSections()).rendered()
    }
  }

  /// One section of each kind.
  static func allSections() throws -> [any ReportSection] {
    let source = ReportInputs.source
    let (report, curves) = try ReportInputs.fairness()
    let (shap, table) = try ReportInputs.kernelSHAP()
    return [
      FairnessSection(report, source: source, rocCurves: curves),
      ThresholdMitigationSection(try ReportInputs.threshold(), hulls: ReportInputs.hulls, source: source),
      ReweighingSection(try ReportInputs.reweighing(), evaluation: try ReportInputs.evaluation(), source: source),
      PermutationImportanceSection(try ReportInputs.permutation(), source: source),
      ShapleyValuesSection(shap, explained: table, source: source),
      FeatureEffectsSection(try ReportInputs.effects(), source: source),
      PrivacyLedgerSection(try ReportInputs.ledger(), source: source),
      PrivateTrainingSection(try ReportInputs.privateTraining().0, curve: try ReportInputs.privateTraining().1, source: source),
      PrivacyEpsilonSection(try ReportInputs.epsilon().0, curve: try ReportInputs.epsilon().1),
      PrivacyAuditSection(ReportInputs.audit(), model: source),
      PrivacyQuerySection(try ReportInputs.query().0, ledger: try ReportInputs.query().1, source: source),
      try ReportInputs.counterfactual().0, try ReportInputs.counterfactual().1, try ReportInputs.whatIf().0,
    ]
  }
}

@Suite struct PageHygieneTests {
  @Test("the page parses strictly, with one stylesheet, one h1, unique ids and no skipped heading level", arguments: PageKind.allCases)
  func wellFormed(_ kind: PageKind) throws {
    _ = try PageChecks.expectWellFormed(try kind.html())
  }

  /// privacy epsilon's page shows no user text (an event tree holds only numbers).
  @Test("hostile feature, group and file names come out as escaped text, never as markup", arguments: PageKind.allCases.filter { $0 != .epsilon })
  func hostileNamesEscaped(_ kind: PageKind) throws {
    let html = try kind.html()
    PageChecks.expectEscaped(ReportInputs.hostile, in: html, try HTMLStructure(html))
  }

  @Test("the page fetches nothing: no URL but the SVG namespace, no link, src, @import or url(", arguments: PageKind.allCases)
  func selfContained(_ kind: PageKind) throws {
    let html = try kind.html()
    PageChecks.expectSelfContained(html, try HTMLStructure(html))
  }

  /// A standalone page and the combined report, which holds every section (one browser start each).
  @Test("the page loads in headless Chromium with no console messages and no injected elements",
        .enabled(if: Chromium.isAvailable, "needs Debian's chromium; make test installs it"), arguments: [PageKind.fairness, .counterfactual, .combined])
  func rendersInChromium(_ kind: PageKind) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let file = directory.appendingPathComponent("\(kind.rawValue).html")
    try kind.html().write(to: file, atomically: true, encoding: .utf8)
    let (dom, console) = try Chromium.load(file)
    #expect(console.isEmpty, "\(console)")
    #expect(dom.contains("<svg"))
    #expect(PageChecks.onlyOwnScripts(dom) && !dom.contains("<img"))
  }
}
