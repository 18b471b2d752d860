"""Floors: Candor against small C kernels of the same work (bench/floor/, built here with cc -O3 -march=native).

1. KernelSHAP on the explain bench's Adult MLP (12 raw features: 6 numeric, 6 categorical one-hot into 51 inputs; 16
   ReLU units; sigmoid output; 50 background rows; nsamples 2048, so 102,400 synthetic rows per explained row).
   Candor: the marginal time per synthetic row, (time of `candor explain --rows 0:200` - time of `--rows 0:20`) /
   (180 x 102,400), so start-up, reading and the fixed cost drop out; on both cores and pinned to one (taskset).
   Floor: kernelshap_floor.c, one core, 20 rows x 2048 coalitions x 50 background rows: each synthetic row built by
   mask, the MLP forward, the sigmoids (a branch-free exp) averaged per coalition; its averages are asserted equal to
   numpy's for row 0. Candor does not build the rows (its first layer is updated incrementally), so it can go below.
2. CSV reading: the 1,000,000-row predictions file of fairness.py (6 columns, 43 MB). Candor: the `read data` phase
   (CANDOR_PHASE_TIMES=1) of `candor predict` with a logistic model on y_score, sex and race (the reader scans and
   types every column), both cores and one. Floor: csv_scan.c, one core: read(2) + memchr line/field scan, and the
   same with strtod on every field. All as bytes per second of the file.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(__file__))
from harness import CANDOR, ROOT, AdultMLP, account_phase, interleaved  # noqa: E402

FIXTURES = os.path.join(ROOT, "Tests", "Fixtures")
OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
REPEATS = int(os.environ.get("REPEATS", "5"))
ONE_CORE = ["taskset", "-c", "0"]


def build(name):
    binary = os.path.join(OUT, name)
    subprocess.run(["cc", "-O3", "-march=native", "-o", binary, os.path.join(ROOT, "bench", "floor", name + ".c"), "-lm"], check=True)
    return binary


# 1. KernelSHAP ---------------------------------------------------------------------------------------------------
adult = AdultMLP(OUT, "floor_mlp", 1001, 200)
numeric, categorical, categories = adult.numeric, adult.categorical, adult.categories
means, stds, W1, b1, W2, b2 = adult.means, adult.stds, adult.W1, adult.b1, adult.W2, adult.b2
mlp_path, background, explained, OFFSETS = adult.model_path, adult.background, adult.explained, adult.offsets


def encoded(frame):
    """Numeric features standardized, categories as the index of their row of W1."""
    codes = np.column_stack([frame[c].map({v: i for i, v in enumerate(categories[c])}).to_numpy() for c in categorical])
    return np.hstack([(frame[numeric].to_numpy(float) - means) / stds, codes + OFFSETS])


def mlp(z):
    h = z[:, :6] @ W1[:6] + b1 + sum(W1[z[:, 6 + j].astype(np.intp)] for j in range(6))
    return 1 / (1 + np.exp(-(np.maximum(h, 0) @ W2 + b2)))[:, 0]


ROWS, COALITIONS = 20, 2048
masks = np.random.default_rng(0).random((COALITIONS, 12)) < 0.5
bg, rows = encoded(background), encoded(explained.iloc[:ROWS])
floor_input = os.path.join(OUT, "kernelshap_floor.txt")
with open(floor_input, "w") as f:
    f.write(f"12 6 16 {len(bg)} {ROWS} {COALITIONS} {len(W1)}\n")
    for block in (W1, b1, W2, b2, bg, rows, masks.astype(float)):
        f.write(" ".join(repr(float(v)) for v in np.ravel(block)) + "\n")
floor_output = os.path.join(OUT, "kernelshap_floor_out.txt")
printed = subprocess.run([build("kernelshap_floor"), floor_input, str(max(REPEATS, 5)), floor_output],
                         capture_output=True, text=True, check=True).stdout.split()
floor_ns = float(printed[5])
synthetic = np.where(masks[:, None, :], rows[0], bg[None, :, :]).reshape(-1, 12)
expected = mlp(synthetic).reshape(COALITIONS, -1).mean(axis=1)
floor_gap = np.abs(np.loadtxt(floor_output)[:COALITIONS] - expected).max()
assert floor_gap < 1e-12, floor_gap


def candor_shap(row_range, prefix=()):
    args = ["explain", "--model", mlp_path, "--data", adult.rows_path, "--method", "kernelshap",
            "--background", adult.background_path, "--nsamples", "2048", "--rows", row_range,
            "--json", os.path.join(OUT, "floor_shap.json")]
    return lambda: subprocess.run([*prefix, CANDOR, *args], cwd=ROOT, check=True, capture_output=True)


(few, many, few_1, many_1), _ = interleaved(REPEATS, candor_shap("0:20"), candor_shap("0:200"),
                                            candor_shap("0:20", ONE_CORE), candor_shap("0:200", ONE_CORE))
per_row = 180 * COALITIONS * len(bg)
candor_ns, candor_ns_1 = (many - few) / per_row * 1e9, (many_1 - few_1) / per_row * 1e9
print(f"kernelshap MLP per synthetic row: candor {candor_ns:.2f} ns (2 cores; {few:.3f} s for 20 rows, {many:.3f} s for 200), "
      f"{candor_ns_1:.2f} ns (1 core; {few_1:.3f} s, {many_1:.3f} s), C floor {floor_ns:.2f} ns (1 core, "
      f"max |floor - numpy| {floor_gap:.1e}); candor 1 core / floor {candor_ns_1 / floor_ns:.2f}x", flush=True)

# 2. CSV reading --------------------------------------------------------------------------------------------------
BIG = os.path.join(OUT, "adult_predictions_1m.csv")
if not os.path.exists(BIG):
    subprocess.run([sys.executable, os.path.join(ROOT, "bench", "fairness.py")], check=True)
size = os.path.getsize(BIG)
race = sorted(pd.read_csv(os.path.join(FIXTURES, "adult_test_predictions.csv"))["race"].unique())
reader_model = os.path.join(OUT, "floor_reader_model.json")
json.dump({"format": "candor-model", "version": 1, "model_type": "logistic", "target": "y_true", "classes": ["0", "1"],
           "encoder": {"features": [{"name": "y_score", "kind": "numeric", "mean": 0.0, "scale": 1.0},
                                    {"name": "sex", "kind": "categorical", "categories": ["Female", "Male"]},
                                    {"name": "race", "kind": "categorical", "categories": race}]},
           "parameters": {"coefficients": {"rows": 1, "columns": 3 + len(race), "values": [1.0] * (3 + len(race))},
                          "intercepts": [0.0]}}, open(reader_model, "w"))
predict = ["predict", "--model", reader_model, "--data", BIG, "--out", os.path.join(OUT, "floor_predictions.csv")]
read_2 = account_phase(predict, REPEATS, phase="read data")
read_1 = account_phase(predict, REPEATS, phase="read data", prefix=ONE_CORE)
scanner = build("csv_scan")
scan = subprocess.run([scanner, BIG, str(REPEATS), "scan"], capture_output=True, text=True, check=True).stdout.split()
parse = subprocess.run([scanner, BIG, str(REPEATS), "strtod"], capture_output=True, text=True, check=True).stdout.split()
assert scan[4] == parse[4] == "1000001" and parse[8] == "4000000", (scan, parse)
scan_s, parse_s = float(scan[0]), float(parse[0])
print(f"CSV read, 1,000,000 rows, {size / 1e6:.1f} MB: candor reader {size / read_2 / 1e6:.0f} MB/s (2 cores, {read_2:.3f} s), "
      f"{size / read_1 / 1e6:.0f} MB/s (1 core, {read_1:.3f} s); C memchr scan {size / scan_s / 1e6:.0f} MB/s ({scan_s:.3f} s), "
      f"scan+strtod {size / parse_s / 1e6:.0f} MB/s ({parse_s:.3f} s), 1 core; "
      f"candor 1 core is {read_1 / scan_s:.1f}x the scan, {read_1 / parse_s:.2f}x scan+strtod", flush=True)
