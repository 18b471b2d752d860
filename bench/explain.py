"""Explanations: Candor (`candor explain`) vs shap and scikit-learn, same run, same model, same input.

1. KernelSHAP on the Adult MLP of the explain reference (12 grouped raw features, 50 background rows), nsamples 2048,
   20 explained rows: shap.KernelExplainer(l1_reg=False) vs `candor explain --method kernelshap`; both errors against
   the exact Shapley values are printed too.
2. Permutation importance on German credit (logistic pipeline of the reference, rows 500..999), 200 repeats, scorers
   accuracy, roc_auc and log_loss: sklearn `permutation_importance` (one call, 3 scorers) vs three `candor explain` runs.
3. Partial dependence with ICE for age, duration and housing on all 1000 German rows: sklearn `partial_dependence`
   (kind='both', one call per feature) vs one `candor explain --method pdp --ice`.
The models are written as candor-model files from the same arrays the Python side uses.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, best_of, report, run_candor  # noqa: E402

warnings.filterwarnings("ignore")
import shap  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.inspection import partial_dependence, permutation_importance  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
REPEATS = int(os.environ.get("REPEATS", "3"))


def candor_model(features, layers, classes, target, model_type="mlp", coefficients=None, intercept=None):
    """A candor-model file from encoder statistics and parameters."""
    parameters = {"layers": layers} if model_type == "mlp" else {
        "coefficients": {"rows": 1, "columns": len(coefficients), "values": list(coefficients)}, "intercepts": [intercept]}
    return {"format": "candor-model", "version": 1, "model_type": model_type, "target": target, "classes": classes,
            "encoder": {"features": features}, "parameters": parameters}


def encoder_features(numeric, means, stds, categorical, categories):
    return ([{"name": n, "kind": "numeric", "mean": m, "scale": s} for n, m, s in zip(numeric, means, stds)]
            + [{"name": c, "kind": "categorical", "categories": categories[c]} for c in categorical])


# 1. KernelSHAP on the MLP --------------------------------------------------------------------------------------
case = json.load(open(os.path.join(FIXTURES, "adult_mlp_sampled.json")))
enc, model = case["encoding"], case["model"]
numeric, categorical = enc["numeric_features"], enc["categorical_features"]
std = enc["numeric_standardization"]
categories = enc["categorical_one_hot"]["categories"]
W1, b1, W2, b2 = (np.array(model[k]) for k in ("W1", "b1", "W2", "b2"))
mlp_path = os.path.join(OUT, "adult_mlp.json")
json.dump(candor_model(encoder_features(numeric, std["mean"], std["std"], categorical, categories),
                       [{"weights": {"rows": 51, "columns": 16, "values": W1.ravel().tolist()}, "bias": b1.tolist()},
                        {"weights": {"rows": 16, "columns": 1, "values": W2.ravel().tolist()}, "bias": b2.tolist()}],
                       ["0", "1"], "income"), open(mlp_path, "w"))
test = pd.read_csv(os.path.join(ROOT, "samples", "adult_test.csv")).fillna("?")
columns = numeric + categorical
background = test.iloc[case["background"]["row_indices"]][columns]
explained = test.iloc[1001:1021][columns]
background.to_csv(os.path.join(OUT, "mlp_background.csv"), index=False)
explained.to_csv(os.path.join(OUT, "mlp_rows.csv"), index=False)
means, stds = np.array(std["mean"]), np.array(std["std"])


def encode(raw):
    x = np.asarray(raw)
    parts = [(x[:, :6].astype(float) - means) / stds]
    for j, name in enumerate(categorical):
        codes = x[:, 6 + j].astype(int)
        parts.append(np.eye(len(categories[name]))[codes])
    return np.hstack(parts)


def to_codes(frame):
    out = frame.copy()
    for name in categorical:
        out[name] = out[name].map({c: i for i, c in enumerate(categories[name])})
    return out.to_numpy(dtype=float)


def mlp(raw):
    h = np.maximum(encode(raw) @ W1 + b1, 0)
    return 1 / (1 + np.exp(-(h @ W2 + b2)))[:, 0]


def shap_run():
    np.random.seed(0)
    explainer = shap.KernelExplainer(mlp, to_codes(background))
    return explainer.shap_values(to_codes(explained), nsamples=2048, l1_reg=False, silent=True)


def candor_shap():
    run_candor("explain", "--model", mlp_path, "--data", os.path.join(OUT, "mlp_rows.csv"), "--method", "kernelshap",
               "--background", os.path.join(OUT, "mlp_background.csv"), "--nsamples", "2048", "--rows", "0:20",
               "--json", os.path.join(OUT, "shap.json"))
    return json.load(open(os.path.join(OUT, "shap.json")))


candor_time, ours = best_of(REPEATS, candor_shap)
shap_time, theirs = best_of(1, shap_run)
ours_values = np.array([r["values"][0] for r in ours["rows"]])
report("kernelshap MLP, 20 rows, nsamples 2048", candor_time, shap_time, "shap KernelExplainer",
       f", max |candor - shap| {np.abs(ours_values - np.array(theirs)).max():.1e} (both sampled)")

# 2 and 3: the German logistic pipeline --------------------------------------------------------------------------
german = json.load(open(os.path.join(FIXTURES, "german_logreg_exact.json")))
genc = german["encoding"]
gnum, gcat = genc["numeric_features"], genc["categorical_features"]
gstd = genc["numeric_standardization"]
gcats = genc["categorical_one_hot"]["categories"]
coef, intercept = german["model"]["coef"], german["model"]["intercept"]
german_path = os.path.join(OUT, "german_logreg.json")
json.dump(candor_model(encoder_features(gnum, gstd["mean"], gstd["std"], gcat, gcats), None, ["0", "1"], "risk",
                       model_type="logistic", coefficients=coef, intercept=intercept), open(german_path, "w"))
data = pd.read_csv(os.path.join(ROOT, "samples", "german_credit.csv"))
data[gnum] = data[gnum].astype(float)  # sklearn's partial_dependence refuses integer columns
pipeline = Pipeline([("pre", ColumnTransformer([("n", StandardScaler(), gnum),
                                                ("c", OneHotEncoder(categories=[gcats[c] for c in gcat], handle_unknown="ignore"), gcat)])),
                     ("est", LogisticRegression())])
pipeline.fit(data.iloc[:500][gnum + gcat], data.iloc[:500]["risk"])
scaler = pipeline.named_steps["pre"].named_transformers_["n"]
scaler.mean_, scaler.scale_ = np.array(gstd["mean"]), np.array(gstd["std"])
pipeline.named_steps["est"].coef_, pipeline.named_steps["est"].intercept_ = np.array([coef]), np.array([intercept])
evaluation = data.iloc[500:].reset_index(drop=True)
evaluation.to_csv(os.path.join(OUT, "german_eval.csv"), index=False)


def sklearn_permutation():
    return permutation_importance(pipeline, evaluation[gnum + gcat], evaluation["risk"], n_repeats=200, random_state=0,
                                  scoring=["accuracy", "roc_auc", "neg_log_loss"])


def candor_permutation():
    for scorer in ["accuracy", "roc_auc", "log_loss"]:
        run_candor("explain", "--model", german_path, "--data", os.path.join(OUT, "german_eval.csv"), "--method", "permutation",
                   "--target", "risk", "--scorer", scorer, "--repeats", "200", "--json", os.path.join(OUT, "pi.json"))


candor_time, _ = best_of(REPEATS, candor_permutation)
python_time, _ = best_of(REPEATS, sklearn_permutation)
report("permutation importance, 3 scorers x 200 repeats", candor_time, python_time, "sklearn permutation_importance")


def sklearn_pdp():
    return [partial_dependence(pipeline, data[gnum + gcat], [name], kind="both", grid_resolution=20,
                               categorical_features=["housing"] if name == "housing" else None) for name in ["age", "duration", "housing"]]


def candor_pdp():
    run_candor("explain", "--model", german_path, "--data", os.path.join(ROOT, "samples", "german_credit.csv"), "--method", "pdp",
               "--features", "age,duration,housing", "--ice", "--json", os.path.join(OUT, "pdp.json"))


candor_time, _ = best_of(REPEATS, candor_pdp)
python_time, _ = best_of(REPEATS, sklearn_pdp)
report("partial dependence + ICE, 3 features, 1000 rows", candor_time, python_time, "sklearn partial_dependence")
