import CandorCore
import Foundation

/// A declared encoder (`--feature-spec FILE`): the features a model is trained on, each numeric one with the centre
/// and scale it is standardized by and each categorical one with its categories — the `"encoder"` object of a
/// candor-model file, written by hand from public metadata. Private training uses it so that preprocessing reads
/// nothing from the private data.
///
/// ```
/// {"features": [{"name": "age", "kind": "numeric", "mean": 40, "scale": 13},
///               {"name": "sex", "kind": "categorical", "categories": ["Female", "Male"]}]}
/// ```
public enum FeatureSpecFile {
  /// - Throws: `ModelError.invalidFeatureSpec` naming the place (line and column of a JSON syntax error, the
  ///   feature and field otherwise).
  public static func decode(_ data: Data, path: String) throws(ModelError) -> FeatureEncoder {
    func invalid(_ reason: String) -> ModelError { .invalidFeatureSpec(path: path, reason: reason) }
    let top: [String: Any]
    switch jsonTopLevelObject(data) {
    case let .success(object): top = object
    case let .failure(fault): throw invalid(fault.reason)
    }
    if let key = top.keys.sorted().first(where: { $0 != "features" }) {
      throw invalid("it has an unknown key '\(printable(key))'; a feature spec has only \"features\"")
    }
    guard let list = top["features"] as? [Any], !list.isEmpty else {
      throw invalid(top["features"] == nil ? "it has no \"features\": the list of declared features" : "\"features\" is not a non-empty list")
    }
    let encoder: FeatureEncoder
    do {
      encoder = try CandorJSON.decode(FeatureEncoder.self, from: data)
    } catch let error as DecodingError {
      throw invalid(describe(error))
    } catch {
      throw invalid("\(error)")
    }
    var names = Set<String>()
    for (i, feature) in encoder.features.enumerated() {
      guard names.insert(feature.name).inserted else { throw invalid("features[\(i)] declares '\(printable(feature.name))' a second time") }
      if let categories = feature.categories, categories.isEmpty {
        throw invalid("features[\(i)] ('\(printable(feature.name))') declares no categories")
      }
    }
    return encoder
  }
}
