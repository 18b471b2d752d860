"""Shared helpers: time a Candor command and its Python twin in the same run, print both and the ratio."""
import importlib.util
import json
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDOR = os.path.join(ROOT, ".build", "release", "candor")
# The fair baselines' pandas reads with both cores through pyarrow where it is installed, else with its C reader (one).
CSV_ENGINE = "pyarrow" if importlib.util.find_spec("pyarrow") else "c"


def best_of(repeats, function):
    """Smallest wall time of `repeats` calls (the least disturbed by the other load on a shared machine)."""
    best, result = float("inf"), None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def run_candor(*arguments):
    completed = subprocess.run([CANDOR, *arguments], cwd=ROOT, capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"candor {' '.join(arguments)} failed:\n{completed.stderr}")
    return completed.stdout


def report(name, candor_seconds, python_seconds, python_name, extra=""):
    ratio = python_seconds / candor_seconds
    print(f"{name}: candor {candor_seconds:.3f} s, {python_name} {python_seconds:.3f} s, "
          f"ratio {ratio:.1f}x{extra}", flush=True)
    return ratio


def account_phase(args, repeats, phase="account", prefix=()):
    """The best time of one phase (CANDOR_PHASE_TIMES=1) over `repeats` runs of a Candor command (run under
    `prefix`, e.g. taskset, if given)."""
    import re
    best = float("inf")
    for _ in range(repeats):
        done = subprocess.run([*prefix, CANDOR, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "CANDOR_PHASE_TIMES": "1"})
        best = min(best, float(re.search(phase + r" ([0-9.]+) s", done.stderr).group(1)))
    return best


def compare_accountant(accountant, settings, python_epsilon, python_name, describe, repeats, delta):
    """`candor privacy epsilon --accountant <accountant>` against `python_epsilon(q, sigma, steps)` on each DP-SGD
    setting (name, q, sigma, steps): end to end and the accounting phase alone; `describe(ours_json, theirs)` says
    how the answers compare."""
    import json
    import tempfile
    path = os.path.join(tempfile.mkdtemp(), accountant + ".json")
    for name, q, sigma, steps in settings:
        python_seconds, theirs = best_of(repeats, lambda: python_epsilon(q, sigma, steps))
        args = ["privacy", "epsilon", "--sampling-rate", repr(q), "--noise-multiplier", repr(sigma), "--steps", str(steps),
                "--delta", repr(delta), "--accountant", accountant, "--json", path]
        candor_seconds, _ = best_of(repeats, lambda: run_candor(*args))
        report(f"{accountant.upper()} epsilon, {name}", candor_seconds, python_seconds, python_name, describe(json.load(open(path)), theirs))
        report("  accounting alone", account_phase(args, repeats), python_seconds, python_name)


def interleaved(repeats, *functions):
    """Best wall time of each function over `repeats` rounds in which they run in turn (Candor, Python, Candor, ...),
    so a burst of other load on the shared machine hits every side alike; the times and each one's last result."""
    best, results = [float("inf")] * len(functions), [None] * len(functions)
    for _ in range(repeats):
        for i, function in enumerate(functions):
            start = time.perf_counter()
            results[i] = function()
            best[i] = min(best[i], time.perf_counter() - start)
    return best, results


def candor_model(features, layers, classes, target, model_type="mlp", coefficients=None, intercept=None):
    """A candor-model file from encoder statistics and parameters."""
    parameters = {"layers": layers} if model_type == "mlp" else {
        "coefficients": {"rows": 1, "columns": len(coefficients), "values": list(coefficients)}, "intercepts": [intercept]}
    return {"format": "candor-model", "version": 1, "model_type": model_type, "target": target, "classes": classes,
            "encoder": {"features": features}, "parameters": parameters}


def encoder_features(numeric, means, stds, categorical, categories):
    return ([{"name": n, "kind": "numeric", "mean": m, "scale": s} for n, m, s in zip(numeric, means, stds)]
            + [{"name": c, "kind": "categorical", "categories": categories[c]} for c in categorical])


class AdultMLP:
    """The Adult MLP of the explain reference (Tests/Fixtures/adult_mlp_sampled.json: 6 numeric and 6 categorical raw
    features, 51 inputs, 16 ReLU units, a sigmoid), written as a candor-model to `out`/`stem`.json with its 50
    background rows (`stem`_background.csv) and adult_test rows `first`..`first + count - 1` (`stem`_rows.csv)."""

    def __init__(self, out, stem, first, count):
        import numpy as np
        import pandas as pd
        case = json.load(open(os.path.join(ROOT, "Tests", "Fixtures", "adult_mlp_sampled.json")))
        enc, model = case["encoding"], case["model"]
        self.numeric, self.categorical = enc["numeric_features"], enc["categorical_features"]
        std = enc["numeric_standardization"]
        self.means, self.stds = np.array(std["mean"]), np.array(std["std"])
        self.categories = enc["categorical_one_hot"]["categories"]
        self.W1, self.b1, self.W2, self.b2 = (np.array(model[k]) for k in ("W1", "b1", "W2", "b2"))
        self.model_path = os.path.join(out, stem + ".json")
        json.dump(candor_model(encoder_features(self.numeric, std["mean"], std["std"], self.categorical, self.categories),
                               [{"weights": {"rows": 51, "columns": 16, "values": self.W1.ravel().tolist()}, "bias": self.b1.tolist()},
                                {"weights": {"rows": 16, "columns": 1, "values": self.W2.ravel().tolist()}, "bias": self.b2.tolist()}],
                               ["0", "1"], "income"), open(self.model_path, "w"))
        test = pd.read_csv(os.path.join(ROOT, "samples", "adult_test.csv")).fillna("?")
        columns = self.numeric + self.categorical
        self.background = test.iloc[case["background"]["row_indices"]][columns]
        self.explained = test.iloc[first:first + count][columns]
        self.background_path = os.path.join(out, stem + "_background.csv")
        self.rows_path = os.path.join(out, stem + "_rows.csv")
        self.background.to_csv(self.background_path, index=False)
        self.explained.to_csv(self.rows_path, index=False)
        # The first row of W1 that each categorical feature's codes index.
        self.offsets = 6 + np.cumsum([0] + [len(self.categories[name]) for name in self.categorical[:-1]])
