"""Explainable boosting machine fitted on Adult: Candor (`candor train --model-type ebm`) vs InterpretML, same run.

Both read samples/adult_train.csv (32,561 rows; fnlwgt dropped, income >50K the positive class), fit with their
default settings and are scored on samples/adult_test.csv; each side's time is the fit end to end (Candor: the
whole `candor train` command, reading the CSV and writing the model file; InterpretML: pandas.read_csv, then
ExplainableBoostingClassifier().fit). InterpretML runs twice: with its defaults (n_jobs=-2, all cores but one:
one core here) and with n_jobs=-1 (every core, as Candor uses) — the fairer baseline. The test ROC AUC of each
is printed beside the times. InterpretML's fit is long (over a minute), so it runs once (EBM_PYTHON_REPEATS).
"""
import os
import sys
import tempfile

import numpy as np
import pandas as pd
from interpret.glassbox import ExplainableBoostingClassifier
from sklearn.metrics import roc_auc_score

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "5"))
PYTHON_REPEATS = int(os.environ.get("EBM_PYTHON_REPEATS", "1"))
TRAIN = os.path.join(ROOT, "samples", "adult_train.csv")
TEST = os.path.join(ROOT, "samples", "adult_test.csv")
out = tempfile.mkdtemp()
test = pd.read_csv(TEST)
y_test = (test.pop("income") == ">50K").astype(int)
test.pop("fnlwgt")


def candor():
    model = os.path.join(out, "ebm.json")
    run_candor("train", "--data", TRAIN, "--target", "income", "--positive", ">50K", "--drop", "fnlwgt", "--model-type", "ebm", "--out", model)
    return model


def interpret(**settings):
    def run():
        frame = pd.read_csv(TRAIN)
        y = (frame.pop("income") == ">50K").astype(int)
        frame.pop("fnlwgt")
        return ExplainableBoostingClassifier(**settings).fit(frame, y)
    return run


candor_time, model = best_of(REPEATS, candor)
run_candor("predict", "--model", model, "--data", TEST, "--out", os.path.join(out, "p.csv"))
candor_auc = roc_auc_score(y_test, pd.read_csv(os.path.join(out, "p.csv"))["probability_>50K"])
for name, settings in [("interpret EBM defaults (n_jobs=-2)", {}), ("interpret EBM n_jobs=-1", {"n_jobs": -1})]:
    python_time, fitted = best_of(PYTHON_REPEATS, interpret(**settings))
    theirs = roc_auc_score(y_test, fitted.predict_proba(test)[:, 1])
    report("EBM fit on Adult (32,561 rows), end to end", candor_time, python_time, name,
           f", test AUC candor {candor_auc:.5f} vs {theirs:.5f} (|d| {abs(candor_auc - theirs):.5f})")
