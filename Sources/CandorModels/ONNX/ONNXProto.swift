/// The parts of an ONNX `ModelProto` (the ONNX project's `onnx/onnx-ml.proto`, IR versions 3–10) that executing a
/// graph needs, decoded from the protobuf wire format by field number. Fields candor does not use (doc strings,
/// metadata, training info) are skipped; fields that would change what the graph computes and that candor
/// cannot honour (external data, sparse initializers, local functions, subgraphs) are refused by the loader.
struct ONNXModelProto {
  var irVersion: Int64 = 0
  var producer = ""
  /// Operator set versions by domain ("" and "ai.onnx" are the default domain).
  var opsets: [String: Int64] = [:]
  var graph = ONNXGraphProto()
  var hasGraph = false
  var functionCount = 0

  init(_ bytes: UnsafeRawBufferPointer) throws(ProtobufReader.Malformed) {
    var reader = ProtobufReader(bytes)
    while let field = try reader.next() {
      switch field.number {
      case 1: irVersion = Int64(bitPattern: field.scalar)
      case 2: producer = try reader.string(field)
      case 7:
        graph = try ONNXGraphProto(try reader.message(field))
        hasGraph = true
      case 8:
        var opset = try reader.message(field)
        var domain = "", version: Int64 = 0
        while let f = try opset.next() {
          if f.number == 1 { domain = try opset.string(f) }
          if f.number == 2 { version = Int64(bitPattern: f.scalar) }
        }
        opsets[domain == "ai.onnx" ? "" : domain] = version
      case 25: functionCount += 1
      default: break
      }
    }
  }
}

struct ONNXGraphProto {
  var name = ""
  var nodes: [ONNXNodeProto] = []
  var initializers: [ONNXTensor] = []
  var sparseInitializerCount = 0
  var inputs: [ONNXValueInfo] = []
  var outputs: [ONNXValueInfo] = []

  init() {}

  init(_ message: ProtobufReader) throws(ProtobufReader.Malformed) {
    var reader = message
    while let field = try reader.next() {
      switch field.number {
      case 1: nodes.append(try ONNXNodeProto(try reader.message(field)))
      case 2: name = try reader.string(field)
      case 5: initializers.append(try ONNXTensor(proto: try reader.message(field)))
      case 11: inputs.append(try ONNXValueInfo(try reader.message(field)))
      case 12: outputs.append(try ONNXValueInfo(try reader.message(field)))
      case 15: sparseInitializerCount += 1
      default: break
      }
    }
  }
}

struct ONNXNodeProto {
  var name = ""
  var opType = ""
  var domain = ""
  var inputs: [String] = []
  var outputs: [String] = []
  var attributes: [String: ONNXAttribute] = [:]

  init(_ message: ProtobufReader) throws(ProtobufReader.Malformed) {
    var reader = message
    while let field = try reader.next() {
      switch field.number {
      case 1: inputs.append(try reader.string(field))
      case 2: outputs.append(try reader.string(field))
      case 3: name = try reader.string(field)
      case 4: opType = try reader.string(field)
      case 5:
        let (key, value) = try ONNXAttribute.decode(try reader.message(field))
        attributes[key] = value
      case 7: domain = try reader.string(field)
      default: break
      }
    }
    if domain == "ai.onnx" { domain = "" }
  }
}

enum ONNXAttribute {
  case float(Float)
  case int(Int64)
  case string(String)
  case tensor(ONNXTensor)
  case floats([Float])
  case ints([Int64])
  case strings([String])
  /// A subgraph (If, Loop, Scan), a sparse tensor, a type proto or a reference to a function's attribute: kinds
  /// candor's operators never take.
  case unsupported(String)

  /// The attribute's name and value. Its `type` field (20) says which value field holds it; files written before
  /// IR version 2 may lack it, so the value fields themselves decide when it is absent.
  static func decode(_ message: ProtobufReader) throws(ProtobufReader.Malformed) -> (String, ONNXAttribute) {
    var reader = message
    var name = "", type: UInt64 = 0
    var float: Float?, int: Int64?, string: String?, tensor: ONNXTensor?
    var floats: [Float] = [], ints: [Int64] = [], strings: [String] = []
    var other: String?
    while let field = try reader.next() {
      switch field.number {
      case 1: name = try reader.string(field)
      case 2: float = Float(bitPattern: UInt32(truncatingIfNeeded: field.scalar))
      case 3: int = Int64(bitPattern: field.scalar)
      case 4: string = try reader.string(field)
      case 5: tensor = try ONNXTensor(proto: try reader.message(field))
      case 6, 11: other = "a subgraph"
      case 7: try reader.floats(field, into: &floats)
      case 8: try reader.varints(field, into: &ints)
      case 9: strings.append(try reader.string(field))
      case 10, 12: other = "a list of tensors or graphs"
      case 20: type = field.scalar
      case 21: other = "a reference to a function attribute"
      case 22, 23: other = "a sparse tensor"
      case 14, 15: other = "a type"
      default: break
      }
    }
    if let other { return (name, .unsupported(other)) }
    switch type {
    case 1: return (name, .float(float ?? 0))
    case 2: return (name, .int(int ?? 0))
    case 3: return (name, .string(string ?? ""))
    case 4: if let tensor { return (name, .tensor(tensor)) }
    case 6: return (name, .floats(floats))
    case 7: return (name, .ints(ints))
    case 8: return (name, .strings(strings))
    case 0: break
    default: return (name, .unsupported("an attribute of type \(type)"))
    }
    if let tensor { return (name, .tensor(tensor)) }
    if let float { return (name, .float(float)) }
    if let int { return (name, .int(int)) }
    if let string { return (name, .string(string)) }
    if !floats.isEmpty { return (name, .floats(floats)) }
    if !strings.isEmpty { return (name, .strings(strings)) }
    return (name, .ints(ints))
  }
}

/// A graph input or output: its name and, for a tensor, its element type and dimensions (nil where the dimension
/// is symbolic, such as the batch size N).
struct ONNXValueInfo {
  enum Kind: Equatable {
    case tensor(elementType: Int32, dimensions: [Int64?]?)
    /// A sequence, map or optional value, described in words ("a sequence of maps").
    case other(String)
  }

  var name = ""
  var kind = Kind.other("a value of no declared type")

  init(_ message: ProtobufReader) throws(ProtobufReader.Malformed) {
    var reader = message
    while let field = try reader.next() {
      switch field.number {
      case 1: name = try reader.string(field)
      case 2: kind = try Self.type(try reader.message(field))
      default: break
      }
    }
  }

  static func type(_ message: ProtobufReader) throws(ProtobufReader.Malformed) -> Kind {
    var reader = message
    while let field = try reader.next() {
      switch field.number {
      case 1:
        var tensor = try reader.message(field)
        var elementType: Int32 = 0, dimensions: [Int64?]?
        while let f = try tensor.next() {
          if f.number == 1 { elementType = Int32(truncatingIfNeeded: f.scalar) }
          if f.number == 2 {
            var shape = try tensor.message(f)
            var dims: [Int64?] = []
            while let d = try shape.next() {
              guard d.number == 1 else { continue }
              var dimension = try shape.message(d)
              var value: Int64?
              while let v = try dimension.next() {
                if v.number == 1 && v.wireType == .varint { value = Int64(bitPattern: v.scalar) }
              }
              dims.append(value)
            }
            dimensions = dims
          }
        }
        return .tensor(elementType: elementType, dimensions: dimensions)
      case 4: return .other("a sequence")
      case 5: return .other("a map")
      case 8: return .other("a sparse tensor")
      case 9: return .other("an optional value")
      default: break
      }
    }
    return .other("a value of no declared type")
  }
}
