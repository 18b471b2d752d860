import CandorCore
import CandorFairness
import Foundation
import Testing

/// Fairlearn 0.15's `test/unit/metrics` cases (single values, `pos_label` variants, weighted rates, missing
/// combinations of sensitive and control features, zero divisions) through `FairnessAssessment`: every value
/// Fairlearn's `MetricFrame` and disparity functions give, within 1e-12, or the refusal Fairlearn gives.
/// Each case names its test in `Tests/Fixtures/conformance/cases/fairlearn_metrics.py`.
@Suite struct FairlearnMetricsConformanceTests {
  static func assess(_ peerCase: PeerCase) throws -> SensitiveSetResult {
    let table = try CSVReader.parse(Data(peerCase["csv"].string!.utf8), source: "\(peerCase.id).csv")
    let sensitive = peerCase["sensitive"].strings
    var request = FairnessRequest(targetColumn: "y_true", outcome: .binaryColumns(prediction: "y_pred", score: peerCase["score"].string, threshold: 0.5),
                                  sensitiveSets: [sensitive])
    request.positive = peerCase["positive"].string
    request.weightsColumn = peerCase["weights"].string
    request.configuration.controlFeatures = peerCase["control"].strings
    return try FairnessAssessment.run(request, data: table).report.sensitiveSets[Grouping.key(sensitive)]!
  }

  /// Runs the case and checks that Candor refuses exactly where Fairlearn does; nil when both refused.
  static func outcome(_ peerCase: PeerCase) throws -> SensitiveSetResult? {
    guard peerCase["csv"].string != nil else {
      // Fairlearn refuses columns of different lengths; a CSV file cannot hold them.
      #expect(peerCase.peerError?.hasPrefix("ValueError: Found input variables with inconsistent numbers of samples") == true)
      return nil
    }
    let result = Result { try assess(peerCase) }
    if let refusal = peerCase.peerError {
      if case let .success(set) = result { Issue.record("\(peerCase.id): Fairlearn refuses (\(refusal)) but Candor answered \(set.overall)") }
      return nil
    }
    return try result.get()
  }

  @Test("every MetricFrame value Fairlearn gives: by group, overall and each aggregate, per control stratum",
        arguments: PeerValues.ids("metric_frame"))
  func metricFrame(_ id: String) throws {
    let peerCase = PeerValues.case(id)
    guard let set = try Self.outcome(peerCase), let peer = peerCase.peer else { return }
    let controls = peerCase["control"].strings.count
    func stratum(_ key: ArraySlice<String>) -> SensitiveSetResult? {
      controls == 0 ? set : set.strata?[Grouping.key(Array(key))]
    }
    var compared = 0
    for metric in peerCase["metrics"].strings {
      for entry in peer["by_group"][metric].array {
        let key = entry["key"].strings, theirs = entry["value"].double
        guard let ours = stratum(key.prefix(controls))?.byGroup[metric]?[Grouping.key(Array(key.dropFirst(controls)))] else {
          // Fairlearn lists every combination of the features' values, nan where no row has it; Candor lists the
          // groups that occur.
          #expect(theirs?.isNaN == true, "\(id) \(metric) \(key): Fairlearn has \(String(describing: theirs)) for a group Candor lacks")
          continue
        }
        #expect(agrees(ours, theirs), "\(id) \(metric) by group \(key): Candor \(ours), Fairlearn \(String(describing: theirs))")
        compared += 1
      }
      for name in ["overall"] + Aggregation.allCases.map(\.rawValue) {
        for entry in peer[name][metric].array {
          let theirs = entry["value"].double
          guard let result = stratum(entry["key"].strings[...]) else {
            #expect(theirs?.isNaN == true, "\(id) \(metric) \(name): Fairlearn has a value for a stratum Candor lacks")
            continue
          }
          let ours = name == "overall" ? result.overall[metric] : result.aggregate(Aggregation(rawValue: name)!)[metric]
          #expect(agrees(ours, theirs), "\(id) \(metric) \(name) \(entry["key"].strings): Candor \(String(describing: ours)), Fairlearn \(String(describing: theirs))")
          compared += 1
        }
      }
    }
    #expect(compared > 0, "\(id): nothing compared")
  }

  @Test("every disparity Fairlearn's functions give (demographic parity, equalized odds, equal opportunity; both methods; worst case and mean)",
        arguments: PeerValues.ids("disparity"))
  func disparity(_ id: String) throws {
    let peerCase = PeerValues.case(id)
    guard let set = try Self.outcome(peerCase), let peer = peerCase.peer else { return }
    let name = peerCase["disparity"].string!
    #expect(agrees(set.disparities[name], peer["value"].double),
            "\(id) \(name): Candor \(String(describing: set.disparities[name])), Fairlearn \(String(describing: peer["value"].double))")
  }
}
