import CandorTestSupport
import Foundation
import Testing

/// What an attacker or a careless user tries: wrong messages, unchecked numbers, options that do nothing,
/// contradictions. Each exits 2 with the one message that says what is wrong, and changes no file.
@Suite struct HostileInputCLITests {
  /// `D.csv` (6 rows: age, sex, income), `m.json` trained on it, `th.json` a threshold policy on `m.json`,
  /// `S.csv` (40 rows of numbers in `age` but 'abc' on line 31), `noage.csv` (no `age` column), folder `sub`.
  static func folder() throws -> URL {
    let folder = try OutputSafetyCLITests.folderWithModel()
    let threshold = try CandorBinary.run(["mitigate", "threshold", "--model", "m.json", "--data", "D.csv", "--target", "income",
                                          "--sensitive", "sex", "--constraint", "demographic_parity", "--out", "th.json"], in: folder)
    try #require(threshold.exitCode == 0, "\(threshold.standardError)")
    var stray = "age,sex,income\n"
    for row in 0..<40 { stray += "\(row == 29 ? "abc" : String(20 + row)),\(row % 2 == 0 ? "F" : "M"),\(row % 3 == 0 ? "yes" : "no")\n" }
    try Data(stray.utf8).write(to: folder.appendingPathComponent("S.csv"))
    try Data("sex,income\nF,yes\nM,no\n".utf8).write(to: folder.appendingPathComponent("noage.csv"))
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: false)
    return folder
  }

  static let fairness = ["fairness", "--model", "m.json", "--data", "D.csv", "--target", "income", "--sensitive", "sex"]
  static let threshold = ["mitigate", "threshold", "--model", "m.json", "--data", "D.csv", "--target", "income",
                          "--sensitive", "sex", "--constraint", "demographic_parity"]
  static let reweigh = ["mitigate", "reweigh", "--data", "D.csv", "--target", "income", "--sensitive", "sex", "--json", "r.json"]
  static let train = ["train", "--data", "D.csv", "--target", "income", "--out", "t.json"]
  static func explain(_ method: String) -> [String] { ["explain", "--model", "m.json", "--data", "D.csv", "--method", method] }

  static func usage(_ command: String) -> String { " Run 'candor \(command) --help' for usage.\n" }

  static let cases: [RefusalCase] = [
    // Wrong or confusing messages.
    RefusalCase(name: "a stray text cell in a column the model reads as numbers is named by its line",
         arguments: ["predict", "--model", "m.json", "--data", "S.csv", "--out", "p.csv"],
         message: "error: S.csv, line 31, column 'age': 'abc' is not a number, but the model was trained with 'age' as a number. "
           + "Correct the cell, or mark such cells missing with --na abc.\n"),
    RefusalCase(name: "a positive label that is none of the model's classes", arguments: fairness + ["--positive", "Alien"],
         message: "error: --positive Alien: the model's classes are no and yes; name one of them.\n"),
    RefusalCase(name: "a positive label that the label column never holds",
         arguments: ["fairness", "--predictions", "D.csv", "--target", "income", "--pred-column", "income", "--sensitive", "sex",
                     "--positive", "Alien"],
         message: "error: D.csv: the positive label 'Alien' never occurs in column 'income'. Its values are: no, yes.\n"),
    RefusalCase(name: "a threshold policy as the base of a new one",
         arguments: ["mitigate", "threshold", "--model", "th.json", "--data", "D.csv", "--target", "income", "--sensitive", "sex",
                     "--constraint", "demographic_parity"],
         message: "error: The model is already a threshold policy (saved by candor mitigate threshold). Give the model it was "
           + "fitted on to fit a new policy.\n"),
    RefusalCase(name: "data without a column the model reads (predict)",
         arguments: ["predict", "--model", "m.json", "--data", "noage.csv", "--out", "p.csv"],
         message: "error: noage.csv has no column 'age', which the model reads as a feature. Score data with the columns the model was trained on.\n"),
    RefusalCase(name: "data without a column the model reads (explain)",
         arguments: ["explain", "--model", "m.json", "--data", "noage.csv", "--method", "pdp"],
         message: "error: noage.csv has no column 'age', which the model reads as a feature. Score data with the columns the model was trained on.\n"),
    RefusalCase(name: "a folder as the model", arguments: ["predict", "--model", "sub", "--data", "D.csv", "--out", "p.csv"],
         message: "error: sub: cannot be read (it is a folder, not a file).\n"),
    RefusalCase(name: "a folder as the data", arguments: ["predict", "--model", "m.json", "--data", "sub", "--out", "p.csv"],
         message: "error: sub: cannot be read (it is a folder, not a file).\n"),
    RefusalCase(name: "a folder as the rows file", arguments: explain("kernelshap") + ["--rows-file", "sub"],
         message: "error: sub: cannot be read (it is a folder, not a file).\n"),
    RefusalCase(name: "a device as the data (it would be read to the 4 GiB limit)",
         arguments: ["predict", "--model", "m.json", "--data", "/dev/zero", "--out", "p.csv"],
         message: "error: /dev/zero: cannot be read (it is a device, not a file).\n"),
    RefusalCase(name: "a device as the model", arguments: ["predict", "--model", "/dev/urandom", "--data", "D.csv", "--out", "p.csv"],
         message: "error: /dev/urandom: cannot be read (it is a device, not a file).\n"),
    RefusalCase(name: "a missing rows file", arguments: explain("kernelshap") + ["--rows-file", "/nonexistent"],
         message: "error: /nonexistent: no such file.\n"),

    // Numbers: negative values parse, and every value is checked.
    RefusalCase(name: "a negative threshold", arguments: fairness + ["--threshold", "-1"],
         message: "error: --threshold -1: must be a number from 0 to 1.\n"),
    RefusalCase(name: "a threshold that is not a number", arguments: fairness + ["--threshold", "nan"],
         message: "error: --threshold nan: must be a number from 0 to 1.\n"),
    RefusalCase(name: "a negative minimum group size", arguments: fairness + ["--min-group-size", "-3"],
         message: "error: --min-group-size -3: needs at least 0.\n"),
    RefusalCase(name: "a negative bootstrap count", arguments: fairness + ["--bootstrap", "-3"],
         message: "error: --bootstrap -3: use 0 (none) or at least 2 replicates.\n"),
    RefusalCase(name: "a cost that is not a number", arguments: threshold + ["--objective", "cost", "--cost-fp", "nan"],
         message: "error: --cost-fp nan: needs a finite number of at least 0.\n"),
    RefusalCase(name: "a negative cost", arguments: threshold + ["--objective", "cost", "--cost-fn", "-1e3"],
         message: "error: --cost-fn -1000: needs a finite number of at least 0.\n"),
    RefusalCase(name: "both costs zero", arguments: threshold + ["--objective", "cost", "--cost-fn", "0", "--cost-fp", "0"],
         message: "error: --cost-fp 0: one of the two costs must be positive.\n"),
    RefusalCase(name: "a tolerance above 1", arguments: threshold + ["--tolerance", "2"],
         message: "error: --tolerance 2: must be a number from 0 to 1.\n"),
    RefusalCase(name: "a grid of no intervals", arguments: threshold + ["--grid-size", "0"],
         message: "error: --grid-size 0: needs at least 1.\n"),
    RefusalCase(name: "no epochs", arguments: train + ["--model-type", "mlp", "--epochs", "0"],
         message: "error: --epochs 0: needs at least 1.\n"),
    RefusalCase(name: "a positive class for a regression", arguments: ["train", "--data", "D.csv", "--target", "age", "--model-type", "linear",
                                                                 "--positive", "3", "--out", "t.json"],
         message: "error: --positive 3: a linear (regression) model has no positive class.\n"),

    // Player names must be unique.
    RefusalCase(name: "a group named like a feature", arguments: explain("permutation") + ["--target", "income", "--group", "age=sex"],
         message: "error: --group age=sex: 'age' is a feature's name; give the group a name of its own.\n"),
    RefusalCase(name: "two groups of one name", arguments: explain("kernelshap") + ["--group", "g=age", "--group", "g=sex"],
         message: "error: --group g=sex: another group is named 'g'.\n"),
    RefusalCase(name: "a column in two groups", arguments: explain("kernelshap") + ["--group", "g=age", "--group", "h=age,sex"],
         message: "error: --group h=age,sex: 'age' is already in another group.\n"),

    // Options that do nothing, and contradictions.
    RefusalCase(name: "--ice with KernelSHAP", arguments: explain("kernelshap") + ["--ice"],
         message: "error: --ice does nothing with --method kernelshap: it applies with --method pdp only." + usage("explain")),
    RefusalCase(name: "--nsamples with partial dependence", arguments: explain("pdp") + ["--nsamples", "50"],
         message: "error: --nsamples does nothing with --method pdp: it applies with --method kernelshap or shap only." + usage("explain")),
    RefusalCase(name: "--repeats with ALE", arguments: explain("ale") + ["--repeats", "3"],
         message: "error: --repeats does nothing with --method ale: it applies with --method permutation only." + usage("explain")),
    RefusalCase(name: "--rows and --rows-file", arguments: explain("kernelshap") + ["--rows", "0:2", "--rows-file", "r.txt"],
         message: "error: Give the rows to explain with --rows or --rows-file, not both." + usage("explain")),
    RefusalCase(name: "a row range past the end", arguments: explain("kernelshap") + ["--rows", "0:2000"],
         message: "error: Row 6 is out of range: the data has rows 0 to 5.\n"),
    RefusalCase(name: "an empty row list", arguments: explain("kernelshap") + ["--rows", ""],
         message: "error: --rows '': no rows to explain.\n"),
    RefusalCase(name: "--score-column with a model", arguments: threshold + ["--score-column", "age"],
         message: "error: --score-column does nothing with --model: it applies with --predictions only." + usage("mitigate threshold")),
    RefusalCase(name: "--pred-column with a model", arguments: fairness + ["--pred-column", "income"],
         message: "error: --pred-column does nothing with --model: it applies with --predictions only." + usage("fairness")),
    RefusalCase(name: "--cost-fp without the cost objective", arguments: threshold + ["--cost-fp", "2"],
         message: "error: --cost-fp does nothing with --objective accuracy: it applies with --objective cost only." + usage("mitigate threshold")),
    RefusalCase(name: "--grid-size with the exact search", arguments: threshold + ["--exact", "--grid-size", "10"],
         message: "error: --grid-size does nothing with --exact or --tolerance: it applies to the grid search only." + usage("mitigate threshold")),
    RefusalCase(name: "--features with --drop", arguments: train + ["--features", "age", "--drop", "sex"],
         message: "error: Give --features (the columns to use) or --drop (the columns not to use), not both." + usage("train")),
    RefusalCase(name: "MLP options for a logistic model", arguments: train + ["--hidden", "8"],
         message: "error: --hidden does nothing with --model-type logistic: it applies with --model-type mlp only." + usage("train")),
    RefusalCase(name: "--l2 for an MLP", arguments: train + ["--model-type", "mlp", "--l2", "3"],
         message: "error: --l2 does nothing with --model-type mlp: it applies with --model-type logistic or linear only." + usage("train")),
    RefusalCase(name: "training options for reweighing without retraining", arguments: reweigh + ["--model-type", "mlp"],
         message: "error: --model-type does nothing without --retrain-out: it applies with --retrain-out only." + usage("mitigate reweigh")),
    RefusalCase(name: "a column both categorical and numeric", arguments: ["inspect", "--data", "D.csv", "--categorical", "age", "--numeric", "age"],
         message: "error: 'age' is given both with --categorical and with --numeric; choose one." + usage("inspect")),
    RefusalCase(name: "the label as a sensitive feature (fairness)", arguments: fairness + ["--sensitive", "income"],
         message: "error: 'income' is given both as --target and as --sensitive; a column can play one of these roles only.\n"),
    RefusalCase(name: "the label as a sensitive feature (threshold)",
         arguments: ["mitigate", "threshold", "--model", "m.json", "--data", "D.csv", "--target", "income", "--sensitive", "sex,income",
                     "--constraint", "demographic_parity"],
         message: "error: 'income' is given both as --target and as --sensitive; a column can play one of these roles only.\n"),
    RefusalCase(name: "a sensitive feature as the weights", arguments: reweigh + ["--weights-column", "sex"],
         message: "error: 'sex' is given both as --sensitive and as --weights-column; a column can play one of these roles only.\n"),
    RefusalCase(name: "the label as the weights", arguments: train + ["--weights-column", "income"],
         message: "error: --weights-column income: it is the target column; weights must be a column of their own.\n"),
  ]

  @Test("hostile or careless input exits 2 with the message that says what is wrong, and changes nothing", arguments: cases)
  func refused(_ testCase: RefusalCase) throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    try Data("0\n1\n".utf8).write(to: folder.appendingPathComponent("r.txt"))
    try testCase.expectRefused(in: folder)
  }

  @Test("a column of numbers with one stray text cell is read as categorical with a warning naming the line")
  func strayTextWarning() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try CandorBinary.run(["inspect", "--data", "S.csv"], in: folder)
    #expect(result.exitCode == 0)
    #expect(result.standardError == "warning: S.csv, line 31, column 'age': 'abc' is the only text cell among 39 numbers, so 'age' is "
      + "read as categorical (40 levels). If it is numeric, correct the cells or pass --numeric age --na abc.\n")
    let numeric = try CandorBinary.run(["inspect", "--data", "S.csv", "--numeric", "age", "--na", "abc"], in: folder)
    #expect(numeric.standardError == "")
    #expect(numeric.standardOutput.contains("age: numeric, 1 missing, min 20, mean 39.256, max 59"))
  }

  @Test("a seed where nothing is random is run, with a warning")
  func harmlessSeed() throws {
    let folder = try Self.folder()
    defer { try? FileManager.default.removeItem(at: folder) }
    let result = try CandorBinary.run(Self.train + ["--seed", "3"], in: folder)
    #expect(result.exitCode == 0)
    #expect(result.standardError == "warning: --seed does nothing with --model-type logistic: it applies with --model-type mlp or ebm only.\n")
  }
}
