import CKernels
import CandorCore
import CandorModels
import Foundation

extension KernelSHAP {
  /// One explained row: varying features, coalitions, one batched model call, the constrained regression.
  /// - Parameter fx: the model's outputs on the explained row.
  static func explainRow(model: any Model, source: Table, explained: Int, backgroundCount: Int, groupColumns: [[Int]],
                         nsamples: Int, link: Link, random: SeededRandom, row: Int, fx: [Double], meanBackground: [Double], backgroundWeights: [Double],
                         encoded: EncodedSource?, tolerance: Double? = nil, maxFeatures: Int? = nil) throws -> RowExplanation {
    var random = random
    let m = groupColumns.count
    let outputCount = fx.count
    // A feature whose value equals every background row's, or that the model does not read, cannot change v:
    // φ = 0 exactly, and it is left out of the regression.
    let read = Set(model.featureNames).subtracting(model.unreadFeatureNames)
    let varying = (0..<m).filter { j in
      groupColumns[j].contains { c in
        guard read.contains(source.columns[c].name) else { return false }
        return (0..<backgroundCount).contains { b in differs(source.columns[c], b, explained) }
      }
    }
    let v = varying.count
    guard v > 0 else {
      let zeros = [[Double]](repeating: [Double](repeating: 0, count: m), count: outputCount)
      return RowExplanation(row: row, prediction: fx, values: zeros, stdErrors: zeros, stoppedBy: .exact)
    }
    // With a tolerance, start small and double the coalitions until every standard error is below it or the
    // budget is spent.
    var budget = tolerance == nil ? nsamples : min(nsamples, max(256, 4 * (v + 2)))
    while true {
      let (values, errors, exact) = try estimate(budget: budget)
      let largest = errors.flatMap { $0 }.max() ?? 0
      if let tolerance, !exact, largest > tolerance, budget < nsamples {
        budget = min(2 * budget, nsamples)
        continue
      }
      let stoppedBy: StoppingRule = exact ? .exact : (tolerance.map { largest <= $0 } ?? false) ? .tolerance : .budget
      return RowExplanation(row: row, prediction: fx, values: values, stdErrors: errors, stoppedBy: stoppedBy)
    }

    func estimate(budget nsamples: Int) throws -> (values: [[Double]], errors: [[Double]], exact: Bool) {
    var values = [[Double]](repeating: [Double](repeating: 0, count: m), count: outputCount)
    var errors = values
    let exact = v < 31 && (1 << v) - 2 <= nsamples
    let coalitions = exact ? Coalitions.enumerated(v) : Coalitions.shapBudget(v, nsamples: nsamples, random: &random)
    let count = coalitions.masks.count
    // v(S) per output and coalition, after the link: the background-weighted mean prediction over the
    // synthetic rows of coalition c (row c·B + b takes each raw feature from the explained row or from
    // background row b).
    var coalitionValues: [[Double]]
    if let encoded {
      coalitionValues = firstLayerAverages(encoded, coalitions: coalitions, varying: varying, explained: explained,
                                           backgroundWeights: backgroundWeights, outputCount: outputCount)
    } else {
      coalitionValues = try blackBoxAverages(model: model, source: source, coalitions: coalitions, varying: varying, groupColumns: groupColumns,
                                             explained: explained, backgroundCount: backgroundCount, backgroundWeights: backgroundWeights,
                                             outputCount: outputCount)
    }
    for k in 0..<outputCount { for c in 0..<count { coalitionValues[k][c] = link.apply(coalitionValues[k][c]) } }
    for k in 0..<outputCount {
      let base = link.apply(meanBackground[k]), total = link.apply(fx[k]) - base
      var equations = NormalEquations(coalitions, values: coalitionValues[k], base: base, total: total, v: v)
      var full = try equations.solve(excluding: nil)
      var players = varying
      if let maxFeatures, maxFeatures < v {
        // Explicit feature selection (never silent): keep the K largest |φ| of the full solution and solve
        // again on those alone, the others 0.
        let keep = (0..<v).sorted { abs(full[$0]) > abs(full[$1]) }.prefix(maxFeatures).sorted()
        equations = NormalEquations(coalitions.projected(onto: keep), values: coalitionValues[k], base: base, total: total, v: keep.count)
        full = try equations.solve(excluding: nil)
        players = keep.map { varying[$0] }
      }
      for (i, j) in players.enumerated() { values[k][j] = full[i] }
      let blocks = equations.blocks
      if blocks.count > 1 {
        // Jackknife over blocks of sampled coalitions: SE² = (G−1)/G · Σ (φ₋g − φ̄)².
        let leaveOut = try blocks.map { g in try equations.solve(excluding: g) }
        let groups = Double(blocks.count)
        for (i, j) in players.enumerated() {
          let mean = leaveOut.reduce(0) { $0 + $1[i] } / groups
          errors[k][j] = ((groups - 1) / groups * leaveOut.reduce(0) { $0 + ($1[i] - mean) * ($1[i] - mean) }).squareRoot()
        }
      }
    }
    return (values, errors, exact)
    }
  }

  /// The background-weighted mean output per coalition (outputs × coalitions), for a model with a linear first
  /// layer. A synthetic row's first-layer pre-activation is background row b's plus, for each varying player in
  /// the coalition, the difference its slots make when taken from the explained row — or, for coalitions of
  /// more than half the players, the all-explained pre-activation minus the differences of the players left
  /// out. One block holds the B background rows' pre-activations. Coalitions are visited in lexicographic
  /// order of those member lists, keeping the partial sums of the current prefix, so most coalitions cost one
  /// block addition (its prefix is the coalition before it). They go through the model in chunks of about
  /// 2048 synthetic rows, so the pre-activations stay in cache and are averaged as soon as they are scored.
  static func firstLayerAverages(_ encoded: EncodedSource, coalitions: Coalitions, varying: [Int], explained: Int,
                                 backgroundWeights: [Double], outputCount: Int) -> [[Double]] {
    let model = encoded.model, first = encoded.firstLayer
    let width = first.width, slots = encoded.rows.stride, backgroundCount = backgroundWeights.count
    let count = coalitions.masks.count, v = varying.count
    let position = encoded.owner.map { owner -> Int in owner >= 0 ? (varying.firstIndex(of: owner) ?? -2) : -1 }
    // bases[0]: every player from the background (slots of no player from the explained row); bases[1]: every
    // varying player from the explained row. differences[0][p]: what taking p from the explained row adds;
    // differences[1][p]: its negation.
    let block = backgroundCount * width
    var fromBackground = [Double](repeating: 0, count: block)
    var delta = [Double](repeating: 0, count: v * block)
    first.contributions.withUnsafeBufferPointer { contribution in
      for b in 0..<backgroundCount {
        for c in 0..<width { fromBackground[b * width + c] = first.bias[c] }
        for slot in 0..<slots {
          let from = position[slot] == -1 ? explained : b
          let own = (from * slots + slot) * width, mine = (explained * slots + slot) * width, theirs = (b * slots + slot) * width
          for c in 0..<width { fromBackground[b * width + c] += contribution[own + c] }
          if position[slot] >= 0 {
            let target = position[slot] * block + b * width
            for c in 0..<width { delta[target + c] += contribution[mine + c] - contribution[theirs + c] }
          }
        }
      }
    }
    var fromExplained = fromBackground
    for p in 0..<v { for i in 0..<block { fromExplained[i] += delta[p * block + i] } }
    let bases = fromBackground + fromExplained
    let differences = delta + delta.map { -$0 }
    // Member lists (players added to the base), flat, and the visiting order.
    var complement = [Bool](repeating: false, count: count)
    var memberStart = [Int](repeating: 0, count: count + 1)
    var members = [Int]()
    members.reserveCapacity(count * (v + 1) / 2)
    for c in 0..<count {
      let mask = coalitions.masks[c]
      complement[c] = 2 * mask.reduce(0) { $0 + ($1 ? 1 : 0) } > v
      for p in 0..<v where mask[p] != complement[c] { members.append(p) }
      memberStart[c + 1] = members.count
    }
    let order = MemberLists(players: v, members: members, start: memberStart, secondFamily: complement).lexicographicOrder()
    var averages = [[Double]](repeating: [Double](repeating: 0, count: count), count: outputCount)
    let chunk = max(1, 2048 / max(backgroundCount, 1))
    // The prefix sums: level[d] = base + the first d members of `path`, in ownLevels (slot d) or in a row of
    // the current chunk.
    var ownLevels = [Double](repeating: 0, count: (v + 1) * block)
    var path = [Int](repeating: 0, count: v + 1)
    var level = [UnsafePointer<Double>?](repeating: nil, count: v + 1)
    bases.withUnsafeBufferPointer { bases in
      differences.withUnsafeBufferPointer { differences in
        ownLevels.withUnsafeMutableBufferPointer { ownLevels in
          for start in stride(from: 0, to: count, by: chunk) {
            let end = min(count, start + chunk)
            let z = Matrix(rows: (end - start) * backgroundCount, columns: width) { out in
              var depth = 0, family = -1
              for i in start..<end {
                let c = order[i], f = complement[c] ? 1 : 0
                let list = members[memberStart[c]..<memberStart[c + 1]]
                let target = out.baseAddress! + (i - start) * block
                if f != family {
                  family = f
                  level[0] = bases.baseAddress! + f * block
                  depth = 0
                }
                guard let last = list.last else {
                  target.update(from: level[0]!, count: block)
                  continue
                }
                // Reuse the common prefix, add the rest but the last member into own levels, the last into the row.
                var common = 0
                while common < depth && common < list.count - 1 && path[common] == list[list.startIndex + common] { common += 1 }
                for d in common..<(list.count - 1) {
                  let next = ownLevels.baseAddress! + (d + 1) * block
                  let member = list[list.startIndex + d]
                  addVectors(level[d]!, differences.baseAddress! + (f * v + member) * block, into: next, block)
                  level[d + 1] = UnsafePointer(next)
                  path[d] = member
                }
                addVectors(level[list.count - 1]!, differences.baseAddress! + (f * v + last) * block, into: target, block)
                level[list.count] = UnsafePointer(target)
                path[list.count - 1] = last
                depth = list.count
              }
            }
            let output = model.output(fromFirstLayer: z)
            output.storage.withUnsafeBufferPointer { predictions in
              for k in 0..<outputCount {
                for i in start..<end {
                  var sum = 0.0
                  let first = (i - start) * backgroundCount
                  for b in 0..<backgroundCount { sum += backgroundWeights[b] * predictions[(first + b) * outputCount + k] }
                  averages[k][order[i]] = sum
                }
              }
            }
          }
        }
      }
    }
    return averages
  }

  /// target = x + y over `count` doubles: CKernels' AVX2 loop where the CPU has it (four lanes; Swift's SIMD4 is two
  /// SSE2 lanes on baseline x86-64), the same bits as the scalar sum.
  @inline(__always) static func addVectors(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, into target: UnsafeMutablePointer<Double>,
                                           _ count: Int) {
    candor_add_doubles(x, y, target, count, 0)
  }

  /// Whether rows a and b of a column hold different values (two missing cells are the same), by value: numbers
  /// compared as numbers, categories by code.
  @inline(__always) static func differs(_ column: Column, _ a: Int, _ b: Int) -> Bool {
    switch column {
    case let .numeric(numeric):
      let x = numeric.values[a], y = numeric.values[b]
      return x != y && !(x.isNaN && y.isNaN)
    case let .categorical(categorical):
      return categorical.codes[a] != categorical.codes[b]
    }
  }

  /// The background-weighted mean output per coalition (outputs × coalitions) for any model, from one model call.
  ///
  /// The synthetic row of coalition S and background row b takes each varying player from the explained row x
  /// when it is in S, else from b. A player on which x and b agree gives the same row either way, so the row is
  /// fixed by S ∩ D_b, D_b being the players where b differs from x: each distinct (b, S ∩ D_b) is built and
  /// scored once (on Adult about 8 of 13 features differ, so 2,048 coalitions need about 256 rows per
  /// background row), and only the columns the model reads are gathered. Coalitions are bitsets for the
  /// lookup (v ≤ 64; more players are scored without it).
  static func blackBoxAverages(model: any Model, source: Table, coalitions: Coalitions, varying: [Int], groupColumns: [[Int]],
                               explained: Int, backgroundCount: Int, backgroundWeights: [Double], outputCount: Int) throws -> [[Double]] {
    let count = coalitions.masks.count, v = varying.count
    // Per source column: the index of the varying player that owns it, −1 for a column of no player (always the
    // explained row's), −2 for a column of a player that does not vary (equal to x, or not read: b's).
    var owner = [Int](repeating: -1, count: source.columns.count)
    for (j, columns) in groupColumns.enumerated() {
      let index = varying.firstIndex(of: j) ?? -2
      for c in columns { owner[c] = index }
    }
    let read = Set(model.featureNames)
    let gathered = source.columns.indices.filter { read.contains(source.columns[$0].name) }
    // Each distinct synthetic row as (background row, a coalition that makes it); rowOf[c·B + b] is its index.
    var rowOf = [Int32](repeating: 0, count: count * backgroundCount)
    var uniqueBackground: [Int32] = [], uniqueCoalition: [Int32] = []
    let masks = v <= 64 ? coalitions.masks.map { mask in mask.enumerated().reduce(UInt64(0)) { $1.element ? $0 | 1 << UInt64($1.offset) : $0 } } : []
    if v <= 64 {
      var slotOf = [Int32](repeating: -1, count: 1 << min(v, 16))
      let maskBytes = (v + 7) / 8
      var packing = [Int](repeating: 0, count: maskBytes * 256)
      for b in 0..<backgroundCount {
        let bits = (0..<v).filter { i in groupColumns[varying[i]].contains { differs(source.columns[$0], b, explained) } }
        func add(_ c: Int) -> Int32 {
          uniqueBackground.append(Int32(b))
          uniqueCoalition.append(Int32(c))
          return Int32(uniqueCoalition.count - 1)
        }
        if bits.count <= 16 {
          // S ∩ D_b packed into |D_b| bits indexes a dense table; the packing is a lookup per byte of the mask.
          for k in 0..<(1 << bits.count) { slotOf[k] = -1 }
          for k in packing.indices { packing[k] = 0 }
          for (position, bit) in bits.enumerated() {
            let base = (bit / 8) * 256, flag = 1 << (bit % 8)
            for value in 0..<256 where value & flag != 0 { packing[base + value] |= 1 << position }
          }
          for c in 0..<count {
            var packed = 0, mask = masks[c]
            for byte in 0..<maskBytes {
              packed |= packing[byte * 256 + Int(mask & 0xFF)]
              mask >>= 8
            }
            if slotOf[packed] < 0 { slotOf[packed] = add(c) }
            rowOf[c * backgroundCount + b] = slotOf[packed]
          }
        } else {
          let differing = bits.reduce(UInt64(0)) { $0 | 1 << UInt64($1) }
          var seen: [UInt64: Int32] = [:]
          for c in 0..<count {
            let key = masks[c] & differing
            if let slot = seen[key] {
              rowOf[c * backgroundCount + b] = slot
            } else {
              let slot = add(c)
              seen[key] = slot
              rowOf[c * backgroundCount + b] = slot
            }
          }
        }
      }
    } else {
      for c in 0..<count {
        for b in 0..<backgroundCount {
          rowOf[c * backgroundCount + b] = Int32(uniqueCoalition.count)
          uniqueBackground.append(Int32(b))
          uniqueCoalition.append(Int32(c))
        }
      }
    }
    var columns: [Column] = []
    columns.reserveCapacity(gathered.count)
    for index in gathered {
      let player = owner[index]
      let gather = (0..<uniqueCoalition.count).map { u in
        let c = Int(uniqueCoalition[u])
        let fromExplained = player == -1 || (player >= 0 && (v <= 64 ? masks[c] & (1 << UInt64(player)) != 0 : coalitions.masks[c][player]))
        return fromExplained ? explained : Int(uniqueBackground[u])
      }
      columns.append(source.columns[index].selecting(gather))
    }
    let predictions = try model.predict(try Table(columns: columns, source: source.source))
    var values = [[Double]](repeating: [Double](repeating: 0, count: count), count: outputCount)
    predictions.storage.withUnsafeBufferPointer { scores in
      for k in 0..<outputCount {
        for c in 0..<count {
          var sum = 0.0
          for b in 0..<backgroundCount { sum += backgroundWeights[b] * scores[Int(rowOf[c * backgroundCount + b]) * outputCount + k] }
          values[k][c] = sum
        }
      }
    }
    return values
  }
}

/// The weighted least squares with Σφ = total, by eliminating the last player (shap's `solve`):
/// y_S − z_{S,last}·total = Σ_{j<last} (z_{S,j} − z_{S,last})·φ_j, solved from the normal equations, which are
/// sums over coalitions: accumulated per jackknife block once, a leave-one-block-out system is the total minus
/// that block's part. Holds Σ w·zzᵀ and Σ w·z·y, overall and per block (flat arrays, block-major).
struct NormalEquations {
  let unknowns: Int
  let total: Double
  var gram: [Double]
  var rightHandSide: [Double]
  /// The jackknife blocks that hold coalitions, and their sums at block·n² and block·n.
  var blocks: [Int] = []
  var blockGram: [Double] = []
  var blockRightHandSide: [Double] = []

  init(_ coalitions: Coalitions, values: [Double], base: Double, total: Double, v: Int) {
    unknowns = v - 1
    self.total = total
    let n = max(unknowns, 0)
    gram = [Double](repeating: 0, count: n * n)
    rightHandSide = [Double](repeating: 0, count: n)
    guard n > 0 else { return }
    let blockCount = (coalitions.block.max() ?? -1) + 1
    blockGram = [Double](repeating: 0, count: blockCount * n * n)
    blockRightHandSide = [Double](repeating: 0, count: blockCount * n)
    // The coalitions of each jackknife block (slot 0: the enumerated ones, in no block), then per block one
    // weighted Gram matrix (DSYRK) and one GEMV for Σ w·z·y.
    var coalitionsOf = [[Int]](repeating: [], count: blockCount + 1)
    for c in coalitions.masks.indices { coalitionsOf[coalitions.block[c] + 1].append(c) }
    for (slot, members) in coalitionsOf.enumerated() where !members.isEmpty {
      var z = Matrix(rows: members.count, columns: n)
      var weights = [Double](repeating: 0, count: members.count), weightedTargets = weights
      for (i, c) in members.enumerated() {
        let mask = coalitions.masks[c]
        let last = mask[v - 1] ? 1.0 : 0.0
        for j in 0..<n { z[i, j] = (mask[j] ? 1 : 0) - last }
        weights[i] = coalitions.weights[c]
        weightedTargets[i] = weights[i] * (values[c] - base - last * total)
      }
      let blockGramMatrix = weights.withUnsafeBufferPointer { z.weightedGram($0) }
      var blockSums = [Double](repeating: 0, count: n)
      weightedTargets.withUnsafeBufferPointer { x in
        blockSums.withUnsafeMutableBufferPointer { y in z.multiply(x, transpose: .transposed, into: y) }
      }
      for k in 0..<(n * n) { gram[k] += blockGramMatrix.storage[k] }
      for k in 0..<n { rightHandSide[k] += blockSums[k] }
      if slot > 0 {
        let block = slot - 1
        for k in 0..<(n * n) { blockGram[block * n * n + k] = blockGramMatrix.storage[k] }
        for k in 0..<n { blockRightHandSide[block * n + k] = blockSums[k] }
      }
    }
    blocks = (0..<blockCount).filter { !coalitionsOf[$0 + 1].isEmpty }
  }

  /// φ for every player (the last from the constraint), without `excluding`'s coalitions when given.
  func solve(excluding block: Int?) throws -> [Double] {
    if unknowns == 0 { return [total] }
    var g = gram, r = rightHandSide
    if let block {
      let n = unknowns
      for k in g.indices { g[k] -= blockGram[block * n * n + k] }
      for k in r.indices { r[k] -= blockRightHandSide[block * n + k] }
    }
    let matrix = Matrix(rows: unknowns, columns: unknowns, storage: ContiguousArray(g))
    let solution: [Double]
    do {
      solution = try matrix.solveSymmetricPositiveDefinite(r)
    } catch {
      // Too few distinct coalitions for a full-rank system: a tiny ridge keeps it solvable.
      var damped = matrix
      for i in 0..<unknowns { damped[i, i] += 1e-12 }
      solution = try damped.solveSymmetricPositiveDefinite(r)
    }
    return solution + [total - solution.reduce(0, +)]
  }
}
