"""Literal-input AIF360 metric / reweighing cases ported from AIF360's tests.

Sources (Trusted-AI/AIF360 repository index; the version of tests/test_classification_metric.py
matching 0.6.1 — i.e. without the later `benefit_function=` and `pseudo_r2` additions):
  tests/test_classification_metric.py, tests/test_average_odds_explanation.py,
  tests/test_reweighing.py (invariant only; the upstream test needs the Adult data files).
Run against the installed aif360 0.6.1 by check_post_and_aif.py.

Conventions
-----------
* Every case builds a dataset from a pandas DataFrame with the protected columns, a 'label'
  column and (if instance_weights) a 'w' column -> BinaryLabelDataset (or, when
  favorable_label is a list, MulticlassLabelDataset).  The prediction dataset is a copy with
  labels := predictions (and scores := `scores`, when given).
* metrics: method calls on ClassificationMetric (kind classification_metric) or
  BinaryLabelDatasetMetric (kind dataset_metric), written as Python call syntax; a bare name
  means "called with no arguments" (e.g. generalized_entropy_index == alpha=2 default).
* test_expects: {metric string: value}; compared with numpy.isclose (rtol=1e-9, atol=1e-12)
  (upstream mostly uses exact ==, noted per case), dict values compared key-wise.
  {"round": k, "value": v} means upstream asserted round(metric, k) == v.
  For reweighing: "instance_weights" (list) and/or "instance_weights_sum_preserved".
* privileged / unprivileged None = not passed to the metric constructor (upstream does that).
* observed (extra key): values produced by aif360 0.6.1 itself, NOT asserted upstream; only on
  probe cases (source starts with "probe") and on the transplanted reweighing invariant.
* scores (extra key): per-row scores of the prediction dataset, when the test uses them.
"""

_CM = "aif360 0.6.1 tests/test_classification_metric.py::"


def _c(**kw):
    d = dict(kind="classification_metric", predictions=None, instance_weights=None,
             privileged=None, unprivileged=None, favorable_label=1, unfavorable_label=0,
             metrics=[], test_expects={}, raises=None, note="")
    d.update(kw)
    return d


# shared 10-row data of the GEI / Theil / between-all-groups tests
_FEAT10 = [0, 0, 1, 1, 1, 1, 2, 2, 2, 2]
_LAB10 = [1, 0, 0, 1, 0, 0, 1, 0, 1, 1]
_PRED10_A = [1, 0, 0, 0, 1, 1, 1, 0, 1, 0]   # pred[[3, 9]] = 0, pred[[4, 5]] = 1
_PRED10_B = [0, 1, 1, 0, 0, 0, 0, 1, 1, 1]

_GEI_FAMILY = ["generalized_entropy_index", "generalized_entropy_index(alpha=0)",
               "generalized_entropy_index(alpha=0.5)", "generalized_entropy_index(alpha=1)",
               "generalized_entropy_index(alpha=2)", "generalized_entropy_index(alpha=3)",
               "theil_index", "coefficient_of_variation"]

CASES = [
    _c(id="aif-gei-default-alpha2-pred-a", source=_CM + "test_generalized_entropy_index",
       labels=_LAB10, predictions=_PRED10_A, protected={"feat": _FEAT10},
       metrics=_GEI_FAMILY + ["between_all_groups_generalized_entropy_index"],
       test_expects={"generalized_entropy_index": 0.2},
       note="b = 1 + yhat - y = [1,1,1,0,2,2,1,1,1,0]; alpha=0 takes log(0) -> +inf with a "
            "RuntimeWarning (divide by zero). Upstream asserts exact == 0.2. "
            "No privileged/unprivileged groups passed; 3 groups in 'feat'."),
    _c(id="aif-gei-default-alpha2-pred-b", source=_CM + "test_generalized_entropy_index",
       labels=_LAB10, predictions=_PRED10_B, protected={"feat": _FEAT10},
       metrics=_GEI_FAMILY,
       test_expects={"generalized_entropy_index": 0.3},
       note="second half of the same test; b = [0,2,2,0,1,1,0,2,1,1]"),
    _c(id="aif-theil-index", source=_CM + "test_theil_index",
       labels=_LAB10, predictions=_PRED10_A, protected={"feat": _FEAT10},
       metrics=["theil_index", "generalized_entropy_index(alpha=1)"],
       test_expects={"theil_index": 0.2772588722239781},
       note="= 4*ln(2)/10, upstream exact ==; alpha=1 uses log((b/mu)**b) so b=0 is fine"),
    _c(id="aif-between-all-groups-gei", source=_CM + "test_between_all_groups",
       labels=_LAB10, predictions=_PRED10_A, protected={"feat": _FEAT10},
       metrics=["between_all_groups_generalized_entropy_index",
                "between_all_groups_generalized_entropy_index(alpha=0)",
                "between_all_groups_generalized_entropy_index(alpha=0.5)",
                "between_all_groups_generalized_entropy_index(alpha=3)",
                "between_all_groups_theil_index", "between_all_groups_coefficient_of_variation"],
       test_expects={"between_all_groups_generalized_entropy_index": 0.025},
       note="group means of b: feat0 1, feat1 1.25, feat2 0.75 -> sum(b^2-1)/20 = 0.025 "
            "(upstream: == 1/20*np.sum(b**2 - 1))"),
    _c(id="aif-between-group-gei-two-protected", source=_CM + "test_between_group",
       labels=[1, 0, 0, 1, 0, 0], predictions=[0, 0, 0, 0, 1, 1],
       protected={"feat": [0, 0, 1, 1, 1, 1], "feat2": [0, 1, 1, 1, 0, 0]},
       privileged=[{"feat": 1}], unprivileged=[{"feat": 0}],
       metrics=["between_group_generalized_entropy_index",
                "between_group_generalized_entropy_index(alpha=0)",
                "between_group_generalized_entropy_index(alpha=0.5)",
                "between_group_generalized_entropy_index(alpha=3)",
                "between_group_theil_index", "between_group_coefficient_of_variation",
                "generalized_entropy_index"],
       test_expects={"between_group_generalized_entropy_index": 0.0625},
       note="two protected columns, groups defined on 'feat' only; b = [.5,.5,1.25 x4] -> "
            "sum(b^2-1)/12 = 0.0625"),
    _c(id="aif-multiclass-binary-confusion-matrix", source=_CM + "test_multiclass_confusion_matrix",
       labels=[1, 0, 0, 1, 0, 2, 1, 0, 2, 1], predictions=[1, 0, 0, 0, 2, 2, 1, 0, 2, 1],
       protected={"feat": _FEAT10},
       privileged=[{"feat": 0}, {"feat": 1}], unprivileged=[{"feat": 2}],
       favorable_label=[0, 1], unfavorable_label=[2],
       metrics=["binary_confusion_matrix", "false_negative_rate_difference",
                "binary_confusion_matrix(privileged=True)",
                "binary_confusion_matrix(privileged=False)"],
       test_expects={"binary_confusion_matrix": {"TP": 7.0, "FN": 1.0, "TN": 2.0, "FP": 0.0},
                     "false_negative_rate_difference": -0.2},
       note="MulticlassLabelDataset: labels 0 and 1 both favorable, 2 unfavorable; "
            "privileged = union of two groups. Upstream exact ==."),
    _c(id="aif-generalized-binary-confusion-matrix",
       source=_CM + "test_generalized_binary_confusion_matrix",
       labels=[1, 0, 0, 1, 0, 0, 2, 0, 0, 2], predictions=[1, 0, 0, 1, 2, 0, 1, 2, 1, 2],
       scores=[0.8, 0.6, 0.7, 0.8, 0.36, 0.82, 0.79, 0.42, 0.81, 0.3],
       protected={"feat": [0, 0, 1, 1, 1, 1, 1, 0, 0, 1]},
       privileged=[{"feat": 1}], unprivileged=[{"feat": 0}],
       favorable_label=[0, 1], unfavorable_label=[2],
       metrics=["generalized_binary_confusion_matrix", "num_generalized_true_positives",
                "num_generalized_false_positives", "num_generalized_false_negatives",
                "num_generalized_true_negatives", "generalized_false_positive_rate",
                "generalized_false_negative_rate"],
       test_expects={"num_generalized_true_positives": {"round": 2, "value": 5.31},
                     "num_generalized_false_positives": 1.09},
       note="scores are read as P(favorable); GTP = sum of scores over favorable truths, "
            "GFP over unfavorable truths. Upstream: round(gtp,2)==5.31, gfp==1.09 exactly."),
    _c(id="aif-average-odds-cancellation",
       source="aif360 0.6.1 tests/test_average_odds_explanation.py::test_average_odds_cancellation",
       labels=[0, 1, 0, 1], predictions=[1, 0, 0, 1], protected={"group": [0, 0, 1, 1]},
       privileged=[{"group": 1}], unprivileged=[{"group": 0}],
       metrics=["average_odds_difference", "average_abs_odds_difference",
                "equalized_odds_difference", "true_positive_rate_difference",
                "false_positive_rate_difference", "statistical_parity_difference",
                "disparate_impact"],
       test_expects={"average_odds_difference": 0, "average_abs_odds_difference": 1,
                     "equalized_odds_difference": 1},
       note="group 0: TPR 0, FPR 1; group 1: TPR 1, FPR 0 -> signed differences cancel. "
            "(The upstream explainer-text asserts are not ported; that test file may post-date "
            "0.6.1, the metric values hold in 0.6.1.)"),

    # ---- reweighing -------------------------------------------------------------------
    _c(id="aif-reweighing-sum-preserved-literal", kind="reweighing",
       source="aif360 0.6.1 tests/test_reweighing.py::test_instance_weights (invariant "
              "transplanted onto the literal data of test_between_group: Adult not installed)",
       labels=[1, 0, 0, 1, 0, 0], protected={"sex": [0, 0, 1, 1, 1, 1]},
       privileged=[{"sex": 1}], unprivileged=[{"sex": 0}],
       test_expects={"instance_weights_sum_preserved": True},
       observed={"instance_weights": [2 / 3, 4 / 3, 8 / 9, 4 / 3, 8 / 9, 8 / 9]},
       note="w = P(group)P(label)/P(group,label): unpriv fav 2/3, unpriv unfav 4/3, "
            "priv fav 4/3, priv unfav 8/9"),
    _c(id="aif-probe-reweighing-weighted-input", kind="reweighing",
       source="probe (no upstream test): Reweighing with non-uniform input instance_weights",
       labels=[1, 0, 0, 1, 0, 0], protected={"sex": [0, 0, 1, 1, 1, 1]},
       instance_weights=[1, 2, 1, 1, 3, 1],
       privileged=[{"sex": 1}], unprivileged=[{"sex": 0}],
       test_expects={"instance_weights_sum_preserved": True},
       observed={"instance_weights": [2 / 3, 7 / 3, 14 / 15, 4 / 3, 2.8, 14 / 15]},
       note="weighted counts: W=9, unpriv 3 (fav 1, unfav 2), priv 6 (fav 1, unfav 5); "
            "factor P(g)P(y)/P(g,y) is computed on weighted counts and MULTIPLIED onto the "
            "input weights (factors 2/3, 7/6, 4/3, 14/15); total weight 9 preserved"),

    # ---- weighted metrics & dataset metrics (probes) ---------------------------------------
    _c(id="aif-probe-weighted-classification-metric",
       source="probe (no upstream test): ClassificationMetric with instance_weights",
       labels=_LAB10, predictions=_PRED10_A, protected={"feat": _FEAT10},
       instance_weights=[1, 2, 1, 1, 1, 1, 1, 1, 1, 3],
       privileged=[{"feat": 2}], unprivileged=[{"feat": 0}],
       metrics=["binary_confusion_matrix", "accuracy", "selection_rate(privileged=True)",
                "selection_rate(privileged=False)", "disparate_impact",
                "statistical_parity_difference", "true_positive_rate_difference",
                "average_odds_difference", "generalized_entropy_index",
                "theil_index", "between_group_generalized_entropy_index"],
       observed={"binary_confusion_matrix": {"TP": 3.0, "FP": 2.0, "TN": 4.0, "FN": 4.0},
                 "accuracy": 7 / 13, "disparate_impact": 1.0,
                 "statistical_parity_difference": 0.0, "true_positive_rate_difference": 0.6,
                 "average_odds_difference": 0.3, "generalized_entropy_index": 0.2,
                 "theil_index": 0.2772588722239781,
                 "between_group_generalized_entropy_index": 0.35},
       note="rows with feat==1 are in neither group. Confusion-matrix metrics use the weights; "
            "the GEI family IGNORES instance_weights in 0.6.1 (0.2 / 4ln2/10 = unweighted values "
            "of aif-gei-default-alpha2-pred-a). between_group GEI leaves b=0 for rows outside "
            "both groups yet keeps them in the mean: b=[1,1,0,0,0,0,.75,.75,.75,.75] -> 0.35."),
    _c(id="aif-probe-dataset-metric", kind="dataset_metric",
       source="probe (no upstream test): BinaryLabelDatasetMetric on the GEI test labels",
       labels=_LAB10, protected={"feat": _FEAT10},
       privileged=[{"feat": 2}], unprivileged=[{"feat": 0}],
       metrics=["num_instances", "num_positives", "num_negatives", "base_rate",
                "base_rate(privileged=True)", "base_rate(privileged=False)",
                "disparate_impact", "statistical_parity_difference", "mean_difference"],
       observed={"base_rate(privileged=True)": 0.75, "base_rate(privileged=False)": 0.5,
                 "disparate_impact": 2 / 3, "statistical_parity_difference": -0.25}),
    _c(id="aif-probe-dataset-metric-privileged-base-rate-zero", kind="dataset_metric",
       source="probe (no upstream test): privileged group with no favorable labels",
       labels=[1, 0, 0, 0, 0], protected={"sex": [0, 0, 1, 1, 1]},
       privileged=[{"sex": 1}], unprivileged=[{"sex": 0}],
       metrics=["base_rate(privileged=True)", "base_rate(privileged=False)",
                "disparate_impact", "statistical_parity_difference"],
       observed={"base_rate(privileged=True)": 0.0, "base_rate(privileged=False)": 0.5,
                 "disparate_impact": float("inf"), "statistical_parity_difference": 0.5},
       note="disparate_impact = 0.5 / 0.0 -> inf with a numpy RuntimeWarning, no exception"),
]
