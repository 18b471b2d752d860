import CandorCore
import CandorExplain
import CandorFairness
import Foundation

/// libFuzzer target: the bytes are the JSON result of a second part of a sharded run (the `result` a --partial-out
/// file holds), merged after a valid first part computed here. The first byte chooses what the part is of: fairness
/// (group sums, score histograms, a 3-replicate bootstrap), permutation importance (scorer sums), or (first byte 2
/// mod 4) an explanation part's packed SHAP rows and explained rows' values, decoded, shaped and re-encoded. A decoding error
/// or a refusal (`FairnessError`, `ExplanationMergeError`) is a correct answer; a trap, a sanitizer report or a
/// merged result with a wrong shape is a crash. Seeds: real parts of both kinds.
let table: Table = {
  let sexes = ["Male", "Female"], races = ["White", "Black", "Asian"]
  return try! Table(columns: [
    .categorical(CategoricalColumn(name: "y_true", strings: (0..<24).map { $0 % 3 == 0 ? "1" : "0" })),
    .categorical(CategoricalColumn(name: "y_pred", strings: (0..<24).map { $0 % 4 == 0 ? "1" : "0" })),
    .numeric(NumericColumn(name: "y_score", values: ContiguousArray((0..<24).map { Double(($0 * 7) % 24) / 24 }))),
    .categorical(CategoricalColumn(name: "sex", strings: (0..<24).map { sexes[$0 % 2] })),
    .categorical(CategoricalColumn(name: "race", strings: (0..<24).map { races[$0 % 3] })),
  ], source: "fuzz.csv")
}()

let configuration: FairnessConfiguration = {
  var configuration = FairnessConfiguration(sensitiveSets: [["sex"], ["race"], ["sex", "race"]])
  configuration.privilegedSplits = [PrivilegedSplit(column: "race", values: ["White"])]
  configuration.bootstrapReplicates = 3
  configuration.seed = 5
  return configuration
}()

let fairnessFirst: FairnessPartial = {
  let slice = table.selecting(rows: Array(0..<12))
  let outcomes = try! Outcomes.fromColumns(table: slice, labelColumn: "y_true", predictionColumn: "y_pred", scoreColumn: "y_score",
                                           positive: "1", threshold: 0.5)
  return try! FairnessAssessment.partial(outcomes, weights: nil, table: slice, configuration: configuration, positive: "1",
                                         labelValues: ["0", "1"], firstRow: 0)
}()

/// A first part of permutation importance with the ROC AUC scorer (decoded: the type has no public memberwise init).
let permutationFirst = try! CandorJSON.decoder().decode(PermutationImportancePartial.self, from: Data("""
  {"scorer":"roc_auc","repeats":2,"seed":1,"features":["a","b"],"class_count":2,"rows":2,
   "baseline":{"sums":[],"histogram":{"scores":[0.2,0.7],"positive":[0,1],"negative":[1,0]}},
   "permuted":[[{"sums":[],"histogram":{"scores":[0.3,0.4],"positive":[1,0],"negative":[0,1]}},{"sums":[],"histogram":{"scores":[0.5],"positive":[1],"negative":[0]}}],
               [{"sums":[],"histogram":{"scores":[0.1],"positive":[0],"negative":[1]}},{"sums":[],"histogram":{"scores":[0.6,0.9],"positive":[1,0],"negative":[0,1]}}]]}
  """.utf8))

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzShardParts(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  guard count >= 1, let start else { return 0 }
  let json = Data(UnsafeBufferPointer(start: start + 1, count: count - 1))
  if start[0] % 4 == 2 {
    // An explanation part's packed SHAP rows (1 output × 3 players) and its explained rows' values.
    if let packed = try? CandorJSON.decoder().decode(PackedSHAPRows.self, from: json) {
      if let rows = packed.kernelRows(outputs: 1, players: 3) {
        require(rows.count == packed.rows.count && rows.allSatisfy { $0.values.count == 1 && $0.values[0].count == 3 && $0.stdErrors[0].count == 3 },
                "KernelSHAP rows of the wrong shape")
        require(try! CandorJSON.decoder().decode(PackedSHAPRows.self, from: CandorJSON.data(PackedSHAPRows(rows))) == packed, "packed rows do not round-trip")
      }
      if let rows = packed.treeRows(outputs: 1, players: 3) {
        require(rows.allSatisfy { $0.prediction.count == 1 && $0.values[0].count == 3 }, "TreeSHAP rows of the wrong shape")
      }
    }
    if let excerpt = try? CandorJSON.decoder().decode(TableExcerpt.self, from: json), excerpt.isWellFormed {
      let back = try? CandorJSON.decoder().decode(TableExcerpt.self, from: CandorJSON.data(excerpt))
      require(back.map { $0.rows == excerpt.rows && $0.columns.map(\.name) == excerpt.columns.map(\.name) && $0.columns.map(\.texts) == excerpt.columns.map(\.texts) } ?? false,
              "an excerpt does not round-trip")
      if let table = try? excerpt.table() { require(table.rowCount == excerpt.rows.count || excerpt.columns.isEmpty, "an excerpt's table lost rows") }
    }
    return 0
  }
  if start[0] % 2 == 0 {
    guard let part = try? CandorJSON.decoder().decode(FairnessPartial.self, from: json),
          let merged = try? FairnessAssessment.merge([fairnessFirst, part], configuration: configuration, weightsColumn: nil, targetColumn: "y_true")
    else { return 0 }
    require(merged.report.sensitiveSets.count == configuration.sensitiveSets.count, "a merged report lost a sensitive set")
  } else {
    guard let part = try? CandorJSON.decoder().decode(PermutationImportancePartial.self, from: json),
          let merged = try? PermutationImportancePartial.merging([permutationFirst, part]) else { return 0 }
    require(merged.features == permutationFirst.features && merged.importances.values.allSatisfy { $0.values.count == permutationFirst.repeats },
            "a merged importance has the wrong shape")
  }
  return 0
}
