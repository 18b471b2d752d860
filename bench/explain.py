"""Explanations: Candor (`candor explain`) vs shap and scikit-learn, same run, same model, same input.

1. KernelSHAP on the Adult MLP of the explain reference (12 grouped raw features, 50 background rows), nsamples 2048,
   20 explained rows: shap.KernelExplainer(l1_reg=False) vs `candor explain --method kernelshap`.
   Fair baseline: the same explainer on a gather-based numpy MLP (the first layer adds the weight rows of the
   categories' indices instead of multiplying a one-hot matrix built by np.eye; asserted to give the same outputs),
   Candor and shap run in turn, best of 5.
2. Permutation importance on German credit (logistic pipeline of the reference, rows 500..999), 200 repeats, scorers
   accuracy, roc_auc and log_loss: sklearn `permutation_importance` (one call, 3 scorers) vs three `candor explain` runs.
   Fair baseline: the same call with n_jobs=2 (both cores).
3. Partial dependence with ICE for age, duration and housing on all 1000 German rows: sklearn `partial_dependence`
   (kind='both', one call per feature) vs one `candor explain --method pdp --ice`; the number of model rows (grid
   points x rows, summed over the features) is counted from Candor's output.
The models are written as candor-model files from the same arrays the Python side uses.
"""
import json
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, AdultMLP, best_of, candor_model, encoder_features, interleaved, report, run_candor  # noqa: E402

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


# 1. KernelSHAP on the MLP --------------------------------------------------------------------------------------
adult = AdultMLP(OUT, "mlp", 1001, 20)
numeric, categorical, categories = adult.numeric, adult.categorical, adult.categories
means, stds, W1, b1, W2, b2 = adult.means, adult.stds, adult.W1, adult.b1, adult.W2, adult.b2
mlp_path, background, explained = adult.model_path, adult.background, adult.explained


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


OFFSETS = adult.offsets


def mlp_gather(raw):
    """mlp without the one-hot matrix: each category adds its row of W1."""
    x = np.asarray(raw, dtype=float)
    h = ((x[:, :6] - means) / stds) @ W1[:6] + b1
    codes = x[:, 6:].astype(np.intp) + OFFSETS
    for j in range(len(categorical)):
        h += W1[codes[:, j]]
    np.maximum(h, 0, out=h)
    return 1 / (1 + np.exp(-(h @ W2 + b2)))[:, 0]


def shap_run(model=mlp):
    def run():
        np.random.seed(0)
        explainer = shap.KernelExplainer(model, to_codes(background))
        return explainer.shap_values(to_codes(explained), nsamples=2048, l1_reg=False, silent=True)
    return run


def candor_shap():
    run_candor("explain", "--model", mlp_path, "--data", os.path.join(OUT, "mlp_rows.csv"), "--method", "kernelshap",
               "--background", os.path.join(OUT, "mlp_background.csv"), "--nsamples", "2048", "--rows", "0:20",
               "--json", os.path.join(OUT, "shap.json"))
    return json.load(open(os.path.join(OUT, "shap.json")))


# The two models on 10,000 synthetic rows (explained rows' features mixed into background rows at random).
mix = np.random.default_rng(0).random((10_000, 12)) < 0.5
synthetic = np.where(mix, to_codes(explained)[np.arange(10_000) % 20], to_codes(background)[np.arange(10_000) % 50])
model_gap = np.abs(mlp(synthetic) - mlp_gather(synthetic)).max()
assert model_gap < 1e-12, model_gap

(candor_time, gather_time), (ours, gathered) = interleaved(max(REPEATS, 5), candor_shap, shap_run(mlp_gather))
shap_time, theirs = best_of(1, shap_run())
ours_values = np.array([r["values"][0] for r in ours["rows"]])
report("kernelshap MLP, 20 rows, nsamples 2048", candor_time, shap_time, "shap KernelExplainer (np.eye one-hot MLP)",
       f", max |candor - shap| {np.abs(ours_values - np.array(theirs)).max():.1e} (both sampled)")
report("  fair baseline", candor_time, gather_time, "shap KernelExplainer (gather MLP)",
       f", max |gather - one-hot model| {model_gap:.1e}, max |candor - shap| {np.abs(ours_values - np.array(gathered)).max():.1e}")

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


def sklearn_permutation(jobs=None):
    def run():
        return permutation_importance(pipeline, evaluation[gnum + gcat], evaluation["risk"], n_repeats=200, random_state=0,
                                      scoring=["accuracy", "roc_auc", "neg_log_loss"], n_jobs=jobs)
    return run


def candor_permutation():
    for scorer in ["accuracy", "roc_auc", "log_loss"]:
        run_candor("explain", "--model", german_path, "--data", os.path.join(OUT, "german_eval.csv"), "--method", "permutation",
                   "--target", "risk", "--scorer", scorer, "--repeats", "200", "--json", os.path.join(OUT, "pi.json"))


(candor_time, python_time, two_jobs_time), _ = interleaved(REPEATS, candor_permutation, sklearn_permutation(), sklearn_permutation(2))
report("permutation importance, 3 scorers x 200 repeats", candor_time, python_time, "sklearn permutation_importance")
report("  fair baseline", candor_time, two_jobs_time, "sklearn permutation_importance n_jobs=2")


def sklearn_pdp():
    return [partial_dependence(pipeline, data[gnum + gcat], [name], kind="both", grid_resolution=20,
                               categorical_features=["housing"] if name == "housing" else None) for name in ["age", "duration", "housing"]]


def candor_pdp():
    run_candor("explain", "--model", german_path, "--data", os.path.join(ROOT, "samples", "german_credit.csv"), "--method", "pdp",
               "--features", "age,duration,housing", "--ice", "--json", os.path.join(OUT, "pdp.json"))


candor_time, _ = best_of(REPEATS, candor_pdp)
python_time, theirs = best_of(REPEATS, sklearn_pdp)
model_rows = sum(len(f["average"]) * len(f["individual"]) for f in json.load(open(os.path.join(OUT, "pdp.json")))["features"].values())
sklearn_rows = sum(len(r["grid_values"][0]) * r["individual"].shape[1] for r in theirs)
report("partial dependence + ICE, 3 features, 1000 rows", candor_time, python_time, "sklearn partial_dependence",
       f", {model_rows:,} model rows (sklearn {sklearn_rows:,})")
