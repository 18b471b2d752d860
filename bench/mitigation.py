"""Mitigation: Candor vs Fairlearn's ThresholdOptimizer and AIF360's Reweighing, same run, same input.

1. Threshold optimization on the Adult train scores (fit) and test scores (P(y^=1) per row), for `sex` and `race` and
   each of the six constraints. Candor: `candor mitigate threshold --predictions train --eval-data test --json`
   (which also evaluates before/after). Python: read both CSVs, ThresholdOptimizer(prefit, predict_proba,
   objective accuracy_score, grid_size 1000).fit + _pmf_predict on the test rows.
2. Reweighing by `sex` on the Adult train labels replicated to 1,000,000 rows. Candor: `candor mitigate reweigh
   --weights-out`. Python: read the CSV, aif360 BinaryLabelDataset + Reweighing.fit_transform, write the weights.
   Fair baseline: pandas reads the CSV, the four weights P(s)P(y)/P(s,y) from one bincount of the (sex, label)
   codes, gathered per row, written with to_csv (asserted equal to Candor's file to 1e-12). Then all three again
   without writing the weights file (Candor writes only its --json summary, the four weights; AIF360 and pandas
   keep the per-row weights in memory). The six run in turn (interleaved best-of).
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import CSV_ENGINE, ROOT, best_of, interleaved, report, run_candor  # noqa: E402

warnings.filterwarnings("ignore")
from aif360.algorithms.preprocessing import Reweighing  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402
from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
TRAIN = os.path.join(FIXTURES, "adult_train_predictions.csv")
TEST = os.path.join(FIXTURES, "adult_test_predictions.csv")
OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
REPEATS = int(os.environ.get("REPEATS", "3"))
CONSTRAINTS = ["demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity",
               "false_negative_rate_parity", "true_negative_rate_parity"]


class PrefitScores(ClassifierMixin, BaseEstimator):
    """A prefit 'estimator' whose predict_proba is [1 - s, s] for the score column s of X."""
    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X):
        s = X["y_score"].to_numpy()
        return np.column_stack([1 - s, s])


def fairlearn_threshold(feature, constraint):
    def run():
        train, test = pd.read_csv(TRAIN), pd.read_csv(TEST)
        optimizer = ThresholdOptimizer(estimator=PrefitScores().fit(None, None), constraints=constraint, objective="accuracy_score",
                                       grid_size=1000, flip=False, prefit=True, predict_method="predict_proba")
        optimizer.fit(train[["y_score"]], train["y_true"], sensitive_features=train[feature])
        return optimizer._pmf_predict(test[["y_score"]], sensitive_features=test[feature])[:, 1]
    return run


def candor_threshold(feature, constraint):
    def run():
        run_candor("mitigate", "threshold", "--predictions", TRAIN, "--score-column", "y_score", "--target", "y_true",
                   "--sensitive", feature, "--constraint", constraint, "--eval-data", TEST,
                   "--json", os.path.join(OUT, "threshold.json"))
    return run


candor_total = python_total = 0.0
for feature in ["sex", "race"]:
    for constraint in CONSTRAINTS:
        candor_time, _ = best_of(REPEATS, candor_threshold(feature, constraint))
        python_time, _ = best_of(REPEATS, fairlearn_threshold(feature, constraint))
        candor_total += candor_time
        python_total += python_time
        report(f"threshold {feature} {constraint}", candor_time, python_time, "fairlearn fit+_pmf_predict")
report("threshold, all 12 runs", candor_total, python_total, "fairlearn fit+_pmf_predict")

BIG = os.path.join(OUT, "adult_train_labels_1m.csv")
if not os.path.exists(BIG):
    frame = pd.read_csv(TRAIN)[["y_true", "sex"]]
    copies = -(-1_000_000 // len(frame))
    frame = pd.concat([frame] * copies, ignore_index=True).iloc[:1_000_000]
    frame["sex"] = (frame["sex"] == "Male").astype(int)  # AIF360 datasets are numeric
    frame.to_csv(BIG, index=False)


def aif360_reweigh(write=True):
    def run():
        frame = pd.read_csv(BIG)
        dataset = BinaryLabelDataset(df=frame, label_names=["y_true"], protected_attribute_names=["sex"],
                                     favorable_label=1, unfavorable_label=0)
        transformed = Reweighing(unprivileged_groups=[{"sex": 0}], privileged_groups=[{"sex": 1}]).fit_transform(dataset)
        if write:
            pd.DataFrame({"weight": transformed.instance_weights}).to_csv(os.path.join(OUT, "aif360_weights.csv"), index=False)
    return run


def pandas_reweigh(write=True):
    def run():
        frame = pd.read_csv(BIG, engine=CSV_ENGINE)
        group, groups = pd.factorize(frame["sex"])
        label = frame["y_true"].to_numpy() == 1
        joint = np.bincount(2 * group + label, minlength=2 * len(groups)).reshape(-1, 2)
        weights = (joint.sum(1, keepdims=True) * joint.sum(0) / (len(frame) * joint)).ravel()[2 * group + label]
        if write:
            pd.DataFrame({"weight": weights}).to_csv(os.path.join(OUT, "pandas_weights.csv"), index=False)
        return weights
    return run


def candor_reweigh(write=True):
    def run():
        run_candor("mitigate", "reweigh", "--data", BIG, "--target", "y_true", "--positive", "1", "--sensitive", "sex",
                   *(["--weights-out", os.path.join(OUT, "candor_weights.csv")] if write else ["--json", os.path.join(OUT, "reweigh.json")]))
    return run


times, results = interleaved(REPEATS, candor_reweigh(), aif360_reweigh(), pandas_reweigh(),
                             candor_reweigh(False), aif360_reweigh(False), pandas_reweigh(False))
gap = np.abs(pd.read_csv(os.path.join(OUT, "candor_weights.csv"))["weight"].to_numpy() - results[2]).max()
assert gap < 1e-12, gap
report("reweighing, 1,000,000 rows", times[0], times[1], "aif360 Reweighing")
report("  fair baseline", times[0], times[2], f"pandas bincount weights (read: {CSV_ENGINE})", f", max |candor - pandas| {gap:.1e}")
report("reweighing, 1,000,000 rows, no weights file", times[3], times[4], "aif360 Reweighing")
report("  fair baseline", times[3], times[5], f"pandas bincount weights (read: {CSV_ENGINE})")
