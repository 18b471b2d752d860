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
  /// One raw feature and how its values become encoded columns.
  public struct Feature: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable { case numeric, categorical }

    /// What a feature learned in training; each case holds exactly what its encoding needs.
    public enum Encoding: Sendable, Equatable {
      /// One column, (value − mean) / scale: the training mean and the population standard deviation
      /// (1 for a constant column).
      case numeric(mean: Double, scale: Double)
      /// One column per category, in column order.
      case categorical(levels: [String])
    }

    public let name: String
    public let encoding: Encoding
    /// Reference coding (an unpenalized model, so that it is identifiable): the level left out of the categories;
    /// it encodes as all zeros, the baseline every other level's coefficient is measured against.
    public let reference: String?

    public init(name: String, encoding: Encoding, reference: String? = nil) {
      self.name = name
      self.encoding = encoding
      self.reference = reference
    }

    public static func numeric(_ name: String, mean: Double, scale: Double) -> Feature {
      Feature(name: name, encoding: .numeric(mean: mean, scale: scale))
    }

    public static func categorical(_ name: String, categories: [String], reference: String? = nil) -> Feature {
      Feature(name: name, encoding: .categorical(levels: categories), reference: reference)
    }

    public var kind: Kind {
      switch encoding {
      case .numeric: .numeric
      case .categorical: .categorical
      }
    }

    /// Numeric only: the training mean.
    public var mean: Double? {
      if case let .numeric(mean, _) = encoding { mean } else { nil }
    }

    /// Numeric only: the scale the centred value is divided by.
    public var scale: Double? {
      if case let .numeric(_, scale) = encoding { scale } else { nil }
    }

    /// Categorical only: the encoded categories in column order.
    public var categories: [String]? {
      if case let .categorical(levels) = encoding { levels } else { nil }
    }

    public var width: Int {
      switch encoding {
      case .numeric: 1
      case let .categorical(levels): levels.count
      }
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
      switch feature.encoding {
      case .numeric: [feature.name]
      case let .categorical(levels): levels.map { "\(feature.name)=\($0)" }
      }
    }
  }

  /// The encoded entry (column, value) of one raw value of feature `slot`: (−1, 0) for a category unseen in
  /// training. `numeric` for numeric features, `level` (nil: missing) for categorical ones.
  public func entry(slot: Int, numeric: Double = .nan, level: String? = nil) -> (column: Int32, value: Double) {
    let feature = features[slot]
    let offset = Int32(featureGroups[slot].columns.lowerBound)
    switch feature.encoding {
    case let .numeric(mean, scale):
      return (offset, numeric.isNaN ? 0 : (numeric - mean) / scale)
    case let .categorical(levels):
      let name = level ?? Table.missingLevelName
      guard let index = levels.firstIndex(of: name) else { return (-1, 0) }
      return (offset + Int32(index), 1)
    }
  }

  // MARK: - Fitting

  /// Learns means, scales and categories of `names` from `table`; with `referenceCoding`, each categorical
  /// feature's first level (in code-point order) is its reference, left out of the columns.
  /// - Throws: `.missingColumn` for an absent feature, `.allMissing` for a feature with no values.
  /// With `scaling` false, numeric features are only centred (scale 1): a tree splits them in the data's units.
  public static func fit(_ table: Table, features names: [String], referenceCoding: Bool = false, scaling: Bool = true) throws(TableError) -> FeatureEncoder {
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
        let scale = !scaling || std < 10 * Double.ulpOfOne * max(abs(mean), 1) ? 1 : std
        features.append(.numeric(name, mean: mean, scale: scale))
      case let .categorical(categorical):
        var categories = Set(categorical.presentLevels)
        if categorical.codes.contains(CategoricalColumn.missingCode) { categories.insert(Table.missingLevelName) }
        let sorted = categories.sorted { $0.unicodeScalars.lexicographicallyPrecedes($1.unicodeScalars) }
        features.append(referenceCoding ? .categorical(name, categories: Array(sorted.dropFirst()), reference: sorted.first) : .categorical(name, categories: sorted))
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
      guard let column = table[feature.name] else { throw .missingModelFeature(feature.name, file: table.source) }
      let base = Int32(offset)
      try output.values.withUnsafeMutableBufferPointer { (values) throws(TableError) in
        try output.indices.withUnsafeMutableBufferPointer { (indices) throws(TableError) in
          switch (feature.encoding, column) {
          case let (.numeric(mean, scale), .numeric(numeric)):
            numeric.values.withUnsafeBufferPointer { source in
              for r in 0..<source.count {
                let v = source[r]
                indices[r * stride + f] = base
                values[r * stride + f] = v.isNaN ? 0 : (v - mean) / scale
              }
            }
          case let (.numeric, .categorical(categorical)):
            let text = categorical.firstText ?? (0, categorical.value(at: 0) ?? "")
            throw .textInNumericFeature(file: table.source, column: feature.name, row: text.row + 1, value: text.value)
          case let (.categorical(levels), _):
            let categorical = column.asCategorical()
            var map = categorical.codeMap(into: levels)
            let missingTarget = levels.firstIndex(of: Table.missingLevelName).map(Int32.init) ?? -1
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
