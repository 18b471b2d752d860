"""Writes the TreeModelFile fuzz target's seeds (Fuzz/corpus/TreeModelFile/): small XGBoost (JSON, UBJSON;
numeric and categorical splits, missing values, multiclass, regression) and LightGBM (binary, categorical,
multiclass, regression) models, so the fuzzer starts from every branch of the readers.

    bench/.venv/bin/python Fuzz/TreeModelFile/make_seeds.py
"""
import os

import lightgbm as lgb
import numpy as np
import pandas as pd
import xgboost as xgb

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus", "TreeModelFile")
rng = np.random.default_rng(0)
n = 200
x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.integers(0, 4, n).astype(float), "c": rng.normal(size=n)})
x.loc[::7, "a"] = np.nan
y = (x["a"].fillna(0) + x["b"] > 1.5).astype(int)
y3 = (x["b"] % 3).astype(int)

for name, params, labels in [("binary", {"objective": "binary:logistic"}, y), ("multiclass", {"objective": "multi:softprob", "num_class": 3}, y3),
                             ("regression", {"objective": "reg:squarederror"}, x["c"])]:
    booster = xgb.train({**params, "max_depth": 2, "nthread": 1, "seed": 0}, xgb.DMatrix(x, label=labels), num_boost_round=3)
    booster.save_model(os.path.join(out, f"xgb_{name}.json"))
    booster.save_model(os.path.join(out, f"xgb_{name}.ubj"))
categorical = x.assign(b=x["b"].astype(int).astype("category"))
booster = xgb.train({"objective": "binary:logistic", "max_depth": 2, "nthread": 1, "seed": 0, "max_cat_to_onehot": 1},
                    xgb.DMatrix(categorical, label=y, enable_categorical=True), num_boost_round=3)
booster.save_model(os.path.join(out, "xgb_categorical.json"))
booster.save_model(os.path.join(out, "xgb_categorical.ubj"))

y_categorical = x["b"].isin([1.0, 3.0]).astype(int)
for name, params, labels, cats in [("binary", {"objective": "binary"}, y, []), ("categorical", {"objective": "binary"}, y_categorical, ["b"]),
                                   ("multiclass", {"objective": "multiclass", "num_class": 3}, y3, []),
                                   ("regression", {"objective": "regression"}, x["c"], [])]:
    data = lgb.Dataset(x, label=labels, categorical_feature=cats or "auto", params={"min_data_in_bin": 1})
    booster = lgb.train({**params, "num_leaves": 4, "min_data_in_leaf": 5, "num_threads": 1, "seed": 0, "verbose": -1,
                         "deterministic": True, "min_data_per_group": 5, "cat_smooth": 1}, data, num_boost_round=3)
    booster.save_model(os.path.join(out, f"lgbm_{name}.txt"))
