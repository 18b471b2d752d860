"""Fairness metrics: Candor (`candor fairness`) vs Fairlearn's MetricFrame, same run, same input.

1. The 11 metrics (count, selection_rate, accuracy, balanced_accuracy, TPR, FPR, FNR, TNR, precision, roc_auc,
   log_loss) for sensitive sets sex, race and sex|race, with every aggregate (group min/max, differences and ratios)
   and the named disparities, on the Adult test predictions replicated to 1,000,000 rows. Both sides read the CSV.
2. The same with 200 bootstrap replicates (95% intervals) on the original 16,281 rows. Fairlearn resamples all rows
   (MetricFrame n_boot=200); Candor resamples within groups.
Fair baseline for 1 (what a performance-minded pandas user writes): one read, per set one groupby().sum() of the
confusion indicators and log-loss terms, ROC AUC from within-group average ranks (Mann-Whitney), every metric,
aggregate and disparity from those sums. It is asserted to equal Candor's JSON (and Fairlearn) to 1e-9.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd
from fairlearn.metrics import (MetricFrame, count, demographic_parity_difference, equalized_odds_difference,
                               false_negative_rate, false_positive_rate, selection_rate, true_negative_rate,
                               true_positive_rate)
from sklearn.metrics import accuracy_score, balanced_accuracy_score, log_loss, precision_score, roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from harness import CSV_ENGINE, ROOT, best_of, interleaved, report, run_candor  # noqa: E402

warnings.filterwarnings("ignore")
SOURCE = os.path.join(ROOT, "Tests", "Fixtures", "adult_test_predictions.csv")
OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
BIG = os.path.join(OUT, "adult_predictions_1m.csv")
REPEATS = int(os.environ.get("REPEATS", "3"))

if not os.path.exists(BIG):
    frame = pd.read_csv(SOURCE)
    copies = -(-1_000_000 // len(frame))
    pd.concat([frame] * copies, ignore_index=True).iloc[:1_000_000].to_csv(BIG, index=False)

PREDICTION_METRICS = {
    "count": count, "selection_rate": selection_rate, "accuracy": accuracy_score,
    "balanced_accuracy": balanced_accuracy_score, "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate, "false_negative_rate": false_negative_rate,
    "true_negative_rate": true_negative_rate, "precision": lambda y, p: precision_score(y, p, zero_division=0),
}
SCORE_METRICS = {"roc_auc": roc_auc_score, "log_loss": lambda y, s: log_loss(y, s, labels=[0, 1])}
SETS = [["sex"], ["race"], ["sex", "race"]]


def fairlearn_run(path, n_boot=None):
    def run():
        frame = pd.read_csv(path)
        results = []
        for features in SETS:
            sensitive = frame[features]
            kwargs = dict(n_boot=n_boot, ci_quantiles=[0.025, 0.975], random_state=0) if n_boot else {}
            by_pred = MetricFrame(metrics=PREDICTION_METRICS, y_true=frame["y_true"], y_pred=frame["y_pred"],
                                  sensitive_features=sensitive, **kwargs)
            by_score = MetricFrame(metrics=SCORE_METRICS, y_true=frame["y_true"], y_pred=frame["y_score"],
                                   sensitive_features=sensitive, **kwargs)
            for mf in (by_pred, by_score):
                results.append((mf.group_min(), mf.group_max(), mf.difference(), mf.difference(method="to_overall"),
                                mf.ratio(), mf.ratio(method="to_overall")))
            results.append(demographic_parity_difference(frame["y_true"], frame["y_pred"], sensitive_features=sensitive))
            results.append(equalized_odds_difference(frame["y_true"], frame["y_pred"], sensitive_features=sensitive))
        return results
    return run


def candor_run(path, *extra):
    def run():
        run_candor("fairness", "--predictions", path, "--target", "y_true", "--pred-column", "y_pred",
                   "--score-column", "y_score", "--sensitive", "sex", "--sensitive", "race", "--sensitive", "sex,race",
                   "--json", os.path.join(OUT, "fairness.json"), *extra)
    return run


AGGREGATES = ["group_min", "group_max", "difference_between_groups", "difference_to_overall", "ratio_between_groups",
              "ratio_to_overall"]


def metrics_from_sums(t):
    """The 11 metrics from summed indicators (a frame of groups, or one row of totals)."""
    positives, negatives, predicted = t.tp + t.fn, t.fp + t.tn, t.tp + t.fp
    tpr, tnr = t.tp / positives, t.tn / negatives
    return {"count": t.n, "selection_rate": predicted / t.n, "accuracy": (t.tp + t.tn) / t.n,
            "balanced_accuracy": (tpr + tnr) / 2, "true_positive_rate": tpr, "false_positive_rate": t.fp / negatives,
            "false_negative_rate": t.fn / positives, "true_negative_rate": tnr,
            "precision": t.tp / np.maximum(predicted, 1),  # 0 where nothing is predicted positive, as both libraries
            "roc_auc": (t.rank_sum - positives * (positives + 1) / 2) / (positives * negatives), "log_loss": t.loss / t.n}


def pandas_run(path):
    def run():
        frame = pd.read_csv(path, engine=CSV_ENGINE)
        y, p, s = frame["y_true"].to_numpy() == 1, frame["y_pred"].to_numpy() == 1, frame["y_score"].to_numpy(float)
        terms = pd.DataFrame({"n": 1, "tp": y & p, "fp": ~y & p, "fn": y & ~p, "tn": ~y & ~p,
                              "loss": -np.where(y, np.log(s), np.log1p(-s))})
        overall = metrics_from_sums(terms.assign(rank_sum=frame["y_score"].rank().to_numpy() * y).sum())
        results = {}
        for features in SETS:
            keys = [frame[f] for f in features]
            ranks = frame["y_score"].groupby(keys).rank().to_numpy()
            by_group = metrics_from_sums(terms.assign(rank_sum=ranks * y).groupby(keys).sum())
            out = {"overall": overall, "by_group": by_group, "group_min": {}, "group_max": {}, "difference_between_groups": {},
                   "difference_to_overall": {}, "ratio_between_groups": {}, "ratio_to_overall": {}}
            for name, m in by_group.items():
                low, high, o = m.min(), m.max(), overall[name]
                out["group_min"][name], out["group_max"][name] = low, high
                out["difference_between_groups"][name], out["difference_to_overall"][name] = high - low, (m - o).abs().max()
                out["ratio_between_groups"][name] = low / high if high else 0.0
                out["ratio_to_overall"][name] = np.minimum(m / o, o / m).min()
            d = out["difference_between_groups"]
            out["disparities"] = {"demographic_parity_difference": d["selection_rate"],
                                  "equalized_odds_difference": max(d["true_positive_rate"], d["false_positive_rate"])}
            results["|".join(features)] = out
        return results
    return run


def largest_gap(ours, theirs):
    """Largest |difference| between Candor's JSON and the pandas results over every number both have."""
    gap = 0.0
    for key, set_result in theirs.items():
        mine = ours["sensitive_sets"][key]
        for name, value in set_result["overall"].items():
            gap = max(gap, abs(mine["overall"][name] - value))
        for name, series in set_result["by_group"].items():
            for group, value in series.items():
                label = "|".join(group) if isinstance(group, tuple) else group
                gap = max(gap, abs(mine["by_group"][name][label] - value))
        for aggregate in AGGREGATES:
            for name, value in set_result[aggregate].items():
                gap = max(gap, abs(mine[aggregate][name] - value))
        for name, value in set_result["disparities"].items():
            gap = max(gap, abs(mine["disparities"][name] - value))
    return gap


def fairlearn_gap(fairlearn, theirs):
    """Largest |difference| between Fairlearn's aggregates and disparities and the pandas results."""
    gap, i = 0.0, 0
    for key in ["|".join(f) for f in SETS]:
        for _ in range(2):
            for aggregate, values in zip(AGGREGATES, fairlearn[i]):
                for name, value in values.items():
                    gap = max(gap, abs(theirs[key][aggregate][name] - value))
            i += 1
        gap = max(gap, abs(theirs[key]["disparities"]["demographic_parity_difference"] - fairlearn[i]),
                  abs(theirs[key]["disparities"]["equalized_odds_difference"] - fairlearn[i + 1]))
        i += 2
    return gap


(candor_time, fairlearn_time, pandas_time), (_, fairlearn_results, pandas_results) = interleaved(
    REPEATS, candor_run(BIG), fairlearn_run(BIG), pandas_run(BIG))
report("fairness metrics, 1,000,000 rows, 3 sets", candor_time, fairlearn_time, "fairlearn MetricFrame")
gap, fgap = largest_gap(json.load(open(os.path.join(OUT, "fairness.json"))), pandas_results), fairlearn_gap(fairlearn_results, pandas_results)
assert gap < 1e-9 and fgap < 1e-9, (gap, fgap)
report("  fair baseline", candor_time, pandas_time, f"pandas groupby sums + ranks (read: {CSV_ENGINE})",
       f", max |candor - pandas| {gap:.1e}, max |fairlearn - pandas| {fgap:.1e}")

candor_time, _ = best_of(REPEATS, candor_run(SOURCE, "--bootstrap", "200"))
fairlearn_time, _ = best_of(1, fairlearn_run(SOURCE, n_boot=200))
report("fairness bootstrap 200, 16,281 rows, 3 sets", candor_time, fairlearn_time, "fairlearn MetricFrame n_boot=200")
