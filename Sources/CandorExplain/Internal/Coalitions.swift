import CandorCore
import Foundation

/// Weighted coalitions of the varying features: masks (bit j = feature j takes the explained row's value)
/// with their kernel weights; `sampled` marks the ones drawn at random (for the jackknife), with the block
/// each sample (and its complement) belongs to.
struct Coalitions {
  var masks: [[Bool]] = []
  var weights: [Double] = []
  var block: [Int] = []  // −1 for enumerated coalitions

  /// The same coalitions seen by a subset of the players (for explicit feature selection).
  func projected(onto players: [Int]) -> Coalitions {
    var result = self
    result.masks = masks.map { mask in players.map { mask[$0] } }
    return result
  }

  static func binomial(_ n: Int, _ k: Int) -> Double {
    var result = 1.0
    for i in 0..<min(k, n - k) { result = result * Double(n - i) / Double(i + 1) }
    return result
  }

  /// Every coalition except ∅ and the full set, weighted by the Shapley kernel (M−1)/(C(M,s)·s·(M−s)).
  static func enumerated(_ m: Int) -> Coalitions {
    var result = Coalitions()
    for code in 1..<((1 << m) - 1) {
      let mask = (0..<m).map { code & (1 << $0) != 0 }
      let s = mask.filter { $0 }.count
      result.masks.append(mask)
      result.weights.append(Double(m - 1) / (binomial(m, s) * Double(s) * Double(m - s)))
      result.block.append(-1)
    }
    return result
  }

  /// shap 0.51's KernelExplainer budget rule (see the type's documentation).
  static func shapBudget(_ m: Int, nsamples: Int, random: inout SeededRandom, blocks: Int = 10) -> Coalitions {
    var result = Coalitions()
    let subsetSizes = (m - 1 + 1) / 2  // ceil((M−1)/2)
    let pairedSizes = (m - 1) / 2
    var weightVector = (1...max(subsetSizes, 1)).map { Double(m - 1) / (Double($0) * Double(m - $0)) }
    for i in 0..<pairedSizes { weightVector[i] *= 2 }
    let total = weightVector.reduce(0, +)
    weightVector = weightVector.map { $0 / total }
    var fullSizes = 0
    var samplesLeft = nsamples
    var remaining = weightVector
    for size in 1...max(subsetSizes, 1) where size <= subsetSizes {
      var subsets = binomial(m, size)
      let paired = size <= pairedSizes
      if paired { subsets *= 2 }
      guard Double(samplesLeft) * remaining[size - 1] / subsets >= 1 - 1e-8 else { break }
      fullSizes += 1
      samplesLeft -= Int(subsets)
      if remaining[size - 1] < 1 {
        let scale = 1 - remaining[size - 1]
        remaining = remaining.map { $0 / scale }
      }
      var w = weightVector[size - 1] / binomial(m, size)
      if paired { w /= 2 }
      for combination in combinations(m, size) {
        var mask = [Bool](repeating: false, count: m)
        for j in combination { mask[j] = true }
        result.masks.append(mask)
        result.weights.append(w)
        result.block.append(-1)
        if paired {
          result.masks.append(mask.map { !$0 })
          result.weights.append(w)
          result.block.append(-1)
        }
      }
    }
    let fixedCount = result.masks.count
    if fullSizes != subsetSizes && samplesLeft > 0 {
      var sampling = weightVector
      for i in 0..<pairedSizes { sampling[i] /= 2 }
      sampling = Array(sampling[fullSizes...])
      let mass = sampling.reduce(0, +)
      sampling = sampling.map { $0 / mass }
      // Masks as bit patterns (m ≤ 64 here: more players cannot be sampled meaningfully anyway).
      func key(_ mask: [Bool]) -> [UInt64] {
        var words = [UInt64](repeating: 0, count: (m + 63) / 64)
        for (j, bit) in mask.enumerated() where bit { words[j / 64] |= 1 << UInt64(j % 64) }
        return words
      }
      var used: [[UInt64]: Int] = [:]
      var attempts = 0
      while samplesLeft > 0 && attempts < 4 * max(samplesLeft, nsamples) {
        attempts += 1
        var u = random.nextUniform(), index = 0
        while index < sampling.count - 1 && u >= sampling[index] { u -= sampling[index]; index += 1 }
        let size = index + fullSizes + 1
        var order = Array(0..<m)
        order.shuffle(using: &random)
        var mask = [Bool](repeating: false, count: m)
        for j in order.prefix(size) { mask[j] = true }
        let block = attempts % blocks
        var isNew = false
        let maskKey = key(mask)
        if let position = used[maskKey] {
          result.weights[position] += 1
        } else {
          isNew = true
          used[maskKey] = result.masks.count
          result.masks.append(mask)
          result.weights.append(1)
          result.block.append(block)
          samplesLeft -= 1
        }
        if samplesLeft > 0 && size <= pairedSizes {
          if isNew {
            result.masks.append(mask.map { !$0 })
            result.weights.append(1)
            result.block.append(block)
            samplesLeft -= 1
          } else {
            result.weights[used[maskKey]! + 1] += 1
          }
        }
      }
      // The sampled coalitions share the kernel mass the enumerated sizes left over.
      let left = weightVector[fullSizes...].reduce(0, +)
      let sampledTotal = result.weights[fixedCount...].reduce(0, +)
      for i in fixedCount..<result.weights.count { result.weights[i] *= left / sampledTotal }
    }
    return result
  }

  static func combinations(_ n: Int, _ k: Int) -> [[Int]] {
    var result: [[Int]] = []
    var current: [Int] = []
    func extend(_ start: Int) {
      if current.count == k { result.append(current); return }
      if start >= n { return }
      for i in start..<n {
        current.append(i)
        extend(i + 1)
        current.removeLast()
      }
    }
    extend(0)
    return result
  }
}

/// Sorted member lists (players 0 ..< `players`), list c at `members[start[c] ..< start[c + 1]]`, in two
/// families; the order that visits the first family, then the second, each in lexicographic order — a preorder
/// walk of their trie, in which a list's prefixes come right before it.
struct MemberLists {
  let players: Int
  let members: [Int]
  let start: [Int]
  let secondFamily: [Bool]

  func lexicographicOrder() -> [Int] {
    players <= 62 ? orderByTrieKey() : orderByComparison()
  }

  /// A list's position in a preorder walk of the trie of all sorted lists: stepping from last member p to a
  /// skips the subtrees of p+1 … a−1 (2^(players−1−q) lists each) and the node itself, so numeric order of the
  /// keys is lexicographic order; the top bit puts the second family after the first. Needs players ≤ 62.
  func orderByTrieKey() -> [Int] {
    var keyed = [(key: UInt64, list: Int)]()
    keyed.reserveCapacity(secondFamily.count)
    for c in secondFamily.indices {
      var key: UInt64 = secondFamily[c] ? 1 << 63 : 0, previous = -1
      for member in members[start[c]..<start[c + 1]] {
        for q in (previous + 1)..<member { key += 1 << UInt64(players - 1 - q) }
        key += 1
        previous = member
      }
      keyed.append((key, c))
    }
    keyed.sort { $0.key < $1.key }
    return keyed.map(\.list)
  }

  func orderByComparison() -> [Int] {
    secondFamily.indices.sorted { x, y in
      if secondFamily[x] != secondFamily[y] { return !secondFamily[x] }
      return members[start[x]..<start[x + 1]].lexicographicallyPrecedes(members[start[y]..<start[y + 1]])
    }
  }
}
