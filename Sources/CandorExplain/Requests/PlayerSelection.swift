import CandorCore
import CandorModels

/// Which players an explanation has: named groups of columns moved together, then single features.
public struct PlayerSelection: Sendable, Equatable {
  /// Groups of columns treated as one player (`money = capital_gain, capital_loss`).
  public var groups: [FeatureGroup]
  /// Single features; empty means every feature of the model.
  public var features: [String]

  public init(groups: [FeatureGroup] = [], features: [String] = []) {
    self.groups = groups
    self.features = features
  }

  /// The players: the groups, then the listed (or all the model's) features not in a group.
  /// - Throws: `ExplainError.unknownFeature` for a column the data does not have.
  public func players(model: any Model, table: Table) throws -> [FeatureGroup] {
    var result = groups
    let grouped = Set(groups.flatMap(\.columns))
    for name in features.isEmpty ? model.featureNames : features where !grouped.contains(name) {
      result.append(FeatureGroup(name: name, columns: [name]))
    }
    for column in result.flatMap(\.columns) where table.index(of: column) == nil {
      throw ExplainError.unknownFeature(column, available: model.featureNames)
    }
    return result
  }
}

extension FeatureGroup {
  /// A group written `name=column1,column2`.
  /// - Throws: `ExplainError.invalidSetting` (`playerGroups`) when there is no `=`.
  /// - Throws: `ExplainError.invalidSetting` (`playerGroups`) without an `=`, a name or a column.
  public init(parsing text: String) throws(ExplainError) {
    guard let equals = text.firstIndex(of: "=") else {
      throw .invalidSetting(.init(.playerGroups, value: text, .form("name=column1,column2")))
    }
    let name = text[..<equals].trimmingCharacters(in: .whitespaces)
    let columns = text[text.index(after: equals)...].split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
      .filter { !$0.isEmpty }
    guard !name.isEmpty, !columns.isEmpty else {
      throw .invalidSetting(.init(.playerGroups, value: text, .form("name=column1,column2, with a name and at least one column")))
    }
    self.init(name: name, columns: columns)
  }
}
