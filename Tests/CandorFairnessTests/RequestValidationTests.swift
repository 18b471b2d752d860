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
