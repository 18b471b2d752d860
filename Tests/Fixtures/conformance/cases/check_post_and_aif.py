"""Run every case of fairlearn_postprocessing.CASES and aif360_cases.CASES against the
installed libraries (fairlearn 0.15.0, aif360 0.6.1) and assert that every literal in
`test_expects` (and `observed`) is reproduced and that `raises` cases raise.

    bench/.venv/bin/python Tests/Fixtures/conformance/cases/check_post_and_aif.py [-q]

Prints, per case, the full output: P(1) per row (column 1 of _pmf_predict) for threshold
cases, every metric value for AIF360 cases, the instance weights for reweighing.
Exit status 0 iff all cases pass.
"""
import ast
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fairlearn_postprocessing import CASES as FL_CASES  # noqa: E402
from aif360_cases import CASES as AIF_CASES  # noqa: E402

from sklearn.base import BaseEstimator, ClassifierMixin  # noqa: E402
import fairlearn  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402

QUIET = "-q" in sys.argv
FAILURES = []


class IdentityEstimator(BaseEstimator, ClassifierMixin):
    """Prefit estimator whose predict() returns the (single) score column."""

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]


def fmt(v):
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, np.ndarray):
        return "[" + ", ".join(fmt(x) for x in v.ravel()) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k!r}: {fmt(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(fmt(x) for x in v) + "]"
    return repr(v)


def close(a, b, rtol, atol):
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.all(np.isclose(a, b, rtol=rtol, atol=atol,
                                                         equal_nan=True)))


class Checker:
    def __init__(self, case):
        self.case = case
        self.errors = []
        self.lines = []

    def out(self, s):
        self.lines.append(s)

    def expect(self, what, ok, got, want):
        if not ok:
            self.errors.append(f"{what}: got {fmt(got)}, expected {fmt(want)}")

    def finish(self):
        status = "PASS" if not self.errors else "FAIL"
        print(f"[{status}] {self.case['id']}  ({self.case['source']})")
        if not QUIET or self.errors:
            for line in self.lines:
                print("    " + line)
        for e in self.errors:
            print("    !! " + e)
        if self.errors:
            FAILURES.append(self.case["id"])


def check_raises(ck, fn):
    """Run fn; return (ok_to_continue). Handles case['raises']."""
    want = ck.case.get("raises")
    try:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            res = fn()
        for x in w:
            ck.out(f"warning: {x.category.__name__}: {str(x.message).splitlines()[0][:120]}")
    except Exception as e:  # noqa: BLE001
        got = f"{type(e).__name__}: {e}"
        ck.out(f"raised {got[:200]}")
        if want is None:
            ck.errors.append(f"unexpected exception {got}")
        elif not got.startswith(want):
            ck.errors.append(f"raised {got!r}, expected to start with {want!r}")
        return None
    if want is not None:
        ck.errors.append(f"did not raise, expected {want!r}")
        return None
    return res


# ------------------------------------------------------------------------------ fairlearn
def _group_labels(sensitive):
    cols = list(sensitive.values())
    if len(cols) == 1:
        return list(cols[0])
    return [",".join(str(v) for v in row) for row in zip(*cols)]


def _sf_arg(sensitive):
    if len(sensitive) == 1:
        return list(next(iter(sensitive.values())))
    return pd.DataFrame(sensitive)


def _escape_join(values):
    return ",".join(str(v).replace("\\", "\\\\").replace(",", "\\,") for v in values)


def _make_to(case, tol="case", sensitive=None):
    X = pd.DataFrame({"score": case["scores"]})
    to = ThresholdOptimizer(estimator=IdentityEstimator().fit(X),
                            constraints=case["constraint"], objective=case["objective"],
                            grid_size=case["grid_size"], flip=case["flip"], prefit=True,
                            predict_method="predict",
                            tol=case["tol"] if tol == "case" else tol)
    to.fit(X, case["y"], sensitive_features=_sf_arg(sensitive or case["sensitive"]))
    return to


def _interp_summary(to):
    res = {}
    for k, b in to.interpolated_thresholder_.interpolation_dict.items():
        d = dict(p0=float(b["p0"]), op0=b["operation0"]._operator,
                 thr0=float(b["operation0"]._threshold), p1=float(b["p1"]),
                 op1=b["operation1"]._operator, thr1=float(b["operation1"]._threshold))
        if "p_ignore" in b:
            d["p_ignore"] = float(b["p_ignore"])
            d["prediction_constant"] = float(b["prediction_constant"])
        res[k] = d
    return res


def run_threshold(case):
    ck = Checker(case)
    ex = case.get("test_expects", {}) or {}
    obs = case.get("observed", {}) or {}
    to = check_raises(ck, lambda: _make_to(case))
    if to is None:
        ck.finish()
        return
    X_fit = pd.DataFrame({"score": case["scores"]})
    pmf_fit = to._pmf_predict(X_fit, sensitive_features=_sf_arg(case["sensitive"]))
    ck.out(f"fit rows p1 = {fmt(pmf_fit[:, 1])}")
    pmf_pred = pmf_fit
    if case.get("predict_on"):
        po = case["predict_on"]
        pmf_pred = to._pmf_predict(pd.DataFrame({"score": po["scores"]}),
                                   sensitive_features=_sf_arg(po["sensitive"]))
        ck.out(f"predict_on p1 = {fmt(pmf_pred[:, 1])}")
    interp = _interp_summary(to)
    for k, d in interp.items():
        ck.out(f"interpolation[{k!r}] = {fmt(d)}")
    ck.out(f"_y_best = {fmt(to._y_best)}" +
           (f", _between_groups = {fmt(to._between_groups)}" if hasattr(to, "_between_groups")
            else ""))

    groups = np.array(_group_labels(case["sensitive"]), dtype=object)
    y = np.asarray(case["y"])
    R, A = 1e-5, 1e-8
    for src_name, src in (("test_expects", ex), ("observed", obs)):
        for key, want in src.items():
            tag = f"{src_name}.{key}"
            if key == "p1":
                ck.expect(tag, close(pmf_pred[:, 1], want, R, A), pmf_pred[:, 1], want)
            elif key == "strict_p1":
                strict = _make_to(case, tol=None)
                got = strict._pmf_predict(X_fit, sensitive_features=_sf_arg(case["sensitive"]))
                ck.expect(tag, close(got[:, 1], want, R, A), got[:, 1], want)
            elif key == "group_mean_pmf":
                for g, w in want.items():
                    got = pmf_fit[groups == g].mean(axis=0)
                    ck.expect(f"{tag}[{g}]", close(got, w, R, A), got, w)
            elif key == "group_mean_p1":
                for g, w in want.items():
                    got = pmf_fit[groups == g][:, 1].mean()
                    ck.expect(f"{tag}[{g}]", close(got, w, R, A), got, w)
            elif key == "group_label_mean_pmf":
                for g, per_label in want.items():
                    for lab, w in per_label.items():
                        got = pmf_fit[(groups == g) & (y == lab)].mean(axis=0)
                        ck.expect(f"{tag}[{g}][{lab}]", close(got, w, R, A), got, w)
            elif key == "interpolation":
                for g, w in want.items():
                    got = interp.get(g)
                    if got is None:
                        ck.errors.append(f"{tag}: group {g!r} missing; have {list(interp)}")
                        continue
                    for f, wv in w.items():
                        gv = got.get(f)
                        ok = (gv == wv) if isinstance(wv, str) else (
                            gv is not None and close(gv, wv, 1e-6, 1e-12))
                        ck.expect(f"{tag}[{g}].{f}", ok, gv, wv)
                    if "p_ignore" not in w:
                        ck.expect(f"{tag}[{g}] has no p_ignore", "p_ignore" not in got,
                                  sorted(got), sorted(w))
            elif key in ("relaxed_y_best_ge_strict", "between_groups_le_tol"):
                strict = _make_to(case, tol=None)
                ck.out(f"strict (tol=None) _y_best = {fmt(strict._y_best)}")
                if key == "relaxed_y_best_ge_strict":
                    ck.expect(tag, (to._y_best >= strict._y_best) == want,
                              (to._y_best, strict._y_best), want)
                else:
                    ck.expect(tag, (to._between_groups <= case["tol"]) == want,
                              to._between_groups, want)
            elif key in ("y_best", "strict_y_best", "between_groups"):
                got = {"y_best": lambda: to._y_best,
                       "between_groups": lambda: to._between_groups,
                       "strict_y_best": lambda: _make_to(case, tol=None)._y_best}[key]()
                ck.expect(tag, close(got, want, R, A), got, want)
            elif key == "same_as_combined_column":
                comb = _make_to(case, sensitive={"combined": want["fit"]})
                po = case["predict_on"]
                comb_pmf = comb._pmf_predict(pd.DataFrame({"score": po["scores"]}),
                                             sensitive_features=list(want["predict"]))
                ck.out(f"combined-column predict_on p1 = {fmt(comb_pmf[:, 1])}")
                ck.expect(tag + ".pmf", np.array_equal(comb_pmf, pmf_pred), comb_pmf[:, 1],
                          pmf_pred[:, 1])
                d_multi = to.interpolated_thresholder_.interpolation_dict
                d_comb = comb.interpolated_thresholder_.interpolation_dict
                ck.expect(tag + ".n_groups", len(d_multi) == len(d_comb), len(d_multi),
                          len(d_comb))
                cols = list(case["sensitive"].values())
                for i, ckey in enumerate(want["fit"]):
                    mkey = _escape_join([c[i] for c in cols])
                    ok = mkey in d_multi and str(d_multi[mkey]) == str(d_comb[ckey])
                    ck.expect(f"{tag}.interpolation[{mkey!r}]", ok,
                              str(d_multi.get(mkey))[:80], str(d_comb[ckey])[:80])
            else:
                ck.errors.append(f"unknown expectation key {key!r}")
    ck.finish()


# ------------------------------------------------------------------------------ aif360
import aif360  # noqa: E402
from aif360.datasets import BinaryLabelDataset  # noqa: E402
from aif360.datasets.multiclass_label_dataset import MulticlassLabelDataset  # noqa: E402
from aif360.metrics import ClassificationMetric, BinaryLabelDatasetMetric  # noqa: E402
from aif360.algorithms.preprocessing import Reweighing  # noqa: E402


def _dataset(case, labels, scores=None):
    cols = dict(case["protected"])
    cols["label"] = labels
    kw = dict(label_names=["label"], protected_attribute_names=list(case["protected"]),
              favorable_label=case["favorable_label"],
              unfavorable_label=case["unfavorable_label"])
    if scores is not None:
        cols["score"] = scores
        kw["scores_names"] = ["score"]
    if case.get("instance_weights") is not None:
        cols["w"] = case["instance_weights"]
        kw["instance_weights_name"] = "w"
    df = pd.DataFrame(cols)
    cls = MulticlassLabelDataset if isinstance(case["favorable_label"], list) \
        else BinaryLabelDataset
    return cls(df=df, **kw)


def _groups_kw(case):
    kw = {}
    if case.get("unprivileged") is not None:
        kw["unprivileged_groups"] = case["unprivileged"]
    if case.get("privileged") is not None:
        kw["privileged_groups"] = case["privileged"]
    return kw


def _call(obj, spec):
    node = ast.parse(spec, mode="eval").body
    if isinstance(node, ast.Name):
        return getattr(obj, node.id)()
    kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    args = [ast.literal_eval(a) for a in node.args]
    return getattr(obj, node.func.id)(*args, **kwargs)


def _cmp_metric(ck, tag, got, want):
    if isinstance(want, dict) and "round" in want:
        ok = round(float(got), want["round"]) == want["value"]
        ck.expect(tag, ok, got, want)
    elif isinstance(want, dict):
        ok = isinstance(got, dict) and set(got) == set(want) and all(
            close(got[k], want[k], 1e-9, 1e-12) for k in want)
        ck.expect(tag, ok, got, want)
    elif isinstance(want, bool):
        ck.expect(tag, bool(got) == want, got, want)
    else:
        ck.expect(tag, close(got, want, 1e-9, 1e-12), got, want)


def run_aif(case):
    ck = Checker(case)
    ex = case.get("test_expects", {}) or {}
    obs = case.get("observed", {}) or {}

    def build():
        ds = _dataset(case, case["labels"])
        if case["kind"] == "classification_metric":
            pred = _dataset(case, case["predictions"], case.get("scores"))
            return ds, ClassificationMetric(ds, pred, **_groups_kw(case))
        if case["kind"] == "dataset_metric":
            return ds, BinaryLabelDatasetMetric(ds, **_groups_kw(case))
        if case["kind"] == "reweighing":
            return ds, Reweighing(**_groups_kw(case)).fit_transform(ds)
        raise ValueError(f"unknown kind {case['kind']}")

    res = check_raises(ck, build)
    if res is None:
        ck.finish()
        return
    ds, m = res
    values = {}
    if case["kind"] == "reweighing":
        w = m.instance_weights
        values["instance_weights"] = w
        values["instance_weights_sum_preserved"] = bool(np.isclose(w.sum(),
                                                                   ds.instance_weights.sum()))
        ck.out(f"instance_weights = {fmt(w)} (sum {fmt(w.sum())}, input sum "
               f"{fmt(ds.instance_weights.sum())})")
    else:
        for spec in case["metrics"]:
            with warnings.catch_warnings(record=True) as wl:
                warnings.simplefilter("always")
                try:
                    v = _call(m, spec)
                except Exception as e:  # noqa: BLE001
                    v = f"<raised {type(e).__name__}: {e}>"
            values[spec] = v
            warn = "".join(f"   [warning {x.category.__name__}: {str(x.message)[:60]}]"
                           for x in wl)
            ck.out(f"{spec} = {fmt(v)}{warn}")
    for src_name, src in (("test_expects", ex), ("observed", obs)):
        for key, want in src.items():
            if key not in values:
                ck.errors.append(f"{src_name}.{key}: metric not computed (add to metrics)")
                continue
            got = values[key]
            if src_name == "test_expects" and not isinstance(want, dict) and \
                    isinstance(got, (float, int, np.floating)) and not isinstance(want, bool):
                ck.out(f"  {key}: exact == expected? {float(got) == float(want)}")
            if key == "instance_weights":
                ck.expect(f"{src_name}.{key}", close(got, want, 1e-9, 1e-12), got, want)
            else:
                _cmp_metric(ck, f"{src_name}.{key}", got, want)
    ck.finish()


def main():
    print(f"fairlearn {fairlearn.__version__}, aif360 {aif360.__version__}, "
          f"numpy {np.__version__}, pandas {pd.__version__}")
    ids = [c["id"] for c in FL_CASES + AIF_CASES]
    dup = {i for i in ids if ids.count(i) > 1}
    if dup:
        print(f"duplicate ids: {sorted(dup)}")
        FAILURES.append("duplicate-ids")
    print(f"\n=== fairlearn postprocessing: {len(FL_CASES)} cases ===")
    for c in FL_CASES:
        run_threshold(c)
    print(f"\n=== aif360: {len(AIF_CASES)} cases ===")
    np_err = np.seterr(all="warn")
    for c in AIF_CASES:
        run_aif(c)
    np.seterr(**np_err)
    print(f"\n{len(ids) - len(FAILURES)}/{len(ids)} passed")
    if FAILURES:
        print("FAILED: " + ", ".join(FAILURES))
        sys.exit(1)


if __name__ == "__main__":
    main()
