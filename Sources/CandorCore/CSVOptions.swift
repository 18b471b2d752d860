/// How to read a CSV file into a `Table`.
public struct CSVOptions: Sendable, Equatable {
  /// Cell texts that mean "missing", besides the empty cell (e.g. `?`, `NA`).
  public var missingTokens: [String]
  /// Columns read as categorical whatever their cells look like.
  public var categoricalColumns: [String]
  /// Columns that must be numeric; a cell that is not a number is an error.
  public var numericColumns: [String]
  /// Columns a model reads as numbers: a cell that is not a number is an error naming its line (rather than a
  /// column read as categorical that the model then refuses). Declared-categorical columns are left alone.
  public var modelNumericColumns: [String]

  public init(missingTokens: [String] = [], categoricalColumns: [String] = [], numericColumns: [String] = [],
              modelNumericColumns: [String] = []) {
    self.missingTokens = missingTokens
    self.categoricalColumns = categoricalColumns
    self.numericColumns = numericColumns
    self.modelNumericColumns = modelNumericColumns
  }
}
