import ArgumentParser
import CandorCore
import CandorExplain
import CandorFairness
import CandorModels
import CandorPrivacy

/// The CLI's words for library settings: every error and hint a library words with a `Setting` names the flag
/// the user typed. The one place flag names meet library names; a setting not listed here is spelled as its
/// name in kebab case (`maxFeatures` → `--max-features`).
enum Flags {
  static let names: [Setting: String] = [
    .missingTokens: "na", .inverseRegularization: "l2", .hiddenLayers: "hidden",
    .confidenceLevel: "ci", .bootstrapReplicates: "bootstrap", .privilegedSplits: "privileged",
    .predictionColumn: "pred-column", .constraintTolerance: "tolerance", .standardErrorTolerance: "tolerance",
    .effectMethod: "method", .backgroundClusters: "background-kmeans", .backgroundSize: "background",
    .sampleWeightColumn: "sample-weight", .targetColumn: "target", .playerGroups: "group", .rows: "rows",
    .sensitiveFeatures: "sensitive", .costFalsePositive: "cost-fp", .costFalseNegative: "cost-fn", .positiveClass: "positive", .maxEpochs: "epochs",
    .entropyAlphas: "gei-alpha", .httpHeader: "header", .modelURL: "model-url",
    .calibrationTolerance: "tolerance", .fractionalOrders: "rdp-fractional",
    .streamColumns: "columns", .queryColumn: "column", .groupColumn: "by", .groupLevels: "levels", .validationShare: "validation-size",
  ]

  static func spelling(_ setting: Setting) -> String {
    "--" + (names[setting] ?? kebabCase(setting.rawValue))
  }

  static func kebabCase(_ name: String) -> String {
    var result = ""
    for character in name {
      if character.isUppercase {
        result += "-" + character.lowercased()
      } else {
        result.append(character)
      }
    }
    return result
  }
}

/// Refuses options given where they do nothing: `flags` are (spelling, given) pairs, refused unless `applies`;
/// `here` names the choice the user made ("with --method kernelshap"), `scope` where the flags apply
/// ("with --method pdp").
func refuseUnused(_ flags: [(String, Bool)], unless applies: Bool, here: String, scope: String) throws {
  guard !applies, let flag = flags.first(where: \.1)?.0 else { return }
  throw ValidationError("\(flag) does nothing \(here): it applies \(scope) only.")
}

/// Warns of options given where they do nothing but are harmless (a seed where nothing is random): scripts
/// often pass them everywhere.
func warnUnused(_ flags: [(String, Bool)], unless applies: Bool, here: String, scope: String) {
  guard !applies, let flag = flags.first(where: \.1)?.0 else { return }
  warn("\(flag) does nothing \(here): it applies \(scope) only.")
}

/// A flag whose text the CLI cannot read (a row range, a `name=a,b` group), worded like library settings.
struct FlagError: CandorError {
  let invalid: InvalidSetting
  init(_ setting: Setting, value: String, _ requirement: Requirement) { invalid = InvalidSetting(setting, value: value, requirement) }
  func message(naming name: (Setting) -> String) -> String { invalid.message(naming: name) }
}
