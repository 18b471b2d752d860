import CandorCore
import CandorTestSupport
import Foundation
import Testing

/// Every bad input exits with 2, says what is wrong in one or two sentences on stderr, and writes nothing.
@Suite struct BadInputCLITests {
  struct Case: Sendable, CustomTestStringConvertible {
    let name: String
    let files: [String: String]
    let arguments: [String]
    let message: String
    var testDescription: String { name }
  }

  static let good = "age,sex,income\n30,F,yes\n40,M,no\n50,F,yes\n"
  static let predictions = "y,p,g\n1,1,a\n0,0,b\n1,0,a\n0,1,b\n"
  /// A feature x and a target y of 51 classes (`prefix` and the row number), two rows each.
  static func manyClasses(prefix: String) -> String {
    "x,y\n" + (0..<102).map { "\($0),\(prefix)\($0 / 2)\n" }.joined()
  }
  /// 100,000 rows of `predictions`.
  static let manyPredictions = "y,p,g\n" + String(repeating: "1,1,a\n0,0,b\n1,0,a\n0,1,b\n", count: 25_000)
  static let noSensitiveColumn = "error: --sensitive names no column: give at least one sensitive column (several make intersectional groups).\n"

  static let cases: [Case] = [
    Case(name: "missing data file", files: [:], arguments: ["train", "--data", "nope.csv", "--target", "y", "--out", "m.json"],
         message: "error: nope.csv: no such file.\n"),
    Case(name: "empty file", files: ["d.csv": ""], arguments: ["train", "--data", "d.csv", "--target", "y", "--out", "m.json"],
         message: "error: d.csv is empty: a CSV file needs a header row naming the columns, then one row per record.\n"),
    Case(name: "no header", files: ["d.csv": "30,1.5,2\n40,2.5,1\n"],
         arguments: ["train", "--data", "d.csv", "--target", "y", "--out", "m.json"],
         message: "error: d.csv, line 1: field 1 is the number '30', so the first line looks like data. Candor needs a header row naming the columns.\n"),
    Case(name: "wrong number of fields", files: ["d.csv": "age,sex,income\n30,F,yes\n40,M\n"],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--out", "m.json"],
         message: "error: d.csv, line 3: 2 fields where the header has 3. Quote fields that contain commas.\n"),
    Case(name: "target column absent", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "incme", "--out", "m.json"],
         message: "error: d.csv has no column 'incme'. The columns are: age, sex, income.\n"),
    Case(name: "target with a single class", files: ["d.csv": "age,income\n30,yes\n40,yes\n"],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--out", "m.json"],
         message: "error: d.csv: the target column 'income' has only one class ('yes'). A classifier needs at least two.\n"),
    Case(name: "positive value not found", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--positive", ">50K", "--out", "m.json"],
         message: "error: d.csv: the positive label '>50K' never occurs in column 'income'. Its values are: no, yes.\n"),
    Case(name: "text in a column forced numeric", files: ["d.csv": "age,income\n30,yes\nthirty,no\n"],
         arguments: ["train", "--data", "d.csv", "--numeric", "age", "--target", "income", "--out", "m.json"],
         message: "error: d.csv, line 3, column 'age': 'thirty' is not a number, but the column was declared numeric.\n"),
    Case(name: "infinity in a numeric column", files: ["d.csv": "age,income\n30,yes\ninf,no\n"],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--out", "m.json"],
         message: "error: d.csv, line 3, column 'age': 'inf' is not a finite number. Leave the cell empty (or name the token with --na) to mark a missing value.\n"),
    Case(name: "NaN in a numeric column", files: ["d.csv": "age,income\nNaN,yes\n3,no\n"],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--out", "m.json"],
         message: "error: d.csv, line 2, column 'age': 'NaN' is not a finite number. Leave the cell empty (or name the token with --na) to mark a missing value.\n"),
    Case(name: "all-missing column", files: ["d.csv": "age,note,income\n30,,yes\n40,,no\n"],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--out", "m.json"],
         message: "error: d.csv: column 'note' has no values (every cell is missing). Drop it with --drop note.\n"),
    Case(name: "model file of the wrong format", files: ["d.csv": good, "m.json": good],
         arguments: ["predict", "--model", "m.json", "--data", "d.csv", "--out", "p.csv"],
         message: "error: m.json is not a model file Candor can read: it is not a candor-model (JSON), ONNX, XGBoost or LightGBM file.\n"),
    Case(name: "model file of another version", files: ["d.csv": good, "m.json": "{\"format\": \"candor-model\", \"version\": 9}"],
         arguments: ["predict", "--model", "m.json", "--data", "d.csv", "--out", "p.csv"],
         message: "error: m.json is a candor-model of version 9; this candor reads version 1. Retrain or upgrade candor.\n"),
    Case(name: "an XGBoost model without its parameters", files: ["d.csv": good, "m.json": "{\"learner\": {}, \"version\": [3, 2, 0]}"],
         arguments: ["predict", "--model", "m.json", "--data", "d.csv", "--out", "p.csv"],
         message: "error: m.json looks like an XGBoost model (JSON), but candor cannot read it: it has no learner_model_param.\n"),
    Case(name: "weights that are negative", files: ["d.csv": "age,w,income\n30,1,yes\n40,-2,no\n"],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--weights-column", "w", "--out", "m.json"],
         message: "error: d.csv, data row 2, column 'w': weight '-2' is not a non-negative number.\n"),
    Case(name: "hidden layer widths that are not numbers", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--model-type", "mlp", "--hidden", "a", "--out", "m.json"],
         message: "error: --hidden a: give layer widths as positive whole numbers, e.g. 32,16.\n"),
    Case(name: "hidden layer widths with an empty one", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--model-type", "mlp", "--hidden", "32,,16", "--out", "m.json"],
         message: "error: --hidden 32,,16: give layer widths as positive whole numbers, e.g. 32,16.\n"),
    Case(name: "an MLP too large for this machine's memory", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--model-type", "mlp", "--hidden", "100000,100000", "--out", "m.json"],
         // 6·(3·10⁵ + 10⁵ + 10¹⁰ + 10⁵ + 10⁵ + 1) + 3·3 + 3·3·(3 + 2·10⁵ + 1) + 2·3·10⁵ doubles (3 encoded columns, 3 rows).
         message: "error: --hidden 100000,100000: training this MLP (weights, gradients, Adam state and activations) needs about 480.0 GB "
           + "of memory, \(MemoryLimit.halfOfMemory.exceeded). Use fewer or narrower hidden layers.\n"),
    Case(name: "an MLP too large to count", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--model-type", "mlp", "--hidden", "3000000000,3000000000", "--out", "m.json"],
         message: "error: --hidden 3000000000,3000000000: training this MLP (weights, gradients, Adam state and activations) needs more bytes "
           + "of memory than a 64-bit count holds (over 9.2 billion GB), \(MemoryLimit.halfOfMemory.exceeded). Use fewer or narrower hidden layers.\n"),
    Case(name: "a numeric target of 51 classes", files: ["d.csv": manyClasses(prefix: "")],
         arguments: ["train", "--data", "d.csv", "--target", "y", "--out", "m.json"],
         message: "error: d.csv: the target 'y' has 51 classes, more than the 50 a classifier is trained on unless --allow-many-classes is given. "
           + "It is numeric: to predict it as a number, use --model-type linear.\n"),
    Case(name: "a text target of 51 classes", files: ["d.csv": manyClasses(prefix: "c")],
         arguments: ["train", "--data", "d.csv", "--target", "y", "--model-type", "mlp", "--out", "m.json"],
         message: "error: d.csv: the target 'y' has 51 classes, more than the 50 a classifier is trained on unless --allow-many-classes is given.\n"),
    Case(name: "a negative L2 strength", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--l2", "-1", "--out", "m.json"],
         message: "error: --l2 -1.0: needs a positive finite number.\n"),
    Case(name: "no penalty on separable data", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--l2", "0", "--out", "m.json"],
         message: "error: --l2 0: without a penalty the fit has no optimum: the data are (quasi-)separable, and the coefficient of sex=M grows without bound. Fit with a penalty, e.g. --l2 1, or drop the separating feature.\n"),
    Case(name: "a confidence level outside (0, 1)", files: ["p.csv": predictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "g", "--bootstrap", "10", "--ci", "1.5", "--json", "o.json"],
         message: "error: --ci 1.5: must be between 0 and 1.\n"),
    Case(name: "one bootstrap replicate", files: ["p.csv": predictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "g", "--bootstrap", "1", "--json", "o.json"],
         message: "error: --bootstrap 1: use 0 (none) or at least 2 replicates.\n"),
    Case(name: "a bootstrap that would draw too many rows", files: ["p.csv": manyPredictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "g", "--bootstrap", "200000", "--json", "o.json"],
         message: "error: --bootstrap 200000: the replicates would draw 20000000000 rows (100000 per set × 1 set × 200000 replicates), "
           + "more than the limit of 10000000000 row draws. At most 100000 replicates fit here.\n"),
    Case(name: "a privileged group without a value", files: ["p.csv": predictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "g", "--privileged", "g", "--json", "o.json"],
         message: "error: --privileged g: write it as column=value or column=value1|value2.\n"),
    Case(name: "a privileged value the column never holds", files: ["p.csv": predictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "g", "--privileged", "g=c", "--json", "o.json"],
         message: "error: --privileged: column 'g' never holds 'c'. Its values are: a, b.\n"),
    Case(name: "a sensitive set that is empty", files: ["p.csv": predictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "", "--json", "o.json"],
         message: noSensitiveColumn),
    Case(name: "a sensitive set that is only a comma", files: ["p.csv": predictions],
         arguments: ["fairness", "--predictions", "p.csv", "--target", "y", "--pred-column", "p", "--sensitive", "g", "--sensitive", ",", "--json", "o.json"],
         message: noSensitiveColumn),
    Case(name: "reweighing by no sensitive column", files: ["p.csv": predictions],
         arguments: ["mitigate", "reweigh", "--data", "p.csv", "--target", "y", "--sensitive", ",", "--json", "o.json"],
         message: noSensitiveColumn),
    Case(name: "threshold optimization by no sensitive column", files: ["p.csv": "y,s,g\n1,0.9,a\n0,0.2,a\n"],
         arguments: ["mitigate", "threshold", "--predictions", "p.csv", "--score-column", "s", "--target", "y", "--sensitive", "",
                     "--constraint", "demographic_parity", "--json", "o.json"],
         message: noSensitiveColumn),
    Case(name: "output directory missing", files: ["d.csv": good],
         arguments: ["train", "--data", "d.csv", "--target", "income", "--out", "no/such/dir/m.json"],
         message: "error: Cannot write no/such/dir/m.json: the folder no/such/dir does not exist.\n"),
  ]

  @Test("bad input exits 2 with a plain message and leaves no output", arguments: cases)
  func refused(_ testCase: Case) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    for (name, text) in testCase.files {
      try Data(text.utf8).write(to: directory.appendingPathComponent(name))
    }
    try RefusalCase(name: testCase.name, arguments: testCase.arguments, message: testCase.message).expectRefused(in: directory)
  }

  @Test("a usage error (unknown option) exits 2")
  func usage() throws {
    let result = try CandorBinary.run(["train", "--data", "d.csv", "--target", "y", "--out", "m.json", "--bogus"])
    #expect(result.exitCode == 2)
    #expect(result.standardError == "error: Unknown option '--bogus'. Did you mean '--out'? Run 'candor train --help' for usage.\n")
  }

  @Test("a failed run leaves an existing output file untouched")
  func existingOutputKept() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data("keep me".utf8).write(to: directory.appendingPathComponent("m.json"))
    try Data("age,income\n30,yes\n40,yes\n".utf8).write(to: directory.appendingPathComponent("d.csv"))
    let result = try CandorBinary.run(["train", "--data", "d.csv", "--target", "income", "--out", "m.json"], in: directory)
    #expect(result.exitCode == 2)
    #expect(try String(contentsOf: directory.appendingPathComponent("m.json"), encoding: .utf8) == "keep me")
  }
}
