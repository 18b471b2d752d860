"""Variants of the three edge cases issue 19 found (label and positive values other than the repros', other
undefined ratios, other constraints whose trade-off curve starts with a vertical segment), in the formats of
fairlearn_metrics.py and fairlearn_postprocessing.py. No upstream test: source says "issue 19 variant"."""

_SOURCE = "issue 19 variant (no upstream test): "
_RATES = ["selection_rate", "true_positive_rate", "false_positive_rate", "false_negative_rate", "true_negative_rate",
          "accuracy", "balanced_accuracy", "precision"]


def _metrics(**kw):
    d = dict(kind="metric_frame", y_score=None, control={}, sample_weight=None, metrics=_RATES,
             function=None, method="between_groups", agg="worst_case", test_expects={}, raises=None)
    d.update(kw)
    return d


def _disparity(function, method, agg="worst_case", **kw):
    d = _metrics(kind="disparity", function=function, method=method, agg=agg, pos_label=None, **kw)
    return d


def _threshold(**kw):
    d = dict(kind="threshold", objective="accuracy_score", grid_size=1000, flip=False, tol=None, predict_on=None,
             test_expects={}, raises=None, note="")
    d.update(kw)
    return d


_Y = ["no", "no", "no", "no", "yes", "yes", "yes", "yes"]
_P = ["no", "no", "no", "yes", "yes", "no", "no", "no"]
_G = ["a", "a", "b", "b", "a", "a", "b", "b"]

METRIC_CASES = [
    _metrics(id="v19-positive-word-no", source=_SOURCE + "item 1 with word labels, positive 'no'",
             y_true=_Y, y_pred=_P, sensitive={"g": _G}, pos_label="no",
             note="the prediction 'no' is the positive class"),
    _metrics(id="v19-positive-word-yes", source=_SOURCE + "item 1 with word labels, positive 'yes'",
             y_true=_Y, y_pred=_P, sensitive={"g": _G}, pos_label="yes"),
    _metrics(id="v19-labels-minus-one-one-positive-minus-one", source=_SOURCE + "item 1 with labels -1/1, positive -1",
             y_true=[-1, -1, 1, 1, -1, 1, 1, -1], y_pred=[-1, 1, 1, -1, -1, -1, 1, 1], sensitive={"g": _G}, pos_label=-1),
    _metrics(id="v19-labels-three-seven-positive-seven", source=_SOURCE + "item 1 with labels 3/7, positive 7",
             y_true=[3, 7, 7, 3, 3, 7, 3, 7], y_pred=[7, 7, 3, 3, 7, 3, 3, 7], sensitive={"g": _G}, pos_label=7),
    _metrics(id="v19-labels-zero-one-positive-zero-weighted", source=_SOURCE + "item 1 weighted, positive 0",
             y_true=[0, 0, 0, 0, 1, 1, 1, 1], y_pred=[0, 0, 0, 1, 1, 0, 0, 0], sensitive={"g": _G}, pos_label=0,
             sample_weight=[1, 2, 3, 1, 2, 1, 1, 4]),
]

DISPARITY_CASES = [
    # item 2: one of the two equalized-odds ratios is 0/0
    _disparity("equalized_odds_ratio", "between_groups", "mean", id="v19-eo-ratio-mean-tpr-undefined",
               source=_SOURCE + "item 2, the TPR ratio 0/0 (no group has a true positive)",
               y_true=[1, 0, 0, 1, 0, 0], y_pred=[0, 1, 0, 0, 0, 1], sensitive={"g": ["a", "a", "a", "b", "b", "b"]}),
    _disparity("equalized_odds_ratio", "to_overall", "mean", id="v19-eo-ratio-to-overall-mean-tpr-undefined",
               source=_SOURCE + "item 2, the TPR ratio 0/0, to overall",
               y_true=[1, 0, 0, 1, 0, 0], y_pred=[0, 1, 0, 0, 0, 1], sensitive={"g": ["a", "a", "a", "b", "b", "b"]}),
    _disparity("equalized_odds_ratio", "between_groups", "mean", id="v19-eo-ratio-mean-both-undefined",
               source=_SOURCE + "item 2, both ratios 0/0 (nothing predicted positive)",
               y_true=[1, 0, 1, 0], y_pred=[0, 0, 0, 0], sensitive={"g": ["a", "a", "b", "b"]}),
    _disparity("equalized_odds_difference", "between_groups", "mean", id="v19-eo-difference-mean-one-class-groups",
               source=_SOURCE + "item 2, differences with one-class groups",
               y_true=[1, 1, 0, 0], y_pred=[1, 0, 1, 1], sensitive={"g": ["a", "a", "b", "b"]}),
    _disparity("equalized_odds_ratio", "between_groups", "mean", id="v19-eo-ratio-mean-three-groups",
               source=_SOURCE + "item 2 with three groups, FPR 0/0",
               y_true=[1, 1, 0, 1, 1, 1], y_pred=[1, 0, 0, 1, 1, 0], sensitive={"g": ["a", "a", "b", "b", "c", "c"]}),
    _disparity("equalized_odds_ratio", "to_overall", "worst_case", id="v19-eo-ratio-to-overall-worst-zero-overall",
               source=_SOURCE + "item 2, worst case to overall with an overall rate of 0",
               y_true=[1, 0, 1, 0], y_pred=[0, 0, 1, 0], sensitive={"g": ["a", "a", "b", "b"]}),
]

_S3 = [0, 0.25, 0.5, 0.75, 1, 0, 0.25, 0.5, 0.75]
_Y3 = [1, 0, 1, 1, 1, 0, 1, 1, 1]
_G3 = [0, 0, 0, 0, 0, 1, 1, 1, 1]

THRESHOLD_CASES = [
    _threshold(id=f"v19-vertical-start-{constraint}-{objective}-grid{grid}", source=_SOURCE + f"item 3, {constraint}",
               scores=_S3, y=_Y3, sensitive={"g": _G3}, constraint=constraint, objective=objective, grid_size=grid,
               note="the issue's m3 rows: group 1 has one negative at the lowest score")
    for constraint in ["false_positive_rate_parity", "true_negative_rate_parity", "true_positive_rate_parity",
                       "false_negative_rate_parity", "demographic_parity", "equalized_odds"]
    for objective in ["accuracy_score", "balanced_accuracy_score"]
    for grid in [20, 1000]
] + [
    _threshold(id=f"v19-vertical-start-fnr-tie-scores-{constraint}", source=_SOURCE + f"item 3, tied scores, {constraint}",
               scores=[0.1, 0.2, 0.3, 0.4, 0.5, 0.5, 0.1, 0.9], y=[1, 0, 1, 1, 0, 1, 0, 1],
               sensitive={"g": ["a", "b", "a", "b", "a", "b", "a", "b"]}, constraint=constraint)
    for constraint in ["false_negative_rate_parity", "true_positive_rate_parity", "equalized_odds"]
]
