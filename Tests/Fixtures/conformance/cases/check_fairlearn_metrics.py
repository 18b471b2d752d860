"""Verify the cases in fairlearn_metrics.py against Fairlearn 0.15.

Run:  bench/.venv/bin/python Tests/Fixtures/conformance/cases/check_fairlearn_metrics.py
For every case it prints the full Fairlearn result (overall, by_group, group_min,
group_max, difference and ratio with both methods; for disparity cases the function
value plus the underlying MetricFrame), then checks
  1. every value in test_expects (rel 1e-6, NaN == NaN),
  2. raises: the expected ValueError (message prefix) occurs,
  3. the comparison the Fairlearn test itself makes when it asserts no literal
     (masked re-computation of each group, sklearn reference, MetricFrame equality).
Exit status 1 if any check fails.
"""

import functools
import json
import math
import os
import sys
import warnings

import numpy as np
import sklearn.metrics as skm

import fairlearn
import fairlearn.metrics as flm
from fairlearn.metrics import MetricFrame

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fairlearn_metrics as data  # noqa: E402

CASES = data.CASES
REL = 1e-6
SCORE_METRICS = {"roc_auc", "log_loss", "brier_score"}
FAILURES = []


# --------------------------------------------------------------------------- metrics
def metric_fn(name, pos_label):
    """Return (callable, takes_sample_weight) for a metric name of the case schema."""
    pl = pos_label
    if name == "selection_rate":
        f = functools.partial(flm.selection_rate, pos_label=1 if pl is None else pl)
    elif name in ("true_positive_rate", "false_positive_rate",
                  "true_negative_rate", "false_negative_rate"):
        f = functools.partial(getattr(flm, name), pos_label=pl)
    elif name == "accuracy":
        f = skm.accuracy_score
    elif name == "balanced_accuracy":
        f = skm.balanced_accuracy_score
    elif name == "precision":
        f = functools.partial(skm.precision_score, zero_division=0,
                              pos_label=1 if pl is None else pl)
    elif name == "roc_auc":
        f = skm.roc_auc_score
    elif name == "log_loss":
        f = skm.log_loss
    elif name == "brier_score":
        f = functools.partial(skm.brier_score_loss, pos_label=pl)
    elif name == "count":
        return flm.count, False
    else:
        raise KeyError(name)
    return f, True


# --------------------------------------------------------------------------- helpers
def py(x):
    if isinstance(x, tuple):
        return tuple(py(v) for v in x)
    if hasattr(x, "item"):
        return x.item()
    return x


def series_to_dict(s):
    return {py(k): py(v) for k, v in s.items()}


def frame_result(df_or_series):
    """DataFrame (columns = metrics) -> {metric: {key: v}};  Series (index = metrics) -> {metric: v}."""
    if hasattr(df_or_series, "columns"):
        return {c: series_to_dict(df_or_series[c]) for c in df_or_series.columns}
    return series_to_dict(df_or_series)


def close(a, b):
    try:
        fa, fb = float(a), float(b)
    except (TypeError, ValueError):
        return a == b
    if math.isnan(fa) or math.isnan(fb):
        return math.isnan(fa) and math.isnan(fb)
    return math.isclose(fa, fb, rel_tol=REL, abs_tol=1e-12)


def fmt_key(k):
    return "|".join(str(v) for v in k) if isinstance(k, tuple) else str(k)


def jsonable(x):
    if isinstance(x, dict):
        return {fmt_key(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, float) and math.isnan(x):
        return "NaN"
    return x


def compare(expected, actual, path, errors):
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            errors.append(f"{path}: expected a mapping, got {actual!r}")
            return
        for k, v in expected.items():
            if k not in actual:
                errors.append(f"{path}[{k!r}]: missing in result (keys {list(actual)})")
                continue
            compare(v, actual[k], f"{path}[{k!r}]", errors)
    elif not close(expected, actual):
        errors.append(f"{path}: expected {expected!r}, got {actual!r}")


def mask_eval(f, takes_sw, y_true, y_pred, sw, mask):
    if mask.sum() == 0:
        return float("nan")
    yt = np.asarray(y_true, dtype=object if isinstance(y_true[0], str) else None)[mask]
    yp = np.asarray(y_pred)[mask]
    if takes_sw and sw is not None:
        return py(f(yt, yp, sample_weight=np.asarray(sw)[mask]))
    return py(f(yt, yp))


# --------------------------------------------------------------------------- computation
def build_frames(case):
    """One MetricFrame for label metrics, one for score metrics (they need another y_pred)."""
    pl = case["pos_label"]
    sw = case["sample_weight"]
    sens = case["sensitive"]
    ctrl = case["control"] or None
    frames = []
    for score in (False, True):
        names = [m for m in case["metrics"] if (m in SCORE_METRICS) == score]
        if not names:
            continue
        fns, sp = {}, {}
        for m in names:
            f, takes_sw = metric_fn(m, pl)
            fns[m] = f
            if sw is not None and takes_sw:
                sp[m] = {"sample_weight": sw}
        y_pred = case["y_score"] if score else case["y_pred"]
        frames.append(MetricFrame(metrics=fns, y_true=case["y_true"], y_pred=y_pred,
                                  sensitive_features=sens, control_features=ctrl,
                                  sample_params=sp or None))
    return frames


def full_result(frames):
    res = {k: {} for k in ("overall", "by_group", "group_min", "group_max")}
    res["difference"] = {"between_groups": {}, "to_overall": {}}
    res["ratio"] = {"between_groups": {}, "to_overall": {}}
    for mf in frames:
        res["overall"].update(frame_result(mf.overall))
        res["by_group"].update(frame_result(mf.by_group))
        res["group_min"].update(frame_result(mf.group_min()))
        res["group_max"].update(frame_result(mf.group_max()))
        for meth in ("between_groups", "to_overall"):
            res["difference"][meth].update(frame_result(mf.difference(method=meth)))
            res["ratio"][meth].update(frame_result(mf.ratio(method=meth)))
    return res


def disparity_value(case):
    fn = getattr(flm, case["function"])
    kw = dict(sensitive_features=case["sensitive"], method=case["method"],
              sample_weight=case["sample_weight"])
    if case["function"].startswith("equalized_odds"):
        kw["agg"] = case["agg"]
    return py(fn(case["y_true"], case["y_pred"], **kw))


DISPARITY_METRICS = {
    "demographic_parity": ["selection_rate"],
    "equalized_odds": ["true_positive_rate", "false_positive_rate"],
    "equal_opportunity": ["true_positive_rate"],
}


def disparity_frame_case(case):
    fam = case["function"].rsplit("_", 1)[0]
    c = dict(case)
    c["metrics"] = DISPARITY_METRICS[fam]
    c["control"] = {}
    return c


# --------------------------------------------------------------------------- test-logic checks
def check_masked(case, res, errors):
    """What most MetricFrame tests assert: each cell == metric on the masked subset,
    and the aggregates follow from the cells (NaN cells skipped)."""
    sens, ctrl = case["sensitive"], case["control"]
    cols = list(ctrl.values()) + list(sens.values())
    n_ctrl = len(ctrl)
    for m in case["metrics"]:
        f, takes_sw = metric_fn(m, case["pos_label"])
        y_pred = case["y_score"] if m in SCORE_METRICS else case["y_pred"]
        overall_res = res["overall"][m]
        for key, val in res["by_group"][m].items():
            kt = key if isinstance(key, tuple) else (key,)
            mask = np.ones(len(case["y_true"]), dtype=bool)
            for col, kv in zip(cols, kt):
                mask &= np.asarray(col, dtype=object) == kv
            exp = mask_eval(f, takes_sw, case["y_true"], y_pred, case["sample_weight"], mask)
            if not close(exp, val):
                errors.append(f"masked recomputation by_group[{m}][{key!r}]: {exp} != {val}")
        # overall (per control cell)
        if n_ctrl == 0:
            cells = {None: (np.ones(len(case["y_true"]), dtype=bool), overall_res)}
        else:
            cells = {}
            for ck, ov in overall_res.items():
                ckt = ck if isinstance(ck, tuple) else (ck,)
                mask = np.ones(len(case["y_true"]), dtype=bool)
                for col, kv in zip(list(ctrl.values()), ckt):
                    mask &= np.asarray(col, dtype=object) == kv
                cells[ck] = (mask, ov)
        for ck, (mask, ov) in cells.items():
            exp = mask_eval(f, takes_sw, case["y_true"], y_pred, case["sample_weight"], mask)
            if not close(exp, ov):
                errors.append(f"masked recomputation overall[{m}][{ck!r}]: {exp} != {ov}")
            # aggregates from cells
            vals = []
            for key, val in res["by_group"][m].items():
                kt = key if isinstance(key, tuple) else (key,)
                if ck is None or kt[:n_ctrl] == (ck if isinstance(ck, tuple) else (ck,)):
                    vals.append(val)
            vals = np.array([v for v in vals if not math.isnan(v)], dtype=float)

            def pick(d):
                return d[m] if ck is None else d[m][ck]

            if len(vals) == 0 or math.isnan(ov):
                exp_agg = dict(mn=np.nan, mx=np.nan, db=np.nan, do=np.nan, rb=np.nan, ro=np.nan)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = np.concatenate([vals / ov, ov / vals])
                    r = r[~np.isnan(r)]
                    exp_agg = dict(mn=vals.min(), mx=vals.max(), db=vals.max() - vals.min(),
                                   do=np.abs(vals - ov).max(),
                                   rb=vals.min() / vals.max() if vals.max() != 0 else np.nan,
                                   ro=r.min() if len(r) else np.nan)
            got = dict(mn=pick(res["group_min"]), mx=pick(res["group_max"]),
                       db=pick(res["difference"]["between_groups"]),
                       do=pick(res["difference"]["to_overall"]),
                       rb=pick(res["ratio"]["between_groups"]),
                       ro=pick(res["ratio"]["to_overall"]))
            for k in exp_agg:
                if not close(exp_agg[k], got[k]):
                    errors.append(f"aggregate {k} [{m}][{ck!r}]: expected {exp_agg[k]} got {got[k]}")


def one_metric(case, name, pos_label, **extra):
    f, _ = metric_fn(name, pos_label)
    return py(f(case["y_true"], case["y_pred"], **extra))


def specific_checks(case, res, errors):
    cid = case["id"]
    sw = case["sample_weight"]
    yt, yp = case["y_true"], case["y_pred"]
    ov = res.get("overall", {}) if res else {}

    def expect(label, a, b):
        if not close(a, b):
            errors.append(f"{label}: {a} != {b}")

    if cid == "fl-metrics-tpr-vs-sklearn-weighted":
        expect("== sklearn recall", ov["true_positive_rate"], skm.recall_score(yt, yp, sample_weight=sw))
    elif cid == "fl-metrics-tpr-vs-sklearn-weighted-pos0":
        expect("== sklearn recall(pos_label=0)", ov["true_positive_rate"],
               skm.recall_score(yt, yp, pos_label=0, sample_weight=sw))
    elif cid == "fl-metrics-tpr-alpha-pos-a":
        expect("== sklearn recall(pos_label='a')", ov["true_positive_rate"],
               skm.recall_score(yt, yp, pos_label="a"))
        other = one_metric(case, "true_positive_rate", "b")
        if close(other, ov["true_positive_rate"]):
            errors.append("TPR(pos_label='a') should differ from TPR(pos_label='b')")
    elif cid == "fl-metrics-gen-dp-difference-between":
        expect("== selection_rate_difference", res["value"],
               flm.selection_rate_difference(yt, yp, sensitive_features=case["sensitive"]["sf"],
                                             method="between_groups"))
    elif cid == "fl-metrics-gen-dp-ratio-to-overall":
        expect("== selection_rate_ratio", res["value"],
               flm.selection_rate_ratio(yt, yp, sensitive_features=case["sensitive"]["sf"],
                                        method="to_overall"))
    elif cid == "fl-metrics-derived-accuracy-precision":
        sf = case["sensitive"]["sf"]
        acc_d = flm.make_derived_metric(metric=skm.accuracy_score, transform="difference",
                                        sample_param_names=["sample_weight"])
        prec_r = flm.make_derived_metric(metric=skm.precision_score, transform="ratio",
                                         sample_param_names=["sample_weight"])
        prec_min = flm.make_derived_metric(metric=skm.precision_score, transform="group_min")
        prec_max = flm.make_derived_metric(metric=skm.precision_score, transform="group_max")
        for meth in ("between_groups", "to_overall"):
            expect(f"accuracy_difference[{meth}]", acc_d(yt, yp, sensitive_features=sf, method=meth),
                   res["difference"][meth]["accuracy"])
            expect(f"precision_ratio[{meth}]", prec_r(yt, yp, sensitive_features=sf, method=meth),
                   res["ratio"][meth]["precision"])
        expect("precision_group_min", prec_min(yt, yp, sensitive_features=sf), res["group_min"]["precision"])
        expect("precision_group_max", prec_max(yt, yp, sensitive_features=sf), res["group_max"]["precision"])


def check_disparity_against_frame(case, value, frame_res, errors):
    """test_fairness_metrics.py: function value == the MetricFrame aggregate."""
    meth, agg = case["method"], case["agg"]
    kind = "difference" if case["function"].endswith("difference") else "ratio"
    vals = list(frame_res[kind][meth].values())
    if case["function"].startswith("equalized_odds"):
        if agg == "mean":
            exp = float(np.mean(vals))
        else:
            exp = max(vals) if kind == "difference" else min(vals)
    else:
        exp = vals[0]
    if not close(exp, value):
        errors.append(f"{case['function']} {value} != MetricFrame {kind}({meth}) aggregate {exp}")


# --------------------------------------------------------------------------- raising
def direct_call_message(case):
    """Call the bare metric functions on the whole arrays (what the scalar tests do)."""
    for m in case["metrics"]:
        f, takes_sw = metric_fn(m, case["pos_label"])
        y_pred = case["y_score"] if m in SCORE_METRICS else case["y_pred"]
        try:
            if takes_sw and case["sample_weight"] is not None:
                f(case["y_true"], y_pred, sample_weight=case["sample_weight"])
            else:
                f(case["y_true"], y_pred)
        except Exception as e:  # noqa: BLE001
            return f"{type(e).__name__}: {e}"
    return None


def run_case(case):
    errors, warns = [], []
    out = {}
    exp_exc_type, _, exp_msg = (case["raises"] or "").partition(": ")
    with warnings.catch_warnings(record=True) as wlist:
        warnings.simplefilter("always")
        try:
            if case["kind"] == "disparity":
                value = disparity_value(case)
                frame_res = full_result(build_frames(disparity_frame_case(case)))
                out = {"value": value, "metric_frame": frame_res}
                res = {"value": value, **frame_res}
            else:
                res = full_result(build_frames(case))
                out = res
            raised = None
        except Exception as e:  # noqa: BLE001
            raised = e
        for w in wlist:
            msg = f"{w.category.__name__}: {str(w.message).splitlines()[0][:110]}"
            if msg not in warns:
                warns.append(msg)

    if case["raises"]:
        direct = direct_call_message(case)
        if raised is None:
            errors.append(f"expected {case['raises']!r}, nothing raised")
        else:
            mf_msg = f"{type(raised).__name__}: {raised}"
            out = {"raised (MetricFrame)": mf_msg, "raised (bare metric call)": direct}
            ok_type = type(raised).__name__ == exp_exc_type
            ok_msg = str(raised).startswith(exp_msg) or (direct or "").startswith(case["raises"])
            if not (ok_type and ok_msg):
                errors.append(f"expected {case['raises']!r}; MetricFrame: {mf_msg!r}; bare: {direct!r}")
        return out, warns, errors

    if raised is not None:
        errors.append(f"unexpected {type(raised).__name__}: {raised}")
        return out, warns, errors

    compare(case["test_expects"], res, "test_expects", errors)
    if case["kind"] == "disparity":
        check_disparity_against_frame(case, res["value"], frame_res, errors)
        specific_checks(case, res, errors)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            check_masked(case, res, errors)
            specific_checks(case, res, errors)
    return out, warns, errors


def check_inlined_arrays():
    """The inlined group arrays must equal data_for_test.py's generators."""
    def group_gen(x, runs, groups):
        return groups[(x // runs) % len(groups)]

    def array_gen(groups, run_length, num_samples):
        return [group_gen(x, run_length, groups) for x in range(num_samples)]

    n = len(data.Y_T)
    assert n == len(data.Y_P) == len(data.S_W) == 71
    assert data.G_1 == array_gen(["aa", "ba"], 2, n)
    assert data.G_2 == array_gen(["f", "g"], 3, n)
    assert data.G_3 == array_gen(["kk", "m"], 4, n)
    assert data.G_4 == array_gen(["pp", "q"], 5, n)
    assert data.G_A == [group_gen(x, int(n / 2), ["aa", "bb"]) for x in range(n)]
    assert data.G_B == [group_gen(x, 1 + int(n / 3), ["x", "y", "z"]) for x in range(n)]
    assert data._apx1 == 1 - 1e-15


def main():
    print(f"fairlearn {fairlearn.__version__}, scikit-learn {skm.__name__ and __import__('sklearn').__version__}")
    check_inlined_arrays()
    allowed = {"selection_rate", "accuracy", "balanced_accuracy", "true_positive_rate",
               "false_positive_rate", "false_negative_rate", "true_negative_rate", "precision",
               "roc_auc", "log_loss", "brier_score", "count"}
    for case in CASES:
        assert set(case["metrics"]) <= allowed, case["id"]
        out, warns, errors = run_case(case)
        status = "OK" if not errors else "FAIL"
        print("=" * 100)
        print(f"[{status}] {case['id']}  ({case['kind']})")
        print(f"  source: {case['source']}")
        print(f"  note:   {case['note']}")
        if case["kind"] == "disparity":
            print(f"  function={case['function']} method={case['method']} agg={case['agg']}")
        print(f"  pos_label={case['pos_label']!r} weighted={case['sample_weight'] is not None} "
              f"n={len(case['y_true'])} sensitive={list(case['sensitive'])} control={list(case['control'])}")
        if case["test_expects"]:
            print("  test_expects: " + json.dumps(jsonable(case["test_expects"])))
        if case["raises"]:
            print(f"  raises: {case['raises']}")
        print("  result: " + json.dumps(jsonable(out), indent=None))
        for w in warns:
            print(f"  warning: {w}")
        for e in errors:
            print(f"  ERROR: {e}")
        if errors:
            FAILURES.append(case["id"])
    print("=" * 100)
    print(f"{len(CASES)} cases, {len(CASES) - len(FAILURES)} passed, {len(FAILURES)} failed")
    if FAILURES:
        print("failed: " + ", ".join(FAILURES))
        sys.exit(1)


if __name__ == "__main__":
    main()
