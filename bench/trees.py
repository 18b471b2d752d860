"""XGBoost and LightGBM models scored end to end: Candor (`candor predict --model M`) vs the libraries, same run.

Input: 200,000 rows in the reference zoo's adult_numeric_v1 encoding (adult_train and adult_test, every
categorical column as its code in the sorted list of adult_train's values, empty cells as "missing"; the rows
repeated to 200,000), written once to bench/out/. Each side reads that CSV, scores it and writes the probabilities
to CSV: Candor with `candor predict`; Python with pandas.read_csv, then XGBoost's `Booster.inplace_predict` (and
`Booster.predict` on a DMatrix) or LightGBM's `Booster.predict`, then `DataFrame.to_csv`. The libraries use every
core (their default), as Candor does. The models are the zoo's (Tests/Fixtures/models/).
"""
import os
import sys
import tempfile

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "5"))
ROWS = 200_000
MODELS = os.path.join(ROOT, "Tests", "Fixtures", "models")
COLUMNS = ["age", "workclass", "education", "education_num", "marital_status", "occupation", "relationship", "race", "sex",
           "capital_gain", "capital_loss", "hours_per_week", "native_country"]
CATEGORICAL = ["workclass", "education", "marital_status", "occupation", "relationship", "race", "sex", "native_country"]
out = tempfile.mkdtemp()


def encoded_rows():
    path = os.path.join(ROOT, "bench", "out", "adult_numeric_200k.csv")
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    train = pd.read_csv(os.path.join(ROOT, "samples", "adult_train.csv"))
    test = pd.read_csv(os.path.join(ROOT, "samples", "adult_test.csv"))
    frame = pd.concat([train, test], ignore_index=True)[COLUMNS]
    for column in CATEGORICAL:
        levels = sorted(train[column].fillna("missing").unique())
        codes = {level: code for code, level in enumerate(levels)}
        frame[column] = frame[column].fillna("missing").map(lambda v: codes.get(v, -1))
    frame = pd.concat([frame] * (ROWS // len(frame) + 1), ignore_index=True).iloc[:ROWS]
    frame.to_csv(path, index=False)
    return path


data = encoded_rows()


def candor(model):
    def run():
        run_candor("predict", "--model", os.path.join(MODELS, model), "--data", data, "--out", os.path.join(out, "candor.csv"))
        return pd.read_csv(os.path.join(out, "candor.csv"))["probability_1"].to_numpy()
    return run


def xgboost(inplace):
    booster = xgb.Booster()
    booster.load_model(os.path.join(MODELS, "adult_xgb.json"))

    def run():
        frame = pd.read_csv(data)
        p = booster.inplace_predict(frame) if inplace else booster.predict(xgb.DMatrix(frame))
        pd.DataFrame({"prediction": (p > 0.5).astype(int), "probability_0": 1 - p, "probability_1": p}).to_csv(
            os.path.join(out, "xgb.csv"), index_label="row")
        return p
    return run


def lightgbm():
    booster = lgb.Booster(model_file=os.path.join(MODELS, "adult_lgbm.txt"))

    def run():
        frame = pd.read_csv(data)
        p = booster.predict(frame)
        pd.DataFrame({"prediction": (p > 0.5).astype(int), "probability_0": 1 - p, "probability_1": p}).to_csv(
            os.path.join(out, "lgbm.csv"), index_label="row")
        return p
    return run


for model, runs in [("adult_xgb.json", [("xgboost inplace_predict", xgboost(True)), ("xgboost DMatrix predict", xgboost(False))]),
                    ("adult_xgb.ubj", [("xgboost inplace_predict", xgboost(True))]),
                    ("adult_lgbm.txt", [("lightgbm predict", lightgbm())])]:
    candor_time, ours = best_of(REPEATS, candor(model))
    for name, run in runs:
        python_time, theirs = best_of(REPEATS, run)
        report(f"predict {model}, {ROWS:,} rows end to end", candor_time, python_time, name,
               f", max |dp| {np.abs(ours - theirs).max():.1e}")
