import CandorCore
import Foundation

/// Warnings that an explanation's own numbers or data call for, as sentences for a page or a terminal. Each is a
/// reason to read a chart with care, not an error: the explanation stands as computed.
public enum ExplanationWarnings {
  /// How strongly two features must go together before partial dependence is suspect.
  public static let strongAssociation = 0.7

  /// Partial dependence sets one feature to each grid value for every row, keeping the others as they are; when
  /// the feature is strongly associated with another, most of those rows are combinations the data never holds,
  /// and the curve averages the model over them (Hooker 2007; Apley & Zhu 2020, who propose ALE for this case).
  /// One sentence per feature of `features` whose association with any feature of `others` reaches `threshold`:
  /// |Pearson r| between two numeric features, the correlation ratio η between a numeric and a categorical one
  /// (the share of the number's spread its groups explain, square-rooted). Two categorical features are not
  /// compared. Rows missing either value are left out of that pair.
  public static func correlatedFeatures(_ features: [String], in data: Table, others: [String],
                                        threshold: Double = strongAssociation) -> [String] {
    var sentences: [String] = []
    for name in features {
      guard let column = try? data.column(name) else { continue }
      var strongest: (other: String, measure: String, value: Double)?
      for other in others where other != name {
        guard let partner = try? data.column(other), let (measure, value) = association(column, partner),
              abs(value) >= threshold, abs(value) > abs(strongest?.value ?? 0) else { continue }
        strongest = (other, measure, value)
      }
      if let strongest {
        sentences.append("Partial dependence of \(name): it goes strongly with \(strongest.other) (\(strongest.measure) = "
          + "\(formatRounded(strongest.value, significantDigits: 2))), so the curve averages the model over combinations of the two "
          + "the data rarely holds; read it with care, or use accumulated local effects (candor explain --method ale).")
      }
    }
    return sentences
  }

  /// Pearson's r of two numeric columns, or η of a numeric and a categorical one; nil for two categorical
  /// columns, or when fewer than 3 rows hold both values or either does not vary.
  static func association(_ a: Column, _ b: Column) -> (measure: String, value: Double)? {
    switch (a, b) {
    case let (.numeric(x), .numeric(y)):
      return pearson(x.values, y.values).map { ("r", $0) }
    case let (.numeric(x), .categorical(g)), let (.categorical(g), .numeric(x)):
      return correlationRatio(x.values, codes: g.codes, levels: g.levels.count).map { ("η", $0) }
    default:
      return nil
    }
  }

  static func pearson(_ x: ContiguousArray<Double>, _ y: ContiguousArray<Double>) -> Double? {
    var n = 0.0, meanX = 0.0, meanY = 0.0, sxx = 0.0, syy = 0.0, sxy = 0.0
    // Welford's updates, so large offsets (years, incomes) lose no precision.
    for i in x.indices where x[i].isFinite && y[i].isFinite {
      n += 1
      let dx = x[i] - meanX, dy = y[i] - meanY
      meanX += dx / n
      meanY += dy / n
      sxx += dx * (x[i] - meanX)
      syy += dy * (y[i] - meanY)
      sxy += dx * (y[i] - meanY)
    }
    guard n >= 3, sxx > 0, syy > 0 else { return nil }
    return max(-1, min(1, sxy / (sxx * syy).squareRoot()))
  }

  static func correlationRatio(_ x: ContiguousArray<Double>, codes: ContiguousArray<Int32>, levels: Int) -> Double? {
    var sums = [Double](repeating: 0, count: levels), counts = [Double](repeating: 0, count: levels)
    var n = 0.0, total = 0.0
    for i in x.indices where x[i].isFinite && codes[i] >= 0 && Int(codes[i]) < levels {
      sums[Int(codes[i])] += x[i]
      counts[Int(codes[i])] += 1
      n += 1
      total += x[i]
    }
    guard n >= 3 else { return nil }
    let mean = total / n
    var spread = 0.0, between = 0.0
    for i in x.indices where x[i].isFinite && codes[i] >= 0 && Int(codes[i]) < levels { spread += (x[i] - mean) * (x[i] - mean) }
    for k in 0..<levels where counts[k] > 0 {
      let d = sums[k] / counts[k] - mean
      between += counts[k] * d * d
    }
    guard spread > 0 else { return nil }
    return min(1, (between / spread).squareRoot())
  }

  /// A contribution counts as large when it is at least this share of the largest in its row (SHAP) or of the
  /// largest importance (permutation).
  public static let largeShare = 0.1

  /// KernelSHAP's estimates are uncertain when a large value (|φ| at least a tenth of its row's largest) has a
  /// 95 % interval, φ ± 1.96 standard errors, that holds 0: not even its sign is settled. One sentence naming the
  /// rows, or none.
  public static func uncertainShapley(_ result: KernelSHAP) -> [String] {
    var rows: [Int] = []
    for row in result.rows {
      let uncertain = zip(row.values, row.stdErrors).contains { values, errors in
        // The largest finite |φ| in one loop, no arrays (this runs for every explained row).
        var largest = 0.0
        for value in values where value.isFinite { largest = max(largest, abs(value)) }
        guard largest > 0 else { return false }
        return zip(values, errors).contains { value, error in
          abs(value) >= largeShare * largest && error.isFinite && abs(value) <= 1.96 * error
        }
      }
      if uncertain { rows.append(row.row) }
    }
    guard !rows.isEmpty else { return [] }
    let named = rows.prefix(8).map(String.init).joined(separator: ", ") + (rows.count > 8 ? ", …" : "")
    return ["KernelSHAP: in \(rows.count) of \(result.rows.count) explained rows (row\(rows.count == 1 ? "" : "s") \(named)) a large "
      + "value's 95 % interval holds 0, so its sign is not settled; more coalitions (candor explain --nsamples) narrow the intervals."]
  }

  /// Permutation importance is uncertain for a feature whose mean is at least a tenth of the largest but whose 95 %
  /// interval reaches 0 or below: the data does not show that shuffling it costs anything. One sentence, or none.
  public static func uncertainImportance(_ result: PermutationImportance) -> [String] {
    let largest = result.importances.values.map(\.mean).filter(\.isFinite).max() ?? 0
    guard largest > 0 else { return [] }
    let uncertain = result.features.filter { name in
      guard let i = result.importances[name] else { return false }
      return i.mean >= largeShare * largest && i.ciLow <= 0
    }
    guard !uncertain.isEmpty else { return [] }
    let named = uncertain.map { name -> String in
      let i = result.importances[name]!
      return "\(name) (\(formatRounded(i.mean, significantDigits: 3)), interval \(formatRounded(i.ciLow, significantDigits: 3)) to \(formatRounded(i.ciHigh, significantDigits: 3)))"
    }
    return ["Permutation importance: the 95 % interval of \(named.joined(separator: "; ")) reaches 0, so the data does not show that "
      + "shuffling \(uncertain.count == 1 ? "it" : "them") costs the model anything; more repeats narrow the intervals."]
  }
}
