import CandorCore
import CandorModels
import Foundation

/// libFuzzer target: the bytes are a `--model` file. They go through what the commands do with one: format
/// detection and decoding (`ModelLoader.load`), then, when the file loads, predictions on small tables that
/// fit the model, give a feature the wrong kind, lack a feature, or have no rows. A `ModelError` or
/// `TableError` is a correct answer; a trap, a sanitizer report or a broken invariant below is a crash.
///
/// Invariants checked on every model that loads:
/// - saving it and loading the saved file gives a model that saves to the same bytes;
/// - a prediction passes `checkScores` (Fuzz/Support): its shape, probabilities in [0, 1].
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  let file: ModelFile
  do {
    file = try ModelLoader.load(data, path: "fuzz.json")
  } catch is ModelError {
    return 0
  } catch {
    fail("loading threw \(error), which is not a ModelError")
  }
  checkRoundTrip(file)
  let model = file.model.model
  for table in probeTables(for: file.model) { checkScores(of: model, on: table) }
  return 0
}

// MARK: - Invariants

/// Saved, loaded and saved again, a model file is the same bytes.
func checkRoundTrip(_ file: ModelFile) {
  do {
    let saved = try file.encoded()
    let again = try ModelLoader.load(saved, path: "saved.json").encoded()
    require(saved == again, "a saved model saves differently after loading")
  } catch {
    fail("a loaded model cannot be saved and loaded again: \(error)")
  }
}

// MARK: - Tables to predict on

/// The encoder a model reads its features with (a thresholded model's is its base's).
func encoder(of model: BuiltinModel) -> FeatureEncoder {
  switch model {
  case let .logistic(model): model.encoder
  case let .linear(model): model.encoder
  case let .mlp(model): model.encoder
  case let .tree(model): model.encoder
  case let .ebm(model): model.encoder
  case let .thresholded(model): encoder(of: model.base)
  }
}

/// Tables of three rows (a typical value, an unseen one, a missing one), each of its features' right kind;
/// then the same with every feature's kind swapped, one with the first feature left out, and one of no rows.
/// A thresholded model's sensitive columns hold the values its first two rules name.
func probeTables(for model: BuiltinModel) -> [Table] {
  var features: [String: FeatureEncoder.Feature] = [:]
  var names: [String] = []
  for feature in encoder(of: model).features where features[feature.name] == nil {
    features[feature.name] = feature
    names.append(feature.name)
  }
  var sensitive: [String: [String?]] = [:]
  if case let .thresholded(thresholded) = model {
    let policy = thresholded.policy
    let keys = policy.rules.keys.sorted().prefix(2).map { $0.split(separator: "|", omittingEmptySubsequences: false) }
    for (i, name) in policy.sensitiveFeatures.enumerated() where features[name] == nil && sensitive[name] == nil {
      let values = keys.map { i < $0.count ? String($0[i]) : "unseen" }
      sensitive[name] = values + Array(repeating: "unseen", count: 2 - values.count) + [nil]
      names.append(name)
    }
  }
  func column(_ name: String, swapped: Bool, rows: Int) -> Column {
    if let values = sensitive[name] { return .categorical(CategoricalColumn(name: name, strings: Array(values.prefix(rows)))) }
    let feature = features[name]!
    func numeric(_ values: [Double]) -> Column {
      .numeric(NumericColumn(name: name, values: ContiguousArray(values.prefix(rows))))
    }
    func categorical(_ values: [String?]) -> Column {
      .categorical(CategoricalColumn(name: name, strings: Array(values.prefix(rows))))
    }
    switch feature.encoding {
    case let .numeric(mean, scale) where !swapped: return numeric([mean, mean + 3 * scale, .nan])
    case .numeric: return categorical(["text", "1.5", nil])
    case .categorical where swapped: return numeric([0, 1.5, .nan])
    case let .categorical(levels): return categorical([levels.first ?? "level", "unseen", nil])
    }
  }
  func table(_ columns: [String], swapped: Bool = false, rows: Int = 3) -> Table? {
    try? Table(columns: columns.map { column($0, swapped: swapped, rows: rows) })
  }
  return [table(names), table(names, swapped: true), table(Array(names.dropFirst())), table(names, rows: 0)]
    .compactMap { $0 }
}
