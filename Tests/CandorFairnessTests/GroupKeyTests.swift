import CandorCore
import CandorFairness
import Foundation
import Testing

/// Sensitive values holding `|`: groups are told apart by their values, whatever the joined text would be.
@Suite struct GroupKeyTests {
  /// (a, b) = (P|Q, R) twice, (P, Q|R) twice, (X, R) twice; each group has one row of each label.
  static let csv = "y,p,s,a,b\n1,1,0.9,P|Q,R\n0,0,0.2,P|Q,R\n1,0,0.3,P,Q|R\n0,1,0.6,P,Q|R\n1,1,0.7,X,R\n0,0,0.4,X,R\n"
  static let table = try! CSVReader.parse(Data(csv.utf8), source: "p.csv")

  @Test("fairness keeps (P|Q, R) and (P, Q|R) apart, with each group's values in the JSON")
  func fairness() throws {
    let request = FairnessRequest(targetColumn: "y", outcome: .binaryColumns(prediction: "p", score: "s", threshold: 0.5),
                                  sensitiveSets: [["a", "b"], ["a"]])
    let report = try FairnessAssessment.run(request, data: Self.table).report
    let set = try #require(report.sensitiveSets["a|b"])
    #expect(set.groups == ["P|Q\\|R", "P\\|Q|R", "X|R"])
    #expect(set.groupValues == [["P", "Q|R"], ["P|Q", "R"], ["X", "R"]])
    #expect(set.byGroup["accuracy"] == ["P|Q\\|R": 0, "P\\|Q|R": 1, "X|R": 1])
    // A single feature keeps no group_values; its value with a '|' is escaped the same way.
    #expect(report.sensitiveSets["a"]?.groups == ["P", "P\\|Q", "X"])
    #expect(report.sensitiveSets["a"]?.groupValues == nil)
  }

  @Test("reweighing and threshold optimization keep (P|Q, R) and (P, Q|R) apart")
  func mitigation() throws {
    let reweighing = try Reweighing.run(ReweighingRequest(targetColumn: "y", sensitiveFeatures: ["a", "b"]), data: Self.table).reweighing
    #expect(reweighing.groups == ["P|Q\\|R", "P\\|Q|R", "X|R"])
    #expect(reweighing.groupValues == [["P", "Q|R"], ["P|Q", "R"], ["X", "R"]])
    var request = ThresholdRequest(targetColumn: "y", sensitiveFeatures: ["a", "b"], constraint: .demographicParity)
    request.scoreColumn = "s"
    let analysis = try ThresholdMitigation.run(request, fitData: Self.table)
    #expect(analysis.result.policy.keys.sorted() == ["P\\|Q|R", "P|Q\\|R", "X|R"])
  }

  @Test("--privileged reads '\\|' as a '|' inside a value, as group keys write it")
  func privilegedValueWithPipe() throws {
    #expect(PrivilegedSplit(parsing: "a=P\\|Q|X") == PrivilegedSplit(column: "a", values: ["P|Q", "X"]))
    #expect(PrivilegedSplit(column: "a", values: ["P|Q", "X"]).key == "a=P\\|Q|X")
    #expect(PrivilegedSplit(parsing: "a=P|Q") == PrivilegedSplit(column: "a", values: ["P", "Q"]))
  }
}
