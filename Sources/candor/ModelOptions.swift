import ArgumentParser
import CandorCore
import CandorModels

/// Where a command's model comes from; one declaration for every command that takes a model.
struct ModelOptions: ParsableArguments {
  @Option(help: "Model file: a candor-model (JSON), an XGBoost model (JSON or UBJSON, Booster.save_model) or a LightGBM text model.")
  var model: String?

  var isGiven: Bool { model != nil }

  /// The model, or nil when none was given.
  func loadIfGiven() throws -> LoadedModel? {
    try model.map { try ModelLoader.loadModel(path: $0) }
  }

  /// The model of a command that needs one.
  func load() throws -> LoadedModel {
    guard let model = try loadIfGiven() else { throw ValidationError("Give the model with --model.") }
    return model
  }
}
