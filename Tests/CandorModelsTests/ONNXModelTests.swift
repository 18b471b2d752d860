import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// ONNX models run by candor reproduce onnxruntime: the reference zoo (Tests/Fixtures/models/, copied from the shared
/// zoo: skl2onnx 1.20.0 and onnxmltools 1.16.0 exports, outputs of onnxruntime 1.32.0), and one small graph per
/// operator setting (Tests/Fixtures/models/onnx_ops/, written with onnxruntime's outputs by its record.py).
@Suite struct ONNXModelTests {
  struct Case: Sendable, CustomTestStringConvertible {
    let model: String
    let data: String
    let reference: String
    var inputColumns: [String]? = nil
    var testDescription: String { model }
  }

  static let adultCodes = ["age", "workclass", "education", "education_num", "marital_status", "occupation", "relationship", "race", "sex",
                           "capital_gain", "capital_loss", "hours_per_week", "native_country"]

  static let cases = [
    Case(model: "adult_logreg.onnx", data: "adult", reference: "adult_logreg_reference.csv"),
    Case(model: "adult_rf.onnx", data: "adult", reference: "adult_rf_reference.csv"),
    Case(model: "adult_gbdt.onnx", data: "adult", reference: "adult_gbdt_reference.csv"),
    Case(model: "adult_mlp.onnx", data: "adult", reference: "adult_mlp_reference.csv"),
    Case(model: "german_logreg.onnx", data: "german", reference: "german_logreg_reference.csv"),
    Case(model: "german_tree.onnx", data: "german", reference: "german_tree_reference.csv"),
    Case(model: "adult_xgb.onnx", data: "numeric", reference: "adult_xgb_onnx_reference.csv", inputColumns: adultCodes),
    Case(model: "adult_lgbm.onnx", data: "numeric", reference: "adult_lgbm_onnx_reference.csv", inputColumns: adultCodes),
  ]

  /// The rows each zoo model was scored on: the first 2,000 of adult_test with empty cells of the three columns that
  /// have them replaced by "missing" (as the models were trained), all of German credit, or the numeric encoding.
  static func data(_ name: String) throws -> Table {
    switch name {
    case "adult":
      var table = try Fixtures.adult("test").selecting(rows: Array(0..<2000))
      for name in ["workclass", "occupation", "native_country"] {
        let column = try table.column(name)
        table = table.replacing(.categorical(CategoricalColumn(name: name, strings: (0..<table.rowCount).map { column.text(at: $0) ?? "missing" })))
      }
      return table
    case "german": return try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    default: return try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv"))
    }
  }

  @Test("every ONNX model of the zoo: probabilities within 1e-5 of onnxruntime on every row (fragile rows too), labels exact",
        arguments: cases)
  func reproducesReference(_ c: Case) throws {
    let loaded = try ModelLoader.loadModel(path: Fixtures.path("models/" + c.model), inputColumns: c.inputColumns)
    #expect(loaded.format == .onnx)
    let model = try #require(loaded.model as? ONNXModel)
    #expect(model.outputKind == .binaryProbability && model.classes == ["0", "1"])
    let data = try Self.data(c.data)
    let reference = try CSVReader.read(path: Fixtures.path("models/" + c.reference))
    let (scores, labels) = try model.outputs(data)
    #expect(scores.rows == reference.rowCount && scores.columns == 2)
    var largest = 0.0
    for k in 0..<2 {
      let expected = try TreeEnsembleReferenceTests.numbers(reference, "prob_\(k)")
      for r in 0..<scores.rows { largest = max(largest, abs(scores[r, k] - expected[r])) }
    }
    #expect(largest <= 1e-5, "largest difference \(largest)")
    let expectedLabels = try TreeEnsembleReferenceTests.numbers(reference, "label").map { String(Int($0)) }
    #expect(labels == expectedLabels)
    // The fragile rows sit on a float32 threshold: matched only by the Scaler computed exactly as written.
    let fragile = try TreeEnsembleReferenceTests.numbers(reference, "fragile")
    if c.model == "adult_rf.onnx" { #expect(fragile.filter { $0 == 1 }.count == 14) }
    // predict gives P(positive) = column 1.
    let positive = try model.predict(data)
    #expect(Array(positive.storage) == (0..<scores.rows).map { scores[$0, 1] })
  }

  static let operatorCases: [String] = {
    let folder = Fixtures.path("models/onnx_ops")
    let files = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
    return files.filter { $0.hasSuffix(".expected.csv") }.map { String($0.dropLast(".expected.csv".count)) }.sorted()
  }()

  @Test("the operator cases are all there")
  func operatorCasesPresent() {
    #expect(Self.operatorCases.count == 46)
  }

  @Test("each operator setting gives onnxruntime's output (float32, within 1e-6 relative; NaN where it gives NaN)",
        arguments: operatorCases)
  func operatorMatchesOnnxRuntime(_ name: String) throws {
    var rows = try CSVReader.read(path: Fixtures.path("models/onnx_ops/rows.csv"))
    let s = try rows.column("s")
    rows = try Table(columns: rows.columns + [.categorical(CategoricalColumn(name: "X", strings: (0..<rows.rowCount).map { s.text(at: $0) }))])
    let data = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/onnx_ops/\(name).onnx")))
    let stringInput = name.hasPrefix("onehot_strings") || name.hasPrefix("label_encoder") || name.hasPrefix("category_mapper")
    let model = try ONNXModel(data, path: name, inputColumns: stringInput ? nil : ["x0", "x1", "x2"])
    let (score, _) = try model.run(try model.boundInputs(rows), rows: 0..<rows.rowCount)
    let got = try #require(score.doubleValues)
    let expected = try CSVReader.read(path: Fixtures.path("models/onnx_ops/\(name).expected.csv"))
    let width = expected.columns.count
    #expect(got.count == rows.rowCount * width, "shape \(score.shape)")
    guard got.count == rows.rowCount * width else { return }
    for j in 0..<width {
      let column = try TreeEnsembleReferenceTests.numbers(expected, "y\(j)")
      for r in 0..<rows.rowCount {
        let (a, b) = (got[r * width + j], column[r])
        #expect(a.isNaN == b.isNaN && (a.isNaN || abs(a - b) <= 1e-6 * max(1, abs(b))), "row \(r), column \(j): \(a) vs \(b)")
      }
    }
  }

  // MARK: - Refusals

  static func refusal(_ data: Data, inputColumns: [String]? = nil) -> String {
    do {
      _ = try ModelLoader.loadModel(data, path: "m.onnx", inputColumns: inputColumns)
      return "loaded"
    } catch {
      return "\(error)"
    }
  }

  static func file(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/" + name))) }

  @Test("a truncated file, an unsupported operator, opset or domain is refused when loaded, naming the node, operator, domain and opset")
  func refusedWhenLoaded() throws {
    let prefix = "m.onnx looks like an ONNX model, but candor cannot read it: "
    let whole = try Self.file("german_logreg.onnx")
    // Cut inside the graph. (A file cut exactly between two top-level fields is a shorter valid file.)
    #expect(Self.refusal(whole.prefix(1000)) == prefix
      + "at byte 68, field 7 declares 2027 bytes, but only 930 remain (the file is truncated or not ONNX).")
    #expect(Self.refusal(try Self.file("onnx_ops/bad_unsupported_operator.onnx"), inputColumns: ["x0", "x1", "x2"]) == prefix
      + "node #0 (Einsum) is Einsum (domain ai.onnx, opset 13), an operator candor does not run.")
    #expect(Self.refusal(try Self.file("onnx_ops/bad_opset.onnx"), inputColumns: ["x0", "x1", "x2"]) == prefix
      + "it imports opset 99 of ai.onnx; candor runs opsets 1 to 21 (node #0 (Relu) is Relu).")
    #expect(Self.refusal(try Self.file("onnx_ops/bad_custom_domain.onnx"), inputColumns: ["x0", "x1", "x2"]) == prefix
      + "node #0 (Relu) is Relu of domain com.example (opset 1); candor runs the ai.onnx and ai.onnx.ml domains only.")
    #expect(Self.refusal(try Self.file("onnx_ops/bad_tree_ensemble5_loop.onnx"), inputColumns: ["x0", "x1", "x2"]) == prefix
      + "node #0 (TreeEnsemble): node 0 of the tree ensemble is its own descendant: the tree does not end.")
    #expect(Self.refusal(try Self.file("onnx_ops/bad_tree_ensemble5_unrolls_too_far.onnx"), inputColumns: ["x0", "x1", "x2"]) == prefix
      + "node #0 (TreeEnsemble): the tree ensemble unrolls to more than 4194304 nodes (each member of a BRANCH_MEMBER node copies its true branch).")
    #expect(Self.refusal(try Self.file("onnx_ops/bad_tree_regressor_opset5.onnx"), inputColumns: ["x0", "x1", "x2"]) == prefix
      + "node #0 (TreeEnsembleRegressor): TreeEnsembleRegressor is deprecated in ai.onnx.ml opset 5 (TreeEnsemble replaces it); export with ai.onnx.ml opset 4 or lower, or as TreeEnsemble.")
    #expect(Self.refusal(try Self.file("adult_xgb.onnx")) == prefix
      + "its input 'features' takes 13 columns at once; list them, in order, with the model's input columns (--model-features).")
    #expect(Self.refusal(try Self.file("adult_xgb.onnx"), inputColumns: ["age"]) == prefix
      + "its input 'features' takes 13 columns, but 1 are listed.")
    #expect(Self.refusal(whole, inputColumns: ["age"]) == prefix
      + "its inputs are bound to columns by name (sex, job, housing, saving_accounts, checking_account, credit_amount, duration, purpose, age); listing 1 input columns is for a model with one [N, k] input.")
  }

  @Test("data the graph cannot be fed: a missing column names the input and the columns there are; text in a float input names the row")
  func refusedWhenFed() throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("models/german_logreg.onnx")).model
    let german = try CSVReader.read(path: Fixtures.sample("german_credit.csv"))
    let withoutAge = try german.selecting(columns: german.columnNames.filter { $0 != "age" })
    #expect(throws: ModelError.unboundModelInput(path: Fixtures.path("models/german_logreg.onnx"), input: "age", column: "age",
                                                 available: withoutAge.columnNames, file: german.source)) {
      try model.predict(withoutAge)
    }
    let textAge = german.replacing(.categorical(CategoricalColumn(name: "age", strings: (0..<german.rowCount).map { $0 == 4 ? "old" : "30" })))
    #expect(throws: TableError.textInNumericFeature(file: german.source, column: "age", row: 5, value: "old")) { try model.predict(textAge) }
  }

  @Test("a classifier's output that is not probabilities is refused naming the row; a Reshape whose shape cannot fit is refused, not trapped")
  func refusedWhenRun() throws {
    let rows = try CSVReader.read(path: Fixtures.path("models/onnx_ops/rows.csv"))
    let scores = try ONNXModel(try Self.file("onnx_ops/bad_scores_not_probabilities.onnx"), path: "s.onnx", inputColumns: ["x0", "x1", "x2"])
    #expect(throws: ModelError.modelGraphFailed(path: "s.onnx", node: "(output)", opType: "", rows: 0...0,
                                                reason: "its output 'Y' holds -0.2514604330062866 for class '1', so it is not class probabilities (a classifier exported without its probability transform gives scores)")) {
      try scores.predict(rows)
    }
    #expect(ModelError.modelGraphFailed(path: "s.onnx", node: "(output)", opType: "", rows: 0...0, reason: "r").message(naming: \.rawValue)
      == "The ONNX model s.onnx failed on data row 1: r.")
    // Found by Fuzz/ONNXModelFile: dimensions whose product overflows.
    let x = ONNXTensor.float([1, 2, 3, 4], shape: [2, 2])
    for target: [Int64] in [[Int64.max / 2, 4], [-1, 1 << 40, 1 << 40], [3, -1]] {
      #expect(throws: ONNXKernelError.self) { try ONNXStandardOperators.reshape([x, .int(target, shape: [target.count])]) }
    }
    #expect(try ONNXStandardOperators.reshape([x, .int([-1], shape: [1])])[0].shape == [4])
  }
}
