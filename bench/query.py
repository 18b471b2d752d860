"""DP statistics: `candor privacy query` vs diffprivlib's tools, same rows, same run (issue 13, goal >= 20x).

Input: 1,000,000 rows of Adult's age and race (adult_train then adult_test, repeated), written once to bench/out/.
Tasks: the mean of age (bounds 17:90, epsilon 0.5) and a 20-bin histogram of age over 0:100 by race's 5 levels
(epsilon 0.5; one record is in one cell, so each group gets the whole epsilon). Candor runs the command end to end
on a new ledger each time (made outside the timing): CSV read, exact aggregates, exact discrete noise, the ledger's
tightest accounting and its durable write; "alone" is its statistic and release phases (CANDOR_PHASE_TIMES=1).
diffprivlib 0.6.6: `tools.mean(ages, epsilon, bounds)`; `tools.histogram(ages_of_group, epsilon, bins=20,
range=(0, 100))` per group — on numpy arrays already in memory (alone), or after pandas.read_csv (end to end).
"""
import os
import re
import subprocess
import sys
import tempfile
import time
import warnings

import types

import numpy as np
import pandas as pd

# diffprivlib 0.6.6's package __init__ imports its models, which reach into scikit-learn internals that newer
# releases (the one the other pairs use) renamed; the statistics tools need none of it, so its models module is
# stood in for by an empty one.
sys.modules.setdefault("diffprivlib.models", types.ModuleType("diffprivlib.models"))
from diffprivlib import tools  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from harness import CANDOR, ROOT, best_of, report  # noqa: E402

warnings.filterwarnings("ignore")
REPEATS = int(os.environ.get("REPEATS", "5"))
ROWS = 1_000_000
LEVELS = ["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"]


def rows():
    path = os.path.join(ROOT, "bench", "out", "adult_age_race_1m.csv")
    if os.path.exists(path):
        return path
    os.makedirs(os.path.dirname(path), exist_ok=True)
    frames = [pd.read_csv(os.path.join(ROOT, "samples", f"adult_{s}.csv"), usecols=["age", "race"]) for s in ("train", "test")]
    frame = pd.concat(frames, ignore_index=True)
    frame = pd.concat([frame] * (ROWS // len(frame) + 1), ignore_index=True).iloc[:ROWS]
    frame.to_csv(path, index=False)
    return path


data = rows()
folder = tempfile.mkdtemp()


def candor(arguments):
    """Best end-to-end and best statistic+release times of `candor privacy query` over REPEATS fresh ledgers."""
    best_total, best_alone, answer = float("inf"), float("inf"), None
    for k in range(REPEATS):
        ledger = os.path.join(folder, f"l{time.time_ns()}.jsonl")
        subprocess.run([CANDOR, "privacy", "ledger", "init", "--ledger", ledger, "--epsilon", "10", "--delta", "1e-7", "--dataset", data],
                       check=True, capture_output=True)
        start = time.perf_counter()
        done = subprocess.run([CANDOR, "privacy", "query", "--data", data, "--ledger", ledger, *arguments], capture_output=True, text=True,
                              env={**os.environ, "CANDOR_PHASE_TIMES": "1"})
        total = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        phases = dict((name, float(seconds)) for name, seconds in re.findall(r"(\w+) ([0-9.]+) s", done.stderr))
        best_total, best_alone = min(best_total, total), min(best_alone, phases["statistic"] + phases["release"])
        answer = done.stdout.splitlines()[0]
    return best_total, best_alone, answer


frame = pd.read_csv(data)
ages, races = frame["age"].to_numpy(dtype=float), frame["race"].to_numpy()


def python_mean(a):
    return tools.mean(a, epsilon=0.5, bounds=(17, 90))


def python_histogram(a, groups):
    return {level: tools.histogram(a[groups == level], epsilon=0.5, bins=20, range=(0, 100))[0] for level in LEVELS}


def end_to_end(task):
    def run():
        f = pd.read_csv(data)
        return task(f["age"].to_numpy(dtype=float), f["race"].to_numpy())
    return run


tasks = [
    ("mean of age, 1,000,000 rows", ["--statistic", "mean", "--column", "age", "--bounds", "17:90", "--epsilon", "0.5"],
     lambda a, g: python_mean(a), f"true mean {ages.mean():.4f}"),
    ("20-bin histogram of age by race (5 levels), 1,000,000 rows",
     ["--statistic", "histogram", "--column", "age", "--bounds", "0:100", "--bins", "20", "--by", "race", "--levels", ",".join(LEVELS), "--epsilon", "0.5"],
     python_histogram, ""),
]
for name, arguments, task, truth in tasks:
    total, alone, answer = candor(arguments)
    python_alone, _ = best_of(REPEATS, lambda: task(ages, races))
    python_total, _ = best_of(REPEATS, end_to_end(task))
    report(f"{name} end to end", total, python_total, "pandas.read_csv + diffprivlib", f" ({answer}; {truth})" if truth else "")
    report("  statistic alone", alone, python_alone, "diffprivlib")
