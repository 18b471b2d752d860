import CandorCore
import CandorModels

/// Scores `table` with `model` as a command would and checks the answer: a `ModelError` or `TableError` is a
/// correct refusal; otherwise one row per table row, the columns the output kind promises, probabilities in
/// [0, 1], and a multiclass row of finite probabilities summing to 1 (within 1e-9).
func checkScores(of model: any Model, on table: Table) {
  let scores: Matrix
  do {
    scores = try model.predict(table)
  } catch is ModelError {
    return
  } catch is TableError {
    return
  } catch {
    fail("predicting threw \(error)")
  }
  let columns = model.outputKind == .multiclassProbabilities ? model.classes.count : 1
  require(scores.rows == table.rowCount && scores.columns == columns,
          "\(scores.rows)×\(scores.columns) scores for \(table.rowCount) rows of a \(model.outputKind) model")
  guard model.outputKind != .regression else { return }
  for p in scores.storage where !p.isNaN { require(p >= 0 && p <= 1, "probability \(p)") }
  guard model.outputKind == .multiclassProbabilities else { return }
  for r in 0..<scores.rows {
    let row = (0..<scores.columns).map { scores[r, $0] }
    if row.allSatisfy(\.isFinite) { require(abs(row.reduce(0, +) - 1) < 1e-9, "a row's probabilities sum to \(row.reduce(0, +))") }
  }
}
