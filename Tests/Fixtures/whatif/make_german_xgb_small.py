"""A small XGBoost model for the exact tree-ensemble counterfactual tests: 4 trees of depth 3 on the German-credit
features coded as numbers (Tests/Fixtures/models/german_numeric_features.csv), binary logistic, saved as XGBoost's
own JSON. Run with bench/.venv's python (xgboost-cpu): python Tests/Fixtures/whatif/make_german_xgb_small.py"""
import os

import pandas as pd
import xgboost as xgb

here = os.path.dirname(os.path.abspath(__file__))
frame = pd.read_csv(os.path.join(here, "..", "models", "german_numeric_features.csv"))
features = ["sex", "job", "saving_accounts", "checking_account", "credit_amount", "duration", "purpose", "age"]
model = xgb.XGBClassifier(n_estimators=4, max_depth=3, learning_rate=0.5, random_state=0, tree_method="exact")
model.fit(frame[features], frame["risk"])
model.get_booster().save_model(os.path.join(here, "german_xgb_small.json"))
frame[["risk"] + features].assign(probability=model.predict_proba(frame[features])[:, 1]).to_csv(
    os.path.join(here, "german_xgb_small_reference.csv"), index=False, float_format="%.9g")
