import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// A broken XGBoost or LightGBM file is refused when loaded, with the reason in words, never trapped on when
/// scored; data the model cannot read is refused naming the column.
@Suite struct TreeModelFileErrorTests {
  static func text(_ name: String) throws -> String {
    try String(contentsOfFile: Fixtures.path("models/" + name), encoding: .utf8)
  }

  static func refusal(_ contents: String, path: String = "m") -> String {
    do {
      _ = try ModelLoader.loadModel(Data(contents.utf8), path: path)
      return "loaded"
    } catch {
      return "\(error)"
    }
  }

  /// The XGBoost fixture with `old` replaced by `new` once.
  static func xgboost(replacing old: String, with new: String) throws -> String {
    let original = try text("adult_xgb.json")
    let range = try #require(original.range(of: old), "'\(old)' is not in the fixture")
    return original.replacingCharacters(in: range, with: new)
  }

  @Test("XGBoost JSON: an objective, booster or tree candor cannot score is refused with the reason")
  func xgboostRefusals() throws {
    let prefix = "m looks like an XGBoost model (JSON), but candor cannot read it: "
    #expect(Self.refusal(try Self.xgboost(replacing: "\"binary:logistic\"", with: "\"rank:pairwise\"")) == prefix
      + "its objective is 'rank:pairwise'; candor reads binary:logistic, multi:softprob, multi:softmax, reg:squarederror, reg:absoluteerror and reg:pseudohubererror.")
    #expect(Self.refusal(try Self.xgboost(replacing: "\"name\":\"gbtree\"", with: "\"name\":\"dart\"")) == prefix
      + "its booster is 'dart'; candor reads gbtree boosters (dart and gblinear are not supported yet).")
    // The first tree's root pointing back at itself would loop forever when scored.
    #expect(Self.refusal(try Self.xgboost(replacing: "\"left_children\":[1,", with: "\"left_children\":[0,")) == prefix
      + "node 0 of tree 0 has children 0 and 2 outside its tree or before it.")
    #expect(Self.refusal(try Self.xgboost(replacing: "\"split_indices\":[", with: "\"split_indices\":[40,")) == prefix
      + "tree 0 has node arrays of different lengths.")
    #expect(Self.refusal(try Self.xgboost(replacing: "\"base_score\":\"[2.4080956E-1]\"", with: "\"base_score\":\"[1.5E0]\"")) == prefix
      + "its base_score [1.5E0] is not a probability.")
    #expect(Self.refusal(try Self.xgboost(replacing: "\"tree_info\":[0,", with: "\"tree_info\":[")) == prefix
      + "it lists 99 tree classes (tree_info) for 100 trees.")
  }

  @Test("XGBoost UBJSON: a file cut anywhere is refused, never trapped on")
  func truncatedUBJSON() throws {
    let bytes = try Data(contentsOf: URL(fileURLWithPath: Fixtures.path("models/adult_xgb.ubj")))
    // Three bytes hold no UBJSON key yet: the file reads as JSON that does not parse.
    #expect(Self.refusal(String(decoding: bytes.prefix(3), as: UTF8.self), path: "m.ubj") == "m.ubj is not a model file Candor can read: it is not valid JSON.")
    for length in [20, 40, 1000, bytes.count / 2, bytes.count - 1] {
      let message: String
      do {
        _ = try ModelLoader.loadModel(bytes.prefix(length), path: "m.ubj")
        message = "loaded"
      } catch {
        message = "\(error)"
      }
      #expect(message.hasPrefix("m.ubj looks like an XGBoost model (UBJSON), but candor cannot read it: its UBJSON is malformed at byte "),
              "\(length) bytes: \(message)")
    }
  }

  @Test("LightGBM text: missing or inconsistent tree arrays, children outside the tree and linear trees are refused")
  func lightGBMRefusals() throws {
    let original = try Self.text("adult_lgbm.txt")
    func replacing(_ old: String, _ new: String) throws -> String {
      let range = try #require(original.range(of: old), "'\(old)' is not in the fixture")
      return original.replacingCharacters(in: range, with: new)
    }
    let prefix = "m looks like a LightGBM model (text), but candor cannot read it: "
    #expect(Self.refusal(try replacing("objective=binary sigmoid:1", "objective=lambdarank")) == prefix
      + "its objective is 'lambdarank'; candor reads binary, multiclass and the regression objectives with an identity link.")
    #expect(Self.refusal(try replacing("objective=binary sigmoid:1", "objective=binary sigmoid:-2")) == prefix
      + "its objective's sigmoid:-2 is not a positive number.")
    #expect(Self.refusal(try replacing("num_leaves=31", "num_leaves=32")) == prefix + "tree 0 (line 12): leaf_value has 31 values, expected 32.")
    #expect(Self.refusal(try replacing("left_child=1 ", "left_child=-40 ")) == prefix + "tree 0 (line 12) has a child -40 outside the tree.")
    #expect(Self.refusal(try replacing("is_linear=0", "is_linear=1")) == prefix
      + "tree 0 is a linear tree (linear_tree=true), which candor does not read yet.")
    #expect(Self.refusal(try replacing("threshold=", "threshold=x")).hasPrefix(prefix + "tree 0 (line 12): threshold holds 'x"))
  }

  @Test("data the model cannot read: a missing feature column and text in a feature column are named")
  func unreadableData() throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("models/adult_lgbm.txt")).model
    let missing = try CSVReader.parse(Data("age,workclass\n30,1\n".utf8), source: "d.csv")
    #expect(throws: TableError.missingModelFeature("education", file: "d.csv")) { try model.predict(missing) }
    var header = model.featureNames.joined(separator: ",")
    header += "\n" + model.featureNames.map { $0 == "race" ? "White" : "1" }.joined(separator: ",") + "\n"
    let text = try CSVReader.parse(Data(header.utf8), source: "d.csv")
    #expect(throws: TableError.textInNumericFeature(file: "d.csv", column: "race", row: 1, value: "White")) { try model.predict(text) }
  }

  // Found by the hostile-input pass of 2026-12-02 (each once crashed, ran out of memory, or scored wrongly).
  @Test("numbers a file declares are checked before anything is allocated or converted from them")
  func declaredSizes() throws {
    let prefix = "m looks like an XGBoost model (JSON), but candor cannot read it: "
    #expect(Self.refusal(try Self.xgboost(replacing: "\"tree_info\":[0,", with: "\"tree_info\":[1e300,")) == prefix
      + "its tree_info holds 1e+300, which is not an output of the model (0 to 0).")
    #expect(Self.refusal(try Self.xgboost(replacing: "\"num_class\":\"0\"", with: "\"num_class\":\"1000000000000\"")) == prefix
      + "its num_class '1000000000000' is not a number of classes from 0 to 10000.")
    let unnamed = try Self.xgboost(replacing: "\"feature_names\":[\"age\"", with: "\"feature_names\":[1")
    #expect(Self.refusal(unnamed) == prefix + "its feature_names are not all strings.")
    let original = try Self.text("adult_xgb.json")
    let names = try #require(original.range(of: #"\"feature_names\":\[[^\]]*\]"#, options: .regularExpression))
    let nameless = original.replacingCharacters(in: names, with: "\"feature_names\":[]")
    #expect(Self.refusal(nameless.replacingOccurrences(of: "\"num_feature\":\"13\"", with: "\"num_feature\":\"100000000\"")) == prefix
      + "it declares 100000000 features without names, more than the 1000000 candor names f0, f1, ….")
    #expect(Self.refusal(nameless.replacingOccurrences(of: "\"num_feature\":\"13\"", with: "\"num_feature\":\"-3\"")) == prefix
      + "its num_feature '-3' is not a number of features.")
    let lightGBM = try Self.text("adult_lgbm_categorical.txt")
    let range = try #require(lightGBM.range(of: "num_cat=4"))
    #expect(Self.refusal(lightGBM.replacingCharacters(in: range, with: "num_cat=9223372036854775807"))
      == "m looks like a LightGBM model (text), but candor cannot read it: tree 0 (line 12) has a num_cat that is not a whole number from 0 to its 31 leaves.")
  }

  @Test("a LightGBM file cut anywhere before 'end of trees' is refused, not scored on the trees that survived")
  func truncatedLightGBM() throws {
    let text = try Self.text("adult_lgbm.txt")
    let end = try #require(text.range(of: "end of trees")).lowerBound
    for fraction in [0.1, 0.5, 0.99] {
      let cut = String(text[..<text.index(text.startIndex, offsetBy: Int(Double(text.distance(from: text.startIndex, to: end)) * fraction))])
      #expect(Self.refusal(cut) == "m looks like a LightGBM model (text), but candor cannot read it: it ends before its 'end of trees' line, so the file was cut short.")
    }
  }

  @Test("a LightGBM file with CRLF line ends scores as the LF file does")
  func crlfLightGBM() throws {
    let text = try Self.text("adult_lgbm.txt")
    let lf = try ModelLoader.loadModel(Data(text.utf8), path: "m").model
    let crlf = try ModelLoader.loadModel(Data(text.replacingOccurrences(of: "\n", with: "\r\n").utf8), path: "m").model
    let data = try CSVReader.read(path: Fixtures.path("models/adult_numeric_features.csv"))
    #expect(try lf.predict(data) == crlf.predict(data))
  }

  @Test("unusual valid models score as their libraries do: random forests, reg_sqrt, pruned trees, clamped base scores",
        arguments: ["lgbm_rf.txt", "lgbm_rf_regression.txt", "lgbm_reg_sqrt.txt", "xgb_pruned.json", "xgb_exact_gamma2.json",
                    "xgb_base_score_0.json", "xgb_base_score_1e-7.json"])
  func oddModels(_ name: String) throws {
    let model = try ModelLoader.loadModel(path: Fixtures.path("models/odd/" + name)).model
    let data = try CSVReader.read(path: Fixtures.path("models/odd/abc600.csv"))
    let ours = try model.predict(data).storage
    guard case let .numeric(expected) = try CSVReader.read(path: Fixtures.path("models/odd/\(name).predictions.csv")).column("prediction") else {
      Issue.record("predictions are not numbers")
      return
    }
    // XGBoost predicts in float32 (its sigmoid too); LightGBM in double.
    #expect(maxAbsoluteDifference(ours, expected.values) <= (name.hasPrefix("xgb") ? 1e-6 : 1e-12))
  }
}
