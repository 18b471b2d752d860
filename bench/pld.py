"""PLD accounting: candor privacy epsilon --accountant pld vs dp_accounting 0.6.0's PLDAccountant, same discretization.

Both use value_discretization_interval 1e-4 and pessimistic connect-the-dots; dp_accounting runs in-process (import not
counted). Candor is timed end to end and its accounting phase alone (CANDOR_PHASE_TIMES=1).
"""
import os

import dp_accounting
from dp_accounting.pld import pld_privacy_accountant

from harness import compare_accountant

REPEATS = int(os.environ.get("REPEATS", "3"))
DELTA = 1e-5
SETTINGS = [("MNIST DP-SGD, 1,000 steps", 256 / 60000, 1.1, 1000), ("MNIST DP-SGD, 14,063 steps", 256 / 60000, 1.1, 14063),
            ("Adult DP-SGD, 1,272 steps", 256 / 32561, 1.3801631220563693, 1272)]


def python_epsilon(q, sigma, steps):
    accountant = pld_privacy_accountant.PLDAccountant(value_discretization_interval=1e-4)
    accountant.compose(dp_accounting.SelfComposedDpEvent(dp_accounting.PoissonSampledDpEvent(q, dp_accounting.GaussianDpEvent(sigma)), steps))
    return accountant.get_epsilon(DELTA)


compare_accountant("pld", SETTINGS, python_epsilon, "dp_accounting", lambda ours, theirs: f" (epsilon {ours['epsilon']:.9f} vs {theirs:.9f})",
                   REPEATS, DELTA)
