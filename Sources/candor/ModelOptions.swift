import ArgumentParser
import CandorCore
import CandorModels

/// Where a command's model comes from; one declaration for every command that takes a model.
struct ModelOptions: ParsableArguments {
  @Option(help: "Model file (candor-model JSON).")
  var model: String?

  var isGiven: Bool { model != nil }

  /// The model, or nil when none was given.
  func loadIfGiven() throws -> BuiltinModel? {
    try model.map { try ModelLoader.load(path: $0).model }
  }

  /// The model of a command that needs one.
  func load() throws -> BuiltinModel {
    guard let model = try loadIfGiven() else { throw ValidationError("Give the model with --model.") }
    return model
  }
}
