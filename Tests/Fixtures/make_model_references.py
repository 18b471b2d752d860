"""Reference numbers for Candor's multinomial logistic regression, ridge and weighted logistic regression.

Run with bench/.venv (scikit-learn 1.9.1, pandas 3.1.1):  bench/.venv/bin/python Tests/Fixtures/make_model_references.py
Writes Tests/Fixtures/sklearn_models.json. Data: samples/german_credit.csv (all 1,000 rows).
Pipeline as Candor's encoder: StandardScaler on numeric columns, OneHotEncoder(handle_unknown='ignore')
on categorical ones (no missing values in this file). Every fit is converged (newton-cholesky / exact).
"""
import json
import pathlib

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

root = pathlib.Path(__file__).resolve().parents[2]
data = pd.read_csv(root / "samples" / "german_credit.csv")


def pipeline(numeric, categorical, estimator):
    pre = ColumnTransformer([
        ("n", StandardScaler(), numeric),
        ("c", OneHotEncoder(handle_unknown="ignore"), categorical),
    ])
    return Pipeline([("pre", pre), ("est", estimator)])


out = {"sklearn_version": sklearn.__version__, "pandas_version": pd.__version__}

# 1. Multinomial: predict `housing` (own / rent / free) from the other columns, C=0.5.
numeric = ["job", "credit_amount", "duration", "age"]
categorical = ["sex", "saving_accounts", "checking_account", "purpose"]
X = data[numeric + categorical]
m = pipeline(numeric, categorical, LogisticRegression(C=0.5, solver="newton-cholesky", tol=1e-12, max_iter=1000))
m.fit(X, data["housing"])
out["multinomial_housing"] = {
    "call": "LogisticRegression(C=0.5, solver='newton-cholesky', tol=1e-12), target housing, all other columns but risk",
    "classes": list(m.classes_),
    "probabilities_first_20": m.predict_proba(X)[:20].tolist(),
    "training_accuracy": float(m.score(X, data["housing"])),
}

# 2. Ridge: predict credit_amount from everything else, alpha=1 (Candor --l2 1).
numeric = ["risk", "job", "duration", "age"]
categorical = ["sex", "housing", "saving_accounts", "checking_account", "purpose"]
X = data[numeric + categorical]
r = pipeline(numeric, categorical, Ridge(alpha=1.0))
r.fit(X, data["credit_amount"])
out["ridge_credit_amount"] = {
    "call": "Ridge(alpha=1.0), target credit_amount, all other columns",
    "predictions_first_20": r.predict(X)[:20].tolist(),
    "intercept": float(r.named_steps["est"].intercept_),
    "r2": float(r.score(X, data["credit_amount"])),
}

# 3. Weighted binary: predict risk with sample weight = duration / 12 (any positive column will do).
numeric = ["job", "credit_amount", "age"]
categorical = ["sex", "housing", "saving_accounts", "checking_account", "purpose"]
X = data[numeric + categorical]
w = pipeline(numeric, categorical, LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=1000))
w.fit(X, data["risk"], est__sample_weight=(data["duration"] / 12).to_numpy())
out["weighted_risk"] = {
    "call": "LogisticRegression(C=1.0, solver='newton-cholesky', tol=1e-12), target risk (positive 1), "
            "features all but duration, sample_weight = duration / 12",
    "probability_1_first_20": w.predict_proba(X)[:20, 1].tolist(),
    "intercept": float(w.named_steps["est"].intercept_[0]),
}

(root / "Tests" / "Fixtures" / "sklearn_models.json").write_text(json.dumps(out, indent=1) + "\n")
print("wrote sklearn_models.json")
