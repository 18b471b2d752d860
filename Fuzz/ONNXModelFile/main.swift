import CandorCore
import CandorModels
import Foundation

/// libFuzzer target: the bytes are an ONNX model given to `--model`. They go through `ModelLoader.loadModel`
/// (format detection, the protobuf reader, every node's compilation) by name binding and, when that is refused,
/// with three listed columns for one `[N, k]` input; a model that loads scores small tables: typical values, NaN,
/// zero, negative, huge and fractional numbers, texts known and unknown to the encoders, an empty cell, a missing
/// column, no rows. A `ModelError` or `TableError` is a correct answer; a trap, a sanitizer report or a broken
/// invariant is a crash. Seeds: the small ONNX fixtures (Tests/Fixtures/models/, its onnx_ops/).
///
/// Invariants checked on every model that loads: each prediction passes `checkScores` (Fuzz/Support): its shape,
/// probabilities in [0, 1], multiclass rows summing to 1; a tree graph's TreeSHAP view has one data column (or none) per
/// tree feature and computes the tree input in its shape.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzONNXModelFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  func load(_ columns: [String]?) -> (any Model)? {
    do {
      return try ModelLoader.loadModel(data, path: "fuzz.onnx", inputColumns: columns).model
    } catch is ModelError {
      return nil
    } catch {
      fail("loading threw \(error), which is not a ModelError")
    }
  }
  guard let model = load(nil) ?? load(["x0", "x1", "x2"]) else { return 0 }
  let numeric = Set(model.numericFeatureNames)
  let values: [Double] = [0.5, .nan, 0, -1, 1e300, 2.7, 31, -0.0]
  let texts: [String?] = ["a", "missing", nil, "Private", "", "zz"]
  func column(_ name: String, _ offset: Int, rows: Int) -> Column {
    numeric.contains(name)
      ? .numeric(NumericColumn(name: name, values: ContiguousArray((0..<rows).map { values[($0 + offset) % values.count] })))
      : .categorical(CategoricalColumn(name: name, strings: (0..<rows).map { texts[($0 + offset) % texts.count] }))
  }
  let names = model.featureNames
  var tables: [Table] = []
  if let table = try? Table(columns: names.enumerated().map { column($1, $0, rows: 8) }) { tables.append(table) }
  if let table = try? Table(columns: names.dropFirst().enumerated().map { column($1, $0, rows: 3) }) { tables.append(table) }
  if let table = try? Table(columns: names.enumerated().map { column($1, $0, rows: 0) }) { tables.append(table) }
  for table in tables { checkScores(of: model, on: table) }
  // TreeSHAP's view of a tree graph: its feature sources traced through the graph, the tree input computed, the
  // explained scores summed.
  if let view = model.treeEnsembleView {
    require(view.sources.count == view.ensemble.featureNames.count, "\(view.sources.count) sources for \(view.ensemble.featureNames.count) tree features")
    require(view.sources.allSatisfy { $0.isEmpty || names.contains($0) }, "a source that is not a model column: \(view.sources)")
    for table in tables {
      guard let columns = try? view.columns(table) else { continue }
      require(columns.count == view.ensemble.featureNames.count && columns.allSatisfy { $0.count == table.rowCount }, "tree input of the wrong shape")
      _ = view.ensemble.margins(columns: columns, rows: table.rowCount)
    }
  }
  return 0
}
