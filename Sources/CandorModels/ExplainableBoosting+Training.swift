import CandorCore
import Foundation

// MARK: - Training
//
// Cyclic gradient boosting of one term at a time (Lou et al. 2012, 2013), as InterpretML's EBM does it:
//  1. Bin every feature: a numeric one at the midpoints between its distinct values, or at quantiles when it has more
//     than `maxBins` of them; a categorical one by level. Pairs use at most `maxInteractionBins` bins, a subset of
//     the main cuts.
//  2. Per outer bag (a seeded, stratified split off `validationShare` of the rows for early stopping): boost the main
//     effects round-robin, each step a Newton step on a shallow tree over one feature's bin histogram (at most
//     `maxLeaves` leaves; a categorical feature's levels ordered by gradient ratio first, LightGBM's way; a numeric
//     feature's missing bin its own leaf), shrunk by `learningRate`, until the validation loss has not improved by
//     `earlyStoppingTolerance` (relative) for `earlyStoppingRounds` cycles; the model at the lowest loss is kept.
//  3. Rank every pair by FAST (Lou et al. 2013, §4.2): the gain of the best four-quadrant cut of the pair's gradient
//     histogram under each bag's main-effect model, averaged over bags; keep the `interactions` strongest.
//  4. Per bag, boost the pairs round-robin the same way on top of its main effects (each step a tree that cuts one
//     feature, then the other on each side), mains frozen.
//  5. Average every term over the bags, then purify (see ExplainableBoostingMachine).
//
// The loop never calls exp: each training row keeps e^margin, and a step multiplies it by e^update of the row's
// cell, so a step costs one pass of a few multiplications per row.

extension ExplainableBoostingMachine {
  public struct Options: Sendable, Equatable {
    /// Squared error on a numeric target (`--objective squared_error`); else log loss on a binary one.
    public var regression = false
    public var maxBins = 1024
    public var maxInteractionBins = 64
    /// Pair terms; nil: three per feature (InterpretML's "3x"), at most every pair with a positive strength.
    public var interactions: Int?
    public var outerBags = 8
    public var validationShare = 0.15
    public var learningRate = 0.04
    public var maxLeaves = 3
    public var minSamplesLeaf = 4
    public var minHessian = 1e-4
    /// Most boosting cycles (one step for every term) per stage and bag.
    public var maxRounds = 5000
    public var earlyStoppingRounds = 30
    public var earlyStoppingTolerance = 1e-5
    /// LightGBM's `cat_smooth`: added to the hessian when levels are ordered by gradient ratio.
    public var categorySmoothing = 10.0
    public var seed: UInt64 = 42
    public init() {}
  }

  /// What training did, besides the model: cycles per bag and stage, the pairs chosen and their strengths.
  public struct Report: Sendable, Equatable {
    public var mainCycles: [Int]
    public var pairCycles: [Int]
    /// The FAST strength of each pair term, in term order.
    public var pairStrengths: [Double]
    /// The lowest validation loss, averaged over bags.
    public var validationLoss: Double
  }

  /// - Throws: `ModelError.invalidSetting` for settings out of range or a target with more than two classes.
  public static func fit(_ table: Table, data: TrainingSet, options: Options = Options()) throws -> (ExplainableBoostingMachine, TrainingSummary, Report) {
    try check(options)
    let classes: [String], y: [Double], regression: Bool
    switch data.target {
    case let .classes(names, codes):
      guard names.count == 2 else {
        throw ModelError.invalidSetting(.init(.modelType, value: "ebm", .because("an explainable boosting machine fits a binary or numeric target, and \(data.targetName) has \(names.count) classes")))
      }
      (classes, y, regression) = (names, codes.map(Double.init), false)
    case let .values(values): (classes, y, regression) = ([data.targetName], Array(values), true)
    }
    let binnings = try data.encoder.features.map { feature in try binning(feature, table, options) }
    let (main, pair) = try bins(table, binnings: binnings)
    let n = table.rowCount
    let problem = Problem(y: y, w: data.weights, regression: regression, options: options)
    let mainTerms = binnings.indices.map { f in
      TermLayout(features: [f], cellCount: binnings[f].binCount, widths: [binnings[f].binCount], ordered: binnings[f].isNumeric)
    }

    // 2. Main effects per bag.
    let bags = options.outerBags
    let splits = (0..<bags).map { problem.split(rows: n, bag: $0) }
    let mainResults = DisjointWrites<Stage?>(repeating: nil, count: bags)
    parallelFor(bags) { b in
      let rows = splits[b]
      let cells = mainTerms.map { term in Cells(main[term.features[0]], rows) }
      mainResults[b] = problem.boost(terms: mainTerms, cells: cells, rows: rows, start: nil)
    }
    let mains = mainResults.values.map { $0! }

    // 3. FAST strengths of every pair under each bag's mains, averaged.
    // Pairs of at most 65,536 cells (a categorical feature of hundreds of levels is not paired).
    let candidates = binnings.indices.flatMap { a in
      ((a + 1)..<binnings.count).filter { binnings[a].pairBinCount * binnings[$0].pairBinCount <= 1 << 16 }.map { (a, $0) }
    }
    let strengths = DisjointWrites<[Double]>(repeating: [], count: bags)
    parallelFor(bags) { b in
      let rows = splits[b]
      let cells = mainTerms.map { term in Cells(main[term.features[0]], rows) }
      let margins = problem.margins(stage: mains[b], cells: cells.map(\.train), rows: rows.train.count)
      strengths[b] = candidates.map { a, c in
        problem.pairStrength(Cells(pair: pair[a], pair[c], width: binnings[c].pairBinCount, rows).train, margins: margins, rows: rows.train,
                             widths: (binnings[a].pairBinCount, binnings[c].pairBinCount))
      }
    }
    let meanStrength = candidates.indices.map { i in strengths.values.reduce(0) { $0 + $1[i] } / Double(bags) }
    let wanted = options.interactions ?? 3 * binnings.count
    let chosen = candidates.indices.filter { meanStrength[$0] > 0 }.sorted { meanStrength[$0] > meanStrength[$1] || (meanStrength[$0] == meanStrength[$1] && $0 < $1) }.prefix(wanted)
    let pairTerms = chosen.map { i in
      let (a, c) = candidates[i]
      return TermLayout(features: [a, c], cellCount: binnings[a].pairBinCount * binnings[c].pairBinCount,
                        widths: [binnings[a].pairBinCount, binnings[c].pairBinCount], ordered: true)
    }

    // 4. Pairs per bag, on top of its mains.
    let pairResults = DisjointWrites<Stage?>(repeating: nil, count: bags)
    if !pairTerms.isEmpty {
      parallelFor(bags) { b in
        let rows = splits[b]
        let mainCells = mainTerms.map { term in Cells(main[term.features[0]], rows) }
        let cells = pairTerms.map { term in Cells(pair: pair[term.features[0]], pair[term.features[1]], width: term.widths[1], rows) }
        pairResults[b] = problem.boost(terms: pairTerms, cells: cells, rows: rows, start: (mains[b], mainCells))
      }
    }

    // 5. Average over bags, purify.
    var terms = (mainTerms + pairTerms).map { Term(features: $0.features, scores: [Double](repeating: 0, count: $0.cellCount), weights: [Double](repeating: 0, count: $0.cellCount)) }
    var intercept = 0.0
    for b in 0..<bags {
      intercept += mains[b].intercept / Double(bags)
      for t in mainTerms.indices { for k in terms[t].scores.indices { terms[t].scores[k] += mains[b].tables[t][k] / Double(bags) } }
      if let pairs = pairResults[b] {
        for t in pairTerms.indices { for k in terms[mainTerms.count + t].scores.indices { terms[mainTerms.count + t].scores[k] += pairs.tables[t][k] / Double(bags) } }
      }
    }
    for (t, term) in terms.enumerated() {
      if term.features.count == 1 {
        let bins = main[term.features[0]]
        for r in 0..<n { terms[t].weights[Int(bins[r])] += data.weights[r] }
      } else {
        let a = pair[term.features[0]], c = pair[term.features[1]], width = binnings[term.features[1]].pairBinCount
        for r in 0..<n { terms[t].weights[Int(a[r]) * width + Int(c[r])] += data.weights[r] }
      }
    }
    purify(&terms, intercept: &intercept, binnings: binnings)
    let model = ExplainableBoostingMachine(encoder: data.encoder, classes: classes, isRegression: regression, binnings: binnings,
                                           intercept: intercept, terms: terms)

    let predictions = try model.predict(table).storage
    let metric: Double, name: String
    if regression {
      (name, metric) = ("r2", DecisionTree.r2(predictions, y, data.weights))
    } else {
      var hits = 0.0, total = 0.0
      for r in 0..<n {
        hits += ((predictions[r] > 0.5 ? 1.0 : 0.0) == y[r]) ? data.weights[r] : 0
        total += data.weights[r]
      }
      (name, metric) = ("accuracy", hits / max(total, .leastNonzeroMagnitude))
    }
    let pairStages = pairResults.values.compactMap { $0 }
    let validationLoss = (pairStages.isEmpty ? mains : pairStages).reduce(0) { $0 + $1.validationLoss } / Double(bags)
    let cycles = (mains.reduce(0) { $0 + $1.cycles } + pairStages.reduce(0) { $0 + $1.cycles }) / bags
    let summary = TrainingSummary(modelType: .ebm, rows: n, features: binnings.count, encodedColumns: data.encoder.encodedColumnCount,
                                  metricName: name, metric: metric, iterations: cycles, gradientNorm: nil, converged: true, finalLoss: validationLoss)
    let report = Report(mainCycles: mains.map(\.cycles), pairCycles: pairStages.map(\.cycles), pairStrengths: chosen.map { meanStrength[$0] },
                        validationLoss: validationLoss)
    return (model, summary, report)
  }

  static func check(_ o: Options) throws {
    func atLeast(_ setting: Setting, _ value: Int, _ minimum: Int) throws {
      if value < minimum { throw ModelError.invalidSetting(.init(setting, value: String(value), .atLeast(minimum))) }
    }
    try atLeast(.maxBins, o.maxBins, 2)
    try atLeast(.maxInteractionBins, o.maxInteractionBins, 2)
    try atLeast(.outerBags, o.outerBags, 1)
    try atLeast(.maxLeaves, o.maxLeaves, 2)
    try atLeast(.minSamplesLeaf, o.minSamplesLeaf, 1)
    try atLeast(.maxRounds, o.maxRounds, 1)
    try atLeast(.earlyStoppingRounds, o.earlyStoppingRounds, 1)
    if let k = o.interactions { try atLeast(.interactions, k, 0) }
    if o.maxBins > 65_535 { throw ModelError.invalidSetting(.init(.maxBins, value: String(o.maxBins), .because("at most 65535 bins"))) }
    guard o.learningRate > 0, o.learningRate <= 1 else { throw ModelError.invalidSetting(.init(.learningRate, value: formatNumber(o.learningRate), .because("needs a step above 0 and at most 1"))) }
    guard o.validationShare > 0, o.validationShare < 1 else { throw ModelError.invalidSetting(.init(.validationShare, value: formatNumber(o.validationShare), .betweenZeroAndOne)) }
  }

  /// The bins of one feature from the training column.
  static func binning(_ feature: FeatureEncoder.Feature, _ table: Table, _ options: Options) throws -> Binning {
    guard let levels = feature.categories else {
      guard case let .numeric(column) = try table.column(feature.name) else { fatalError("the encoder read this feature as numeric") }
      var values = column.values.filter { !$0.isNaN }
      values.sort()
      // Distinct values and how many rows hold each.
      var distinct: [Double] = [], counts: [Int] = []
      for v in values {
        if let last = distinct.last, last == v { counts[counts.count - 1] += 1 } else { distinct.append(v); counts.append(1) }
      }
      func midpoint(_ i: Int) -> Double {
        let (a, b) = (distinct[i], distinct[i + 1])
        let t = a / 2 + b / 2
        return t == b || !t.isFinite ? a : t
      }
      let cuts = quantileBoundaries(counts, maxBins: options.maxBins).map(midpoint)
      // Pair cuts: the main intervals merged by their row counts.
      var intervalCounts = [Int](repeating: 0, count: cuts.count + 1)
      for v in values { intervalCounts[Binning.bin(v, cuts) - 1] += 1 }
      let pairCuts = quantileBoundaries(intervalCounts, maxBins: options.maxInteractionBins).map { cuts[$0] }
      return Binning(name: feature.name, cuts: cuts, pairCuts: pairCuts, levels: nil)
    }
    return Binning(name: feature.name, cuts: nil, pairCuts: nil, levels: levels)
  }

  /// The positions i (a boundary after item i) that split items with these counts into at most `maxBins` groups of
  /// about equal count: every boundary when there are few enough items, else one where the running count first
  /// reaches each multiple of total / maxBins.
  static func quantileBoundaries(_ counts: [Int], maxBins: Int) -> [Int] {
    guard counts.count > 1 else { return [] }
    if counts.count <= maxBins { return Array(0..<(counts.count - 1)) }
    let total = Double(counts.reduce(0, +))
    var boundaries: [Int] = [], running = 0, next = 1
    for i in 0..<(counts.count - 1) {
      running += counts[i]
      if Double(running) >= Double(next) * total / Double(maxBins) {
        boundaries.append(i)
        while Double(running) >= Double(next) * total / Double(maxBins) { next += 1 }
      }
    }
    return boundaries
  }

  /// Every row's main and pair bin per feature (features × rows each).
  static func bins(_ table: Table, binnings: [Binning]) throws -> (main: [[Int32]], pair: [[Int32]]) {
    var main: [[Int32]] = [], pair: [[Int32]] = []
    for binning in binnings {
      guard let column = table[binning.name] else { throw TableError.missingModelFeature(binning.name, file: table.source) }
      if binning.isNumeric {
        guard case let .numeric(numeric) = column else {
          let categorical = column.asCategorical()
          let text = categorical.firstText ?? (0, categorical.value(at: 0) ?? "")
          throw TableError.textInNumericFeature(file: table.source, column: binning.name, row: text.row + 1, value: text.value)
        }
        let (cuts, pairCuts) = (binning.cuts!, binning.pairCuts!)
        main.append(numeric.values.map { Int32(Binning.bin($0, cuts)) })
        pair.append(numeric.values.map { Int32(Binning.bin($0, pairCuts)) })
      } else {
        let categorical = column.asCategorical()
        let levels = binning.levels!
        let map = categorical.codeMap(into: levels)
        let missing = levels.firstIndex(of: Table.missingLevelName).map { Int32($0) + 1 } ?? 0
        let codes = categorical.codes.map { code -> Int32 in code < 0 ? missing : map[Int(code)] + 1 }
        main.append(codes)
        pair.append(codes)
      }
    }
    return (main, pair)
  }

  /// Moves each pair's weighted row and column means onto its features' main terms until none is left (Lengerich et
  /// al. 2020, Algorithm 1), then each main term's weighted mean onto the intercept; bins without training weight
  /// score 0. The sum of the terms is unchanged for every row whose bins all hold training rows.
  static func purify(_ terms: inout [Term], intercept: inout Double, binnings: [Binning]) {
    let mainOf = Dictionary(uniqueKeysWithValues: terms.indices.filter { terms[$0].features.count == 1 }.map { (terms[$0].features[0], $0) })
    for t in terms.indices where terms[t].features.count == 2 {
      let (a, c) = (terms[t].features[0], terms[t].features[1])
      let rows = binnings[a].pairBinCount, width = binnings[c].pairBinCount
      var toA = [Double](repeating: 0, count: rows), toC = [Double](repeating: 0, count: width)
      /// Moves the weighted mean of each line of cells (`cell(line, k)` for k in 0..<length) onto `shares[line]`;
      /// returns the largest mean moved.
      func sweep(lines: Int, length: Int, _ cell: (Int, Int) -> Int, into shares: inout [Double]) -> Double {
        var moved = 0.0
        for line in 0..<lines {
          var sw = 0.0, s = 0.0
          for k in 0..<length { let x = cell(line, k); sw += terms[t].weights[x]; s += terms[t].weights[x] * terms[t].scores[x] }
          guard sw > 0 else { continue }
          let m = s / sw
          for k in 0..<length { terms[t].scores[cell(line, k)] -= m }
          shares[line] += m
          moved = max(moved, abs(m))
        }
        return moved
      }
      for _ in 0..<1000 {
        let byRow = sweep(lines: rows, length: width, { $0 * width + $1 }, into: &toA)
        let byColumn = sweep(lines: width, length: rows, { $1 * width + $0 }, into: &toC)
        if max(byRow, byColumn) < 1e-14 { break }
      }
      for (feature, shares) in [(a, toA), (c, toC)] {
        guard let m = mainOf[feature] else { continue }
        let pairBin = binnings[feature].pairBinOfMainBin
        for b in terms[m].scores.indices { terms[m].scores[b] += shares[pairBin[b]] }
      }
    }
    for t in terms.indices where terms[t].features.count == 1 {
      let sw = terms[t].weights.reduce(0, +)
      guard sw > 0 else { continue }
      let mean = zip(terms[t].weights, terms[t].scores).reduce(0) { $0 + $1.0 * $1.1 } / sw
      for b in terms[t].scores.indices { terms[t].scores[b] = terms[t].weights[b] > 0 ? terms[t].scores[b] - mean : 0 }
      intercept += mean
    }
  }
}

// MARK: - The boosting loop

/// How a term's cells are laid out: one feature's main bins (`ordered`: numeric, so splits keep bin order and bin 0,
/// missing, is a leaf of its own), or two features' pair bins, row-major.
struct TermLayout: Sendable {
  var features: [Int]
  var cellCount: Int
  var widths: [Int]
  var ordered: Bool
}

/// A bag's rows: those it boosts on and those it stops on.
struct BagRows: Sendable {
  var train: [Int32]
  var valid: [Int32]
}

/// A term's cell for each of a bag's training and validation rows.
struct Cells: Sendable {
  var train: [Int32]
  var valid: [Int32]

  init(_ bins: [Int32], _ rows: BagRows) {
    train = rows.train.map { bins[Int($0)] }
    valid = rows.valid.map { bins[Int($0)] }
  }

  init(pair a: [Int32], _ c: [Int32], width: Int, _ rows: BagRows) {
    let w = Int32(width)
    train = rows.train.map { a[Int($0)] * w + c[Int($0)] }
    valid = rows.valid.map { a[Int($0)] * w + c[Int($0)] }
  }
}

/// The result of boosting one stage in one bag: its intercept, the term tables at the lowest validation loss.
struct Stage: Sendable {
  var intercept: Double
  var tables: [[Double]]
  var cycles: Int
  var validationLoss: Double
}

struct Problem: Sendable {
  let y: [Double]
  let w: [Double]
  let regression: Bool
  let options: ExplainableBoostingMachine.Options

  /// Bag b's rows: a seeded shuffle of each class (of all rows, for regression), `validationShare` of each held out.
  func split(rows n: Int, bag: Int) -> BagRows {
    var random = SeededRandom(seed: options.seed, stream: bag)
    let groups: [[Int32]] = regression ? [Array(0..<Int32(n))] : [0.0, 1.0].map { c in (0..<Int32(n)).filter { y[Int($0)] == c } }
    var train: [Int32] = [], valid: [Int32] = []
    for var group in groups {
      group.shuffle(using: &random)
      let held = Int((Double(group.count) * options.validationShare).rounded())
      valid += group[..<held]
      train += group[held...]
    }
    train.sort()
    valid.sort()
    return BagRows(train: train, valid: valid)
  }

  /// The stage's starting score: the weighted base rate's log-odds, or the weighted mean.
  func baseScore(_ rows: [Int32]) -> Double {
    var sw = 0.0, swy = 0.0
    for r in rows { sw += w[Int(r)]; swy += w[Int(r)] * y[Int(r)] }
    guard sw > 0 else { return 0 }
    if regression { return swy / sw }
    let p = min(max(swy / sw, 1e-12), 1 - 1e-12)
    return log(p / (1 - p))
  }

  /// The margins of `rows` rows under a stage's tables, given each term's cell per row.
  func margins(stage: Stage, cells: [[Int32]], rows: Int) -> [Double] {
    var f = [Double](repeating: stage.intercept, count: rows)
    for (t, cell) in cells.enumerated() { for i in 0..<rows { f[i] += stage.tables[t][Int(cell[i])] } }
    return f
  }

  func loss(_ f: [Double], _ rows: [Int32]) -> Double {
    var total = 0.0, sw = 0.0
    for (i, r) in rows.enumerated() {
      let (yi, wi, m) = (y[Int(r)], w[Int(r)], f[i])
      if regression {
        total += wi * (m - yi) * (m - yi)
      } else {
        total += wi * ((m > 0 ? m + log1p(exp(-m)) : log1p(exp(m))) - yi * m)
      }
      sw += wi
    }
    return sw > 0 ? total / sw : 0
  }

  /// Boosts `terms` round-robin on the bag's training rows until the validation loss stops improving. `start`: the
  /// frozen stage (and its cells) the margins begin from; nil starts at the base score.
  func boost(terms: [TermLayout], cells: [Cells], rows: BagRows, start: (Stage, [Cells])?) -> Stage {
    let n = rows.train.count, m = rows.valid.count
    let intercept = start?.0.intercept ?? baseScore(rows.train)
    var fTrain = start.map { margins(stage: $0.0, cells: $0.1.map(\.train), rows: n) } ?? [Double](repeating: intercept, count: n)
    var fValid = start.map { margins(stage: $0.0, cells: $0.1.map(\.valid), rows: m) } ?? [Double](repeating: intercept, count: m)
    let yTrain = rows.train.map { y[Int($0)] }, wTrain = rows.train.map { w[Int($0)] }
    // The state a step reads: e^margin (classification) or margin − y (regression).
    var state = regression ? zip(fTrain, yTrain).map { $0 - $1 } : fTrain.map { exp($0) }
    fTrain = []
    let counts = zip(terms, cells).map { term, cells in
      var c = [Int32](repeating: 0, count: term.cellCount)
      for cell in cells.train { c[Int(cell)] += 1 }
      return c
    }
    var tables = terms.map { [Double](repeating: 0, count: $0.cellCount) }
    var cycleDelta = tables
    var best = tables, lowest = loss(fValid, rows.valid), reference = lowest, sinceImprovement = 0, cycles = 0
    var histogram = [Double](repeating: 0, count: 2 * (terms.map(\.cellCount).max() ?? 0))
    var pendingCells: [Int32]? = nil
    var pendingFactor: [Double] = []
    let lr = options.learningRate
    for cycle in 1...options.maxRounds {
      cycles = cycle
      for t in terms.indices {
        let cellCount = terms[t].cellCount
        for k in 0..<(2 * cellCount) { histogram[k] = 0 }
        accumulate(&state, &histogram, cells: cells[t].train, pendingCells: pendingCells, pendingFactor: pendingFactor, y: yTrain, w: wTrain)
        var update = terms[t].features.count == 1
          ? fitMain(histogram, counts[t], ordered: terms[t].ordered)
          : fitPair(histogram, counts[t], rows: terms[t].widths[0], columns: terms[t].widths[1])
        for k in update.indices { update[k] *= lr; tables[t][k] += update[k]; cycleDelta[t][k] += update[k] }
        pendingCells = cells[t].train
        pendingFactor = regression ? update : update.map { exp($0) }
      }
      for t in terms.indices {
        let cell = cells[t].valid
        cycleDelta[t].withUnsafeBufferPointer { delta in
          for i in 0..<m { fValid[i] += delta[Int(cell[i])] }
        }
        for k in cycleDelta[t].indices { cycleDelta[t][k] = 0 }
      }
      let current = loss(fValid, rows.valid)
      if current < lowest { lowest = current; best = tables }
      if current < reference - options.earlyStoppingTolerance * abs(reference) {
        reference = current
        sinceImprovement = 0
      } else {
        sinceImprovement += 1
        if sinceImprovement >= options.earlyStoppingRounds { break }
      }
    }
    return Stage(intercept: intercept, tables: best, cycles: cycles, validationLoss: lowest)
  }

  /// One pass over the training rows: applies the previous step's update to each row's state, then adds the row's
  /// gradient and hessian to its cell of `histogram` (gradient at 2k, hessian at 2k + 1).
  func accumulate(_ state: inout [Double], _ histogram: inout [Double], cells: [Int32], pendingCells: [Int32]?, pendingFactor: [Double], y: [Double], w: [Double]) {
    let regression = self.regression
    state.withUnsafeMutableBufferPointer { s in
      histogram.withUnsafeMutableBufferPointer { h in
        cells.withUnsafeBufferPointer { cell in
          y.withUnsafeBufferPointer { y in
            w.withUnsafeBufferPointer { w in
              pendingFactor.withUnsafeBufferPointer { factor in
                let pending = pendingCells ?? []
                pending.withUnsafeBufferPointer { previous in
                  let apply = !previous.isEmpty
                  for i in 0..<s.count {
                    if apply {
                      if regression { s[i] += factor[Int(previous[i])] } else { s[i] *= factor[Int(previous[i])] }
                    }
                    let k = 2 * Int(cell[i])
                    if regression {
                      h[k] += s[i] * w[i]
                      h[k + 1] += w[i]
                    } else {
                      let p = 1 / (1 + 1 / s[i])
                      h[k] += (p - y[i]) * w[i]
                      h[k + 1] += p * (1 - p) * w[i]
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// A Newton step (unshrunk) per main bin: a numeric feature's missing bin on its own, the other bins split into at
  /// most `maxLeaves` runs — in bin order for a numeric feature, by gradient ratio for a categorical one — greedily,
  /// the split of largest gain first.
  func fitMain(_ histogram: [Double], _ counts: [Int32], ordered: Bool) -> [Double] {
    let cellCount = counts.count
    var update = [Double](repeating: 0, count: cellCount)
    func step(_ g: Double, _ h: Double) -> Double { h > options.minHessian ? -g / h : 0 }
    var order: [Int]
    if ordered {
      update[0] = counts[0] > 0 ? step(histogram[0], histogram[1]) : 0
      order = Array(1..<cellCount)
    } else {
      order = (1..<cellCount).filter { counts[$0] > 0 }
      let smoothing = options.categorySmoothing
      order.sort { a, b in
        let ra = histogram[2 * a] / (histogram[2 * a + 1] + smoothing), rb = histogram[2 * b] / (histogram[2 * b + 1] + smoothing)
        return ra < rb || (ra == rb && a < b)
      }
    }
    guard !order.isEmpty else { return update }
    // Prefix sums along the order: gradient, hessian, count.
    var pg = [Double](repeating: 0, count: order.count + 1), ph = pg, pc = [Int](repeating: 0, count: order.count + 1)
    for (i, c) in order.enumerated() { pg[i + 1] = pg[i] + histogram[2 * c]; ph[i + 1] = ph[i] + histogram[2 * c + 1]; pc[i + 1] = pc[i] + Int(counts[c]) }
    let minLeaf = options.minSamplesLeaf, minHessian = options.minHessian
    func score(_ lo: Int, _ hi: Int) -> Double { let h = ph[hi] - ph[lo]; return h > 0 ? (pg[hi] - pg[lo]) * (pg[hi] - pg[lo]) / h : 0 }
    /// The best split point of run lo..<hi and its gain.
    func bestSplit(_ lo: Int, _ hi: Int) -> (Int, Double)? {
      var found: (Int, Double)?
      let whole = score(lo, hi)
      for s in (lo + 1)..<max(hi, lo + 1) {
        guard pc[s] - pc[lo] >= minLeaf, pc[hi] - pc[s] >= minLeaf, ph[s] - ph[lo] >= minHessian, ph[hi] - ph[s] >= minHessian else { continue }
        let gain = score(lo, s) + score(s, hi) - whole
        if gain > (found?.1 ?? 1e-12) { found = (s, gain) }
      }
      return found
    }
    var runs: [(lo: Int, hi: Int, split: (Int, Double)?)] = [(0, order.count, bestSplit(0, order.count))]
    while runs.count < options.maxLeaves {
      guard let i = runs.indices.filter({ runs[$0].split != nil }).max(by: { runs[$0].split!.1 < runs[$1].split!.1 }) else { break }
      let (lo, hi, split) = runs[i]
      let s = split!.0
      runs[i] = (lo, s, bestSplit(lo, s))
      runs.append((s, hi, bestSplit(s, hi)))
    }
    for run in runs {
      let value = step(pg[run.hi] - pg[run.lo], ph[run.hi] - ph[run.lo])
      for p in run.lo..<run.hi { update[order[p]] = value }
    }
    return update
  }

  /// A Newton step (unshrunk) per pair cell from the best tree that cuts one feature, then the other on each side
  /// (each side may stay whole): up to four leaves; zero when no cut gains.
  func fitPair(_ histogram: [Double], _ counts: [Int32], rows: Int, columns: Int) -> [Double] {
    let (pg, ph, pc) = prefixSums(histogram, counts, rows: rows, columns: columns)
    func at(_ p: [Double], _ i: Int, _ j: Int) -> Double { i < 0 || j < 0 ? 0 : p[i * columns + j] }
    func count(_ i: Int, _ j: Int) -> Int { i < 0 || j < 0 ? 0 : pc[i * columns + j] }
    let minLeaf = options.minSamplesLeaf, minHessian = options.minHessian
    func score(_ g: Double, _ h: Double) -> Double { h > 0 ? g * g / h : 0 }
    let totalG = at(pg, rows - 1, columns - 1), totalH = at(ph, rows - 1, columns - 1)
    // Region sums: rows r0...r1, columns c0...c1.
    func region(_ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int) -> (Double, Double, Int) {
      let g = at(pg, r1, c1) - at(pg, r0 - 1, c1) - at(pg, r1, c0 - 1) + at(pg, r0 - 1, c0 - 1)
      let h = at(ph, r1, c1) - at(ph, r0 - 1, c1) - at(ph, r1, c0 - 1) + at(ph, r0 - 1, c0 - 1)
      let c = count(r1, c1) - count(r0 - 1, c1) - count(r1, c0 - 1) + count(r0 - 1, c0 - 1)
      return (g, h, c)
    }
    func valid(_ s: (Double, Double, Int)) -> Bool { s.2 >= minLeaf && s.1 >= minHessian }
    // For a side (a band of rows, or of columns), its best inner cut (−1: none) and score.
    typealias Best = (gain: Double, first: Int, left: Int, right: Int)
    var best: Best? = nil, bestTransposed = false
    for transposed in [false, true] {
      let outer = transposed ? columns : rows, inner = transposed ? rows : columns
      func band(_ o0: Int, _ o1: Int, _ i0: Int, _ i1: Int) -> (Double, Double, Int) { transposed ? region(i0, i1, o0, o1) : region(o0, o1, i0, i1) }
      func side(_ o0: Int, _ o1: Int) -> (Double, Int)? {
        let whole = band(o0, o1, 0, inner - 1)
        guard valid(whole) else { return nil }
        var found = (score(whole.0, whole.1), -1)
        for cut in 0..<(inner - 1) {
          let a = band(o0, o1, 0, cut), b = band(o0, o1, cut + 1, inner - 1)
          guard valid(a), valid(b) else { continue }
          let s = score(a.0, a.1) + score(b.0, b.1)
          if s > found.0 { found = (s, cut) }
        }
        return found
      }
      for cut in 0..<(outer - 1) {
        guard let l = side(0, cut), let r = side(cut + 1, outer - 1) else { continue }
        let gain = l.0 + r.0 - score(totalG, totalH)
        if gain > (best?.gain ?? 1e-12) { best = (gain, cut, l.1, r.1); bestTransposed = transposed }
      }
    }
    var update = [Double](repeating: 0, count: rows * columns)
    guard let best else { return update }
    let outer = bestTransposed ? columns : rows, inner = bestTransposed ? rows : columns
    for (o0, o1, innerCut) in [(0, best.first, best.left), (best.first + 1, outer - 1, best.right)] {
      for (i0, i1) in innerCut < 0 ? [(0, inner - 1)] : [(0, innerCut), (innerCut + 1, inner - 1)] {
        let s = bestTransposed ? region(i0, i1, o0, o1) : region(o0, o1, i0, i1)
        let value = s.1 > minHessian ? -s.0 / s.1 : 0
        for o in o0...o1 { for i in i0...i1 { update[bestTransposed ? i * columns + o : o * columns + i] = value } }
      }
    }
    return update
  }

  /// FAST's strength of a pair: the gain of its best four-quadrant cut (one cut per feature) under the margins.
  func pairStrength(_ cells: [Int32], margins: [Double], rows: [Int32], widths: (Int, Int)) -> Double {
    let (r, c) = widths
    var histogram = [Double](repeating: 0, count: 2 * r * c), counts = [Int32](repeating: 0, count: r * c)
    for (i, row) in rows.enumerated() {
      let k = Int(cells[i]), (yi, wi) = (y[Int(row)], w[Int(row)])
      if regression {
        histogram[2 * k] += (margins[i] - yi) * wi
        histogram[2 * k + 1] += wi
      } else {
        let p = 1 / (1 + exp(-margins[i]))
        histogram[2 * k] += (p - yi) * wi
        histogram[2 * k + 1] += p * (1 - p) * wi
      }
      counts[k] += 1
    }
    let (pg, ph, pc) = prefixSums(histogram, counts, rows: r, columns: c)
    let G = pg[r * c - 1], H = ph[r * c - 1], N = pc[r * c - 1]
    guard H > 0 else { return 0 }
    var best = 0.0
    for a in 0..<(r - 1) {
      for b in 0..<(c - 1) {
        let g1 = pg[a * c + b], h1 = ph[a * c + b], n1 = pc[a * c + b]
        let g2 = pg[a * c + c - 1] - g1, h2 = ph[a * c + c - 1] - h1, n2 = pc[a * c + c - 1] - n1
        let g3 = pg[(r - 1) * c + b] - g1, h3 = ph[(r - 1) * c + b] - h1, n3 = pc[(r - 1) * c + b] - n1
        let g4 = G - g1 - g2 - g3, h4 = H - h1 - h2 - h3, n4 = N - n1 - n2 - n3
        guard min(n1, n2, n3, n4) >= options.minSamplesLeaf, min(h1, h2, h3, h4) >= options.minHessian else { continue }
        let gain = g1 * g1 / h1 + g2 * g2 / h2 + g3 * g3 / h3 + g4 * g4 / h4 - G * G / H
        best = max(best, gain)
      }
    }
    return best
  }

  /// 2-D inclusive prefix sums of a pair histogram's gradients, hessians and counts.
  func prefixSums(_ histogram: [Double], _ counts: [Int32], rows: Int, columns: Int) -> ([Double], [Double], [Int]) {
    var pg = [Double](repeating: 0, count: rows * columns), ph = pg, pc = [Int](repeating: 0, count: rows * columns)
    for i in 0..<rows {
      var rg = 0.0, rh = 0.0, rc = 0
      for j in 0..<columns {
        let k = i * columns + j
        rg += histogram[2 * k]; rh += histogram[2 * k + 1]; rc += Int(counts[k])
        pg[k] = rg + (i > 0 ? pg[k - columns] : 0)
        ph[k] = rh + (i > 0 ? ph[k - columns] : 0)
        pc[k] = rc + (i > 0 ? pc[k - columns] : 0)
      }
    }
    return (pg, ph, pc)
  }
}
