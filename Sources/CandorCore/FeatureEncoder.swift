/// Turns raw features into the numeric matrix estimators see, the way scikit-learn users know it:
/// `StandardScaler` on numeric features (training mean, population standard deviation; a constant column
/// keeps scale 1) and `OneHotEncoder(handle_unknown='ignore')` on categorical ones (categories sorted by
/// code point; a level not seen in training encodes as all zeros).
///
/// Missing values: a numeric one is imputed with the training mean (it encodes as 0); a categorical one is
/// its own category `missing`, present when training data had missing cells.
///
/// Encoded columns follow the order of `features`, each raw feature owning one contiguous block
/// (`featureGroups`), so explanations can move a whole one-hot block at once.
public struct FeatureEncoder: Sendable, Equatable, Codable {
  public struct Feature: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case numeric, categorical }
    public let name: String
    public let kind: Kind
    /// Numeric only: training mean and scale (population standard deviation, 1 for a constant column).
    public let mean: Double?
    public let scale: Double?
    /// Categorical only: the encoded categories in column order.
    public let categories: [String]?

    public var width: Int { kind == .numeric ? 1 : (categories?.count ?? 0) }

    public init(name: String, kind: Kind, mean: Double?, scale: Double?, categories: [String]?) {
      self.name = name
      self.kind = kind
      self.mean = mean
      self.scale = scale
      self.categories = categories
    }

    public static func numeric(_ name: String, mean: Double, scale: Double) -> Feature {
      Feature(name: name, kind: .numeric, mean: mean, scale: scale, categories: nil)
    }

    public static func categorical(_ name: String, categories: [String]) -> Feature {
      Feature(name: name, kind: .categorical, mean: nil, scale: nil, categories: categories)
    }
  }

  /// The encoded columns that belong to one raw feature.
  public struct FeatureGroup: Sendable, Equatable {
    public let name: String
    public let columns: Range<Int>
  }

  public let features: [Feature]

  public init(features: [Feature]) {
    self.features = features
  }

  public var featureNames: [String] { features.map(\.name) }
  public var encodedColumnCount: Int { features.reduce(0) { $0 + $1.width } }

  public var featureGroups: [FeatureGroup] {
    var start = 0
    return features.map { feature in
      defer { start += feature.width }
      return FeatureGroup(name: feature.name, columns: start..<(start + feature.width))
    }
  }

  /// Names of the encoded columns: `age`, `workclass=Private`, …
  public var encodedNames: [String] {
    features.flatMap { feature in
      feature.kind == .numeric ? [feature.name] : (feature.categories ?? []).map { "\(feature.name)=\($0)" }
    }
  }

  /// The encoded entry (column, value) of one raw value of feature `slot`: (−1, 0) for a category unseen in
  /// training. `numeric` for numeric features, `level` (nil: missing) for categorical ones.
  public func entry(slot: Int, numeric: Double = .nan, level: String? = nil) -> (column: Int32, value: Double) {
    let feature = features[slot]
    let offset = Int32(featureGroups[slot].columns.lowerBound)
    switch feature.kind {
    case .numeric:
      return (offset, numeric.isNaN ? 0 : (numeric - feature.mean!) / feature.scale!)
    case .categorical:
      let name = level ?? Table.missingLevelName
      guard let index = feature.categories!.firstIndex(of: name) else { return (-1, 0) }
      return (offset + Int32(index), 1)
    }
  }

  // MARK: - Fitting

  /// Learns means, scales and categories of `names` from `table`.
  /// - Throws: `.missingColumn` for an absent feature, `.allMissing` for a feature with no values.
  public static func fit(_ table: Table, features names: [String]) throws(TableError) -> FeatureEncoder {
    var features: [Feature] = []
    for name in names {
      let column = try table.column(name)
      if column.missingCount == column.count { throw .allMissing(column: name, file: table.source) }
      switch column {
      case let .numeric(numeric):
        var sum = 0.0, count = 0.0
        for v in numeric.values where !v.isNaN {
          sum += v
          count += 1
        }
        let mean = sum / count
        var squares = 0.0
        for v in numeric.values where !v.isNaN { squares += (v - mean) * (v - mean) }
        let std = (squares / count).squareRoot()
        // sklearn's _handle_zeros_in_scale: a (near-)constant column keeps scale 1.
        let scale = std < 10 * Double.ulpOfOne * max(abs(mean), 1) ? 1 : std
        features.append(Feature(name: name, kind: .numeric, mean: mean, scale: scale, categories: nil))
      case let .categorical(categorical):
        var categories = Set(categorical.presentLevels)
        if categorical.codes.contains(CategoricalColumn.missingCode) { categories.insert(Table.missingLevelName) }
        let sorted = categories.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        features.append(Feature(name: name, kind: .categorical, mean: nil, scale: nil, categories: sorted))
      }
    }
    return FeatureEncoder(features: features)
  }

  // MARK: - Transforming

  /// Encodes every row of `table` (rows × `encodedColumnCount`, row-major).
  /// - Throws: `.missingColumn` when a feature is absent, `.textInNumericFeature` when a feature that was
  ///   numeric in training holds text here.
  /// - Complexity: O(rows × features), plus zero-filling the dense result.
  public func transform(_ table: Table) throws(TableError) -> Matrix {
    try encodedRows(table).dense()
  }

  /// Encodes every row of `table` as one entry per raw feature (see `EncodedRows`): the form linear models
  /// use, and the single place where encoding happens.
  public func encodedRows(_ table: Table) throws(TableError) -> EncodedRows {
    var output = EncodedRows(rows: table.rowCount, columns: encodedColumnCount, stride: features.count)
    let stride = features.count
    var offset = 0
    for (f, feature) in features.enumerated() {
      let column = try table.column(feature.name)
      let base = Int32(offset)
      try output.values.withUnsafeMutableBufferPointer { (values) throws(TableError) in
        try output.indices.withUnsafeMutableBufferPointer { (indices) throws(TableError) in
          switch (feature.kind, column) {
          case let (.numeric, .numeric(numeric)):
            let mean = feature.mean!, scale = feature.scale!
            numeric.values.withUnsafeBufferPointer { source in
              for r in 0..<source.count {
                let v = source[r]
                indices[r * stride + f] = base
                values[r * stride + f] = v.isNaN ? 0 : (v - mean) / scale
              }
            }
          case let (.numeric, .categorical(categorical)):
            let row = categorical.codes.firstIndex { $0 >= 0 } ?? 0
            throw .textInNumericFeature(file: table.source, column: feature.name, row: row + 1,
                                        value: categorical.value(at: row) ?? "")
          case (.categorical, _):
            let categorical = column.asCategorical()
            var map = categorical.codeMap(into: feature.categories!)
            let missingTarget = feature.categories!.firstIndex(of: Table.missingLevelName).map(Int32.init) ?? -1
            map.append(missingTarget)  // code −1 reads the last slot
            let missingSlot = map.count - 1
            map.withUnsafeBufferPointer { map in
              categorical.codes.withUnsafeBufferPointer { codes in
                for r in 0..<codes.count {
                  let code = codes[r]
                  let category = map[code < 0 ? missingSlot : Int(code)]
                  if category >= 0 {
                    indices[r * stride + f] = base + category
                    values[r * stride + f] = 1
                  }
                }
              }
            }
          }
        }
      }
      offset += feature.width
    }
    return output
  }
}
