import ArgumentParser
import CandorCore
import CandorPrivacy
import CandorReport
import Foundation

extension FractionalOrderMethod: ExpressibleByArgument {}
extension EpsilonRequest.Accountant: ExpressibleByArgument {}
extension NoiseMultiplierRequest.Accountant: ExpressibleByArgument {}

struct Privacy: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "privacy",
    abstract: "Differential privacy: what an event costs (epsilon), the noise a target needs (sigma), a budget ledger (ledger, spend), private statistics spent from it (query), the keys of data holders whose query parts are masked (mask-keys), membership-leakage audits (audit).",
    subcommands: [PrivacyEpsilon.self, PrivacySigma.self, PrivacyLedgerGroup.self, PrivacySpend.self, PrivacyQuery.self, PrivacyMaskKeys.self, PrivacyAudit.self])
}

/// The RDP options both subcommands share.
struct RDPOptions: ParsableArguments {
  @Option(name: .customLong("rdp-fractional"),
          help: "How the subsampled Gaussian's RDP is computed at fractional orders: exact (numerical integration; the true value, tighter) or dp_accounting (its 0.6.0 series, an upper bound, to reproduce its numbers).")
  var fractionalOrders: FractionalOrderMethod = .exact

  var wording: String {
    fractionalOrders == .exact ? "fractional orders exact" : "fractional orders by dp_accounting's series (an upper bound)"
  }
}

/// The accounting step of `privacy epsilon` and `sigma`: timed (CANDOR_PHASE_TIMES=1, for bench/), its JSON written
/// if asked, the outputs committed.
func accounted<Result: JSONDocument>(_ files: OutputTransaction, json: String?, clock: inout PhaseClock,
                                     html: ((Result) throws(PrivacyError) -> String)? = nil,
                                     _ account: () throws(PrivacyError) -> Result) throws -> Result {
  clock.mark("read")
  let result = try account()
  clock.mark("account")
  if json != nil { try files.write(.json, try result.jsonData()) }
  if let html { try files.write(.html, Data(try html(result).utf8)) }
  try files.commit()
  clock.mark("write")
  clock.report()
  return result
}

struct PrivacyEpsilon: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "epsilon",
    abstract: "The (epsilon, delta) a DP-SGD run or an event tree costs, under the RDP, PLD or PRV accountant, or all side by side.",
    discussion: """
      A DP-SGD run is --sampling-rate q --noise-multiplier sigma --steps T: T steps, each a Poisson sample (every \
      record joins on its own with probability q) with Gaussian noise of sigma times the clipping norm. Any other \
      mechanism, or several, is an event tree in dp_accounting's JSON (--events; README, "Privacy"). RDP \
      (Mironov 2017) at dp_accounting's 156 orders, turned into epsilon by Canonne, Kamath & Steinke 2020 Prop. 12. \
      --accountant pld composes privacy loss distributions instead (pessimistic connect-the-dots on a 1e-4 grid, \
      Doroshenko et al. 2022; FFT composition), usually tighter; --accountant prv composes privacy random variables \
      (Gopi, Lee & Wutschitz 2021; epsilon error 0.01, delta error delta/1000) and reports the bracket the true \
      epsilon lies in, its upper end as epsilon; --accountant all reports every one and takes the smallest.
      """)

  @Option(help: "Poisson sampling rate q of each step, in (0, 1].")
  var samplingRate: Double?

  @Option(help: "Noise multiplier sigma: the Gaussian noise's standard deviation over the L2 sensitivity (clipping norm).")
  var noiseMultiplier: Double?

  @Option(help: "Number of steps T.")
  var steps: Int?

  @Option(help: ArgumentHelp("An event tree (dp_accounting's DpEvent JSON) instead of the three options above.", valueName: "E.json"))
  var events: String?

  @Option(help: "The delta to report epsilon at, in [0, 1).")
  var delta: Double

  @Option(help: "rdp (default), pld (privacy loss distributions, dp_accounting's PLDAccountant on a 1e-4 grid), prv (privacy random variables, prv_accountant's PRVAccountant: a bracket), or all: every accountant side by side, the tightest answering.")
  var accountant: EpsilonRequest.Accountant = .rdp

  @OptionGroup var rdp: RDPOptions

  @OptionGroup var outputs: ReportOutputs

  var json: String? { outputs.json }

  func validate() throws {
    let run = [samplingRate != nil, noiseMultiplier != nil, steps != nil]
    if events != nil && run.contains(true) {
      throw ValidationError("Give the mechanism once: --events, or --sampling-rate, --noise-multiplier and --steps.")
    }
    if events == nil && run.contains(false) {
      throw ValidationError("Give --sampling-rate, --noise-multiplier and --steps (a DP-SGD run), or --events E.json.")
    }
    if let q = samplingRate, !(q > 0 && q <= 1) { throw ValidationError("--sampling-rate \(formatNumber(q)): it must be above 0 and at most 1.") }
    if let sigma = noiseMultiplier, !(sigma > 0 && sigma.isFinite) { throw ValidationError("--noise-multiplier \(formatNumber(sigma)): it must be a positive finite number.") }
    if let steps, steps < 1 { throw ValidationError("--steps \(steps): it must be at least 1.") }
  }

  var inputFiles: [(Setting, String?)] { [(.events, events)] }
  var outputFiles: [(Setting, String?)] { outputs.outputFiles }

  func run() throws {
    var clock = PhaseClock()
    let files = try outputTransaction()
    let event: PrivacyEvent
    if let events {
      event = try PrivacyEvent.decode(try InputFile.read(events), path: events)
    } else {
      event = .dpSGD(samplingRate: samplingRate!, noiseMultiplier: noiseMultiplier!, steps: steps!)
    }
    var request = EpsilonRequest(event: event, delta: delta)
    request.fractionalOrders = rdp.fractionalOrders
    request.accountant = accountant
    let result = try accounted(files, json: json, clock: &clock, html: outputs.html == nil ? nil : { result throws(PrivacyError) in
      // A repeated event (a DP-SGD run) is charted against its steps; PLD at 12 of them when it was asked for.
      var curve: EpsilonCurve?
      if case let .repeated(step, times) = event, times > 1 {
        curve = try EpsilonCurve(step: step, upTo: times, delta: delta, fractionalOrders: rdp.fractionalOrders,
                                 pldPoints: accountant == .rdp ? 0 : 12)
      }
      return PrivacyEpsilonPage.html(result, curve: curve)
    }) { () throws(PrivacyError) in try request.run() }
    print(Self.text(result, rdp: rdp))
  }

  static func text(_ result: EpsilonResult, rdp: RDPOptions) -> String {
    func words(_ accountant: String, _ epsilon: Double, _ order: Double?, _ bracket: EpsilonBracket?) -> String {
      let at = "ε = \(formatNumber(epsilon)) at δ = \(formatNumber(result.delta))"
      switch accountant {
      case "pld": return at + " (PLD accountant, pessimistic on a 1e-4 grid: an upper bound)"
      case "prv":
        let range = bracket.map { "the true ε is in [\(formatNumber($0.lower)), \(formatNumber($0.upper))], estimate \(formatNumber($0.estimate))" } ?? ""
        return at + " (PRV accountant: \(range))"
      default: return at + " (RDP accountant\(order.map { ", optimal order \(formatNumber($0))" } ?? ""); \(rdp.wording))"
      }
    }
    guard let entries = result.accountants else { return words(result.accountant, result.epsilon, result.optimalOrder, result.bracket) + "." }
    var lines = entries.map { entry in
      "  \(entry.accountant): " + (entry.epsilon.map { words(entry.accountant, $0, entry.optimalOrder, entry.bracket) } ?? "no value — \(entry.note ?? "")")
    }
    lines.append("Tightest: \(result.accountant), ε = \(formatNumber(result.epsilon)) at δ = \(formatNumber(result.delta)) (every value is an upper bound, so the smallest holds).")
    return lines.joined(separator: "\n")
  }
}

struct PrivacySigma: ParsableCommand, FileCommand {
  static let configuration = CommandConfiguration(
    commandName: "sigma",
    abstract: "The smallest noise multiplier a DP-SGD run needs for a target (epsilon, delta), under the RDP or PLD accountant.",
    discussion: """
      Bisection on sigma (epsilon falls as sigma grows) to within --tolerance of the boundary, returning the side \
      whose epsilon is at most the target, as dp_accounting's calibrate_dp_mechanism does. --accountant pld meets \
      the target under PLD (a 1e-4 grid), which is tighter and so needs less noise; its tolerance is at least 1e-6.
      """)

  @Option(help: "The target epsilon.")
  var epsilon: Double

  @Option(help: "The delta, in (0, 1).")
  var delta: Double

  @Option(help: "Poisson sampling rate q of each step, in (0, 1].")
  var samplingRate: Double

  @Option(help: "Number of steps T.")
  var steps: Int

  @Option(help: "The noise multiplier is within this of the boundary (default 1e-10).")
  var tolerance: Double = 1e-10

  @Option(help: "rdp (default) or pld: the accountant whose epsilon must meet the target.")
  var accountant: NoiseMultiplierRequest.Accountant = .rdp

  @OptionGroup var rdp: RDPOptions

  @Option(help: "Write the result as JSON here.")
  var json: String?

  var inputFiles: [(Setting, String?)] { [] }
  var outputFiles: [(Setting, String?)] { [(.json, json)] }

  func run() throws {
    var clock = PhaseClock()
    let files = try outputTransaction()
    var request = NoiseMultiplierRequest(targetEpsilon: epsilon, delta: delta, samplingRate: samplingRate, steps: steps)
    request.tolerance = tolerance
    request.fractionalOrders = rdp.fractionalOrders
    request.accountant = accountant
    let result = try accounted(files, json: json, clock: &clock) { () throws(PrivacyError) in try request.run() }
    let order = result.optimalOrder.map { ", optimal order \(formatNumber($0))" } ?? ""
    let how = accountant == .pld ? "PLD accountant on a 1e-4 grid, σ within \(formatNumber(result.tolerance))" : "RDP accountant\(order); \(rdp.wording)"
    print("Noise multiplier σ = \(formatNumber(result.noiseMultiplier)): ε = \(formatNumber(result.epsilon)) at δ = \(formatNumber(delta)) over \(steps) steps at sampling rate \(formatNumber(samplingRate)) (\(how)).")
  }
}

