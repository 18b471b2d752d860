"""Reference ε for the event trees `candor privacy query` records, by dp_accounting 0.6.0 (bench/.venv).

Trees (in the events-file JSON): ZCDpEvent (the discrete Gaussian's zCDP guarantee) alone and composed with DP-SGD,
under RDP at the default orders (its PLD has no zCDP); DiscreteLaplaceDpEvent with large integer sensitivities (a grid sum), composed with
a count's and repeated, under PLD (its RDP has no discrete Laplace) (value_discretization_interval 1e-4).
Run: bench/.venv/bin/python Tests/Fixtures/privacy/make_query_events.py
"""
import json
import os

from dp_accounting import dp_event as e
from dp_accounting import pld, rdp

DELTA = 1e-5


def dl(a, s):
    return {"type": "DiscreteLaplaceDpEvent", "noise_parameter": a, "sensitivity": s}


def zc(rho, xi=0.0):
    return {"type": "ZCDpEvent", "rho": rho, "xi": xi}


def composed(*events):
    return {"type": "ComposedDpEvent", "events": list(events)}


sgd = {"type": "SelfComposedDpEvent", "count": 1272, "event": {"type": "PoissonSampledDpEvent", "sampling_probability": 256 / 32561,
                                                               "event": {"type": "GaussianDpEvent", "noise_multiplier": 1.1}}}
trees = {
    "zcdp_alone": zc(0.05),
    "zcdp_with_xi": zc(0.02, 0.01),
    "zcdp_three_parts": composed(zc(0.01), zc(0.01), zc(0.01)),
    "zcdp_after_dpsgd": composed(sgd, zc(0.005)),
    "mean_laplace": composed(dl(0.25, 1), dl(0.25 / 37376, 37376)),
    "grid_sum_repeated": {"type": "SelfComposedDpEvent", "count": 5, "event": dl(0.1 / 65536, 65536)},
    "histogram_and_mean": composed(dl(0.2, 1), dl(0.25, 1), dl(0.25 / 37376, 37376)),
}


def event(tree):
    t = tree["type"]
    if t == "DiscreteLaplaceDpEvent": return e.DiscreteLaplaceDpEvent(tree["noise_parameter"], tree["sensitivity"])
    if t == "ZCDpEvent": return e.ZCDpEvent(tree["rho"], tree["xi"])
    if t == "ComposedDpEvent": return e.ComposedDpEvent([event(x) for x in tree["events"]])
    if t == "SelfComposedDpEvent": return e.SelfComposedDpEvent(event(tree["event"]), tree["count"])
    if t == "PoissonSampledDpEvent": return e.PoissonSampledDpEvent(tree["sampling_probability"], event(tree["event"]))
    if t == "GaussianDpEvent": return e.GaussianDpEvent(tree["noise_multiplier"])
    raise ValueError(t)


cases = []
for name, tree in trees.items():
    case = {"id": name, "event": tree, "delta": DELTA}
    if "zcdp" in name:  # dp_accounting's RDP has no discrete Laplace, its PLD no zCDP
        r = rdp.RdpAccountant()
        r.compose(event(tree))
        case["rdp_epsilon"], case["rdp_optimal_order"] = r.get_epsilon_and_optimal_order(DELTA)
    else:
        p = pld.PLDAccountant(value_discretization_interval=1e-4)
        p.compose(event(tree))
        case["pld_epsilon"] = p.get_epsilon(DELTA)
    cases.append(case)
out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "query_events.json")
json.dump({"source": "dp_accounting 0.6.0 (make_query_events.py)", "cases": cases}, open(out, "w"), indent=1)
for c in cases: print(c["id"], c.get("rdp_epsilon"), c.get("rdp_optimal_order"), c.get("pld_epsilon"))
