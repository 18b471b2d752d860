import CandorCore
import CandorTestSupport
import Foundation
import Testing

@Suite struct FeatureEncoderTests {
  @Test("numerics are standardized with the population standard deviation, missing imputed with the mean")
  func standardization() throws {
    let train = try parseCSV("x\n1\n2\n3\n\"\"\n6\n")
    let encoder = try FeatureEncoder.fit(train, features: ["x"])
    let feature = encoder.features[0]
    #expect(feature.mean == 3)
    #expect(abs(feature.scale! - (14.0 / 4).squareRoot()) < 1e-15)
    let encoded = try encoder.transform(try parseCSV("x\n3\n\"\"\n5\n"))
    #expect(encoded.storage[0] == 0 && encoded.storage[1] == 0)
    #expect(abs(encoded.storage[2] - 2 / (14.0 / 4).squareRoot()) < 1e-15)
  }

  @Test("a constant column keeps scale 1, as scikit-learn does")
  func constantColumn() throws {
    let encoder = try FeatureEncoder.fit(try parseCSV("x\n4\n4\n"), features: ["x"])
    #expect(encoder.features[0].scale == 1)
  }

  @Test("categories are sorted by code point, missing is a category, unseen levels encode as zeros")
  func oneHot() throws {
    let train = try parseCSV("c,n\nb,1\na,2\n,3\nB,4\n")
    let encoder = try FeatureEncoder.fit(train, features: ["c", "n"])
    #expect(encoder.features[0].categories == ["B", "a", "b", "missing"])
    #expect(encoder.encodedNames == ["c=B", "c=a", "c=b", "c=missing", "n"])
    #expect(encoder.featureGroups.map(\.columns) == [0..<4, 4..<5])
    let encoded = try encoder.transform(try parseCSV("c,n\nzzz,1\n,1\na,1\n"))
    #expect(encoded.row(0).prefix(4) == [0, 0, 0, 0])
    #expect(encoded.row(1).prefix(4) == [0, 0, 0, 1])
    #expect(encoded.row(2).prefix(4) == [0, 1, 0, 0])
  }

  @Test("an all-missing feature is refused by name")
  func allMissing() throws {
    let table = try parseCSV("a,b\n1,\n2,\n")
    #expect(throws: TableError.allMissing(column: "b", file: "test.csv")) { try FeatureEncoder.fit(table, features: ["a", "b"]) }
  }

  @Test("text in a feature that was numeric in training is refused")
  func textInNumeric() throws {
    let encoder = try FeatureEncoder.fit(try parseCSV("a\n1\n2\n"), features: ["a"])
    #expect(throws: TableError.textInNumericFeature(file: "test.csv", column: "a", row: 1, value: "x")) {
      try encoder.transform(try parseCSV("a\nx\n"))
    }
  }

  @Test("the encoder survives a JSON round trip")
  func codable() throws {
    let encoder = try FeatureEncoder.fit(try Fixtures.adult("test"), features: ["age", "workclass", "sex"])
    let decoded = try JSONDecoder().decode(FeatureEncoder.self, from: JSONEncoder().encode(encoder))
    #expect(decoded == encoder)
  }
}

@Suite struct EncodedRowsTests {
  static func adultRows() throws -> (EncodedRows, Matrix) {
    let table = try Fixtures.adult("test").selecting(rows: Array(0..<500))
    let encoder = try FeatureEncoder.fit(table, features: ["age", "workclass", "education_num", "occupation", "sex"])
    let rows = try encoder.encodedRows(table)
    return (rows, rows.dense().appendingOnesColumn())
  }

  @Test("the Gram matrix by entries equals the dense X̃ᵀ·diag(w)·X̃")
  func gram() throws {
    let (rows, dense) = try Self.adultRows()
    var random = SeededRandom(seed: 8)
    let weights = (0..<rows.rows).map { _ in random.nextUniform() - 0.3 }
    let sparse = weights.withUnsafeBufferPointer { rows.weightedGram($0, appendingIntercept: true) }
    let expected = weights.withUnsafeBufferPointer { dense.weightedGram($0) }
    #expect(maxDifference(sparse, expected) < 1e-10)
  }

  @Test("products by entries equal the dense products")
  func products() throws {
    let (rows, dense) = try Self.adultRows()
    var random = SeededRandom(seed: 9)
    let theta = (0..<dense.columns).map { _ in random.nextGaussian() }
    let scores = theta.withUnsafeBufferPointer { rows.times(UnsafeBufferPointer(rebasing: $0.dropLast()), intercept: theta.last!) }
    #expect(zip(scores, dense.times(theta)).allSatisfy { abs($0 - $1) < 1e-12 })
    let v = (0..<rows.rows).map { _ in random.nextGaussian() }
    let back = v.withUnsafeBufferPointer { rows.transposedTimes($0, appendingIntercept: true) }
    #expect(zip(back, dense.times(v, transpose: .transposed)).allSatisfy { abs($0 - $1) < 1e-10 })
  }
}
