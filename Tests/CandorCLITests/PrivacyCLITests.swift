import CandorTestSupport
import Foundation
import Testing

/// `candor privacy epsilon` and `candor privacy sigma` from the command line: the reference's numbers
/// (Tests/Fixtures/privacy/, dp-accounting 0.6.0 and the exact RDP), the JSON keys, and bad input refused.
@Suite struct PrivacyCLITests {
  static func run(_ arguments: [String]) throws -> (json: [String: Any], text: String) {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try CandorBinary.run(["privacy"] + arguments + ["--json", "o.json"], in: directory)
    #expect(result.exitCode == 0, "\(arguments): \(result.standardError)")
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent("o.json"))) as! [String: Any]
    return (json, result.standardOutput)
  }

  // accountant_cases.json, mnist_dpsgd_tfp_tutorial: rdp.epsilon 2.596655529521983 (dp_accounting), rdp_true.epsilon
  // 2.5966555286809703, both at order 8.1.
  @Test("epsilon of the MNIST DP-SGD run: the exact RDP by default, dp_accounting's series on request, each named in the output")
  func epsilon() throws {
    let arguments = ["epsilon", "--sampling-rate", "0.004266666666666667", "--noise-multiplier", "1.1", "--steps", "14063", "--delta", "1e-5"]
    let exact = try Self.run(arguments)
    #expect(abs(exact.json["epsilon"] as! Double - 2.5966555286809703) < 1e-9 * 2.6)
    #expect(exact.json["optimal_order"] as? Double == 8.1 && exact.json["accountant"] as? String == "rdp" && exact.json["rdp_fractional_orders"] as? String == "exact")
    #expect(Set(exact.json.keys) == ["epsilon", "delta", "accountant", "optimal_order", "rdp_fractional_orders", "events"])
    #expect(exact.text == "ε = 2.596655528680916 at δ = 1e-05 (RDP accountant, optimal order 8.1; fractional orders exact).\n")
    let series = try Self.run(arguments + ["--rdp-fractional", "dp_accounting"])
    #expect(abs(series.json["epsilon"] as! Double - 2.596655529521983) < 1e-9 * 2.6)
    #expect(series.json["rdp_fractional_orders"] as? String == "dp_accounting")
    // The run as an event tree costs the same.
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data((exact.json["events"] as? [String: Any]).map { try JSONSerialization.data(withJSONObject: $0) }!).write(to: directory.appendingPathComponent("e.json"))
    let result = try CandorBinary.run(["privacy", "epsilon", "--events", "e.json", "--delta", "1e-5"], in: directory)
    #expect(result.standardOutput == exact.text)
  }

  // accountant_cases.json, mnist_dpsgd_tfp_tutorial: pld.epsilon 2.381778812581751 (PLDAccountant, 1e-4).
  @Test("--accountant pld gives dp_accounting's PLD ε, prv prv_accountant's bracket; all lists every accountant, answers with the tightest and writes a page")
  func accountants() throws {
    let arguments = ["epsilon", "--sampling-rate", "0.004266666666666667", "--noise-multiplier", "1.1", "--steps", "14063", "--delta", "1e-5"]
    let pld = try Self.run(arguments + ["--accountant", "pld"])
    #expect(abs(pld.json["epsilon"] as! Double - 2.381778812581751) < 2e-4 && pld.json["accountant"] as? String == "pld")
    #expect(pld.text.hasSuffix("(PLD accountant, pessimistic on a 1e-4 grid: an upper bound).\n"))
    let all = try Self.run(arguments + ["--accountant", "all"])
    let entries = try #require(all.json["accountants"] as? [[String: Any]])
    #expect(entries.map { $0["accountant"] as? String } == ["rdp", "pld", "prv"])
    #expect(abs(entries[0]["epsilon"] as! Double - 2.5966555286809703) < 1e-8 && entries[1]["epsilon"] as? Double == pld.json["epsilon"] as? Double)
    // prv_accountant 0.2.0 (eps_error 0.01, delta_error 1e-8): [2.3715483063786027, 2.391836512806548], estimate 2.381692341100975.
    let bracket = try #require(entries[2]["bracket"] as? [String: Double])
    #expect(abs(entries[2]["epsilon"] as! Double - 2.391836512806548) < 1e-6 && bracket["upper"] == entries[2]["epsilon"] as? Double)
    #expect(abs(bracket["estimate"]! - 2.381692341100975) < 1e-6 && abs(bracket["lower"]! - 2.3715483063786027) < 1e-6)
    let prv = try Self.run(arguments + ["--accountant", "prv"])
    #expect(prv.json["accountant"] as? String == "prv" && prv.json["epsilon"] as? Double == entries[2]["epsilon"] as? Double)
    #expect(prv.text.contains("(PRV accountant: the true ε is in [2.3715"))
    #expect(all.json["accountant"] as? String == "pld" && all.json["epsilon"] as? Double == pld.json["epsilon"] as? Double)
    #expect(all.text.hasSuffix("\nTightest: pld, ε = \(pld.json["epsilon"] as! Double) at δ = 1e-05 (every value is an upper bound, so the smallest holds).\n"))
    // A Poisson-sampled Laplace: RDP cannot bound it, PLD answers (composition_cases.json poisson_sampled_laplace: 4.1523011403085235).
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data(#"{"type": "SelfComposedDpEvent", "count": 100, "event": {"type": "PoissonSampledDpEvent", "sampling_probability": 0.1, "event": {"type": "LaplaceDpEvent", "noise_multiplier": 1}}}"#.utf8)
      .write(to: directory.appendingPathComponent("l.json"))
    let laplace = try CandorBinary.run(["privacy", "epsilon", "--events", "l.json", "--delta", "1e-5", "--accountant", "all", "--html", "p.html"], in: directory)
    #expect(laplace.exitCode == 0 && laplace.standardOutput.contains("  rdp: no value — The RDP accountant cannot account"))
    #expect(laplace.standardOutput.contains("Tightest: pld, ε = 4.1523"))
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("p.html").path))
  }

  // calibration_cases.json, q0.004_50epochs_eps1.0: rdp_true.sigma_tight.
  @Test("sigma for a target epsilon: the exact-RDP boundary within the tolerance, epsilon at it never above the target")
  func sigma() throws {
    let c = (try Fixtures.json("privacy/calibration_cases.json") as! [String: Any])["cases"] as! [[String: Any]]
    let target = c.first { $0["id"] as? String == "q0.004_50epochs_eps1.0" }!
    let boundary = (target["rdp_true"] as! [String: Any])["sigma_tight"] as! Double
    let (json, text) = try Self.run(["sigma", "--epsilon", "1", "--delta", "1e-5", "--sampling-rate", "0.004", "--steps", "12500"])
    #expect(abs((json["noise_multiplier"] as! Double) - boundary) <= 1e-10 + 1e-9)
    #expect((json["epsilon"] as! Double) <= 1)
    #expect(Set(json.keys) == ["noise_multiplier", "epsilon", "optimal_order", "target_epsilon", "delta", "sampling_rate", "steps", "tolerance",
                               "accountant", "rdp_fractional_orders"])
    #expect(text.hasPrefix("Noise multiplier σ = 1.95497023") && text.hasSuffix(" at δ = 1e-05 over 12500 steps at sampling rate 0.004 (RDP accountant, optimal order 18; fractional orders exact).\n"))
  }

  // calibration_cases.json q0.004_50epochs_eps1.0: pld.sigma 1.8205750801070504 (dp_accounting, PLDAccountant(1e-4), tol 1e-5).
  @Test("sigma --accountant pld: dp_accounting's PLD calibration within 1e-3 relative, less noise than RDP's, PLD's epsilon never above the target")
  func pldSigma() throws {
    let (json, text) = try Self.run(["sigma", "--epsilon", "1", "--delta", "1e-5", "--sampling-rate", "0.004", "--steps", "12500", "--accountant", "pld"])
    let sigma = json["noise_multiplier"] as! Double
    #expect(abs(sigma - 1.8205750801070504) <= 1e-3 * 1.82 && sigma < 1.95497)
    #expect((json["epsilon"] as! Double) <= 1 && json["accountant"] as? String == "pld" && json["tolerance"] as? Double == 1e-6)
    #expect(text.hasSuffix(" at δ = 1e-05 over 12500 steps at sampling rate 0.004 (PLD accountant on a 1e-4 grid, σ within 1e-06).\n"))
    let (priced, _) = try Self.run(["epsilon", "--sampling-rate", "0.004", "--noise-multiplier", "\(sigma)", "--steps", "12500", "--delta", "1e-5", "--accountant", "pld"])
    #expect((priced["epsilon"] as! Double) <= 1)
  }

  @Test("bad input: exit 2, one plain sentence, nothing written", arguments: [
    (["epsilon", "--sampling-rate", "1.5", "--noise-multiplier", "1", "--steps", "10", "--delta", "1e-5"],
     "error: --sampling-rate 1.5: it must be above 0 and at most 1. Run 'candor privacy epsilon --help' for usage.\n"),
    (["epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "0", "--steps", "10", "--delta", "1e-5"],
     "error: --noise-multiplier 0: it must be a positive finite number. Run 'candor privacy epsilon --help' for usage.\n"),
    (["epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1", "--delta", "1e-5"],
     "error: Give --sampling-rate, --noise-multiplier and --steps (a DP-SGD run), or --events E.json. Run 'candor privacy epsilon --help' for usage.\n"),
    (["epsilon", "--sampling-rate", "0.01", "--noise-multiplier", "1", "--steps", "10", "--delta", "1"],
     "error: --delta 1: must be at least 0 and below 1.\n"),
    (["epsilon", "--events", "bad.json", "--delta", "1e-5"],
     "error: bad.json is not a privacy event tree: event.type 'RandomizedResponseDpEvent' is not an event type (the types are GaussianDpEvent, LaplaceDpEvent, DiscreteLaplaceDpEvent, ZCDpEvent, PoissonSampledDpEvent, SelfComposedDpEvent, ComposedDpEvent, NoOpDpEvent, NonPrivateDpEvent).\n"),
    (["epsilon", "--events", "twice.json", "--delta", "1e-5"],
     "error: twice.json is not a privacy event tree: line 1, column 52 repeats the key \"noise_multiplier\" within one object (readers disagree on which one counts).\n"),
    (["epsilon", "--events", "laplace.json", "--delta", "1e-5"],
     "error: The RDP accountant cannot account PoissonSampledDpEvent(sampling_probability 0.1, LaplaceDpEvent(noise_multiplier 1)): a Poisson-sampled event must be Gaussian releases (composed or repeated); RDP of a sampled Laplace or a sampled sampling is not bounded here.\n"),
    // A billion unsampled steps: even σ = 10⁶ leaves ε ≈ 0.109 (one Gaussian of σ/√T ≈ 31.6).
    (["sigma", "--epsilon", "1e-6", "--delta", "1e-5", "--sampling-rate", "1", "--steps", "1000000000"],
     "error: No noise multiplier up to 1000000 reaches ε = 1e-06 at δ = 1e-05 (ε is 0.10860481624803403 there); ask for a larger ε or fewer steps.\n"),
    (["sigma", "--epsilon", "1", "--delta", "0", "--sampling-rate", "0.01", "--steps", "100"],
     "error: --delta 0: must be between 0 and 1.\n"),
    (["sigma", "--epsilon", "1", "--delta", "1e-5", "--sampling-rate", "0", "--steps", "100"],
     "error: --sampling-rate 0: must be above 0 and at most 1.\n"),
  ])
  func badInput(arguments: [String], message: String) throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    try Data(#"{"type": "RandomizedResponseDpEvent", "noise_parameter": 0.5, "num_buckets": 2}"#.utf8).write(to: directory.appendingPathComponent("bad.json"))
    try Data(#"{"type": "GaussianDpEvent", "noise_multiplier": 1, "noise_multiplier": 1e-300}"#.utf8).write(to: directory.appendingPathComponent("twice.json"))
    try Data(#"{"type": "SelfComposedDpEvent", "count": 100, "event": {"type": "PoissonSampledDpEvent", "sampling_probability": 0.1, "event": {"type": "LaplaceDpEvent", "noise_multiplier": 1}}}"#.utf8)
      .write(to: directory.appendingPathComponent("laplace.json"))
    let result = try CandorBinary.run(["privacy"] + arguments + ["--json", "o.json"], in: directory)
    #expect(result.exitCode == 2)
    #expect(result.standardError == message)
    #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("o.json").path))
  }
}
