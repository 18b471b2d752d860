"""Fairness metrics: Candor (`candor fairness`) vs Fairlearn's MetricFrame, same run, same input.

1. The 11 metrics (count, selection_rate, accuracy, balanced_accuracy, TPR, FPR, FNR, TNR, precision, roc_auc,
   log_loss) for sensitive sets sex, race and sex|race, with every aggregate (group min/max, differences and ratios)
   and the named disparities, on the Adult test predictions replicated to 1,000,000 rows. Both sides read the CSV.
2. The same with 200 bootstrap replicates (95% intervals) on the original 16,281 rows. Fairlearn resamples all rows
   (MetricFrame n_boot=200); Candor resamples within groups.
"""
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
from harness import ROOT, best_of, report, run_candor  # noqa: E402

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


candor_time, _ = best_of(REPEATS, candor_run(BIG))
fairlearn_time, _ = best_of(REPEATS, fairlearn_run(BIG))
report("fairness metrics, 1,000,000 rows, 3 sets", candor_time, fairlearn_time, "fairlearn MetricFrame")

candor_time, _ = best_of(REPEATS, candor_run(SOURCE, "--bootstrap", "200"))
fairlearn_time, _ = best_of(1, fairlearn_run(SOURCE, n_boot=200))
report("fairness bootstrap 200, 16,281 rows, 3 sets", candor_time, fairlearn_time, "fairlearn MetricFrame n_boot=200")
