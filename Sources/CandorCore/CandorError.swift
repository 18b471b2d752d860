/// How a front end ends the process for an error (DESIGN.md's CLI contract): 2 for bad input or usage, 1 for
/// anything else.
public enum ExitStatus: Int32, Sendable {
  case failure = 1
  case badInput = 2
}

/// A setting of an analysis request, named as the library names the request's field (`nsamples`,
/// `confidenceLevel`). Each front end spells settings for its own users — the CLI as flags (`--ci`), a
/// report config as YAML keys — so library errors carry the setting and never a flag name.
///
/// Modules declare their settings as static members (`extension Setting { static let nsamples = … }`), so a
/// new module adds its own without editing a list here.
public struct Setting: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(_ name: String) { rawValue = name }
  public var description: String { rawValue }
}

/// What a request setting's value must be; the wording is the same in every front end.
public enum Requirement: Equatable, Sendable, CustomStringConvertible {
  /// A count of at least `minimum` (of `unit`s, when the count has one).
  case atLeast(Int, unit: String? = nil)
  /// Zero (meaning none) or a count of at least `minimum`.
  case zeroOrAtLeast(Int, unit: String)
  case positive
  case positiveFinite
  /// Strictly between 0 and 1.
  case betweenZeroAndOne
  /// From 0 to 1, both included.
  case fromZeroToOne
  /// A finite number of at least 0.
  case nonNegativeFinite
  /// Text written in this form, e.g. `column=value`.
  case form(String)
  /// Another explanation of why the value cannot be used, as data the caller computed.
  case because(String)

  public var description: String {
    switch self {
    case let .atLeast(minimum, unit): "needs at least \(minimum)\(unit.map { " \($0)" } ?? "")"
    case let .zeroOrAtLeast(minimum, unit): "use 0 (none) or at least \(minimum) \(unit)"
    case .positive: "needs a positive number"
    case .positiveFinite: "needs a positive finite number"
    case .betweenZeroAndOne: "must be between 0 and 1"
    case .fromZeroToOne: "must be a number from 0 to 1"
    case .nonNegativeFinite: "needs a finite number of at least 0"
    case let .form(form): "write it as \(form)"
    case let .because(reason): reason
    }
  }
}

/// A setting whose value a library cannot use: which setting, the value, and what it must be.
public struct InvalidSetting: Equatable, Sendable {
  public var setting: Setting
  public var value: String
  public var requirement: Requirement

  public init(_ setting: Setting, value: String, _ requirement: Requirement) {
    self.setting = setting
    self.value = value
    self.requirement = requirement
  }

  /// `<setting> <value>: <requirement>.`, the setting spelled by the front end.
  public func message(naming name: (Setting) -> String) -> String {
    "\(name(setting)) \(printable(value)): \(requirement)."
  }
}

/// Every error a Candor library throws: its data, the exit status a front end uses, and its wording with
/// settings spelled by that front end (the CLI's flags, a config's keys).
public protocol CandorError: Error, CustomStringConvertible {
  /// `.badInput` unless the error is the machine's or Candor's fault.
  var exitStatus: ExitStatus { get }
  /// One or two plain sentences naming the file, line, column and value at fault; `name` spells a setting.
  func message(naming name: (Setting) -> String) -> String
}

extension CandorError {
  public var exitStatus: ExitStatus { .badInput }
  /// The wording with settings named as the library names them (for library users and logs).
  public var description: String { message(naming: \.rawValue) }
}

extension Setting {
  /// Tokens read as missing values besides the empty cell.
  public static let missingTokens = Setting("missingTokens")
  public static let targetColumn = Setting("targetColumn")
  public static let weightsColumn = Setting("weightsColumn")
  /// Columns left out of an analysis or a model.
  public static let drop = Setting("drop")
  /// Columns used as features.
  public static let features = Setting("features")
}
