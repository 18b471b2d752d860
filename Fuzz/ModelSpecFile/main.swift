import CandorCore
import CandorModels
import Foundation

/// libFuzzer target: the bytes are a `--model-spec` file, and also a `candor-threshold-policy` file. The spec
/// goes through `ModelSpec.decode`; one that decodes binds a model that echoes its inputs (every input a number
/// the bound table must hold) and scores a small table of typical, missing, unknown and numeric-looking cells,
/// with a column missing and with no rows. The policy goes through `ThresholdPolicyFile.decode` and, when it
/// decodes, loading its base (which names files that do not exist, or exist with other digests). A `ModelError`
/// or `TableError` is a correct answer; a trap, a sanitizer report or a broken invariant is a crash. Seeds: the
/// spec fixtures of Tests/Fixtures/models/ and policy files written by `candor mitigate threshold`.
///
/// Invariants: a bound table has one column per spec input, named as the input, with the data's row count.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelSpecFile(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  if let spec = decodeSpec(data) { exercise(spec) }
  do {
    let policy = try ThresholdPolicyFile.decode(data, path: "/nonexistent/policy.json")
    _ = try? policy.model(path: "/nonexistent/policy.json")
    // What it encodes to decodes and encodes to the same bytes.
    let encoded = try policy.encoded()
    require(try ThresholdPolicyFile.decode(encoded, path: "again.json").encoded() == encoded, "a policy's encoding is stable")
  } catch is ModelError {
  } catch {
    fail("policy decoding threw \(error), which is not a ModelError")
  }
  return 0
}

func decodeSpec(_ data: Data) -> ModelSpec? {
  do {
    return try ModelSpec.decode(data, path: "fuzz.spec.json")
  } catch is ModelError {
    return nil
  } catch {
    fail("spec decoding threw \(error), which is not a ModelError")
  }
}

/// A model reading the spec's inputs, returning nothing but checking what it was given.
struct Echo: Model {
  let featureNames: [String]
  var outputKind: OutputKind { .regression }
  var classes: [String] { ["echo"] }
  func predict(_ table: Table) throws -> Matrix {
    for name in featureNames { require(table[name] != nil, "the bound table holds input '\(name)'") }
    return Matrix(rows: table.rowCount, columns: 1)
  }
}

func exercise(_ spec: ModelSpec) {
  let names = spec.inputs.map(\.name)
  let model: SpecBoundModel
  do {
    model = try SpecBoundModel(base: Echo(featureNames: names), spec: spec, specPath: "fuzz.spec.json", checkingInputs: true)
  } catch is ModelError {
    return
  } catch {
    fail("binding threw \(error), which is not a ModelError")
  }
  let texts: [String?] = ["a", "missing", nil, "Private", "", "3", "2.5"]
  let values: [Double] = [0.5, .nan, 3, -1, 1e300, 2.5]
  func table(rows: Int, dropping: Int?) -> Table? {
    let columns = model.featureNames.enumerated().compactMap { j, name -> Column? in
      if j == dropping { return nil }
      return j % 2 == 0
        ? .categorical(CategoricalColumn(name: name, strings: (0..<rows).map { texts[($0 + j) % texts.count] }))
        : .numeric(NumericColumn(name: name, values: ContiguousArray((0..<rows).map { values[($0 + j) % values.count] })))
    }
    return try? Table(columns: columns)
  }
  for (rows, dropping) in [(7, nil), (3, 0), (0, nil)] as [(Int, Int?)] {
    guard let table = table(rows: rows, dropping: dropping) else { continue }
    do {
      let bound = try model.bind(table)
      require(bound.rowCount == table.rowCount, "the bound table keeps the row count")
      for input in spec.inputs {
        guard let column = bound[input.name] else { fail("the bound table lacks input '\(input.name)'") }
        if input.type != .string { require(column.isNumeric, "a number or category input is numeric") }
      }
      _ = try model.predict(table)
    } catch is ModelError {
    } catch is TableError {
    } catch {
      fail("binding threw \(error), which is not a ModelError or TableError")
    }
  }
}
