import CandorCore

/// A model in front of which a `ModelSpec` turns raw data columns into the inputs the model reads: codes for
/// categories, fills for missing cells, renamed columns. It reads the raw columns (`featureNames` are data
/// columns), so every analysis speaks in them; each model input comes from one data column, so Shapley values
/// over the raw columns are those of the model's inputs grouped by the column they come from.
///
/// A model input the spec does not name binds by name, as it would without a spec.
public struct SpecBoundModel: Model {
  public let base: any Model
  public let spec: ModelSpec
  /// The spec file, for messages.
  public let specPath: String
  public let featureNames: [String]
  public let numericFeatureNames: [String]
  /// The base model's inputs no spec entry names: they bind by name.
  let passedThrough: [String]

  /// - Parameter checkingInputs: true for a model that names its own inputs (a model file): a spec input it does
  ///   not read is then an error; false for a black box, whose inputs are the spec's.
  /// - Throws: `ModelError.invalidModelSpec` for an input the model does not read.
  public init(base: any Model, spec: ModelSpec, specPath: String, checkingInputs: Bool) throws {
    let named = Set(spec.inputs.map(\.name))
    if checkingInputs {
      let reads = Set(base.featureNames)
      if let (i, input) = spec.inputs.enumerated().first(where: { !reads.contains($0.element.name) }) {
        throw ModelError.invalidModelSpec(path: specPath, reason: "inputs[\(i)] names '\(printable(input.name))', which the model does not read; "
          + "it reads \(base.featureNames.map { printable($0) }.joined(separator: ", "))")
      }
    }
    if checkingInputs, let classes = spec.classes, classes.count != base.classes.count {
      throw ModelError.invalidModelSpec(path: specPath, reason: "it names \(classes.count) classes, but the model has \(base.classes.count) "
        + "(\(base.classes.map { printable($0) }.joined(separator: ", ")))")
    }
    self.base = base
    self.spec = spec
    self.specPath = specPath
    let sources = spec.sourceColumns
    let passing = base.featureNames.filter { !named.contains($0) }
    let features = sources + passing.filter { !sources.contains($0) }
    let baseNumeric = Set(base.numericFeatureNames)
    let numericSources = Set(spec.inputs.filter { $0.type == .number }.map(\.column))
    passedThrough = passing
    featureNames = features
    numericFeatureNames = features.filter { numericSources.contains($0) || (passing.contains($0) && baseNumeric.contains($0)) }
  }

  public var outputKind: OutputKind { base.outputKind }
  /// The spec's names for the model's classes, or the model's own.
  public var classes: [String] { spec.classes ?? base.classes }
  public var isRandomized: Bool { base.isRandomized }
  public var providesScores: Bool { base.providesScores }

  public func predict(_ table: Table) throws -> Matrix { try base.predict(try bind(table)) }

  /// The table the base model reads: one column per spec input, named as the model names it, then the columns
  /// that bind by name.
  /// - Throws: `ModelError.unboundSpecColumn` for a column the data lacks, `.unknownSpecCategory` for a category
  ///   the codes do not list (and no `unknown` code), `TableError.textInNumericFeature` for text in a number input.
  public func bind(_ table: Table) throws -> Table {
    var columns: [Column] = []
    columns.reserveCapacity(spec.inputs.count + passedThrough.count)
    for input in spec.inputs {
      guard let source = table[input.column] else {
        throw ModelError.unboundSpecColumn(spec: specPath, input: input.name, column: input.column, available: table.columnNames, file: table.source)
      }
      columns.append(try convert(source, for: input, file: table.source))
    }
    for name in passedThrough { if let column = table[name] { columns.append(column) } }
    var bound = try Table(columns: columns, source: table.source)
    bound.readingNotes = table.readingNotes
    return bound
  }

  func convert(_ source: Column, for input: ModelSpec.Input, file: String?) throws -> Column {
    switch (input.type, source) {
    case (.number, .numeric(var numeric)):
      numeric.name = input.name
      if case let .number(fill)? = input.missing {
        for r in numeric.values.indices where numeric.values[r].isNaN { numeric.values[r] = fill }
      }
      return .numeric(numeric)
    case (.number, .categorical(let categorical)):
      // A column of empty cells only is read as text: all missing.
      guard categorical.codes.allSatisfy({ $0 == CategoricalColumn.missingCode }) else {
        let text = categorical.firstText ?? (0, categorical.value(at: 0) ?? "")
        throw TableError.textInNumericFeature(file: file, column: input.column, row: text.row + 1, value: text.value)
      }
      let fill: Double = if case let .number(value)? = input.missing { value } else { .nan }
      return .numeric(NumericColumn(name: input.name, values: ContiguousArray(repeating: fill, count: categorical.codes.count)))
    case (.string, .categorical(var categorical)):
      categorical.name = input.name
      if case let .text(fill)? = input.missing, categorical.codes.contains(CategoricalColumn.missingCode) {
        let code: Int32
        if let existing = categorical.levels.firstIndex(of: fill) {
          code = Int32(existing)
        } else {
          code = Int32(categorical.levels.count)
          categorical.levels.append(fill)
        }
        for r in categorical.codes.indices where categorical.codes[r] == CategoricalColumn.missingCode { categorical.codes[r] = code }
      }
      return .categorical(categorical)
    case (.string, .numeric(let numeric)):
      let fill: String? = if case let .text(value)? = input.missing { value } else { nil }
      return .categorical(CategoricalColumn(name: input.name, strings: numeric.values.map { $0.isNaN ? fill : formatNumber($0) }))
    case (.category, _):
      return .numeric(NumericColumn(name: input.name, values: try codes(source, for: input, file: file)))
    }
  }

  /// Each row's code; a category read as a number is looked up by its shortest text ("3", "2.5").
  func codes(_ source: Column, for input: ModelSpec.Input, file: String?) throws -> ContiguousArray<Double> {
    let fill: Double = if case let .number(value)? = input.missing { value } else { .nan }
    func unknown(_ value: String, row: Int) -> ModelError {
      .unknownSpecCategory(spec: specPath, input: input.name, column: input.column, row: row + 1, value: value,
                           known: input.codes.keys.sorted(), file: file)
    }
    switch source {
    case let .categorical(categorical):
      let levelCodes = categorical.levels.map { input.codes[$0] ?? input.unknown }
      var values = ContiguousArray<Double>(repeating: fill, count: categorical.codes.count)
      for (r, code) in categorical.codes.enumerated() where code != CategoricalColumn.missingCode {
        guard let value = levelCodes[Int(code)] else { throw unknown(categorical.levels[Int(code)], row: r) }
        values[r] = value
      }
      return values
    case let .numeric(numeric):
      var looked: [Double: Double?] = [:]
      var values = ContiguousArray<Double>(repeating: fill, count: numeric.values.count)
      for (r, x) in numeric.values.enumerated() where !x.isNaN {
        let code: Double?
        if let known = looked[x] {
          code = known
        } else {
          code = input.codes[formatNumber(x)] ?? input.unknown
          looked[x] = code
        }
        guard let code else { throw unknown(formatNumber(x), row: r) }
        values[r] = code
      }
      return values
    }
  }

  /// The data columns all of whose inputs the base never uses.
  public var unreadFeatureNames: [String] {
    let unread = Set(base.unreadFeatureNames)
    return featureNames.filter { column in
      let inputs = spec.inputs.filter { $0.column == column }.map(\.name) + (passedThrough.contains(column) ? [column] : [])
      return !inputs.isEmpty && inputs.allSatisfy(unread.contains)
    }
  }

  /// The base's trees, fed through the spec: each tree feature belongs to the data column its input comes from.
  public var treeEnsembleView: TreeEnsembleView? {
    guard let view = base.treeEnsembleView else { return nil }
    let columnOf = Dictionary(spec.inputs.map { ($0.name, $0.column) }, uniquingKeysWith: { first, _ in first })
    let model = self
    return TreeEnsembleView(ensemble: view.ensemble, sources: view.sources.map { columnOf[$0] ?? $0 }) { table in
      try view.columns(try model.bind(table))
    }
  }
}
