"""Counterfactuals: `candor counterfactual` vs DiCE's method "random" (dice-ml 0.12), same 20 queries, same run.

Model: the German credit logistic pipeline of the what-if reference (shared/reference/whatif/README.md section 1):
StandardScaler on [job, credit_amount, duration, age] + OneHotEncoder(handle_unknown='ignore') on [sex, housing,
saving_accounts, checking_account, purpose], LogisticRegression(C=1.0, max_iter=1000), fitted on all 1000 rows. The
CSV has no missing values: an unknown saving/checking account is the level "not_known", as in the reference's
categories, so nothing is filled. Candor reads the same model from Tests/Fixtures/whatif/german_logreg.json.
Queries: the first 20 rows the model predicts as bad risk (README section 4). Both sides ask for 4 CFs of class 1,
sex and age immutable, duration in [4, 72].
DiCE: dice_ml.Data(all rows), dice_ml.Model(pipeline, backend='sklearn'), Dice(method='random'); per query
random.seed/np.random.seed(s) and generate_counterfactuals(random_seed=s), s = 20240 + query id. The 20-query loop is
timed in process CPU (process_time) and wall (perf_counter), best of REPEATS (default 3). Candor: one process for all
20 queries, wall time around subprocess.run, best of REPEATS.
Quality: DiCE's returned CFs (final_cfs_df_sparse) are scored with the README's formulas (MAD over the 1000 rows, 0
replaced by 1; integer features compared exactly) and printed beside Candor's own aggregate metrics and the
README's table. CANDOR_SKIP=1 runs the DiCE half alone; CANDOR=path runs another candor binary.
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import CANDOR, ROOT, best_of, report  # noqa: E402

CANDOR = os.environ.get("CANDOR", CANDOR)  # another binary, e.g. a debug build

warnings.filterwarnings("ignore")
os.environ.setdefault("TQDM_DISABLE", "1")  # DiCE's per-call progress bar
import dice_ml  # noqa: E402
from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

REPEATS = int(os.environ.get("REPEATS", "3"))
SKIP_CANDOR = os.environ.get("CANDOR_SKIP", "") not in ("", "0")
GOAL = 50.0
NUMERIC = ["job", "credit_amount", "duration", "age"]
CATEGORICAL = ["sex", "housing", "saving_accounts", "checking_account", "purpose"]
FEATURES = NUMERIC + CATEGORICAL
TO_VARY = ["job", "housing", "saving_accounts", "checking_account", "credit_amount", "duration", "purpose"]
ROWS = [1, 3, 4, 7, 9, 10, 11, 14, 18, 29, 35, 43, 44, 59, 63, 73, 76, 87, 95, 101]
K = 4
DATA = os.path.join(ROOT, "samples", "german_credit.csv")
CANDOR_MODEL = os.path.join("Tests", "Fixtures", "whatif", "german_logreg.json")
REFERENCE = os.path.join(os.path.dirname(ROOT), "shared", "reference", "whatif")
# README section 4's table for method random (CPU: mean seconds per query).
README_RANDOM = {"validity": 1.000, "proximity_numeric": 0.940, "proximity_categorical": 0.165, "sparsity": 1.80,
                 "diversity_numeric": 1.294, "diversity_categorical": 0.227, "count_diversity": 0.299, "cpu_per_query": 0.227}

# The model ----------------------------------------------------------------------------------------------------
data = pd.read_csv(DATA)
assert not data[FEATURES].isna().any().any(), "german_credit.csv has missing values: the reference model has none"
pipeline = Pipeline([("pre", ColumnTransformer([("n", StandardScaler(), NUMERIC),
                                                ("c", OneHotEncoder(handle_unknown="ignore"), CATEGORICAL)])),
                     ("est", LogisticRegression(C=1.0, max_iter=1000))])
pipeline.fit(data[FEATURES], data["risk"])

reference_path = os.path.join(REFERENCE, "german_logreg_model.json")
if not os.path.exists(reference_path):
    raise SystemExit(f"missing {reference_path}: the model check needs the what-if reference")
reference = json.load(open(reference_path))
ours = pipeline.predict_proba(data.iloc[[1]][FEATURES])[0, 1]
expected = reference["training_probabilities"][1]
print(f"model check: predict_proba(row 1) = {float(ours)!r}, reference {expected!r}, |diff| {abs(ours - expected):.1e}", flush=True)
if abs(ours - expected) > 1e-9:
    raise SystemExit("the fitted pipeline does not reproduce german_logreg_model.json; DiCE would run on another model")
predicted = pipeline.predict(data[FEATURES])
assert list(np.flatnonzero(predicted == 0)[:20]) == ROWS, "the 20 queries are no longer the first 20 predicted bad"

# Metrics (README section 4) -------------------------------------------------------------------------------------
MAD = {}
for name in NUMERIC:
    column = data[name].to_numpy(dtype=float)
    mad = float(np.median(np.abs(column - np.median(column))))
    MAD[name] = mad if mad > 0 else 1.0


def d_num(a, b):
    return sum(abs(float(a[f]) - float(b[f])) / MAD[f] for f in NUMERIC) / len(NUMERIC)


def d_cat(a, b):
    return sum(a[f] != b[f] for f in CATEGORICAL) / len(CATEGORICAL)


def changed(a, b):
    return sum(float(a[f]) != float(b[f]) for f in NUMERIC) + sum(a[f] != b[f] for f in CATEGORICAL)


def clean(record):
    """One CF as {feature: value}: numeric ones as whole-number floats (DiCE keeps them integer), categories as str."""
    return {**{f: float(round(float(record[f]))) for f in NUMERIC}, **{f: str(record[f]) for f in CATEGORICAL}}


def query_metrics(x, cfs):
    """validity (distinct CFs of class 1 over k), proximities, sparsity, diversities, violations of one query."""
    unique = []
    for c in cfs:
        if c not in unique:
            unique.append(c)
    classes = pipeline.predict(pd.DataFrame(unique, columns=FEATURES)) if unique else []
    pairs = [(a, b) for i, a in enumerate(cfs) for b in cfs[i + 1:]]
    n = len(cfs)
    low, high = data[NUMERIC].min(), data[NUMERIC].max()
    violations = sum(c["sex"] != x["sex"] or c["age"] != x["age"] or c["duration"] < 4 or c["duration"] > 72
                     or any(c[f] < low[f] or c[f] > high[f] for f in NUMERIC) for c in cfs)
    return {"n": n, "validity": int(np.sum(np.asarray(classes) == 1)) / K,
            "proximity_numeric": sum(d_num(c, x) for c in cfs) / n if n else None,
            "proximity_categorical": sum(d_cat(c, x) for c in cfs) / n if n else None,
            "sparsity": sum(changed(c, x) for c in cfs) / n if n else None,
            "diversity_numeric": sum(d_num(a, b) for a, b in pairs) / len(pairs) if pairs else 0.0,
            "diversity_categorical": sum(d_cat(a, b) for a, b in pairs) / len(pairs) if pairs else 0.0,
            "count_diversity": sum(changed(a, b) / 9 for a, b in pairs) / len(pairs) if pairs else 0.0,
            "violations": violations}


def summary(per_query):
    """Validity and diversities averaged over all queries; proximity and sparsity over those with at least one CF."""
    out = {}
    for key in ["validity", "diversity_numeric", "diversity_categorical", "count_diversity"]:
        out[key] = float(np.mean([m[key] for m in per_query]))
    for key in ["proximity_numeric", "proximity_categorical", "sparsity"]:
        values = [m[key] for m in per_query if m[key] is not None]
        out[key] = float(np.mean(values)) if values else float("nan")
    out["violations"] = sum(m["violations"] for m in per_query)
    out["cfs"] = float(np.mean([m["n"] for m in per_query]))
    return out


queries = [clean(data.iloc[r]) for r in ROWS]

# DiCE random ----------------------------------------------------------------------------------------------------
dice_data = dice_ml.Data(dataframe=data, continuous_features=NUMERIC, outcome_name="risk")
dice_model = dice_ml.Model(model=pipeline, backend="sklearn")
explainer = dice_ml.Dice(dice_data, dice_model, method="random")
query_frames = [data.iloc[[r]][FEATURES] for r in ROWS]


def dice_loop():
    results = []
    for query_id, frame in enumerate(query_frames):
        s = 20240 + query_id
        random.seed(s)
        np.random.seed(s)
        explanation = explainer.generate_counterfactuals(frame, total_CFs=K, desired_class=1, features_to_vary=TO_VARY,
                                                         permitted_range={"duration": [4, 72]}, random_seed=s, verbose=False)
        sparse = explanation.cf_examples_list[0].final_cfs_df_sparse
        results.append([] if sparse is None else [clean(row) for _, row in sparse.iterrows()])
    return results


dice_cpu, dice_wall, dice_cfs = float("inf"), float("inf"), None
for _ in range(REPEATS):
    cpu, wall = time.process_time(), time.perf_counter()
    dice_cfs = dice_loop()
    dice_cpu, dice_wall = min(dice_cpu, time.process_time() - cpu), min(dice_wall, time.perf_counter() - wall)
dice_summary = summary([query_metrics(x, cfs) for x, cfs in zip(queries, dice_cfs)])
print(f"DiCE random, 20 queries x {K} CFs: {dice_cpu / len(ROWS):.3f} CPU-s/query, {dice_wall / len(ROWS):.3f} wall-s/query "
      f"(best of {REPEATS}; README: {README_RANDOM['cpu_per_query']:.3f} CPU-s/query mean)", flush=True)

dice_reference_path = os.path.join(REFERENCE, "dice_german.json")
if os.path.exists(dice_reference_path):
    stored = json.load(open(dice_reference_path))["queries"]
    same = sum([clean(c["values"]) for c in q["results"]["random"]["counterfactuals"]] == cfs for q, cfs in zip(stored, dice_cfs))
    print(f"DiCE random CFs identical to dice_german.json's on {same} of {len(ROWS)} queries", flush=True)

# Candor -----------------------------------------------------------------------------------------------------------
candor_summary, candor_recomputed, candor_wall = None, None, None
if SKIP_CANDOR:
    print("candor counterfactual: skipped (CANDOR_SKIP set)", flush=True)
else:
    if not os.path.exists(CANDOR):
        raise SystemExit(f"{CANDOR} not found: build the release binary first (make bench)")
    out_path = os.path.join(tempfile.mkdtemp(), "counterfactual.json")
    arguments = ["counterfactual", "--model", CANDOR_MODEL, "--data", os.path.relpath(DATA, ROOT),
                 "--rows", ",".join(map(str, ROWS)), "--desired-class", "1", "--count", str(K), "--immutable", "sex,age",
                 "--range", "duration=4:72", "--seed", "1", "--json", out_path]

    def candor_run():
        done = subprocess.run([CANDOR, *arguments], cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"`candor {' '.join(arguments)}` exited {done.returncode} (is `candor counterfactual` in this "
                             f"build? CANDOR_SKIP=1 runs the DiCE half alone):\n{done.stderr.strip()}")

    candor_wall, _ = best_of(REPEATS, candor_run)
    answer = json.load(open(out_path))
    candor_summary = answer["metrics"]
    try:  # Candor's CFs scored by the same code as DiCE's, if they are records of the 9 features
        by_row = {q["row"]: q["counterfactuals"] for q in answer["queries"]}
        candor_recomputed = summary([query_metrics(x, [clean(c.get("values", c)) for c in by_row[r]])
                                     for r, x in zip(ROWS, queries)])
    except (KeyError, TypeError, ValueError, AttributeError):
        candor_recomputed = None

# Report -----------------------------------------------------------------------------------------------------------
if candor_wall is not None:
    per = len(ROWS)
    cpu_ratio = report("counterfactuals, 20 queries x 4, per query", candor_wall / per, dice_cpu / per,
                       "DiCE random (CPU)", f" (goal >= {GOAL:.0f}x)")
    wall_ratio = report("  wall against wall", candor_wall / per, dice_wall / per, "DiCE random (wall)")
    print(f"goal >= {GOAL:.0f}x: {'met' if min(cpu_ratio, wall_ratio) >= GOAL else 'NOT met'} "
          f"(CPU ratio {cpu_ratio:.1f}x, wall ratio {wall_ratio:.1f}x)", flush=True)
else:
    print(f"goal >= {GOAL:.0f}x: not measured (Candor skipped)", flush=True)

columns = [("candor", candor_summary), ("candor rescored", candor_recomputed), ("DiCE random", dice_summary),
           ("README random", README_RANDOM)]
columns = [(title, values) for title, values in columns if values is not None]
print(f"{'metric':32}" + "".join(f"{title:>17}" for title, _ in columns))
for key, better in [("validity", "higher"), ("proximity_numeric", "lower"), ("proximity_categorical", "lower"),
                    ("sparsity", "lower"), ("diversity_numeric", "higher"), ("diversity_categorical", "higher"),
                    ("count_diversity", "higher"), ("violations", "0")]:
    cells = []
    for _, values in columns:
        value = values.get(key)
        cells.append(f"{'-':>17}" if value is None else f"{value:>17.4f}" if isinstance(value, float) else f"{value:>17}")
    print(f"{key + ' (' + better + ')':32}" + "".join(cells), flush=True)
