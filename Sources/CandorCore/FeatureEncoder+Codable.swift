/// The candor-model JSON of a feature (docs/schemas/candor-model.schema.json): `name`, `kind`, then `mean`
/// and `scale` for a numeric feature or `categories` for a categorical one. Decoding checks what the
/// encoding relies on, once: a finite mean, a positive finite scale, distinct categories.
extension FeatureEncoder.Feature: Codable {
  enum CodingKeys: String, CodingKey {
    case name, kind, mean, scale, categories, reference
  }

  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let name = try container.decode(String.self, forKey: .name)
    switch try container.decode(Kind.self, forKey: .kind) {
    case .numeric:
      let mean = try container.decode(Double.self, forKey: .mean), scale = try container.decode(Double.self, forKey: .scale)
      // A subnormal scale divides to infinity: not a scale.
      guard mean.isFinite, scale.isFinite, scale.isNormal, scale > 0 else {
        throw DecodingError.dataCorruptedError(forKey: .scale, in: container,
                                               debugDescription: "numeric feature '\(name)' needs a finite mean and a positive scale of at least 2.2e-308")
      }
      self.init(name: name, encoding: .numeric(mean: mean, scale: scale))
    case .categorical:
      let levels = try container.decode([String].self, forKey: .categories)
      guard Set(levels).count == levels.count else {
        throw DecodingError.dataCorruptedError(forKey: .categories, in: container,
                                               debugDescription: "categorical feature '\(name)' needs a list of distinct categories")
      }
      let reference = try container.decodeIfPresent(String.self, forKey: .reference)
      if let reference, levels.contains(reference) {
        throw DecodingError.dataCorruptedError(forKey: .reference, in: container,
                                               debugDescription: "categorical feature '\(name)' names its reference level among its categories")
      }
      self.init(name: name, encoding: .categorical(levels: levels), reference: reference)
    }
  }

  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(name, forKey: .name)
    try container.encode(kind, forKey: .kind)
    switch encoding {
    case let .numeric(mean, scale):
      try container.encode(mean, forKey: .mean)
      try container.encode(scale, forKey: .scale)
    case let .categorical(levels):
      try container.encode(levels, forKey: .categories)
      try container.encodeIfPresent(reference, forKey: .reference)
    }
  }
}
