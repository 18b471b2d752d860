"""Reference ε lower bounds for the one-run audit (Steinke, Nasr & Jagielski 2023, Algorithm/Theorem 3.3 and its
published p-value): P[≥ v of r right] = β + 2mδ·α with β = P[Binomial(r, q) ≥ v], q = 1/(1 + e^−ε), and
α = max_i P[v > Binomial(r, q) ≥ v − i]/i; ε is the largest with p-value below p, by bisection.

Run with bench/.venv/bin/python (scipy) to remake one_run_audit.json.
"""
import json
import math

import scipy.stats


def p_value(m, r, v, eps, delta):
    q = 1 / (1 + math.exp(-eps))
    beta = scipy.stats.binom.sf(v - 1, r, q)
    alpha, total = 0.0, 0.0
    for i in range(1, v + 1):
        total += scipy.stats.binom.pmf(v - i, r, q)
        alpha = max(alpha, total / i)
    return min(1.0, beta + alpha * delta * 2 * m)


def epsilon_lower_bound(m, r, v, delta, p):
    if v == 0 or p_value(m, r, v, 0, delta) >= p:
        return 0.0
    low, high = 0.0, 1.0
    while p_value(m, r, v, high, delta) < p and high < 1e3:
        low, high = high, high * 2
    for _ in range(60):
        middle = (low + high) / 2
        if p_value(m, r, v, middle, delta) < p:
            low = middle
        else:
            high = middle
    return low


cases = []
for m, r, v, delta, p in [(500, 250, 207, 1e-5, 0.05 / 6), (500, 250, 207, 0, 0.05), (1000, 100, 70, 1e-5, 0.05), (1000, 1000, 560, 1e-6, 0.05 / 6),
                          (1000, 20, 20, 0, 0.05), (10000, 500, 400, 1e-5, 0.01), (2000, 200, 110, 1e-5, 0.05), (100, 100, 100, 1e-3, 0.05)]:
    cases.append({"m": m, "r": r, "v": v, "delta": delta, "p": p, "p_value_at_1": p_value(m, r, v, 1.0, delta),
                  "epsilon_lower_bound": epsilon_lower_bound(m, r, v, delta, p)})
json.dump({"made_by": "make_one_run_audit.py with scipy " + scipy.__version__, "cases": cases}, open("one_run_audit.json", "w"), indent=1)
