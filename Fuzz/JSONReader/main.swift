import CandorCore
import Foundation

/// libFuzzer target: the bytes are any JSON document, read by `JSONReader` (the reader of parts, model files and
/// ledgers). A `SyntaxError` is a correct answer when it names a line and column inside the document. A document it
/// reads is one Foundation's parser reads too (the reader is not more lenient), and its tree, written by Candor's
/// writer and read again, is the same tree. Seeds: parts, a model file, a ledger line, hand-written edge cases.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONReader(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
  let data = start.map { Data(bytes: $0, count: count) } ?? Data()
  let tree: JSONValue
  do {
    tree = try JSONReader.read(data)
  } catch {
    let lines = data.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
    require(error.line >= 1 && error.line <= lines && error.column >= 1 && error.column <= count + 1,
            "a fault outside the document: \(error)")
    return 0
  }
  require((try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])) != nil,
          "read a document Foundation's parser refuses")
  let written = tree.data(layout: .compact)
  guard let again = try? JSONReader.read(written) else { fail("its own writing does not read back") }
  require(again == tree, "written and read again, the tree differs")
  return 0
}
