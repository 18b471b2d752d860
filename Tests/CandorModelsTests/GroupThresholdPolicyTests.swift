import CandorCore
import Foundation
import Testing

@testable import CandorModels

@Suite struct GroupThresholdPolicyTests {
  /// Three intersectional groups, two of which would both be `P|Q|R` if values were joined without escaping.
  static let table = try! CSVReader.parse(Data("a,b\nP|Q,R\nP,Q|R\nX\\,R\n".utf8), source: "d.csv")

  @Test("a saved policy finds the rule of a group whose values hold '|' or '\\' after a JSON round trip")
  func roundTripWithPipes() throws {
    let keys = try Self.table.grouping(by: ["a", "b"]).keys
    #expect(keys == ["P|Q\\|R", "P\\|Q|R", "X\\\\|R"])
    // Each group's rule selects everybody with its own probability: 0.25, 0.5, 0.75.
    let rules = Dictionary(uniqueKeysWithValues: zip(keys, [0.25, 0.5, 0.75]).map { key, p in
      (key, GroupThresholdPolicy.Rule(p0: p, threshold0: -.infinity, p1: 0, threshold1: .infinity))
    })
    let policy = GroupThresholdPolicy(sensitiveFeatures: ["a", "b"], rules: rules)
    let decoded = try CandorJSON.decoder().decode(GroupThresholdPolicy.self, from: CandorJSON.data(policy))
    #expect(decoded == policy)
    // Rows: (P|Q, R) → group 2 (0.5), (P, Q|R) → group 1 (0.25), (X\, R) → group 3 (0.75).
    #expect(try decoded.positiveProbabilities(scores: [0.5, 0.5, 0.5], table: Self.table) == [0.5, 0.25, 0.75])
  }

  @Test("a flipped threshold selects the scores below it; a rule saved before operators existed reads as '>'")
  func operators() throws {
    let rule = GroupThresholdPolicy.Rule(p0: 0.25, threshold0: 0.5, p1: 0.75, threshold1: 0.2, operator0: .above, operator1: .below)
    // 0.1: only below 0.2 → 0.75; 0.3: neither → 0; 0.6: only above 0.5 → 0.25.
    #expect([0.1, 0.3, 0.6].map(rule.positiveProbability(score:)) == [0.75, 0, 0.25])
    let decoded = try CandorJSON.decoder().decode(GroupThresholdPolicy.Rule.self, from: CandorJSON.data(rule))
    #expect(decoded == rule)
    let old = #"{"p0": 0.25, "threshold0": 0.5, "p1": 0.75, "threshold1": 0.2, "p_ignore": 0, "prediction_constant": 0}"#
    let legacy = try CandorJSON.decoder().decode(GroupThresholdPolicy.Rule.self, from: Data(old.utf8))
    #expect(legacy.operator0 == .above && legacy.operator1 == .above)
    #expect(legacy.positiveProbability(score: 0.3) == 0.75)
  }
}
