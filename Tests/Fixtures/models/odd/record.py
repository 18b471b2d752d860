"""Records the libraries' predictions for the unusual-but-valid models in this folder (found by a hostile-input
pass over the readers; made by xgboost 3.2.0 / lightgbm 4.7.0 on random data): LightGBM random forests
(`average_output`), `reg_sqrt`, XGBoost models with pruned (deleted) nodes, and base scores XGBoost clamps.

    bench/.venv/bin/python Tests/Fixtures/models/odd/record.py

Writes <model>.predictions.csv (one column `prediction`: P(positive) for binary models, the value for regression)
on abc600.csv.
"""
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

here = os.path.dirname(os.path.abspath(__file__))
data = pd.read_csv(os.path.join(here, "abc600.csv"))
for name in sorted(os.listdir(here)):
    path = os.path.join(here, name)
    if name.endswith(".txt"):
        booster = lgb.Booster(model_file=path)
        p = booster.predict(data[booster.feature_name()].values.astype(np.float64))
    elif name.endswith(".json"):
        booster = xgb.Booster(model_file=path)
        names = booster.feature_names or [f"f{i}" for i in range(booster.num_features())]
        p = booster.predict(xgb.DMatrix(data[names].values.astype(np.float32), feature_names=booster.feature_names, missing=np.nan))
    else:
        continue
    pd.DataFrame({"prediction": np.asarray(p, dtype=float)}).to_csv(os.path.join(here, name + ".predictions.csv"), index=False,
                                                                      float_format="%.17g")
