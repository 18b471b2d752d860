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
  /// - Throws: `TableError.missingModelFeature` when the data lacks a feature the model reads;
  ///   `ExplainError.unknownFeature` for a listed column the data does not have; `ExplainError.invalidSetting`
  ///   (`playerGroups`) for a group named like another player or sharing a column with another group, so every
  ///   player's name is unique in the results.
  public func players(model: any Model, table: Table) throws -> [FeatureGroup] {
    for name in model.featureNames where table.index(of: name) == nil {
      throw TableError.missingModelFeature(name, file: table.source)
    }
    var result = groups
    let grouped = Set(groups.flatMap(\.columns))
    for (index, group) in groups.enumerated() {
      let others = groups[..<index]
      let text = "\(group.name)=\(group.columns.joined(separator: ","))"
      if others.contains(where: { $0.name == group.name }) {
        throw ExplainError.invalidSetting(.init(.playerGroups, value: text, .because("another group is named '\(group.name)'")))
      }
      if let shared = group.columns.first(where: { column in others.contains { $0.columns.contains(column) } }) {
        throw ExplainError.invalidSetting(.init(.playerGroups, value: text, .because("'\(shared)' is already in another group")))
      }
      if !group.columns.contains(group.name) && (model.featureNames.contains(group.name) || features.contains(group.name)) {
        throw ExplainError.invalidSetting(.init(.playerGroups, value: text,
                                                .because("'\(group.name)' is a feature's name; give the group a name of its own")))
      }
    }
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
