import ArgumentParser
import CandorCore
import Foundation

struct Inspect: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "inspect",
    abstract: "Show how a CSV file is read: rows, and each column's type, missing count and levels or range.")

  @OptionGroup var dataOptions: DataOptions

  func run() throws {
    let start = DispatchTime.now()
    let table = try dataOptions.readTable()
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    print("\(dataOptions.data): \(table.rowCount) rows, \(table.columns.count) columns (read in \(String(format: "%.3f", seconds)) s)")
    for column in table.columns {
      print("  " + ColumnProfile(column).text)
    }
  }
}
