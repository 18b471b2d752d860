"""Literal-input conformance cases ported from Fairlearn's unit tests (test/unit/metrics/).

Reference implementation: Fairlearn 0.15.0 (scikit-learn 1.9.1, pandas 3.1.1, numpy 2.4.6).
Verified by check_fairlearn_metrics.py in this folder.

Conventions used in CASES (beyond the field list in the brief):

* pos_label=None means the Fairlearn test did NOT pass pos_label, so Fairlearn's default
  applies: selection_rate uses 1; true/false positive/negative rate infer 1 when the labels
  are a subset of {0, 1} or {-1, 1} and raise ValueError otherwise. precision uses sklearn's
  default (1). The disparity functions (demographic_parity_*, equalized_odds_*,
  equal_opportunity_*) have no pos_label argument in 0.15, so their cases use None.
* For kind="metric_frame", function/method/agg are None (the check computes both methods).
* Tests of a bare metric function (no sensitive features) are ported as a MetricFrame with
  one group, sensitive={"sf": ["a"] * n}; the value the test asserts is then "overall"
  (and equals the single group's value).
* test_expects layout:
    "overall":    {metric: value}              or {metric: {control_key: value}} with control features
    "by_group":   {metric: {group_key: value}}
    "group_min" / "group_max": {metric: value} or {metric: {control_key: value}}
    "difference" / "ratio":    {"between_groups" | "to_overall": {metric: value or {control_key: value}}}
    "value":      scalar result of a disparity function
  A group_key is the group value for a single sensitive column and no control features;
  otherwise a tuple in Fairlearn's index order: control columns first, then sensitive
  columns, each in the order of the dicts below.
  Values are compared with relative tolerance 1e-6 (the tests' pytest.approx); NaN == NaN.
* Cases whose test asserts only equality with another computation (sklearn, a MetricFrame,
  a masked re-computation) have test_expects={} and say so in the note; the check script
  re-does that comparison.
* The arrays Y_T, Y_P, S_W, G_1 ... G_4 are the fixed arrays of
  test/unit/metrics/data_for_test.py, inlined (the generated group arrays expanded).
"""

NaN = float("nan")

# ---------------------------------------------------------------------------
# test/unit/metrics/data_for_test.py (fixed arrays, 71 samples)
Y_T = [1, 0, 1, 1, 1, 0, 1, 1, 0, 0, 0, 1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1,
       1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1,
       1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
Y_P = [0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 1, 1,
       1, 1, 1, 1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1,
       0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
S_W = [1, 2, 3, 1, 2, 1, 2, 3, 1, 1, 1, 2, 3, 3, 1, 2, 1, 1, 1, 2, 3, 2, 2, 1, 2, 1, 3, 1,
       3, 1, 4, 1, 2, 1, 3, 2, 3, 3, 4, 1, 4, 1, 3, 1, 1, 1, 2, 3, 3, 1, 2, 1, 1, 1, 2, 3,
       1, 1, 2, 3, 2, 1, 2, 2, 3, 2, 3, 2, 3, 4, 1]
# g_1 = array_gen(["aa", "ba"], 2, 71)
G_1 = ["aa", "aa", "ba", "ba"] * 17 + ["aa", "aa", "ba"]
# g_2 = array_gen(["f", "g"], 3, 71)
G_2 = ["f", "f", "f", "g", "g", "g"] * 11 + ["f", "f", "f", "g", "g"]
# g_3 = array_gen(["kk", "m"], 4, 71)
G_3 = (["kk"] * 4 + ["m"] * 4) * 8 + ["kk"] * 4 + ["m"] * 3
# g_4 = array_gen(["pp", "q"], 5, 71)
G_4 = (["pp"] * 5 + ["q"] * 5) * 7 + ["pp"]
# test_metricframe_missing.py: g_A = group_gen(x, int(n/2), ['aa','bb']),
# g_B = group_gen(x, 1 + int(n/3), ['x','y','z']) with n = 71
G_A = ["aa"] * 35 + ["bb"] * 35 + ["aa"]
G_B = ["x"] * 24 + ["y"] * 24 + ["z"] * 23

# ---------------------------------------------------------------------------
# test_generated_metrics.py (18 samples, integer sensitive feature)
_apx0 = 1e-15
_apx1 = 1 - _apx0   # == 0.999999999999999
GEN_Y_TRUE = [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
GEN_Y_PRED = [1, 0, 1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
GEN_Y_PRED_LOG_LOSS = [_apx1, 0.0, _apx1, _apx0, 1.0, _apx0, 0.0, _apx1, 0.0, 0.0, 0.0, 0.0,
                       0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
GEN_SF = [0, 1] * 9

# ---------------------------------------------------------------------------
# test_make_derived_metric.py (groups "A": 18 samples, "B": 21 samples)
DER_Y_T = ([0, 1, 0, 1, 1, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1]
           + [0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0])
DER_Y_P = ([1, 1, 1, 0, 0, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 0]
           + [0, 1, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 1, 1, 1, 0, 1, 0, 1, 0, 1])
DER_GID = ["A"] * 18 + ["B"] * 21

# ---------------------------------------------------------------------------
# test_base_metrics.py literal arrays
TPR_SK_Y_TRUE = [0, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 1]
TPR_SK_Y_PRED = [1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1]
TPR_SK_WEIGHT = [1, 2, 4, 5, 1, 2, 2, 3, 1, 2, 1, 3, 1, 5, 4, 2]
TPR_ALPHA_Y_TRUE = ["a", "b", "a", "b", "b", "b", "b", "b", "a", "a", "a", "a", "b", "b", "a", "b"]
TPR_ALPHA_Y_PRED = ["a", "b", "b", "a", "a", "b", "a", "a", "b", "b", "a", "b", "a", "b", "a", "a"]


def _one_group(n):
    return {"sf": ["a"] * n}


def _case(**kw):
    base = dict(
        y_score=None,
        control={},
        sample_weight=None,
        pos_label=None,
        metrics=[],
        function=None,
        method=None,
        agg=None,
        test_expects={},
        raises=None,
        note="",
    )
    base.update(kw)
    return base


_RATES = ["true_positive_rate", "false_positive_rate", "true_negative_rate", "false_negative_rate"]
_MISSING_METRICS = ["true_positive_rate", "precision", "accuracy", "balanced_accuracy"]
_F = "fairlearn 0.15 test/unit/metrics/"

CASES = [
    # ======================= test_selection_rate.py =======================
    _case(id="fl-metrics-sr-single-element-1-1", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_single_element[y_true0-y_pred0-1]",
          y_true=[1], y_pred=[1], sensitive=_one_group(1), metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 1}},
          note="single-element arrays; selection rate of one predicted positive"),
    _case(id="fl-metrics-sr-single-element-0-1", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_single_element[y_true1-y_pred1-1]",
          y_true=[0], y_pred=[1], sensitive=_one_group(1), metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 1}},
          note="single element; y_true is ignored by selection_rate"),
    _case(id="fl-metrics-sr-single-element-1-0", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_single_element[y_true2-y_pred2-0]",
          y_true=[1], y_pred=[0], sensitive=_one_group(1), metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 0}},
          note="single element, nothing selected"),
    _case(id="fl-metrics-sr-single-element-0-0", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_single_element[y_true3-y_pred3-0]",
          y_true=[0], y_pred=[0], sensitive=_one_group(1), metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 0}},
          note="single element, all-negative labels"),
    _case(id="fl-metrics-sr-empty", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_empty",
          y_true=[], y_pred=[], sensitive={"sf": []}, metrics=["selection_rate"],
          raises="ValueError: Empty y_pred passed to selection_rate function.",
          note="empty input; the bare function raises this message, MetricFrame on empty "
               "input raises ValueError 'need at least one array to stack' instead"),
    _case(id="fl-metrics-sr-unweighted", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_unweighted",
          y_true=[0, 0, 0, 0, 0, 0, 0, 0], y_pred=[0, 0, 0, 1, 1, 1, 1, 1],
          sensitive=_one_group(8), metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 0.625}},
          note="y_true all zero (ignored); 5 of 8 selected"),
    _case(id="fl-metrics-sr-weighted", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_weighted",
          y_true=[0, 0, 0, 0, 0, 0, 0, 0], y_pred=[0, 1, 1, 0, 0, 0, 0, 0],
          sensitive=_one_group(8), sample_weight=[1, 2, 3, 4, 1, 2, 1, 2],
          metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 0.3125}},
          note="weighted selection rate = sum(w*selected)/sum(w) = 5/16"),
    _case(id="fl-metrics-sr-non-numeric-pos-label", kind="metric_frame",
          source=_F + "test_selection_rate.py::test_selection_rate_non_numeric",
          y_true=["a", "b", "a", "b", "a", "b", "a", "b"],
          y_pred=["a", "a", "a", "b", "b", "b", "a", "a"],
          sensitive=_one_group(8), pos_label="b", metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 0.375}},
          note="string labels with pos_label='b'"),
    _case(id="fl-metrics-sr-group-weighted-string-labels", kind="metric_frame",
          source="fairlearn (older revision 0e8addcb, not in 0.15) test/unit/metrics/"
                 "test_selection_rate.py::test_group_selection_rate",
          y_true=["a", "b", "a", "b", "b", "b", "a", "a"],
          y_pred=["a", "b", "a", "a", "b", "b", "a", "b"],
          sensitive={"sf": ["r", "r", "r", "r", "q", "q", "q", "q"]},
          sample_weight=[1, 2, 3, 4, 1, 2, 4, 8], pos_label="b", metrics=["selection_rate"],
          test_expects={"overall": {"selection_rate": 0.52},
                        "by_group": {"selection_rate": {"r": 0.2, "q": 0.73333333}}},
          note="weighted, string labels, pos_label='b', two string groups; old group_selection_rate "
               "API re-expressed as MetricFrame"),

    # ======================= test_base_metrics.py : TPR =======================
    _case(id="fl-metrics-tpr-all-correct", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_all_correct",
          y_true=[0, 0, 0, 0, 1], y_pred=[0, 0, 0, 0, 1], sensitive=_one_group(5),
          metrics=["true_positive_rate"],
          test_expects={"overall": {"true_positive_rate": 1}},
          note="perfect predictions, default pos_label (inferred 1)"),
    _case(id="fl-metrics-tpr-all-correct-pos0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_all_correct",
          y_true=[0, 0, 0, 0, 1], y_pred=[0, 0, 0, 0, 1], sensitive=_one_group(5),
          pos_label=0, metrics=["true_positive_rate"],
          test_expects={"overall": {"true_positive_rate": 1}},
          note="pos_label=0 swaps the roles of the classes"),
    _case(id="fl-metrics-tpr-some-correct", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_some_correct",
          y_true=[0, 0, 0, 0, 1, 1, 1, 1], y_pred=[0, 0, 0, 1, 1, 0, 0, 0],
          sensitive=_one_group(8), metrics=["true_positive_rate"],
          test_expects={"overall": {"true_positive_rate": 0.25}},
          note="default pos_label"),
    _case(id="fl-metrics-tpr-some-correct-pos0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_some_correct",
          y_true=[0, 0, 0, 0, 1, 1, 1, 1], y_pred=[0, 0, 0, 1, 1, 0, 0, 0],
          sensitive=_one_group(8), pos_label=0, metrics=["true_positive_rate"],
          test_expects={"overall": {"true_positive_rate": 0.75}},
          note="pos_label=0: TPR becomes the TNR of the pos_label=1 view"),
    _case(id="fl-metrics-tpr-vs-sklearn-weighted", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_against_sklearn_weighted",
          y_true=TPR_SK_Y_TRUE, y_pred=TPR_SK_Y_PRED, sensitive=_one_group(16),
          sample_weight=TPR_SK_WEIGHT, metrics=["true_positive_rate"],
          note="weighted TPR; test asserts == sklearn recall_score(sample_weight=...) (approx)"),
    _case(id="fl-metrics-tpr-vs-sklearn-weighted-pos0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_against_sklearn_weighted",
          y_true=TPR_SK_Y_TRUE, y_pred=TPR_SK_Y_PRED, sensitive=_one_group(16),
          sample_weight=TPR_SK_WEIGHT, pos_label=0, metrics=["true_positive_rate"],
          note="weighted TPR with pos_label=0; test asserts == sklearn recall_score(pos_label=0)"),
    _case(id="fl-metrics-tpr-alpha-pos-a", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTPR::test_tpr_values_alpha",
          y_true=TPR_ALPHA_Y_TRUE, y_pred=TPR_ALPHA_Y_PRED, sensitive=_one_group(16),
          pos_label="a", metrics=["true_positive_rate"],
          note="string labels, pos_label='a'; test asserts == sklearn recall_score(pos_label='a') "
               "and != the pos_label='b' value"),

    # ======================= TNR =======================
    _case(id="fl-metrics-tnr-minus-one-labels", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTNR::test_some_correct",
          y_true=[-1, -1, -1, -1, 1], y_pred=[-1, -1, -1, 1, 1], sensitive=_one_group(5),
          metrics=["true_negative_rate"],
          test_expects={"overall": {"true_negative_rate": 0.75}},
          note="labels {-1, 1}, default pos_label inferred as 1"),
    _case(id="fl-metrics-tnr-minus-one-labels-pos-minus1", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTNR::test_some_correct",
          y_true=[-1, -1, -1, -1, 1], y_pred=[-1, -1, -1, 1, 1], sensitive=_one_group(5),
          pos_label=-1, metrics=["true_negative_rate"],
          test_expects={"overall": {"true_negative_rate": 1}},
          note="pos_label=-1"),
    _case(id="fl-metrics-tnr-string-pos-b", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTNR::test_some_correct_other_labels",
          y_true=["b", "b", "b", "b", "a"], y_pred=["b", "b", "b", "a", "a"],
          sensitive=_one_group(5), pos_label="b", metrics=["true_negative_rate"],
          test_expects={"overall": {"true_negative_rate": 1}},
          note="string labels, pos_label='b'"),
    _case(id="fl-metrics-tnr-string-pos-a", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTNR::test_some_correct_other_labels",
          y_true=["b", "b", "b", "b", "a"], y_pred=["b", "b", "b", "a", "a"],
          sensitive=_one_group(5), pos_label="a", metrics=["true_negative_rate"],
          test_expects={"overall": {"true_negative_rate": 0.75}},
          note="string labels, pos_label='a'"),
    _case(id="fl-metrics-tnr-with-false-negative", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestTNR::test_tnr_some_correct_with_false_negative",
          y_true=[0, 0, 0, 0, 1], y_pred=[0, 0, 1, 0, 0], sensitive=_one_group(5),
          metrics=["true_negative_rate"],
          test_expects={"overall": {"true_negative_rate": 0.75}},
          note="false negative does not affect TNR"),

    # ======================= FNR =======================
    _case(id="fl-metrics-fnr-some-correct", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestFNR::test_some_correct",
          y_true=[1, 1, 1, 1, 0, 0], y_pred=[0, 0, 1, 0, 0, 1], sensitive=_one_group(6),
          metrics=["false_negative_rate"],
          test_expects={"overall": {"false_negative_rate": 0.75}},
          note="default pos_label (test also asserts 0.75 with explicit pos_label=1)"),
    _case(id="fl-metrics-fnr-some-correct-pos0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestFNR::test_some_correct",
          y_true=[1, 1, 1, 1, 0, 0], y_pred=[0, 0, 1, 0, 0, 1], sensitive=_one_group(6),
          pos_label=0, metrics=["false_negative_rate"],
          test_expects={"overall": {"false_negative_rate": 0.5}},
          note="pos_label=0"),
    _case(id="fl-metrics-fnr-string-pos-a", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestFNR::test_some_correct_other_labels",
          y_true=["a", "a", "a", "a", "b", "b"], y_pred=["b", "b", "a", "b", "b", "a"],
          sensitive=_one_group(6), pos_label="a", metrics=["false_negative_rate"],
          test_expects={"overall": {"false_negative_rate": 0.75}},
          note="string labels, pos_label='a'"),
    _case(id="fl-metrics-fnr-string-pos-b", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestFNR::test_some_correct_other_labels",
          y_true=["a", "a", "a", "a", "b", "b"], y_pred=["b", "b", "a", "b", "b", "a"],
          sensitive=_one_group(6), pos_label="b", metrics=["false_negative_rate"],
          test_expects={"overall": {"false_negative_rate": 0.5}},
          note="string labels, pos_label='b'"),

    # ======================= FPR =======================
    _case(id="fl-metrics-fpr-minus-one-labels", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestFPR::test_some_correct",
          y_true=[-1, -1, -1, -1, 1, 1, 1], y_pred=[-1, 1, 1, -1, -1, 1, -1],
          sensitive=_one_group(7), metrics=["false_positive_rate"],
          test_expects={"overall": {"false_positive_rate": 0.5}},
          note="labels {-1, 1}, default pos_label (test also asserts 0.5 with pos_label=1)"),
    _case(id="fl-metrics-fpr-minus-one-labels-pos-minus1", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestFPR::test_some_correct",
          y_true=[-1, -1, -1, -1, 1, 1, 1], y_pred=[-1, 1, 1, -1, -1, 1, -1],
          sensitive=_one_group(7), pos_label=-1, metrics=["false_positive_rate"],
          test_expects={"overall": {"false_positive_rate": 0.6666667}},
          note="pos_label=-1; 2/3 (test uses pytest.approx)"),

    # ======================= single-value arrays =======================
    _case(id="fl-metrics-single-value-all-zeros", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestSingleValueArrays::test_all_zeros",
          y_true=[0] * 10, y_pred=[0] * 10, sensitive=_one_group(10), metrics=_RATES,
          test_expects={"overall": {"true_positive_rate": 0, "false_positive_rate": 0,
                                    "true_negative_rate": 1, "false_negative_rate": 0}},
          note="all-same labels, default pos_label=1 absent from data: TPR/FNR are 0/0 and "
               "come out 0 (not NaN); test uses np.zeros (floats), ported as ints; same values "
               "asserted for explicit pos_label=1"),
    _case(id="fl-metrics-single-value-all-zeros-pos0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestSingleValueArrays::test_all_zeros",
          y_true=[0] * 10, y_pred=[0] * 10, sensitive=_one_group(10), pos_label=0,
          metrics=_RATES,
          test_expects={"overall": {"true_positive_rate": 1, "false_positive_rate": 0,
                                    "true_negative_rate": 0, "false_negative_rate": 0}},
          note="all-same labels equal to pos_label: FPR/TNR are 0/0 and come out 0"),
    _case(id="fl-metrics-single-value-all-ones", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestSingleValueArrays::test_all_ones",
          y_true=[1] * 10, y_pred=[1] * 10, sensitive=_one_group(10), metrics=_RATES,
          test_expects={"overall": {"true_positive_rate": 1, "false_positive_rate": 0,
                                    "true_negative_rate": 0, "false_negative_rate": 0}},
          note="all ones, default pos_label; no negatives so FPR/TNR = 0/0 -> 0; np.ones ported as ints"),
    _case(id="fl-metrics-single-value-all-ones-pos0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestSingleValueArrays::test_all_ones",
          y_true=[1] * 10, y_pred=[1] * 10, sensitive=_one_group(10), pos_label=0,
          metrics=_RATES,
          test_expects={"overall": {"true_positive_rate": 0, "false_positive_rate": 0,
                                    "true_negative_rate": 1, "false_negative_rate": 0}},
          note="all ones with pos_label=0 (absent from data; allowed because only one unique value)"),
    _case(id="fl-metrics-single-value-all-neg-ones", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestSingleValueArrays::test_all_negative_ones",
          y_true=[-1] * 10, y_pred=[-1] * 10, sensitive=_one_group(10), metrics=_RATES,
          test_expects={"overall": {"true_positive_rate": 0, "false_positive_rate": 0,
                                    "true_negative_rate": 1, "false_negative_rate": 0}},
          note="all -1, default pos_label inferred as 1 ({-1} subset of {-1, 1}); -1*np.ones ported as ints"),
    _case(id="fl-metrics-single-value-all-neg-ones-pos-minus1", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestSingleValueArrays::test_all_negative_ones",
          y_true=[-1] * 10, y_pred=[-1] * 10, sensitive=_one_group(10), pos_label=-1,
          metrics=_RATES,
          test_expects={"overall": {"true_positive_rate": 1, "false_positive_rate": 0,
                                    "true_negative_rate": 0, "false_negative_rate": 0}},
          note="all -1 with pos_label=-1"),

    # ============ label handling (TestGetLabelsForConfusionMatrix) ============
    # The test calls the private helper on a label set; ported as a rate metric with
    # y_true == y_pred == that label set (the helper sees the union of both arrays).
    _case(id="fl-metrics-labels-three-values-no-pos-label", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_too_many_values",
          y_true=[0, 1, 2], y_pred=[0, 1, 2], sensitive=_one_group(3),
          metrics=["true_positive_rate"],
          raises="ValueError: If pos_label is not specified, values must be from {0, 1} or {-1, 1}",
          note="non-binary labels; test accepts this message or 'Must have no more than two "
               "unique y values' (0.15 gives this one)"),
    _case(id="fl-metrics-labels-three-strings-pos-a", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_too_many_values",
          y_true=["a", "b", "c"], y_pred=["a", "b", "c"], sensitive=_one_group(3),
          pos_label="a", metrics=["true_positive_rate"],
          raises="ValueError: Must have no more than two unique y values",
          note="three string labels with pos_label given"),
    _case(id="fl-metrics-labels-0-2-needs-pos-label", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_need_pos_label",
          y_true=[0, 2], y_pred=[0, 2], sensitive=_one_group(2),
          metrics=["true_positive_rate"],
          raises="ValueError: If pos_label is not specified, values must be from {0, 1} or {-1, 1}",
          note="binary but not {0,1}/{-1,1} and no pos_label (test also checks [-1, 0])"),
    _case(id="fl-metrics-labels-pos-label-not-in-data", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_pos_label_not_in_data",
          y_true=[0, 1], y_pred=[0, 1], sensitive=_one_group(2), pos_label=-1,
          metrics=["true_positive_rate"],
          raises="ValueError: Must have pos_label in y values",
          note="two labels, pos_label absent (test also checks [4, 2] with pos_label=3)"),
    _case(id="fl-metrics-labels-0-2-pos-label-2", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_smoke_numeric_pos_label",
          y_true=[0, 2], y_pred=[0, 2], sensitive=_one_group(2), pos_label=2,
          metrics=_RATES,
          note="pos_label=2 with labels {0,2} is accepted; test asserts only the label order "
               "[0, 2] (2 = positive), no metric value"),
    _case(id="fl-metrics-labels-single-value-pos-label-3", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_single_value_numeric_pos_label",
          y_true=[0], y_pred=[0], sensitive=_one_group(1), pos_label=3,
          metrics=_RATES,
          note="single value with pos_label=3 not in data is accepted (labels [0, 3]); test "
               "asserts only the labels"),
    _case(id="fl-metrics-labels-single-string-pos-label-a", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_single_value_alpha_pos_label",
          y_true=["a"], y_pred=["a"], sensitive=_one_group(1), pos_label="a",
          metrics=_RATES,
          note="single string value equal to pos_label (labels [int64 min, 'a']); test asserts "
               "only the labels"),
    _case(id="fl-metrics-labels-single-string-pos-label-0", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestGetLabelsForConfusionMatrix::test_single_value_alpha_pos_label",
          y_true=["a"], y_pred=["a"], sensitive=_one_group(1), pos_label=0,
          metrics=_RATES,
          note="single string value with integer pos_label 0 not in data is accepted "
               "(labels ['a', 0]); test asserts only the labels"),

    # ======================= count =======================
    _case(id="fl-metrics-count-group-of-one", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestCount::test_group_of_one",
          y_true=[1], y_pred=[0], sensitive=_one_group(1), metrics=["count"],
          test_expects={"overall": {"count": 1}},
          note="count of a single sample"),
    _case(id="fl-metrics-count-unequal-sizes", kind="metric_frame",
          source=_F + "test_base_metrics.py::TestCount::test_unequal_y_sizes",
          y_true=[0, 1, 0, 1, 0, 1, 1], y_pred=[0, 0, 1, 1], sensitive=_one_group(7),
          metrics=["count"],
          raises="ValueError: Found input variables with inconsistent numbers of samples: [7, 4]",
          note="y_true and y_pred of different lengths (sensitive sized like y_true)"),

    # ======================= test_metricframe_smoke.py =======================
    _case(id="fl-metrics-mf-single-element-lists", kind="metric_frame",
          source=_F + "test_metricframe_smoke.py::test_single_element_lists",
          y_true=[1], y_pred=[1], sensitive={"sf": [0]}, metrics=["balanced_accuracy"],
          test_expects={"overall": {"balanced_accuracy": 1}},
          note="one sample, integer sensitive value 0; sklearn warns about a single label"),

    # ======================= test_metricframe_aggregates.py =======================
    _case(id="fl-metrics-mf-ratio-zero-divide", kind="metric_frame",
          source=_F + "test_metricframe_aggregates.py::Test1m1sf0cf::test_ratio_zero_divide",
          y_true=[1, 0], y_pred=[1, 0], sensitive={"sf": ["a", "b"]}, metrics=["precision"],
          test_expects={"ratio": {"to_overall": {"precision": 0}}},
          note="group 'b' has no predicted positives: precision 0/0 -> 0 (zero_division=0), "
               "so ratio to overall is 0/1 = 0"),

    # ======================= test_generated_metrics.py =======================
    _case(id="fl-metrics-gen-true-positive-rate", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[true_positive_rate_difference|true_positive_rate_ratio|recall_score_group_min]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["true_positive_rate"],
          test_expects={"difference": {"to_overall": {"true_positive_rate": 0.25}},
                        "ratio": {"to_overall": {"true_positive_rate": 0.75}},
                        "group_min": {"true_positive_rate": 0.6}},
          note="integer sensitive values 0/1; to_overall difference and ratio; recall_score_group_min "
               "mapped to true_positive_rate (same value for 0/1 labels)"),
    _case(id="fl-metrics-gen-true-negative-rate", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[true_negative_rate_difference|true_negative_rate_ratio]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["true_negative_rate"],
          test_expects={"difference": {"between_groups": {"true_negative_rate": 0.083333333}},
                        "ratio": {"between_groups": {"true_negative_rate": 0.88888889}}},
          note="integer sensitive values; between_groups"),
    _case(id="fl-metrics-gen-false-positive-rate", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[false_positive_rate_difference|false_positive_rate_ratio]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["false_positive_rate"],
          test_expects={"difference": {"between_groups": {"false_positive_rate": 0.083333333}},
                        "ratio": {"between_groups": {"false_positive_rate": 0.75}}},
          note="integer sensitive values; between_groups"),
    _case(id="fl-metrics-gen-false-negative-rate", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[false_negative_rate_difference|false_negative_rate_ratio]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["false_negative_rate"],
          test_expects={"difference": {"between_groups": {"false_negative_rate": 0.4}},
                        "ratio": {"between_groups": {"false_negative_rate": 0}}},
          note="one group has FNR 0, so the between-groups ratio is 0/x = 0"),
    _case(id="fl-metrics-gen-selection-rate", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[selection_rate_difference|selection_rate_ratio]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["selection_rate"],
          test_expects={"difference": {"between_groups": {"selection_rate": 0.11111111}},
                        "ratio": {"between_groups": {"selection_rate": 0.8}}},
          note="integer sensitive values; between_groups"),
    _case(id="fl-metrics-gen-accuracy", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[accuracy_score_difference|accuracy_score_ratio|accuracy_score_group_min]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["accuracy"],
          test_expects={"difference": {"between_groups": {"accuracy": 0.11111111}},
                        "ratio": {"between_groups": {"accuracy": 0.85714286}},
                        "group_min": {"accuracy": 0.66666667}},
          note="integer sensitive values; accuracy difference/ratio/group_min"),
    _case(id="fl-metrics-gen-balanced-accuracy-precision", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke"
                 "[balanced_accuracy_score_group_min|precision_score_group_min]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          metrics=["balanced_accuracy", "precision"],
          test_expects={"group_min": {"balanced_accuracy": 0.675, "precision": 0.6}},
          note="group_min of balanced accuracy and precision"),
    _case(id="fl-metrics-gen-roc-auc", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke[roc_auc_score_group_min]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, y_score=[float(v) for v in GEN_Y_PRED],
          sensitive={"sf": GEN_SF}, metrics=["roc_auc"],
          test_expects={"group_min": {"roc_auc": 0.675}},
          note="roc_auc on hard 0/1 predictions used as scores (ties); equals balanced accuracy"),
    _case(id="fl-metrics-gen-log-loss", kind="metric_frame",
          source=_F + "test_generated_metrics.py::test_generated_metrics_smoke[log_loss_group_max]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, y_score=GEN_Y_PRED_LOG_LOSS,
          sensitive={"sf": GEN_SF}, metrics=["log_loss"],
          test_expects={"group_max": {"log_loss": 11.5130143}},
          note="probabilities of 1e-15 / 1-1e-15 where wrong (test avoids infinite log loss); "
               "y_pred here is the hard label, the test passed y_score as y_pred"),
    _case(id="fl-metrics-gen-dp-difference-between", kind="disparity",
          source=_F + "test_generated_metrics.py::test_against_demographic_parity_difference[between_groups]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          function="demographic_parity_difference", method="between_groups",
          test_expects={"value": 0.11111111},
          note="test asserts == selection_rate_difference, which test_generated_metrics_smoke "
               "asserts is 0.11111111"),
    _case(id="fl-metrics-gen-dp-ratio-to-overall", kind="disparity",
          source=_F + "test_generated_metrics.py::test_against_demographic_parity_ratio[to_overall]",
          y_true=GEN_Y_TRUE, y_pred=GEN_Y_PRED, sensitive={"sf": GEN_SF},
          function="demographic_parity_ratio", method="to_overall",
          note="test asserts == selection_rate_ratio(method='to_overall'); no literal value"),

    # ======================= test_fairness_metrics.py (data_for_test arrays) ===========
    _case(id="fl-metrics-fm-dp-difference-between", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_demographic_parity_difference[between_groups]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1},
          function="demographic_parity_difference", method="between_groups",
          note="test asserts == MetricFrame(selection_rate).difference(method)"),
    _case(id="fl-metrics-fm-dp-difference-to-overall-weighted", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_demographic_parity_difference_weighted[to_overall]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1}, sample_weight=S_W,
          function="demographic_parity_difference", method="to_overall",
          note="weighted selection rates, to_overall; test asserts == MetricFrame difference"),
    _case(id="fl-metrics-fm-dp-ratio-between-weighted", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_demographic_parity_ratio_weighted[between_groups]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1}, sample_weight=S_W,
          function="demographic_parity_ratio", method="between_groups",
          note="weighted; test asserts == MetricFrame ratio"),
    _case(id="fl-metrics-fm-eo-difference-between-worst", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_equalized_odds_difference[between_groups-worst_case]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1},
          function="equalized_odds_difference", method="between_groups", agg="worst_case",
          note="max of TPR and FPR differences; test asserts == MetricFrame({tpr,fpr}).difference().max()"),
    _case(id="fl-metrics-fm-eo-difference-to-overall-mean", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_equalized_odds_difference[to_overall-mean]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1},
          function="equalized_odds_difference", method="to_overall", agg="mean",
          note="mean of TPR and FPR to_overall differences"),
    _case(id="fl-metrics-fm-eo-ratio-between-mean-weighted", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_equalized_odds_ratio_weighted[between_groups-mean]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1}, sample_weight=S_W,
          function="equalized_odds_ratio", method="between_groups", agg="mean",
          note="weighted, mean of TPR and FPR ratios; test asserts == MetricFrame ratio().mean()"),
    _case(id="fl-metrics-fm-eo-ratio-to-overall-worst", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_equalized_odds_ratio[to_overall-worst_case]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1},
          function="equalized_odds_ratio", method="to_overall", agg="worst_case",
          note="min of TPR and FPR to_overall ratios"),
    _case(id="fl-metrics-fm-eopp-difference-between-weighted", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_equal_opportunity_difference_weighted[between_groups]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1}, sample_weight=S_W,
          function="equal_opportunity_difference", method="between_groups",
          note="weighted TPR difference; test asserts == MetricFrame(true_positive_rate) difference"),
    _case(id="fl-metrics-fm-eopp-ratio-to-overall", kind="disparity",
          source=_F + "test_fairness_metrics.py::test_equal_opportunity_ratio[to_overall]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1},
          function="equal_opportunity_ratio", method="to_overall",
          note="TPR ratio to overall"),

    # ======================= test_metricframe_missing.py =======================
    _case(id="fl-metrics-missing-sensitive-combination", kind="metric_frame",
          source=_F + "test_metricframe_missing.py::test_missing_sensitive_feature_combinations"
                 "[recall_score|precision_score|accuracy_score|balanced_accuracy_score]",
          y_true=Y_T, y_pred=Y_P, sensitive={"A": G_A, "B": G_B},
          metrics=_MISSING_METRICS,
          test_expects={"by_group": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS}},
          note="two sensitive features; intersection ('bb','x') is empty -> NaN in by_group and "
               "skipped by group_min/max/difference/ratio (test checks those == masked recomputation); "
               "recall_score mapped to true_positive_rate"),
    _case(id="fl-metrics-missing-control-combination", kind="metric_frame",
          source=_F + "test_metricframe_missing.py::test_missing_conditional_feature_combinations"
                 "[recall_score|precision_score|accuracy_score|balanced_accuracy_score]",
          y_true=Y_T, y_pred=Y_P, sensitive={"g": G_1}, control={"A": G_A, "B": G_B},
          metrics=_MISSING_METRICS,
          test_expects={
              "overall": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS},
              "by_group": {m: {("bb", "x", "aa"): NaN, ("bb", "x", "ba"): NaN,
                               ("aa", "z", "aa"): NaN} for m in _MISSING_METRICS},
              "group_min": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS},
              "group_max": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS},
              "difference": {"between_groups": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS},
                             "to_overall": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS}},
              "ratio": {"between_groups": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS},
                        "to_overall": {m: {("bb", "x"): NaN} for m in _MISSING_METRICS}},
          },
          note="two control features; control cell ('bb','x') is empty -> every aggregate NaN there; "
               "control cell ('aa','z') has one sample (only group 'ba'), so ('aa','z','aa') is NaN"),

    # ======================= test_make_derived_metric.py =======================
    _case(id="fl-metrics-derived-accuracy-precision", kind="metric_frame",
          source=_F + "test_make_derived_metric.py::test_derived_difference_between_groups"
                 "|test_derived_difference_to_overall|test_derived_ratio_between_groups"
                 "|test_derived_ratio_to_overall|test_group_min|test_group_max",
          y_true=DER_Y_T, y_pred=DER_Y_P, sensitive={"sf": DER_GID},
          metrics=["accuracy", "precision"],
          note="groups of unequal size (18 vs 21); accuracy difference and precision "
               "ratio/group_min/group_max; test asserts derived metric == MetricFrame value"),

    # ======================= test_metricframe_by_group.py / _overall.py ==================
    _case(id="fl-metrics-bygroup-1sf-1cf", kind="metric_frame",
          source=_F + "test_metricframe_by_group.py::test_1m_1sf_1cf"
                 "[recall_score|precision_score|accuracy_score|balanced_accuracy_score]",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_1}, control={"cf": G_2},
          metrics=["true_positive_rate", "precision", "accuracy", "balanced_accuracy"],
          note="one control feature; by_group keyed (cf, sf); test asserts == masked recomputation"),
    _case(id="fl-metrics-overall-1cf-weighted", kind="metric_frame",
          source=_F + "test_metricframe_overall.py::test_1m_1cf_wgt",
          y_true=Y_T, y_pred=Y_P, sensitive={"sf": G_2}, control={"cf": G_1},
          sample_weight=S_W, metrics=["true_positive_rate"],
          note="weighted recall, overall per control value; test asserts == masked weighted recall_score"),
    _case(id="fl-metrics-bygroup-2sf-2cf-weighted-recall", kind="metric_frame",
          source=_F + "test_metricframe_by_group.py::test_2m_2sf_2cf (recall half)",
          y_true=Y_T, y_pred=Y_P, sensitive={"sfa": G_1, "sfb": G_3},
          control={"cfa": G_2, "cfb": G_4}, sample_weight=S_W,
          metrics=["true_positive_rate"],
          note="2 sensitive x 2 control features (16 cells), weighted recall; the test weights "
               "recall only, so precision is split into the next case"),
    _case(id="fl-metrics-bygroup-2sf-2cf-precision", kind="metric_frame",
          source=_F + "test_metricframe_by_group.py::test_2m_2sf_2cf (precision half)",
          y_true=Y_T, y_pred=Y_P, sensitive={"sfa": G_1, "sfb": G_3},
          control={"cfa": G_2, "cfb": G_4}, metrics=["precision"],
          note="2 sensitive x 2 control features, unweighted precision"),
]

assert len({c["id"] for c in CASES}) == len(CASES), "duplicate case id"
