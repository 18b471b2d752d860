import CandorCore
import CandorTestSupport
import Foundation
import Testing

@testable import CandorModels

/// Formats are told apart by their structure: the top-level keys of a JSON object, protobuf fields, UBJSON
/// key markers, LightGBM's header lines; never by a word that could also be a feature's name.
@Suite struct ModelFormatTests {
  /// A ModelProto as onnx/onnx.proto lays it out: ir_version (field 1, varint), producer_name (2), a graph (7)
  /// holding one node, an opset_import (8) of version 17.
  static let onnx: [UInt8] = {
    func field(_ number: UInt8, _ payload: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(payload.count)] + payload }
    let node = field(1, Array("X".utf8)) + field(2, Array("Y".utf8)) + field(4, Array("LinearClassifier".utf8))
    return [0x08, 0x08] + field(2, Array("skl2onnx".utf8)) + field(7, field(1, node)) + field(8, field(1, []) + [0x10, 17])
  }()

  /// `{`, then the key `learner` with the given UBJSON length marker and width, then an empty object.
  static func ubjson(marker: Character, width: Int) -> [UInt8] {
    [UInt8(ascii: "{"), UInt8(ascii: marker.unicodeScalars.first!)] + Array(repeating: 0, count: width - 1) + [7]
      + Array("learner".utf8) + Array("{}}".utf8)
  }

  static let recognised: [(String, [UInt8], ModelFormat)] = [
    ("a candor-model", Array(#"{"format": "candor-model", "version": 1}"#.utf8), .candor),
    ("XGBoost JSON", Array(#"{"learner": {}, "version": [3, 2, 0]}"#.utf8), .xgboostJSON),
    ("XGBoost JSON, keys in another order", Array(#" {"version": [2, 1, 0], "learner": {"objective": {}}}"#.utf8), .xgboostJSON),
    ("XGBoost UBJSON (int64 key lengths, as XGBoost writes them)", ubjson(marker: "L", width: 8), .xgboostUBJSON),
    ("XGBoost UBJSON (uint8 key lengths)", ubjson(marker: "U", width: 1), .xgboostUBJSON),
    ("LightGBM text", Array("tree\nversion=v4\nnum_class=1\n".utf8), .lightGBMText),
    ("LightGBM text with CRLF", Array("tree\r\nversion=v3\r\n".utf8), .lightGBMText),
    ("ONNX", onnx, .onnx),
    ("a CSV file", Array("age,income\n30,yes\n".utf8), .unknown),
    ("a JSON object of another kind", Array(#"{"version": 1, "weights": [1, 2]}"#.utf8), .unknown),
    ("'learner' only inside the object", Array(#"{"format": "other", "name": "learner", "version": 1}"#.utf8), .unknown),
    ("a JSON array", Array("[1, 2]".utf8), .unknown),
    // A damaged ONNX file is still named ONNX, so its loader can say where it breaks.
    ("ONNX cut off inside its graph", Array(onnx.dropLast(8)), .onnx),
    ("ONNX without a graph", [0x08, 0x08, 0x12, 0x08] + Array("skl2onnx".utf8), .onnx),
    ("a varint 8 then a field ModelProto does not have", [0x08, 0x08, 0x48, 0x01], .unknown),
    ("a varint 8 then a field of the wrong wire type", [0x08, 0x08, 0x10, 0x01], .unknown),
    ("'tree' without a version line", Array("tree\nnum_class=1\n".utf8), .unknown),
    ("UBJSON with another first key", [UInt8(ascii: "{"), UInt8(ascii: "U"), 5] + Array("trees".utf8), .unknown),
  ]

  @Test("each format is recognised by its structure", arguments: recognised.indices)
  func detection(_ index: Int) {
    let (name, bytes, format) = Self.recognised[index]
    #expect(ModelFormat.detect(Data(bytes)) == format, "\(name)")
  }

  @Test("a format candor cannot load yet is named with its article", arguments: [
    (onnx, "m.bin is an ONNX model, which this version of candor cannot load yet."),
    (Array(#"{"learner": {}, "version": [3, 2, 0]}"#.utf8), "m.bin is an XGBoost model (JSON), which this version of candor cannot load yet."),
    (ubjson(marker: "L", width: 8), "m.bin is an XGBoost model (UBJSON), which this version of candor cannot load yet."),
    (Array("tree\nversion=v4\n".utf8), "m.bin is a LightGBM model (text), which this version of candor cannot load yet."),
  ])
  func unsupported(_ bytes: [UInt8], message: String) {
    let error = #expect(throws: ModelError.self) { try ModelLoader.load(Data(bytes), path: "m.bin") }
    #expect(error?.message(naming: \.rawValue) == message)
  }

  @Test("a file of no known format, or JSON that is not an object, says so", arguments: [
    (Array("age,income\n30,yes\n".utf8), "m.bin is not a model file Candor can read: it is not a candor-model (JSON), ONNX, XGBoost or LightGBM file."),
    ([0x00, 0xFF, 0x08, 0x01], "m.bin is not a model file Candor can read: it is not a candor-model (JSON), ONNX, XGBoost or LightGBM file."),
    (Array(#"{"format": "candor-model", "version": 1, "#.utf8), "m.bin is not a model file Candor can read: it is not valid JSON."),
    (Array(#"{"version": 1}"#.utf8), "m.bin is not a model file Candor can read: its \"format\" is missing, expected 'candor-model'."),
    (Array("".utf8), "m.bin is not a model file Candor can read: the file is empty."),
  ])
  func unrecognised(_ bytes: [UInt8], message: String) {
    let error = #expect(throws: ModelError.self) { try ModelLoader.load(Data(bytes), path: "m.bin") }
    #expect(error?.message(naming: \.rawValue) == message)
  }

  /// The regression: the old detection looked for `"learner"` in the first 4 KB and for `"candor-model"`
  /// there too, so a candor-model whose first feature is `learner` and whose encoder pushes `"format"` past
  /// 4 KB was taken for XGBoost.
  @Test("a candor-model with features named 'learner' and 'version' loads as a candor-model")
  func learnerFeature() throws {
    var csv = "learner,version,city,passed\n"
    for i in 0..<400 { csv += "\(i % 7),\(i % 3 == 0 ? "v1" : "v2"),city-\(String(format: "%03d", i)),\(i % 2 == 0 ? "yes" : "no")\n" }
    let table = try CSVReader.parse(Data(csv.utf8), source: "learners.csv")
    let data = try TrainingSet.prepare(table, spec: TrainingSpec(target: "passed", positive: "yes"), classification: true)
    let (model, summary) = try LogisticRegression.fit(data)
    let file = ModelFile(model: .logistic(model), target: "passed", training: summary)
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("learners.json").path
    try file.encoded().write(to: URL(fileURLWithPath: path))

    let text = try String(contentsOfFile: path, encoding: .utf8)
    let head = String(decoding: text.utf8.prefix(4096), as: UTF8.self)
    #expect(head.contains("\"learner\"") && !head.contains("\"candor-model\""))
    #expect(ModelFormat.detect(try Data(contentsOf: URL(fileURLWithPath: path))) == .candor)
    let loaded = try ModelLoader.load(path: path)
    #expect(loaded == file)
    #expect(loaded.model.model.featureNames == ["learner", "version", "city"])
  }

  @Test("a Python pickle or joblib file (plain or zlib-compressed) is refused before anything is read from it, naming the way out",
        arguments: [[0x80, 0x04, 0x95, 0xBD], [0x80, 0x02, 0x63, 0x73], [0x78, 0x5E, 0x7D, 0x53], [0x78, 0x9C, 0x01, 0x02]] as [[UInt8]])
  func pickles(_ start: [UInt8]) throws {
    let bytes = Data(start + [UInt8](repeating: 0x2E, count: 60))
    #expect(ModelFormat.detect(bytes) == .pythonPickle)
    #expect(throws: ModelError.unsupportedFormat(path: "m.pkl", format: .pythonPickle)) { try ModelLoader.loadModel(bytes, path: "m.pkl") }
    #expect(ModelError.unsupportedFormat(path: "m.pkl", format: .pythonPickle).description
      == "m.pkl is a Python pickle (pickle or joblib), which candor never loads: unpickling runs code. Export the model instead: a scikit-learn model with skl2onnx, an XGBoost or LightGBM model with Booster.save_model, or serve it with --model-cmd.")
  }
}
