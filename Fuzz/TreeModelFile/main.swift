import CandorCore
import CandorModels
import Foundation

/// libFuzzer target: the bytes are an XGBoost (JSON or UBJSON) or LightGBM text model given to `--model`. They
/// go through `ModelLoader.loadModel` (format detection, the UBJSON and LightGBM parsers, the tree checks); a
/// model that loads scores small tables: typical values, NaN, zero, negative, huge and fractional values (the
/// categorical splits' edge cases), a text column, a missing feature, no rows. A `ModelError` or `TableError`
/// is a correct answer; a trap, a sanitizer report or a broken invariant below is a crash. The seeds come from
/// make_seeds.py beside this file.
///
/// Invariants checked on every model that loads: each prediction passes `checkScores` (Fuzz/Support): its shape,
/// probabilities in [0, 1], multiclass rows summing to 1.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTreeModelFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  let model: any Model
  do {
    model = try ModelLoader.loadModel(data, path: "fuzz.model").model
  } catch is ModelError {
    return 0
  } catch {
    fail("loading threw \(error), which is not a ModelError")
  }
  let names = model.featureNames
  let values: [Double] = [0.5, .nan, 0, -1, 1e300, 2.7, 31, 32, 1_000_000, -0.0]
  func numeric(_ name: String, _ offset: Int) -> Column {
    .numeric(NumericColumn(name: name, values: ContiguousArray(values.indices.map { values[($0 + offset) % values.count] })))
  }
  var tables: [Table] = []
  if let table = try? Table(columns: names.enumerated().map { numeric($1, $0) }) { tables.append(table) }
  if let first = names.first,
     let table = try? Table(columns: [.categorical(CategoricalColumn(name: first, strings: ["text", nil]))]
       + names.dropFirst().map { .numeric(NumericColumn(name: $0, values: [1, 2])) }) { tables.append(table) }
  if let table = try? Table(columns: names.dropFirst().enumerated().map { numeric($1, $0) }) { tables.append(table) }
  if let table = try? Table(columns: names.map { .numeric(NumericColumn(name: $0, values: [])) }) { tables.append(table) }
  for table in tables { checkScores(of: model, on: table) }
  return 0
}
