"""Records what Fairlearn and AIF360 give on the cases ported from their own unit tests (cases/*.py, with variants of
issue 19's edge cases in cases/issue19_variants.py), in the form
Tests/ConformanceTests reads: peer_values.json. Each case there holds its input as CSV text, Candor's settings for
it, and the peer library's output (or the error it raised).

    bench/setup.sh && bench/.venv/bin/python Tests/Fixtures/conformance/record_peer_values.py

The ports themselves are checked against the literal values the peers' tests assert by cases/check_*.py. Numbers
are written with repr (17 significant digits); nan and infinities as the strings "nan", "inf", "-inf".
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "cases"))
from fairlearn_metrics import CASES as METRIC_CASES  # noqa: E402
from fairlearn_postprocessing import CASES as POSTPROCESSING_CASES  # noqa: E402
from aif360_cases import CASES as AIF360_CASES  # noqa: E402
from issue19_variants import METRIC_CASES as VARIANT_METRICS, DISPARITY_CASES as VARIANT_DISPARITIES  # noqa: E402
from issue19_variants import THRESHOLD_CASES as VARIANT_THRESHOLDS  # noqa: E402

import aif360  # noqa: E402
import fairlearn  # noqa: E402
import fairlearn.metrics as flm  # noqa: E402
import sklearn  # noqa: E402
from fairlearn.metrics import MetricFrame  # noqa: E402
from fairlearn.postprocessing import ThresholdOptimizer  # noqa: E402

warnings.simplefilter("ignore")
__import__("logging").getLogger().setLevel(40)
from aif360.metrics import BinaryLabelDatasetMetric, ClassificationMetric  # noqa: E402
from aif360.algorithms.preprocessing import Reweighing  # noqa: E402
# The metric functions, the prefit identity estimator and the AIF360 dataset builder are the ones the port checks use.
from check_fairlearn_metrics import metric_fn as metric_function  # noqa: E402
from check_post_and_aif import IdentityEstimator, _call as call, _dataset as aif360_dataset  # noqa: E402

SCORE_METRICS = {"roc_auc", "log_loss", "brier_score"}


def number(value):
    value = float(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def text(value):
    """A cell as Candor reads it from CSV: integers and strings as written."""
    if isinstance(value, (bool, np.bool_)):
        raise ValueError("booleans are not ported")
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return repr(float(value))
    return str(value.item() if hasattr(value, "item") else value)


def csv(columns):
    """RFC 4180 text of named columns (quoted where a cell needs it)."""
    def cell(v):
        v = text(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\r\n') or v != v.strip() else v
    names = list(columns)
    rows = zip(*columns.values())
    return ",".join(names) + "\n" + "".join(",".join(cell(v) for v in row) + "\n" for row in rows)


def error(exception):
    return f"{type(exception).__name__}: {exception}"


# ---------------------------------------------------------------- Fairlearn metrics
def key_values(key, width):
    values = list(key) if isinstance(key, tuple) else [key]
    assert len(values) == width
    return [text(v) for v in values]


def metric_frames(case):
    sample_weight = case["sample_weight"]
    frames = []
    for on_scores in (False, True):
        names = [m for m in case["metrics"] if (m in SCORE_METRICS) == on_scores]
        if not names:
            continue
        functions, params = {}, {}
        for name in names:
            function, takes_weights = metric_function(name, case["pos_label"])
            functions[name] = function
            if sample_weight is not None and takes_weights:
                params[name] = {"sample_weight": sample_weight}
        frames.append(MetricFrame(metrics=functions, y_true=case["y_true"],
                                  y_pred=case["y_score"] if on_scores else case["y_pred"],
                                  sensitive_features=case["sensitive"], control_features=case["control"] or None,
                                  sample_params=params or None))
    return frames


def frame_values(frames, controls, sensitives):
    """{"overall", "by_group", aggregates...}, or per control stratum when there are control features."""
    def by_key(series_or_value, width):
        if width == 0:
            return [{"key": [], "value": number(series_or_value)}]
        return [{"key": key_values(k, width), "value": number(v)} for k, v in series_or_value.items()]

    result = {"overall": {}, "by_group": {}, "group_min": {}, "group_max": {}, "difference_between_groups": {},
              "difference_to_overall": {}, "ratio_between_groups": {}, "ratio_to_overall": {}}
    for frame in frames:
        for metric in frame.by_group.columns:
            result["by_group"][metric] = [{"key": key_values(k, controls + sensitives), "value": number(v)}
                                          for k, v in frame.by_group[metric].items()]
            result["overall"][metric] = by_key(frame.overall[metric], controls)
            for name, values in [("group_min", frame.group_min()), ("group_max", frame.group_max()),
                                 ("difference_between_groups", frame.difference(method="between_groups")),
                                 ("difference_to_overall", frame.difference(method="to_overall")),
                                 ("ratio_between_groups", frame.ratio(method="between_groups")),
                                 ("ratio_to_overall", frame.ratio(method="to_overall"))]:
                result[name][metric] = by_key(values[metric], controls)
    return result


def metric_case(case):
    columns = {"y_true": case["y_true"], "y_pred": case["y_pred"]}
    if case.get("y_score") is not None:
        columns["y_score"] = case["y_score"]
    columns.update(case["sensitive"])
    columns.update(case["control"] or {})
    if case["sample_weight"] is not None:
        columns["w"] = case["sample_weight"]
    lengths = {len(v) for v in columns.values()}
    record = {
        "id": case["id"], "source": case["source"], "kind": case["kind"], "note": case.get("note", ""),
        "csv": csv(columns) if len(lengths) == 1 else None,
        "positive": None if case["pos_label"] is None else text(case["pos_label"]),
        "sensitive": list(case["sensitive"]), "control": list(case["control"] or {}),
        "weights": "w" if case["sample_weight"] is not None else None,
        "score": "y_score" if case.get("y_score") is not None else None,
        "metrics": case["metrics"],
    }
    try:
        if case["kind"] == "disparity":
            function = getattr(flm, case["function"])
            options = dict(sensitive_features=case["sensitive"], method=case["method"], sample_weight=case["sample_weight"])
            if case["function"].startswith("equalized_odds"):
                options["agg"] = case["agg"]
            record["disparity"] = (case["function"] + ("_to_overall" if case["method"] == "to_overall" else "")
                                   + ("_mean" if case.get("agg") == "mean" else ""))
            record["peer"] = {"value": number(function(case["y_true"], case["y_pred"], **options))}
        else:
            record["peer"] = frame_values(metric_frames(case), len(record["control"]), len(record["sensitive"]))
    except Exception as e:  # the peer refuses the input: Candor must refuse it too, or the test says why not
        record["peer_error"] = error(e)
    return record


# ---------------------------------------------------------------- Fairlearn ThresholdOptimizer
def sensitive_argument(sensitive):
    return list(next(iter(sensitive.values()))) if len(sensitive) == 1 else pd.DataFrame(sensitive)


def threshold_case(case):
    predict = case.get("predict_on") or {"scores": case["scores"], "sensitive": case["sensitive"]}
    record = {
        "id": case["id"], "source": case["source"], "kind": "threshold", "note": case.get("note", ""),
        "csv": csv({"s": case["scores"], "y": case["y"], **case["sensitive"]}),
        "predict_csv": csv({"s": predict["scores"], **predict["sensitive"]}),
        "sensitive": list(case["sensitive"]), "constraint": case["constraint"], "objective": case["objective"],
        "grid_size": case["grid_size"], "flip": case["flip"], "tolerance": case["tol"],
    }
    try:
        X = pd.DataFrame({"score": case["scores"]})
        optimizer = ThresholdOptimizer(estimator=IdentityEstimator().fit(X), constraints=case["constraint"],
                                       objective=case["objective"], grid_size=case["grid_size"], flip=case["flip"],
                                       prefit=True, predict_method="predict", tol=case["tol"])
        optimizer.fit(X, case["y"], sensitive_features=sensitive_argument(case["sensitive"]))
        pmf = optimizer._pmf_predict(pd.DataFrame({"score": predict["scores"]}),
                                     sensitive_features=sensitive_argument(predict["sensitive"]))
        record["peer"] = {"positive_probabilities": [number(p) for p in pmf[:, 1]]}
    except Exception as e:
        record["peer_error"] = error(e)
    return record


# ---------------------------------------------------------------- AIF360
def aif360_metrics(case, groups):
    """Every metric the case names, as AIF360 computes it with these privileged / unprivileged groups."""
    dataset = aif360_dataset(case, case["labels"])
    if case["kind"] == "classification_metric":
        metric = ClassificationMetric(dataset, aif360_dataset(case, case["predictions"], case.get("scores")), **groups)
    else:
        metric = BinaryLabelDatasetMetric(dataset, **groups)
    values = {}
    for spec in case["metrics"]:
        value = call(metric, spec)
        values[spec] = {k: number(v) for k, v in value.items()} if isinstance(value, dict) else number(value)
    return values


def aif360_case(case):
    groups = {}
    if case.get("privileged") is not None:
        groups["privileged_groups"] = case["privileged"]
    if case.get("unprivileged") is not None:
        groups["unprivileged_groups"] = case["unprivileged"]
    columns = {"label": case["labels"]}
    if case.get("predictions") is not None:
        columns["prediction"] = case["predictions"]
    columns.update(case["protected"])
    if case.get("instance_weights") is not None:
        columns["w"] = case["instance_weights"]
    # Candor compares one column's privileged values against every other row: say whether the case's
    # unprivileged groups are exactly those rows.
    comparable = None
    privileged, unprivileged = case.get("privileged"), case.get("unprivileged")
    if privileged and unprivileged and all(len(g) == 1 for g in privileged + unprivileged):
        names = {next(iter(g)) for g in privileged + unprivileged}
        if len(names) == 1:
            column = names.pop()
            privileged_values = [g[column] for g in privileged]
            unprivileged_values = [g[column] for g in unprivileged]
            rest = sorted({v for v in case["protected"][column] if v not in privileged_values})
            comparable = {"column": column, "privileged": [text(v) for v in privileged_values],
                          "unprivileged_is_rest": sorted(unprivileged_values) == rest}
    record = {
        "id": case["id"], "source": case["source"], "kind": case["kind"], "note": case.get("note", ""),
        "csv": csv(columns), "favorable": text(case["favorable_label"]) if not isinstance(case["favorable_label"], list) else None,
        "weights": "w" if case.get("instance_weights") is not None else None,
        "protected": list(case["protected"]), "split": comparable, "metrics": case.get("metrics", []),
    }
    try:
        dataset = aif360_dataset(case, case["labels"])
        if case["kind"] == "reweighing":
            weights = Reweighing(**groups).fit_transform(dataset).instance_weights
            record["peer"] = {"weights": [number(w) for w in weights]}
        else:
            record["peer"] = aif360_metrics(case, groups)
            # Candor's definitions, computed by AIF360 too: the privileged rows against every other row, and the
            # entropy indices weighted (AIF360 ignores instance weights there; repeating each row by its integer
            # weight gives the weighted index).
            if comparable and not comparable["unprivileged_is_rest"]:
                column = comparable["column"]
                rest = sorted({v for v in case["protected"][column] if text(v) not in comparable["privileged"]})
                record["peer_against_rest"] = aif360_metrics(case, dict(groups, unprivileged_groups=[{column: v} for v in rest]))
            weights = case.get("instance_weights")
            if weights is not None and all(float(w).is_integer() for w in weights):
                repeat = lambda values: None if values is None else [v for v, w in zip(values, weights) for _ in range(int(w))]
                expanded = dict(case, labels=repeat(case["labels"]), predictions=repeat(case.get("predictions")),
                                scores=repeat(case.get("scores")), instance_weights=None,
                                protected={k: repeat(v) for k, v in case["protected"].items()})
                if comparable and not comparable["unprivileged_is_rest"]:
                    column = comparable["column"]
                    rest = sorted({v for v in case["protected"][column] if text(v) not in comparable["privileged"]})
                    record["peer_rows_repeated_by_weight"] = aif360_metrics(expanded, dict(groups, unprivileged_groups=[{column: v} for v in rest]))
                else:
                    record["peer_rows_repeated_by_weight"] = aif360_metrics(expanded, groups)
    except Exception as e:
        record["peer_error"] = error(e)
    return record


def main():
    np.seterr(all="ignore")
    cases = ([metric_case(c) for c in METRIC_CASES + VARIANT_METRICS + VARIANT_DISPARITIES]
             + [threshold_case(c) for c in POSTPROCESSING_CASES + VARIANT_THRESHOLDS]
             + [aif360_case(c) for c in AIF360_CASES])
    ids = [c["id"] for c in cases]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    document = {
        "made_by": "Tests/Fixtures/conformance/record_peer_values.py",
        "libraries": {"fairlearn": fairlearn.__version__, "aif360": aif360.__version__, "scikit-learn": sklearn.__version__,
                      "numpy": np.__version__, "pandas": pd.__version__},
        "cases": cases,
    }
    with open(os.path.join(HERE, "peer_values.json"), "w") as out:
        json.dump(document, out, indent=1, sort_keys=True)
        out.write("\n")
    print(f"{len(cases)} cases, {sum('peer_error' in c for c in cases)} refused by the peer library")


if __name__ == "__main__":
    main()
