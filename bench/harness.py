"""Shared helpers: time a Candor command and its Python twin in the same run, print both and the ratio."""
import os
import subprocess
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CANDOR = os.path.join(ROOT, ".build", "release", "candor")


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


def account_phase(args, repeats, phase="account"):
    """The best time of one phase (CANDOR_PHASE_TIMES=1) over `repeats` runs of a Candor command."""
    import re
    best = float("inf")
    for _ in range(repeats):
        done = subprocess.run([CANDOR, *args], cwd=ROOT, capture_output=True, text=True, env={**os.environ, "CANDOR_PHASE_TIMES": "1"})
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
