import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorFairness

@Suite struct FairnessLawTests {
  static func assess(_ table: Table, sets: [[String]] = [["sex"], ["race"], ["sex", "race"]]) throws -> FairnessReport {
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y_true", predictionColumn: "y_pred",
                                            scoreColumn: "y_score", positive: "1", threshold: 0.5)
    return try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: FairnessConfiguration(sensitiveSets: sets))
  }

  static func table() throws -> Table { try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv")) }

  static func sameNumbers(_ a: [String: Double], _ b: [String: Double], tolerance: Double) -> Bool {
    a.keys == b.keys && a.allSatisfy { key, value in
      let other = b[key]!
      return (value.isNaN && other.isNaN) || abs(value - other) <= tolerance
    }
  }

  @Test("permuting the rows changes nothing")
  func permutation() throws {
    let table = try Self.table()
    var random = SeededRandom(seed: 3)
    let shuffled = table.selecting(rows: Array(0..<table.rowCount).shuffled(using: &random))
    let a = try Self.assess(table), b = try Self.assess(shuffled)
    for key in ["sex", "race", "sex|race"] {
      let x = a.sensitiveSets[key]!, y = b.sensitiveSets[key]!
      #expect(x.groups == y.groups)
      // Sums in another order may move the last bits; counts are exact.
      #expect(Self.sameNumbers(x.overall, y.overall, tolerance: 1e-13))
      #expect(Self.sameNumbers(x.disparities, y.disparities, tolerance: 1e-13))
      for metric in x.byGroup.keys { #expect(Self.sameNumbers(x.byGroup[metric]!, y.byGroup[metric]!, tolerance: 1e-13)) }
    }
  }

  @Test("duplicating every row leaves every rate unchanged and doubles the counts")
  func duplication() throws {
    let table = try Self.table()
    let doubled = table.selecting(rows: Array(0..<table.rowCount) + Array(0..<table.rowCount))
    let a = try Self.assess(table).sensitiveSets["sex|race"]!, b = try Self.assess(doubled).sensitiveSets["sex|race"]!
    for (metric, groups) in a.byGroup {
      for (group, value) in groups {
        let other = b.byGroup[metric]![group]!
        if metric == "count" {
          #expect(other == 2 * value)
        } else {
          #expect((value.isNaN && other.isNaN) || abs(value - other) < 1e-13, "\(metric) \(group)")
        }
      }
    }
  }

  @Test("intersectional counts add up to the total and to each single feature's counts")
  func countsAddUp() throws {
    let report = try Self.assess(try Self.table())
    let intersection = report.sensitiveSets["sex|race"]!.byGroup["count"]!
    #expect(intersection.values.reduce(0, +) == 16_281)
    let sex = report.sensitiveSets["sex"]!.byGroup["count"]!
    for (group, count) in sex {
      #expect(intersection.filter { $0.key.hasPrefix(group + "|") }.values.reduce(0, +) == count)
    }
  }

  @Test("a group without positives reports TPR 0 with a note saying why")
  func notes() throws {
    let csv = "y_true,y_pred,y_score,g\n0,0,0.1,a\n0,1,0.7,a\n1,1,0.9,b\n0,0,0.2,b\n"
    let table = try CSVReader.parse(Data(csv.utf8), source: "t.csv")
    let result = try Self.assess(table, sets: [["g"]]).sensitiveSets["g"]!
    #expect(result.byGroup["true_positive_rate"]!["a"] == 0)
    #expect(result.byGroup["roc_auc"]!["a"]!.isNaN)
    #expect(result.notes.contains(ValueNote(metric: "true_positive_rate", group: "a", reason: "no positive labels: reported as 0, as Fairlearn does")))
    #expect(result.notes.contains(ValueNote(metric: "roc_auc", group: "a", reason: "one class only: undefined (nan)")))
    #expect(result.smallGroups == ["a", "b"])
  }

  @Test("the bootstrap is reproducible with a seed and its interval contains the estimate")
  func bootstrapSeeded() throws {
    let table = try Self.table()
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y_true", predictionColumn: "y_pred",
                                            scoreColumn: "y_score", positive: "1", threshold: 0.5)
    var configuration = FairnessConfiguration(sensitiveSets: [["race"]])
    configuration.bootstrapReplicates = 50
    configuration.seed = 9
    let a = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: configuration)
    let b = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: configuration)
    #expect(a == b)
    let set = a.sensitiveSets["race"]!
    let dp = set.disparities["demographic_parity_difference"]!, interval = set.intervals!.disparities["demographic_parity_difference"]!
    #expect(interval[0] <= dp && dp <= interval[1])
    // Poisson: a group's count in a replicate is Poisson(135), whose central 95 % is about [112, 158].
    let count = set.intervals!.byGroup["count"]!["Other"]!
    #expect(count[0] > 105 && count[0] < 125 && count[1] > 145 && count[1] < 165, "\(count)")
    // One seed for every set: the overall intervals of two sets are the same replicates.
    configuration.sensitiveSets = [["race"], ["sex"]]
    let both = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: configuration)
    let race = both.sensitiveSets["race"]!.intervals!.overall, sex = both.sensitiveSets["sex"]!.intervals!.overall
    #expect(race.keys == sex.keys && race.allSatisfy { metric, interval in zip(interval, sex[metric]!).allSatisfy { abs($0 - $1) <= 1e-13 } })
    #expect(both.sensitiveSets["race"]!.intervals == set.intervals)
  }

  @Test("Poisson bootstrap counts: Poisson(1) frequencies (chi-square over 10⁶ draws), no correlation between neighbouring rows or replicates")
  func poissonCounts() {
    var frequencies = [Int](repeating: 0, count: 8)
    var neighbours = 0.0, replicas = 0.0
    let draws = 1_000_000
    for i in 0..<draws {
      let m = PoissonBootstrap.multiplicity(seed: 5, replicate: i % 100, row: i / 100)
      frequencies[min(Int(m), 7)] += 1
      neighbours += (m - 1) * (PoissonBootstrap.multiplicity(seed: 5, replicate: i % 100, row: i / 100 + 1) - 1)
      replicas += (m - 1) * (PoissonBootstrap.multiplicity(seed: 5, replicate: i % 100 + 1, row: i / 100) - 1)
    }
    var expected = (0..<7).map { k in exp(-1) / Double((1...max(1, k)).reduce(1, *)) }
    expected.append(1 - expected.reduce(0, +))
    let chiSquare = zip(frequencies, expected).reduce(0.0) { total, pair in
      let e = pair.1 * Double(draws)
      return total + (Double(pair.0) - e) * (Double(pair.0) - e) / e
    }
    // 7 degrees of freedom: P(χ² > 24.3) = 0.001.
    #expect(chiSquare < 24.3, "χ² = \(chiSquare), frequencies \(frequencies)")
    // Covariances of unit-variance counts: 4 standard errors is 0.004.
    #expect(abs(neighbours / Double(draws)) < 0.004 && abs(replicas / Double(draws)) < 0.004)
  }

  @Test("regression targets get count, mean prediction, MAE, MSE and R² by group")
  func regression() throws {
    let csv = "y,p,g\n1,1.5,a\n2,2,a\n3,2,a\n10,12,b\n20,18,b\n"
    let table = try CSVReader.parse(Data(csv.utf8), source: "r.csv")
    let outcomes = Outcomes.regression(targets: try Outcomes.numbers(table.column("y"), file: nil),
                                       predictions: try Outcomes.numbers(table.column("p"), file: nil))
    let report = try FairnessAssessment.assess(outcomes, weights: nil, table: table,
                                               configuration: FairnessConfiguration(sensitiveSets: [["g"]]))
    let set = report.sensitiveSets["g"]!
    #expect(report.metrics == [.count, .meanPrediction, .meanAbsoluteError, .meanSquaredError, .rSquared])
    #expect(set.byGroup["mean_prediction"]!["a"] == 5.5 / 3)
    #expect(abs(set.byGroup["mae"]!["a"]! - 1.5 / 3) < 1e-15)
    #expect(abs(set.byGroup["mse"]!["b"]! - 4) < 1e-15)
    // sklearn r2_score([1,2,3],[1.5,2,2]) = 1 - 1.25/2 = 0.375
    #expect(abs(set.byGroup["r2"]!["a"]! - 0.375) < 1e-14)
    #expect(set.disparities.isEmpty)
  }
}

@Suite struct ControlFeatureTests {
  @Test("control strata partition the rows: their group counts add up to the set's")
  func strataAddUp() throws {
    let table = try CSVReader.read(path: Fixtures.path("adult_test_predictions.csv"))
    let outcomes = try Outcomes.fromColumns(table: table, labelColumn: "y_true", predictionColumn: "y_pred",
                                            scoreColumn: "y_score", positive: "1", threshold: 0.5)
    var configuration = FairnessConfiguration(sensitiveSets: [["race"]])
    configuration.controlFeatures = ["sex"]
    let set = try FairnessAssessment.assess(outcomes, weights: nil, table: table, configuration: configuration).sensitiveSets["race"]!
    let strata = try #require(set.strata)
    #expect(strata.keys.sorted() == ["Female", "Male"])
    for group in set.groups {
      let total = strata.values.reduce(0.0) { $0 + ($1.byGroup["count"]![group] ?? 0) }
      #expect(total == set.byGroup["count"]![group]!)
    }
    // Within a stratum the numbers are those of the intersection: race within sex=Female is sex|race for Female.
    let intersection = try FairnessAssessment.assess(outcomes, weights: nil, table: table,
                                                     configuration: FairnessConfiguration(sensitiveSets: [["sex", "race"]]))
    let female = intersection.sensitiveSets["sex|race"]!.byGroup["selection_rate"]!["Female|Black"]!
    #expect(abs(strata["Female"]!.byGroup["selection_rate"]!["Black"]! - female) < 1e-15)
  }
}
