import CandorCore
import CandorFairness
import Foundation
import Testing

/// Settings a request cannot be run with are refused with the module's error before any data is used.
@Suite struct RequestValidationTests {
  static let table = try! CSVReader.parse(Data("y,p,s,g\n1,1,0.9,a\n0,0,0.2,a\n1,0,0.6,b\n0,1,0.4,b\n".utf8), source: "p.csv")

  @Test("an assessment whose sensitive sets are none, or one of them empty, is refused", arguments: [[], [[]], [["g"], []]] as [[[String]]])
  func fairnessWithoutSensitiveColumns(_ sets: [[String]]) throws {
    let request = FairnessRequest(targetColumn: "y", outcome: .binaryColumns(prediction: "p", score: nil, threshold: 0.5), sensitiveSets: sets)
    #expect(throws: FairnessError.noSensitiveFeatures) { try FairnessAssessment.run(request, data: Self.table) }
  }

  @Test("reweighing and threshold optimization by no sensitive column are refused")
  func mitigationWithoutSensitiveColumns() throws {
    #expect(throws: FairnessError.noSensitiveFeatures) {
      try Reweighing.run(ReweighingRequest(targetColumn: "y", sensitiveFeatures: []), data: Self.table)
    }
    var threshold = ThresholdRequest(targetColumn: "y", sensitiveFeatures: [], constraint: .demographicParity)
    threshold.scoreColumn = "s"
    #expect(throws: FairnessError.noSensitiveFeatures) { try ThresholdMitigation.run(threshold, fitData: Self.table) }
    #expect(FairnessError.noSensitiveFeatures.description
      == "sensitiveFeatures names no column: give at least one sensitive column (several make intersectional groups).")
  }
}

extension RequestValidationTests {
  // Fairlearn 0.15's ThresholdOptimizer raises "For equalized_odds only the following objectives are
  // supported: accuracy_score, balanced_accuracy_score." for these objectives.
  @Test("equalized odds refuses the rate objectives, as Fairlearn's ThresholdOptimizer does",
        arguments: [ThresholdObjective.selectionRate, .truePositiveRate, .trueNegativeRate])
  func equalizedOddsObjectives(_ objective: ThresholdObjective) throws {
    var request = ThresholdRequest(targetColumn: "y", sensitiveFeatures: ["g"], constraint: .equalizedOdds)
    request.scoreColumn = "s"
    request.objective = objective
    let refusal = FairnessError.invalidSetting(.init(.objective, value: objective.name.rawValue, .because(
      "equalized odds maximizes accuracy_score, balanced_accuracy_score or a cost, as Fairlearn's ThresholdOptimizer does")))
    #expect(throws: refusal) { try ThresholdMitigation.run(request, fitData: Self.table) }
    request.constraint = .truePositiveRateParity
    _ = try ThresholdMitigation.run(request, fitData: Self.table)
  }
}

/// A bootstrap that would exhaust memory or draw too many rows is refused before it starts, with its figures.
@Suite struct BootstrapLimitTests {
  static func assess(replicates: Int, memory: Int = 1_000_000_000, draws: Int = 10_000_000_000) throws {
    let table = try CSVReader.parse(Data("y,p,g\n1,1,a\n0,0,a\n1,0,b\n0,1,b\n".utf8), source: "p.csv")
    var request = FairnessRequest(targetColumn: "y", outcome: .binaryColumns(prediction: "p", score: nil, threshold: 0.5), sensitiveSets: [["g"]])
    request.configuration.bootstrapReplicates = replicates
    request.configuration.memoryLimit = MemoryLimit(bytes: memory, basis: "a test's limit")
    request.configuration.maxBootstrapDraws = draws
    _ = try FairnessAssessment.run(request, data: table)
  }

  static func refusal(_ replicates: Int, _ because: String) -> FairnessError {
    .invalidSetting(.init(.bootstrapReplicates, value: "\(replicates)", .because(because)))
  }

  // Each replicate holds 9 metrics × (2 groups + overall + 6 aggregates) + 16 disparities = 97 values: 8·97 + 88 bytes.
  @Test("replicates whose values exceed the memory limit are refused, saying how many fit")
  func memory() {
    #expect(throws: Self.refusal(10_000_000, "the replicates would hold about 8.6 GB of memory, more than the limit of 1.0 GB "
      + "(a test's limit). At most 1157407 replicates fit here")) { try Self.assess(replicates: 10_000_000) }
  }

  @Test("replicates that would draw more rows than the limit are refused, saying how many fit")
  func draws() {
    #expect(throws: Self.refusal(300, "the replicates would draw 1200 rows (4 per set × 1 set × 300 replicates), more than the limit "
      + "of 1000 row draws. At most 250 replicates fit here")) { try Self.assess(replicates: 300, draws: 1000) }
    #expect(throws: Self.refusal(300, "the replicates would hold about 0.3 MB of memory, more than the limit of 0.1 MB (a test's limit) "
      + "and would draw 1200 rows (4 per set × 1 set × 300 replicates), more than the limit of 3 row draws. "
      + "No bootstrap of this data fits here")) { try Self.assess(replicates: 300, memory: 100_000, draws: 3) }
  }

  @Test("a bootstrap within both limits runs")
  func withinLimits() throws {
    try Self.assess(replicates: 250, draws: 1000)
  }
}
