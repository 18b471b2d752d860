import CandorCore
import CandorTestSupport
import Foundation
import Testing

@Suite struct TrainPredictCLITests {
  @Test("--help lists the commands and --version prints the version, both with exit 0")
  func helpAndVersion() throws {
    let help = try CandorBinary.run(["--help"])
    #expect(help.exitCode == 0)
    #expect(help.standardOutput.contains("train"))
    #expect(help.standardOutput.contains("predict"))
    let version = try CandorBinary.run(["--version"])
    #expect(version.exitCode == 0)
    #expect(version.standardOutput == "0.1.0\n")
    for command in ["train", "predict"] {
      #expect(try CandorBinary.run([command, "--help"]).exitCode == 0)
    }
  }

  // The sklearn-match bar through the CLI: scikit-learn 1.9.1 LogisticRegression(C=1.0) fitted to the optimum
  // (Tests/Fixtures/adult_logreg_converged_test_scores.csv), 1e-4 on every one of the 16,281 test rows.
  @Test("train then predict on Adult reproduces scikit-learn's converged probabilities")
  func adultEndToEnd() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("m.json").path
    let predictions = directory.appendingPathComponent("p.csv").path
    let train = try CandorBinary.run([
      "train", "--data", "samples/adult_train.csv", "--target", "income", "--positive", ">50K", "--drop", "fnlwgt",
      "--out", model,
    ])
    #expect(train.exitCode == 0, "\(train.standardError)")
    let lines = train.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines[0] == "Trained logistic model on 32561 rows, 13 features (107 encoded columns).")
    #expect(lines[1] == "Training accuracy: 0.85240")
    #expect(lines[2].hasPrefix("Converged after "))
    let predict = try CandorBinary.run([
      "predict", "--model", model, "--data", "samples/adult_test.csv", "--out", predictions, "--target", "income",
    ])
    #expect(predict.exitCode == 0, "\(predict.standardError)")
    #expect(predict.standardOutput == "Wrote 16281 predictions to \(predictions).\nAccuracy against 'income': 0.85191\n")
    let written = try CSVReader.read(path: predictions)
    #expect(written.columnNames == ["row", "prediction", "probability_<=50K", "probability_>50K"])
    let reference = try CSVReader.read(path: Fixtures.path("adult_logreg_converged_test_scores.csv"))
    guard case let .numeric(ours) = try written.column("probability_>50K"),
      case let .numeric(expected) = try reference.column("probability_1")
    else { Issue.record("column types"); return }
    #expect(maxAbsoluteDifference(ours.values, expected.values) < 1e-4)
  }

  @Test("a regression model writes one prediction column and reports R²")
  func regression() throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let model = directory.appendingPathComponent("ridge.json").path
    let out = directory.appendingPathComponent("p.csv").path
    let train = try CandorBinary.run(["train", "--data", "samples/german_credit.csv", "--target", "credit_amount",
                                      "--model-type", "linear", "--out", model])
    #expect(train.exitCode == 0)
    let predict = try CandorBinary.run(["predict", "--model", model, "--data", "samples/german_credit.csv", "--out", out,
                                        "--target", "credit_amount"])
    #expect(predict.exitCode == 0)
    #expect(try CSVReader.read(path: out).columnNames == ["row", "prediction"])
    #expect(predict.standardOutput.contains("R² against 'credit_amount': 0.4716"))
  }
}

@Suite struct InspectCLITests {
  @Test("inspect shows how each column of Adult was typed")
  func adult() throws {
    let result = try CandorBinary.run(["inspect", "--data", "samples/adult_test.csv"])
    #expect(result.exitCode == 0)
    let lines = result.standardOutput.split(separator: "\n").map(String.init)
    #expect(lines[0].hasPrefix("samples/adult_test.csv: 16281 rows, 15 columns (read in "))
    #expect(lines[1] == "  age: numeric, min 17, mean 38.767, max 90")
    #expect(lines[9] == "  race: categorical, 5 levels: White (13946), Black (1561), Asian-Pac-Islander (480), Amer-Indian-Eskimo (159), Other (135)")
    #expect(lines.count == 16)
  }
}

@Suite struct ReproducibilityCLITests {
  @Test("training twice with the same seed writes byte-identical model files", arguments: ["logistic", "mlp"])
  func identicalFiles(modelType: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    var files: [Data] = []
    for name in ["a.json", "b.json"] {
      let path = directory.appendingPathComponent(name).path
      let mlpOptions = modelType == "mlp" ? ["--epochs", "3", "--seed", "5"] : []
      let result = try CandorBinary.run(["train", "--data", "samples/german_credit.csv", "--target", "risk", "--positive", "1",
                                         "--model-type", modelType, "--out", path] + mlpOptions)
      #expect(result.exitCode == 0)
      files.append(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
    #expect(files[0] == files[1])
  }
}
