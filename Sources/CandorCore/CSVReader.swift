import Foundation

/// Reads CSV files (RFC 4180) into typed tables.
///
/// Byte-level: one pass finds the fields (quoted fields may hold commas, doubled quotes and newlines;
/// records end in LF or CRLF; a UTF-8 byte-order mark is skipped; blank lines are skipped), then each
/// column is typed on its own: numeric when every non-missing cell is a finite number, else categorical
/// (dictionary codes, no string per cell). Options override the inference.
public enum CSVReader {
  /// Reads the file at `path`.
  /// - Throws: `TableError` naming the file, line, column and value at fault.
  public static func read(path: String, options: CSVOptions = CSVOptions()) throws(TableError) -> Table {
    try parse(try InputFile.read(path), source: path, options: options)
  }

  /// Reads several files at once (each file's scan is sequential, so separate files overlap on the cores).
  /// Throws the first failure in the order given.
  public static func read(paths: [String], options: CSVOptions = CSVOptions()) throws(TableError) -> [Table] {
    let results = DisjointWrites<Result<Table, TableError>?>(repeating: nil, count: paths.count)
    parallelFor(paths.count) { i in
      results[i] = Result { () throws(TableError) -> Table in try read(path: paths[i], options: options) }
    }
    var tables: [Table] = []
    for result in results.values { tables.append(try result!.get()) }
    return tables
  }

  /// Parses CSV bytes; `source` names them in errors.
  public static func parse(_ data: Data, source: String, options: CSVOptions = CSVOptions()) throws(TableError)
    -> Table
  {
    let result: Result<Table, TableError> = data.withUnsafeBytes { raw in
      let bytes = raw.bindMemory(to: UInt8.self)
      do {
        return .success(try parse(bytes, source: source, options: options))
      } catch let error as TableError {
        return .failure(error)
      } catch {
        fatalError("unexpected \(error)")
      }
    }
    return try result.get()
  }

  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, source: String, options: CSVOptions) throws(TableError)
    -> Table
  {
    try typed(try FieldScanner.scan(bytes, source: source), bytes: bytes, source: source, options: options)
  }

  /// One shard's rows of a CSV file: rows ⌊index·N/count⌋ ..< ⌊(index+1)·N/count⌋ of its N data rows (`ShardRows`),
  /// with the SHA-256 of the whole file. A file without quote characters or lone carriage returns is scanned and
  /// typed only over the shard's bytes, found by counting line feeds (`RecordLocator`), so n shards of one file share
  /// its parsing; any other file is scanned whole (a line feed may be inside a field). Columns are typed from the
  /// shard's rows alone, so a column may be numbers in one shard and text in another: a sharded command records its
  /// columns' kinds in its part, and `candor merge` refuses parts that disagree.
  /// Lines in errors are the file's own. An empty shard (more shards than rows) has no rows.
  public static func read(path: String, options: CSVOptions = CSVOptions(), shard index: Int, of count: Int) throws(TableError)
    -> TableShard
  {
    try InputFile.withBytes(path) { bytes throws(TableError) -> TableShard in
      try parse(bytes, source: path, options: options, shard: index, of: count)
    }
  }

  /// One shard's rows of CSV bytes, as `read(path:options:shard:of:)` reads a file's; `source` names them in errors.
  public static func parse(_ data: Data, source: String, options: CSVOptions = CSVOptions(), shard index: Int, of count: Int)
    throws(TableError) -> TableShard
  {
    let result: Result<TableShard, TableError> = data.withUnsafeBytes { raw in
      Result { () throws(TableError) -> TableShard in try parse(raw.bindMemory(to: UInt8.self), source: source, options: options, shard: index, of: count) }
    }
    return try result.get()
  }

  static func parse(_ bytes: UnsafeBufferPointer<UInt8>, source path: String, options: CSVOptions, shard index: Int, of count: Int)
    throws(TableError) -> TableShard
  {
    let digest = BLAKE3.hex(UnsafeRawBufferPointer(bytes))
    guard let located = RecordLocator.locate(bytes, index: index, count: count, rows: ShardRows.rows) else {
      let table = try parse(bytes, source: path, options: options)
      let rows = ShardRows.rows(index: index, count: count, total: table.rowCount)
      return TableShard(table: table.selecting(rows: Array(rows)), rows: rows, totalRows: table.rowCount, blake3: digest)
    }
    if located.totalRows == 0 {
      // The whole scan words the error (no rows, no header, a header of numbers).
      _ = try parse(bytes, source: path, options: options)
      throw .noRows(file: path)
    }
    guard let fields = try FieldScanner.scanPlainInParallel(bytes, source: path, body: located.body,
                                                            bodyFirstLine: located.bodyFirstLine) else {
      throw .emptyFile(path)
    }
    let table = try typed(fields, bytes: bytes, source: path, options: options, allowsNoRows: true)
    return TableShard(table: table, rows: located.rows, totalRows: located.totalRows, blake3: digest)
  }

  /// The columns of scanned fields, typed.
  private static func typed(_ fields: ScannedFields, bytes: UnsafeBufferPointer<UInt8>, source: String, options: CSVOptions,
                            allowsNoRows: Bool = false) throws(TableError) -> Table {
    let names = try headerNames(fields, bytes: bytes, source: source, allowsNoRows: allowsNoRows)
    for name in options.categoricalColumns + options.numericColumns where !names.contains(name) {
      throw .missingColumn(name, available: names, file: source)
    }
    let missingTokens = options.missingTokens.map { Array($0.utf8) }
    // Columns are typed independently, on all cores; the first failing column (in file order) is reported.
    let typed = DisjointWrites<Result<Column, TableError>?>(repeating: nil, count: names.count)
    let notes = DisjointWrites<ReadingNote?>(repeating: nil, count: names.count)
    let shared = SharedScan(fields: fields, bytes: bytes)
    parallelFor(names.count) { index in
      let name = names[index]
      let cells = ColumnCells(fields: shared.fields, column: index, name: name, bytes: shared.bytes, source: source,
                              missingTokens: missingTokens)
      typed[index] = Result { () throws(TableError) -> Column in
        if options.categoricalColumns.contains(name) { return .categorical(try cells.categorical()) }
        let required: ColumnCells.NumericRequirement? = options.numericColumns.contains(name) ? .declared
          : options.modelNumericColumns.contains(name) ? .model : nil
        var stray: ColumnCells.StrayText?
        if let numeric = try cells.numeric(required: required, stray: &stray) { return .numeric(numeric) }
        let categorical = try cells.categorical()
        if let stray {
          notes[index] = .strayText(file: source, column: name, line: stray.line, value: stray.value, textCells: stray.textCells,
                                    numbers: stray.numbers, levels: categorical.levels.count)
        }
        return .categorical(categorical)
      }
    }
    var columns: [Column] = []
    columns.reserveCapacity(names.count)
    for result in typed.values { columns.append(try result!.get()) }
    var table = try Table(columns: columns, source: source)
    table.readingNotes = notes.values.compactMap { $0 }
    return table
  }

  private static func headerNames(_ fields: ScannedFields, bytes: UnsafeBufferPointer<UInt8>, source: String,
                                  allowsNoRows: Bool) throws(TableError) -> [String]
  {
    guard fields.recordCount > 0 else { throw .emptyFile(source) }
    var names: [String] = []
    var numericNames: [(Int, String)] = []
    for c in 0..<fields.columnCount {
      guard let name = fields.text(record: 0, column: c, bytes: bytes) else {
        throw .invalidUTF8(file: source, line: 1, column: "#\(c + 1)")
      }
      let trimmed = name.trimmingCharacters(in: .whitespaces)
      if trimmed.isEmpty { throw .emptyColumnName(file: source, column: c + 1) }
      if Double(trimmed) != nil { numericNames.append((c + 1, name)) }
      if names.contains(name) { throw .duplicateColumn(name, file: source) }
      names.append(name)
    }
    // A header names columns; when most of its fields are numbers, the file has no header.
    if let first = numericNames.first, numericNames.count * 2 >= fields.columnCount {
      throw .noHeader(file: source, field: first.0, value: first.1)
    }
    if fields.recordCount == 1 && !allowsNoRows { throw .noRows(file: source) }
    return names
  }
}

/// The scan of one buffer, read (never written) by the column-typing workers while the buffer is alive.
private struct SharedScan: @unchecked Sendable {
  let fields: ScannedFields
  let bytes: UnsafeBufferPointer<UInt8>
}

/// One shard's rows of a file (`CSVReader.read(path:options:shard:of:)`).
public struct TableShard: Sendable {
  public let table: Table
  /// Which rows of the file's data rows the table holds.
  public let rows: Range<Int>
  public let totalRows: Int
  /// BLAKE3 of the whole file, as 64 lowercase hex digits (`b3sum`'s).
  public let blake3: String
}

/// How rows are split among shards: by row number, in contiguous runs, so a retried shard recomputes exactly the
/// same part.
public enum ShardRows {
  /// Rows ⌊index·total/count⌋ ..< ⌊(index+1)·total/count⌋ (count ≤ 10⁶ and a table's rows < 2³² keep the
  /// products far inside Int).
  public static func rows(index: Int, count: Int, total: Int) -> Range<Int> {
    (index * total / count)..<((index + 1) * total / count)
  }
}
