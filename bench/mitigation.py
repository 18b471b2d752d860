"""Mitigation: Candor vs Fairlearn's ThresholdOptimizer and AIF360's Reweighing, same run, same input.

1. Threshold optimization on the Adult train scores (fit) and test scores (P(y^=1) per row), for `sex` and `race` and
   each of the six constraints. Candor: `candor mitigate threshold --predictions train --eval-data test --json`
   (which also evaluates before/after). Python: read both CSVs, ThresholdOptimizer(prefit, predict_proba,
   objective accuracy_score, grid_size 1000).fit + _pmf_predict on the test rows.
2. Reweighing by `sex` on the Adult train labels replicated to 1,000,000 rows. Candor: `candor mitigate reweigh
   --weights-out`. Python: read the CSV, aif360 BinaryLabelDataset + Reweighing.fit_transform, write the weights.
"""
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

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


def aif360_reweigh():
    frame = pd.read_csv(BIG)
    dataset = BinaryLabelDataset(df=frame, label_names=["y_true"], protected_attribute_names=["sex"],
                                 favorable_label=1, unfavorable_label=0)
    transformed = Reweighing(unprivileged_groups=[{"sex": 0}], privileged_groups=[{"sex": 1}]).fit_transform(dataset)
    pd.DataFrame({"weight": transformed.instance_weights}).to_csv(os.path.join(OUT, "aif360_weights.csv"), index=False)


def candor_reweigh():
    run_candor("mitigate", "reweigh", "--data", BIG, "--target", "y_true", "--positive", "1", "--sensitive", "sex",
               "--weights-out", os.path.join(OUT, "candor_weights.csv"))


candor_time, _ = best_of(REPEATS, candor_reweigh)
python_time, _ = best_of(REPEATS, aif360_reweigh)
report("reweighing, 1,000,000 rows", candor_time, python_time, "aif360 Reweighing")
