"""ONNX pipelines scored end to end: Candor (`candor predict --model M.onnx`) vs pandas + onnxruntime, same run.

Input: 200,000 raw Adult rows (adult_train then adult_test, repeated; empty cells of workclass, occupation and
native_country written as "missing", as the zoo's pipelines were trained), written once to bench/out/. Each side
reads that CSV, scores it and writes the probabilities to CSV: Candor with `candor predict`; Python with
pandas.read_csv (numeric columns as float32), one [N, 1] array per graph input, `InferenceSession.run` (default
threads and graph optimizations: onnxruntime at its fastest) and `DataFrame.to_csv`. The scoring part alone is
timed too: Candor's from `CANDOR_PHASE_TIMES=1` (its "score" phase), onnxruntime's `run` on ready arrays.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import CANDOR, ROOT, best_of, report  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "5"))
ROWS = 200_000
MODELS = os.path.join(ROOT, "Tests", "Fixtures", "models")
NUMERIC = ["age", "education_num", "capital_gain", "capital_loss", "hours_per_week"]
out = tempfile.mkdtemp()


def raw_rows():
    path = os.path.join(ROOT, "bench", "out", "adult_raw_200k.csv")
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    train = pd.read_csv(os.path.join(ROOT, "samples", "adult_train.csv"))
    test = pd.read_csv(os.path.join(ROOT, "samples", "adult_test.csv"))
    frame = pd.concat([train, test], ignore_index=True)
    for column in ["workclass", "occupation", "native_country"]:
        frame[column] = frame[column].fillna("missing")
    frame = pd.concat([frame] * (ROWS // len(frame) + 1), ignore_index=True).iloc[:ROWS]
    frame.to_csv(path, index=False)
    return path


data = raw_rows()


def candor(model):
    scoring = []

    def run():
        completed = subprocess.run([CANDOR, "predict", "--model", os.path.join(MODELS, model), "--data", data,
                                    "--out", os.path.join(out, "candor.csv")], cwd=ROOT, capture_output=True, text=True,
                                   env={**os.environ, "CANDOR_PHASE_TIMES": "1"})
        if completed.returncode != 0:
            raise SystemExit(completed.stderr)
        scoring.append(float(re.search(r"score ([0-9.]+) s", completed.stderr).group(1)))
        return pd.read_csv(os.path.join(out, "candor.csv"))["probability_1"].to_numpy()
    return run, scoring


def feeds(session, frame):
    return {i.name: (frame[i.name].to_numpy(np.float32) if i.type == "tensor(float)" else frame[i.name].to_numpy(object)).reshape(-1, 1)
            for i in session.get_inputs()}


def onnxruntime(model):
    session = ort.InferenceSession(os.path.join(MODELS, model), providers=["CPUExecutionProvider"])
    scoring = []

    def run():
        frame = pd.read_csv(data, dtype={c: np.float32 for c in NUMERIC})
        inputs = feeds(session, frame)
        start = time.perf_counter()
        label, p = session.run(None, inputs)
        scoring.append(time.perf_counter() - start)
        pd.DataFrame({"prediction": label, "probability_0": p[:, 0], "probability_1": p[:, 1]}).to_csv(
            os.path.join(out, "ort.csv"), index_label="row")
        return p[:, 1].astype(np.float64)
    return run, scoring


for model in ["adult_rf.onnx", "adult_gbdt.onnx", "adult_mlp.onnx", "adult_logreg.onnx"]:
    run, candor_scoring = candor(model)
    candor_time, ours = best_of(REPEATS, run)
    run, ort_scoring = onnxruntime(model)
    python_time, theirs = best_of(REPEATS, run)
    report(f"predict {model}, {ROWS:,} rows end to end", candor_time, python_time, "pandas + onnxruntime + to_csv",
           f", max |dp| {np.abs(ours - theirs).max():.1e}")
    report(f"  scoring alone", min(candor_scoring), min(ort_scoring), "onnxruntime InferenceSession.run")
