"""statsmodels' Logit on German credit, on the design matrix Candor's unpenalized logistic model uses
(`candor train --target risk --positive 1 --l2 0`): the CSV's feature columns in order; a numeric one standardized
with the training mean and population standard deviation (ddof 0); a categorical one as indicators of its levels in
code-point order with the first left out (reference coding); an intercept. Writes german_logit_statsmodels.json:
every term's estimate, standard error, z, p-value and 95 % interval (Wald, statsmodels' defaults).
Run with bench/.venv's python (statsmodels): python Tests/Fixtures/glassbox/make_german_logit.py"""
import json
import os
import platform

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm

here = os.path.dirname(os.path.abspath(__file__))
frame = pd.read_csv(os.path.join(here, "..", "..", "..", "samples", "german_credit.csv"), dtype=str, keep_default_na=False)
target = "risk"
features = [c for c in frame.columns if c != target]
columns, names = [], []
for name in features:
    values = frame[name]
    try:
        x = values.astype(float).to_numpy()
        columns.append((x - x.mean()) / x.std(ddof=0))
        names.append(name)
    except ValueError:
        levels = sorted(set(values), key=lambda s: [ord(c) for c in s])
        for level in levels[1:]:
            columns.append((values == level).astype(float).to_numpy())
            names.append(f"{name}={level}")
X = np.column_stack([np.ones(len(frame))] + columns)
y = (frame[target] == "1").astype(float).to_numpy()
fit = sm.Logit(y, X).fit(method="newton", tol=1e-14, maxiter=200, disp=0)
interval = fit.conf_int(alpha=0.05)
terms = []
for i, term in enumerate(["intercept"] + names):
    terms.append({"term": term, "estimate": fit.params[i], "std_error": fit.bse[i], "z": fit.tvalues[i], "p_value": fit.pvalues[i],
                  "ci_low": interval[i][0], "ci_high": interval[i][1], "odds_ratio": float(np.exp(fit.params[i]))})
json.dump({"generator": "Tests/Fixtures/glassbox/make_german_logit.py",
           "versions": {"python": platform.python_version(), "statsmodels": statsmodels.__version__, "numpy": np.__version__, "pandas": pd.__version__},
           "model": "statsmodels.api.Logit(y, X).fit(method='newton', tol=1e-14); X: intercept, standardized numeric (ddof 0), reference-coded categorical",
           "log_likelihood": fit.llf, "converged": bool(fit.mle_retvals["converged"]), "terms": terms},
          open(os.path.join(here, "german_logit_statsmodels.json"), "w"), indent=1)
