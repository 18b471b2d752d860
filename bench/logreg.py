"""Logistic regression on Adult: Candor (train + predict) vs scikit-learn (fit + predict_proba), same run.

Both read the same CSV files, encode (StandardScaler + OneHotEncoder(handle_unknown='ignore'), empty cells as
'missing', fnlwgt dropped), fit LogisticRegression(C=1) on adult_train, score adult_test and write the
probabilities to CSV. scikit-learn runs twice: its default lbfgs (tol=1e-4, stops early on this data) and lbfgs run
to convergence (tol=1e-10), which is what Candor's Newton solver delivers.
"""
import os
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

warnings.filterwarnings("ignore")
TRAIN = os.path.join(ROOT, "samples", "adult_train.csv")
TEST = os.path.join(ROOT, "samples", "adult_test.csv")
NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
CATEGORICAL = ["workclass", "education", "marital_status", "occupation", "relationship", "race", "sex", "native_country"]
REPEATS = int(os.environ.get("REPEATS", "5"))
out = tempfile.mkdtemp()


def candor():
    run_candor("train", "--data", "samples/adult_train.csv", "--target", "income", "--positive", ">50K",
               "--drop", "fnlwgt", "--out", os.path.join(out, "m.json"))
    run_candor("predict", "--model", os.path.join(out, "m.json"), "--data", "samples/adult_test.csv",
               "--out", os.path.join(out, "candor.csv"))
    return pd.read_csv(os.path.join(out, "candor.csv"))["probability_>50K"].to_numpy()


def sklearn(**solver):
    def run():
        train, test = pd.read_csv(TRAIN), pd.read_csv(TEST)
        for frame in (train, test):
            frame[CATEGORICAL] = frame[CATEGORICAL].fillna("missing")
        pre = ColumnTransformer([("n", StandardScaler(), NUMERIC),
                                 ("c", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])
        model = Pipeline([("pre", pre), ("est", LogisticRegression(C=1.0, **solver))])
        model.fit(train[NUMERIC + CATEGORICAL], train["income"] == ">50K")
        p = model.predict_proba(test[NUMERIC + CATEGORICAL])[:, 1]
        pd.DataFrame({"row": np.arange(len(p)), "probability_1": p}).to_csv(os.path.join(out, "sk.csv"), index=False)
        return p
    return run


candor_time, candor_p = best_of(REPEATS, candor)
default_time, default_p = best_of(REPEATS, sklearn())
converged_time, converged_p = best_of(REPEATS, sklearn(tol=1e-10, max_iter=10_000))
report("logreg fit+predict, Adult", candor_time, default_time, "sklearn lbfgs default",
       f", max |dp| {np.abs(candor_p - default_p).max():.2e} (sklearn stops early)")
report("logreg fit+predict, Adult", candor_time, converged_time, "sklearn lbfgs tol=1e-10",
       f", max |dp| {np.abs(candor_p - converged_p).max():.2e}")
