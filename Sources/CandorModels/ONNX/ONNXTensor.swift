/// A tensor while a graph runs: its shape (row-major) and its elements in one of the element types candor's
/// operators compute in. Integer types of every width are held as Int64 and keep their ONNX type code, so a Cast
/// or an output knows what the graph declared.
struct ONNXTensor: Sendable {
  enum Storage: Sendable {
    case float([Float])
    case double([Double])
    case int([Int64])
    case string([String])
    case bool([Bool])
  }

  /// ONNX `TensorProto.DataType` codes.
  enum ElementType {
    static let float: Int32 = 1, uint8: Int32 = 2, int8: Int32 = 3, uint16: Int32 = 4, int16: Int32 = 5, int32: Int32 = 6
    static let int64: Int32 = 7, string: Int32 = 8, bool: Int32 = 9, float16: Int32 = 10, double: Int32 = 11
    static let uint32: Int32 = 12, uint64: Int32 = 13

    static let integers: Set<Int32> = [uint8, int8, uint16, int16, int32, int64, uint32, uint64]

    static func name(_ code: Int32) -> String {
      switch code {
      case float: "float"
      case uint8: "uint8"
      case int8: "int8"
      case uint16: "uint16"
      case int16: "int16"
      case int32: "int32"
      case int64: "int64"
      case string: "string"
      case bool: "bool"
      case float16: "float16"
      case double: "double"
      case uint32: "uint32"
      case uint64: "uint64"
      case 16: "bfloat16"
      case 14, 15: "complex"
      default: "type \(code)"
      }
    }
  }

  var shape: [Int]
  var storage: Storage
  var elementType: Int32
  var name = ""

  init(shape: [Int], storage: Storage, elementType: Int32? = nil) {
    self.shape = shape
    self.storage = storage
    switch storage {
    case .float: self.elementType = elementType ?? ElementType.float
    case .double: self.elementType = ElementType.double
    case .int: self.elementType = elementType ?? ElementType.int64
    case .string: self.elementType = ElementType.string
    case .bool: self.elementType = ElementType.bool
    }
  }

  static func float(_ values: [Float], shape: [Int]) -> ONNXTensor { ONNXTensor(shape: shape, storage: .float(values)) }
  static func int(_ values: [Int64], shape: [Int]) -> ONNXTensor { ONNXTensor(shape: shape, storage: .int(values)) }

  var count: Int { shape.reduce(1, *) }
  var rank: Int { shape.count }
  var typeName: String { ElementType.name(elementType) }

  /// The largest tensor a file may declare, in elements: the whole file could not hold more than one per byte
  /// anyway, except for a tensor whose dimensions multiply beyond its data, which is refused.
  static let maxElements = 1 << 31

  /// Decodes a `TensorProto`: dims (1), data_type (2), the typed data fields (4 float, 5 int32 and smaller
  /// types, 6 string, 7 int64, 10 double, 11 uint64) or raw_data (9, little-endian), external data (13/14).
  init(proto message: ProtobufReader) throws(ProtobufReader.Malformed) {
    var reader = message
    var dims: [Int64] = [], type: Int32 = 0, name = ""
    var floats: [Float] = [], doubles: [Double] = [], ints: [Int64] = [], strings: [String] = []
    var raw: (start: Int, end: Int)?, external = false
    while let field = try reader.next() {
      switch field.number {
      case 1: try reader.varints(field, into: &dims)
      case 2: type = Int32(truncatingIfNeeded: field.scalar)
      case 4: try reader.floats(field, into: &floats)
      case 5, 7, 11: try reader.varints(field, into: &ints)
      case 6: strings.append(try reader.string(field))
      case 8: name = try reader.string(field)
      case 9: raw = (field.start, field.end)
      case 10: try reader.doubles(field, into: &doubles)
      case 13: external = true
      case 14: if field.scalar == 1 { external = true }
      default: break
      }
    }
    let offset = message.position
    let where_ = name.isEmpty ? "a tensor" : "tensor '\(name)'"
    if external { throw ProtobufReader.Malformed(offset: offset, reason: "\(where_) keeps its data in another file (external data), which candor does not read") }
    var count = 1
    for d in dims {
      guard d >= 0 else { throw ProtobufReader.Malformed(offset: offset, reason: "\(where_) has dimension \(d)") }
      let (product, overflow) = count.multipliedReportingOverflow(by: Int(d))
      guard !overflow, product <= Self.maxElements else {
        throw ProtobufReader.Malformed(offset: offset, reason: "\(where_) declares more than \(Self.maxElements) elements")
      }
      count = product
    }
    let shape = dims.map { Int($0) }
    func check(_ found: Int) throws(ProtobufReader.Malformed) {
      guard found == count else {
        throw ProtobufReader.Malformed(offset: offset, reason: "\(where_) has shape \(shape) (\(count) elements) but holds \(found) values")
      }
    }
    let width: Int
    switch type {
    case ElementType.float, ElementType.int32, ElementType.uint32: width = 4
    case ElementType.double, ElementType.int64, ElementType.uint64: width = 8
    case ElementType.int16, ElementType.uint16, ElementType.float16: width = 2
    case ElementType.int8, ElementType.uint8, ElementType.bool: width = 1
    case ElementType.string: width = 0
    default: throw ProtobufReader.Malformed(offset: offset, reason: "\(where_) has element type \(ElementType.name(type)), which candor does not compute in")
    }
    if type == ElementType.float16 { throw ProtobufReader.Malformed(offset: offset, reason: "\(where_) is float16, which candor does not compute in") }
    if let raw, type != ElementType.string {
      let bytes = reader.bytes
      guard (raw.end - raw.start) == count * width else {
        throw ProtobufReader.Malformed(offset: raw.start, reason: "\(where_) has shape \(shape) of \(ElementType.name(type)) (\(count * width) bytes) but \(raw.end - raw.start) bytes of data")
      }
      func load<T>(_: T.Type, _ k: Int) -> T { bytes.loadUnaligned(fromByteOffset: raw.start + k * width, as: T.self) }
      switch type {
      case ElementType.float: floats = (0..<count).map { Float(bitPattern: load(UInt32.self, $0).littleEndian) }
      case ElementType.double: doubles = (0..<count).map { Double(bitPattern: load(UInt64.self, $0).littleEndian) }
      case ElementType.int64: ints = (0..<count).map { Int64(littleEndian: load(Int64.self, $0)) }
      case ElementType.uint64: ints = (0..<count).map { Int64(bitPattern: UInt64(littleEndian: load(UInt64.self, $0))) }
      case ElementType.int32: ints = (0..<count).map { Int64(Int32(littleEndian: load(Int32.self, $0))) }
      case ElementType.uint32: ints = (0..<count).map { Int64(UInt32(littleEndian: load(UInt32.self, $0))) }
      case ElementType.int16: ints = (0..<count).map { Int64(Int16(littleEndian: load(Int16.self, $0))) }
      case ElementType.uint16: ints = (0..<count).map { Int64(UInt16(littleEndian: load(UInt16.self, $0))) }
      case ElementType.int8: ints = (0..<count).map { Int64(load(Int8.self, $0)) }
      default: ints = (0..<count).map { Int64(load(UInt8.self, $0)) }  // uint8, bool
      }
    }
    switch type {
    case ElementType.float:
      try check(floats.count)
      storage = .float(floats)
    case ElementType.double:
      try check(doubles.count)
      storage = .double(doubles)
    case ElementType.string:
      try check(strings.count)
      storage = .string(strings)
    case ElementType.bool:
      try check(ints.count)
      storage = .bool(ints.map { $0 != 0 })
    default:
      try check(ints.count)
      storage = .int(ints)
    }
    self.shape = shape
    self.elementType = type
    self.name = name
  }
}

extension ONNXTensor {
  /// The elements as Float (numbers only; bool as 0/1).
  var floatValues: [Float]? {
    switch storage {
    case let .float(v): v
    case let .double(v): v.map { Float($0) }
    case let .int(v): v.map { Float($0) }
    case let .bool(v): v.map { $0 ? 1 : 0 }
    case .string: nil
    }
  }

  var doubleValues: [Double]? {
    switch storage {
    case let .float(v): v.map { Double($0) }
    case let .double(v): v
    case let .int(v): v.map { Double($0) }
    case let .bool(v): v.map { $0 ? 1 : 0 }
    case .string: nil
    }
  }

  var intValues: [Int64]? {
    if case let .int(v) = storage { return v }
    return nil
  }

  /// The same elements under another shape of as many elements.
  func reshaped(_ shape: [Int]) -> ONNXTensor {
    var copy = self
    copy.shape = shape
    return copy
  }
}
