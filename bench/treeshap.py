"""TreeSHAP on adult_xgb.json: Candor (`candor explain --method shap`) vs shap.TreeExplainer, interventional, same run.

The same 1,000 explained rows (the first of the zoo's adult_numeric_features.csv, 2,000 rows) against the same 100
background rows (drawn once with numpy's seed 0 and given to both as a CSV / DataFrame), on the margin (shap's
model_output="raw"). Candor's time
is the whole command: start, read the model and the CSV, explain, write the JSON. shap's is
`TreeExplainer(model, background, feature_perturbation="interventional").shap_values(rows)` in a started interpreter.
"""
import json
import os
import sys
import tempfile

import numpy as np
import pandas as pd
import shap
import xgboost as xgb

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "3"))
MODEL = os.path.join(ROOT, "Tests", "Fixtures", "models", "adult_xgb.json")
DATA = os.path.join(ROOT, "Tests", "Fixtures", "models", "adult_numeric_features.csv")
out = tempfile.mkdtemp()
frame = pd.read_csv(DATA).drop(columns=["row"])
frame.to_csv(os.path.join(out, "data.csv"), index=False)

booster = xgb.Booster()
booster.load_model(MODEL)
rng = np.random.default_rng(0)
background = frame.iloc[sorted(rng.choice(len(frame), 100, replace=False))]
background.to_csv(os.path.join(out, "background.csv"), index=False)

def candor_shared():
    run_candor("explain", "--model", MODEL, "--data", os.path.join(out, "data.csv"), "--method", "shap", "--rows", "0:1000",
               "--background", os.path.join(out, "background.csv"), "--json", os.path.join(out, "candor.json"))
    with open(os.path.join(out, "candor.json")) as f:
        return json.load(f)

def shap_tree():
    explainer = shap.TreeExplainer(booster, background, feature_perturbation="interventional")
    return explainer.shap_values(frame.iloc[:1000])

candor_time, result = best_of(REPEATS, candor_shared)
shap_time, theirs = best_of(REPEATS, shap_tree)
ours = np.array([row["values"][0] for row in result["rows"]])
report("TreeSHAP, adult_xgb.json, 1000 rows x 100 background", candor_time, shap_time, "shap.TreeExplainer interventional",
       f", max |dphi| {np.abs(ours - theirs).max():.1e}")
