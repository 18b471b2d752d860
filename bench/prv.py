"""PRV accounting: candor privacy epsilon --accountant prv vs prv_accountant 0.2.0's PRVAccountant, the same error.

Both take eps_error = 0.01 and delta_error = delta/1000 (prv_accountant's own convention); prv_accountant runs
in-process (import not counted) and is timed from building the accountant, which is where it discretizes, to its
bracket. Candor is timed end to end and its accounting phase alone (CANDOR_PHASE_TIMES=1).
"""
import os

from prv_accountant import PRVAccountant, PoissonSubsampledGaussianMechanism

from harness import compare_accountant

REPEATS = int(os.environ.get("REPEATS", "3"))
DELTA = 1e-5
SETTINGS = [("MNIST DP-SGD, 1,000 steps", 256 / 60000, 1.1, 1000), ("MNIST DP-SGD, 14,063 steps", 256 / 60000, 1.1, 14063),
            ("Adult DP-SGD, 1,272 steps", 256 / 32561, 1.3801631220563693, 1272), ("q 0.001, sigma 0.8, 100,000 steps", 0.001, 0.8, 100000)]


def python_bracket(q, sigma, steps):
    accountant = PRVAccountant(prvs=[PoissonSubsampledGaussianMechanism(sampling_probability=q, noise_multiplier=sigma)],
                               max_self_compositions=[steps], eps_error=0.01, delta_error=DELTA / 1000)
    return accountant.compute_epsilon(delta=DELTA, num_self_compositions=[steps])


compare_accountant("prv", SETTINGS, python_bracket, "prv_accountant",
                   lambda ours, theirs: f" (estimate {ours['bracket']['estimate']:.6f} vs {theirs[1]:.6f}; upper {ours['bracket']['upper']:.6f} vs {theirs[2]:.6f})",
                   REPEATS, DELTA)
