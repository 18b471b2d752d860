"""KernelSHAP through the black-box path on an ONNX model: Candor (`candor explain --method kernelshap --model
adult_mlp.onnx`) vs shap.KernelExplainer calling onnxruntime, same run, same rows, same background, same nsamples.

The model is the zoo's scikit-learn MLP pipeline exported by skl2onnx (13 raw inputs: 5 numbers, 8 strings), so
neither side has a fast path: each builds nsamples x background synthetic rows per explained row and scores them
through the graph (Candor with its own ONNX runtime, shap with onnxruntime at default settings, one session
reused). Rows: 20 of adult_test (rows 1001..1020), background: 50 rows of adult_train (every 600th), empty cells
as "missing" as the model was trained. nsamples 2048 of the 8,190 coalitions, so both sides sample; each side's
largest distance to the exact Shapley values (all 8,190 coalitions, computed by candor) is printed too.
"""
import json
import os
import sys
import warnings

import numpy as np
import onnxruntime as ort
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

warnings.filterwarnings("ignore")
import shap  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "3"))
OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
MODEL = os.path.join(ROOT, "Tests", "Fixtures", "models", "adult_mlp.onnx")
NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
COLUMNS = ["age", "workclass", "education", "education_num", "marital_status", "occupation", "relationship", "race", "sex",
           "capital_gain", "capital_loss", "hours_per_week", "native_country"]
NSAMPLES = 2048


def prepared(split):
    frame = pd.read_csv(os.path.join(ROOT, "samples", f"adult_{split}.csv"))[COLUMNS]
    for column in COLUMNS:
        if column not in NUMERIC:
            frame[column] = frame[column].fillna("missing")
    return frame


explained = prepared("test").iloc[1001:1021].reset_index(drop=True)
background = prepared("train").iloc[::600].iloc[:50].reset_index(drop=True)
rows_path, background_path = os.path.join(OUT, "onnx_shap_rows.csv"), os.path.join(OUT, "onnx_shap_background.csv")
explained.to_csv(rows_path, index=False)
background.to_csv(background_path, index=False)

session = ort.InferenceSession(MODEL, providers=["CPUExecutionProvider"])


def model(x):
    """P(>50K) of an object array of raw rows (shap's synthetic rows), through onnxruntime."""
    feeds = {}
    for j, name in enumerate(COLUMNS):
        column = x[:, j]
        feeds[name] = (column.astype(np.float32) if name in NUMERIC else column.astype(str)).reshape(-1, 1)
    return session.run(["probabilities"], feeds)[0][:, 1]


def shap_run():
    np.random.seed(0)
    explainer = shap.KernelExplainer(model, background.to_numpy(dtype=object))
    return np.array(explainer.shap_values(explained.to_numpy(dtype=object), nsamples=NSAMPLES, l1_reg=False, silent=True))


def candor_run(nsamples=NSAMPLES, name="shap_onnx.json"):
    path = os.path.join(OUT, name)
    run_candor("explain", "--model", MODEL, "--data", rows_path, "--method", "kernelshap", "--background", background_path,
               "--nsamples", str(nsamples), "--rows", "0:20", "--json", path)
    result = json.load(open(path))
    order = [result["features"].index(name) for name in COLUMNS]
    return np.array([np.array(r["values"][0])[order] for r in result["rows"]])


candor_time, ours = best_of(REPEATS, candor_run)
shap_time, theirs = best_of(1, shap_run)
exact = candor_run(nsamples=1 << 14, name="shap_onnx_exact.json")
report("kernelshap adult_mlp.onnx, 20 rows, 50 background, nsamples 2048", candor_time, shap_time,
       "shap KernelExplainer + onnxruntime",
       f", max |phi - exact|: candor {np.abs(ours - exact).max():.1e}, shap {np.abs(theirs - exact).max():.1e}")
