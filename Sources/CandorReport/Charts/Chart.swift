import CandorCore

/// A chart as drawn (inline SVG) and the numbers it draws, as a table. The page folds the table under the chart
/// as its text alternative (WCAG 2.2, 1.1.1 "Non-text content"): for a screen reader, for a reader who wants the
/// values rather than their picture, and for copying into a spreadsheet.
public struct Chart: Sendable {
  /// The chart's title, which is also the SVG's accessible name and the table's caption.
  public var title: String
  public var svg: String
  public var header: [String]
  public var rows: [[String]]
  /// What the table leaves out or how to read it ("every 12th of 1,000 points"), shown under it.
  public var note: String?

  public init(title: String, svg: String, header: [String], rows: [[String]], note: String? = nil) {
    self.title = title
    self.svg = svg
    self.header = header
    self.rows = rows
    self.note = note
  }

  /// A number in a data table: 4 significant digits (the charts draw fewer), "n/a" for NaN, "inf" for infinity.
  static func cell(_ value: Double) -> String {
    value.isFinite ? formatRounded(value, significantDigits: 4) : formatValue(value)
  }

  /// The indices of `count` points to list: all of them up to `limit`, else `limit` evenly spaced ones that keep
  /// the first and the last (a curve's shape survives; its thousand steps need not be read one by one).
  static func thinned(_ count: Int, limit: Int) -> [Int] {
    guard count > limit, limit >= 2 else { return Array(0..<count) }
    var picked: [Int] = []
    for k in 0..<limit {
      let index = Int((Double(k) * Double(count - 1) / Double(limit - 1)).rounded())
      if picked.last != index { picked.append(index) }
    }
    return picked
  }
}
