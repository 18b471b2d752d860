"""RDP accounting and noise calibration: candor privacy epsilon / sigma vs dp_accounting 0.6.0, same inputs.

Candor is timed end to end (process start, accounting, JSON written) and its accounting phase alone
(`CANDOR_PHASE_TIMES=1`); dp_accounting in-process (the import not counted), the same work as the phase. Candor
runs both of its fractional-order methods: dp_accounting's series (the same computation) and the exact
integration it uses by default. A third figure runs dp_accounting the way a command line does, as its own process
(interpreter start and import counted), against Candor end to end: process to process.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

import dp_accounting
from dp_accounting import rdp

from harness import CANDOR, ROOT, account_phase, best_of, report, run_candor

REPEATS = int(os.environ.get("REPEATS", "5"))
Q, SIGMA, DELTA = 256 / 60000, 1.1, 1e-5


def dp_sgd(q, sigma, steps):
    return dp_accounting.SelfComposedDpEvent(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps)


def python_epsilon(steps):
    accountant = rdp.RdpAccountant()
    accountant.compose(dp_sgd(Q, SIGMA, steps))
    return accountant.get_epsilon(DELTA)




def python_process_epsilon(steps):
    script = ("import dp_accounting\nfrom dp_accounting import rdp\na = rdp.RdpAccountant()\n"
              f"a.compose(dp_accounting.SelfComposedDpEvent(dp_accounting.PoissonSampledDpEvent({Q!r}, "
              f"dp_accounting.GaussianDpEvent({SIGMA!r})), {steps}))\nprint(a.get_epsilon({DELTA!r}))")
    return float(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout)


out = tempfile.mkdtemp()
for steps in (1000, 10000, 100000):
    python_seconds, theirs = best_of(REPEATS, lambda: python_epsilon(steps))
    process_seconds, _ = best_of(REPEATS, lambda: python_process_epsilon(steps))
    for method in ("dp_accounting", "exact"):
        path = os.path.join(out, f"eps_{steps}_{method}.json")
        args = ["privacy", "epsilon", "--sampling-rate", repr(Q), "--noise-multiplier", repr(SIGMA), "--steps", str(steps),
                "--delta", repr(DELTA), "--rdp-fractional", method, "--json", path]
        candor_seconds, _ = best_of(REPEATS, lambda: run_candor(*args))
        ours = json.load(open(path))["epsilon"]
        report(f"RDP epsilon, {steps} steps, fractional orders {method}", candor_seconds, python_seconds, "dp_accounting",
               f" (epsilon {ours:.9f} vs {theirs:.9f})")
        report(f"  accounting alone", account_phase(args, REPEATS), python_seconds, "dp_accounting")
        report(f"  process to process", candor_seconds, process_seconds, "a python3 process running dp_accounting")

# sigma for a target epsilon: the Adult DP-SGD setting (q = 256/32561, 1272 steps) at epsilon 1, tol 1e-6.
q, steps, target, tol = 256 / 32561, 1272, 1.0, 1e-6


def python_sigma():
    return dp_accounting.calibrate_dp_mechanism(rdp.RdpAccountant, lambda s: dp_sgd(q, s, steps), target, DELTA, tol=tol)


python_seconds, theirs = best_of(REPEATS, python_sigma)
for method in ("dp_accounting", "exact"):
    path = os.path.join(out, f"sigma_{method}.json")
    args = ["privacy", "sigma", "--epsilon", repr(target), "--delta", repr(DELTA), "--sampling-rate", repr(q), "--steps", str(steps),
            "--tolerance", repr(tol), "--rdp-fractional", method, "--json", path]
    candor_seconds, _ = best_of(REPEATS, lambda: run_candor(*args))
    ours = json.load(open(path))["noise_multiplier"]
    report(f"sigma for epsilon 1 (Adult DP-SGD), tol 1e-6, fractional orders {method}", candor_seconds, python_seconds,
           "dp_accounting calibrate_dp_mechanism", f" (sigma {ours:.7f} vs {theirs:.7f})")
    report(f"  calibration alone", account_phase(args, REPEATS), python_seconds, "dp_accounting calibrate_dp_mechanism")
