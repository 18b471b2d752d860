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
}
