"""Literal-input ThresholdOptimizer cases ported from Fairlearn's unit tests.

Sources (read from the fairlearn/fairlearn repository index):
  test/unit/postprocessing/conftest.py                         (example data ex1/ex2/ex3)
  test/unit/postprocessing/test_threshold_optimization.py
  test/unit/postprocessing/test_relaxed_constraints.py
  test/unit/postprocessing/test_threshold_optimizer_multiple_sensitive_features.py
Run against the installed fairlearn 0.15.0 by check_post_and_aif.py.

Conventions
-----------
* The estimator is a prefit identity: its predict() returns the score column,
  ThresholdOptimizer(prefit=True, predict_method="predict").  The upstream tests use
  ExamplePredictor(scores) / PassThroughPredictor, which is equivalent.
* "pmf" = ThresholdOptimizer._pmf_predict(X, sensitive_features=...); p1 = its column 1,
  i.e. P(prediction = 1) per row.
* Multi-column sensitive features are combined by Fairlearn into one group label by joining
  the values with "," (e.g. "A,Y"); group keys in test_expects use that joined form.
* test_expects keys (all compared with numpy.isclose, rtol=1e-5, atol=1e-8, unless noted):
    p1                    list, P(1) per row of predict_on (or of the fit rows if predict_on is None)
    group_mean_pmf        {group: [mean P(0), mean P(1)]} over the FIT rows of that group
    group_mean_p1         {group: mean P(1)} over the FIT rows of that group
    group_label_mean_pmf  {group: {label: [mean P(0), mean P(1)]}} over fit rows with that group & label
    interpolation         {group: {p0, op0, thr0, p1, op1, thr1[, p_ignore, prediction_constant]}}
                          = interpolated_thresholder_.interpolation_dict (op is the operator string;
                          thr may be +/-inf). If p_ignore is absent it must be absent in Fairlearn too.
    relaxed_y_best_ge_strict / between_groups_le_tol   relational asserts of test_relaxed_constraints
                          (the same config is also fit with tol=None for comparison)
    same_as_combined_column  {"fit": [...], "predict": [...]}: fitting with that single pre-combined
                          column must give identical pmf and identical interpolation dicts.
* raises: "ValueError: <start of message>" (matched with str.startswith on the message).
* observed (extra key, only on some cases): values produced by fairlearn 0.15.0 itself, NOT
  asserted upstream; recorded for cases whose upstream assertion is only relational, and for
  "probe" cases (source starts with "probe") that have no upstream test at all.
"""

INF = float("inf")

# ---- conftest.py example data --------------------------------------------------------
_SF_EX1 = list("AAAAAAABBBBBBBCCCCCC")
_SF_EX2 = list("xxxYYYYxYYYYYxYYYYYY")
_LABELS_EX = [0, 1, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 0, 0, 1, 1, 1]
_DEGENERATE_LABELS_EX = [0] * 20
_SCORES_EX = [0, 0, 1, 1, 2, 3, 3, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 2]
_NON_BINARY_LABELS_EX = [2] + _LABELS_EX[1:]

_T = "fairlearn 0.15 test/unit/postprocessing/test_threshold_optimization.py::"


def _c(**kw):
    d = dict(kind="threshold", objective="accuracy_score", grid_size=1000, flip=False, tol=None,
             predict_on=None, test_expects={}, raises=None, note="")
    d.update(kw)
    return d


CASES = []

# ---- end-to-end demographic parity / equalized odds (flip=True) -----------------------
CASES += [
    _c(id="fl-post-dp-flip-e2e-ex1",
       source=_T + "test_threshold_optimization_demographic_parity_e2e[example 1]",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="demographic_parity", flip=True,
       test_expects={"group_mean_pmf": {"A": [0.428, 0.572], "B": [0.428, 0.572],
                                        "C": [0.428, 0.572]}},
       note="heavy score ties (scores are 0..3 integers)"),
    _c(id="fl-post-dp-flip-e2e-ex2",
       source=_T + "test_threshold_optimization_demographic_parity_e2e[example 2]",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX2},
       constraint="demographic_parity", flip=True,
       test_expects={"group_mean_pmf": {"x": [0.6, 0.4], "Y": [0.6, 0.4]}},
       note="two groups of unequal size (5 vs 15)"),
    _c(id="fl-post-dp-flip-e2e-ex3-two-columns",
       source=_T + "test_threshold_optimization_demographic_parity_e2e[example 3]",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1, "B": _SF_EX2},
       constraint="demographic_parity", flip=True,
       test_expects={"group_mean_pmf": {g: [0.5, 0.5] for g in
                                        ["A,x", "A,Y", "B,x", "B,Y", "C,Y"]}},
       note="two sensitive columns -> 5 intersectional groups (A,x = rows 0-2, "
            "B,x = rows 7 and 13: 2-row group)"),
    _c(id="fl-post-eo-flip-e2e-ex1",
       source=_T + "test_threshold_optimization_equalized_odds_e2e[example 1]",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="equalized_odds", flip=True,
       test_expects={"group_label_mean_pmf": {
           g: {1: [0.33266666, 0.66733333], 0: [0.666, 0.334]} for g in ["A", "B", "C"]}}),
    _c(id="fl-post-eo-flip-e2e-ex2",
       source=_T + "test_threshold_optimization_equalized_odds_e2e[example 2]",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX2},
       constraint="equalized_odds", flip=True,
       test_expects={"group_label_mean_pmf": {
           g: {1: [0.112, 0.888], 0: [0.334, 0.666]} for g in ["x", "Y"]}}),
    _c(id="fl-post-eo-flip-e2e-ex3-two-columns",
       source=_T + "test_threshold_optimization_equalized_odds_e2e[example 3]",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1, "B": _SF_EX2},
       constraint="equalized_odds", flip=True,
       test_expects={"group_label_mean_pmf": {
           g: {1: [0.33333333333333337, 0.6666666666666666], 0: [0.5, 0.5]}
           for g in ["A,x", "A,Y", "B,x", "B,Y", "C,Y"]}}),
]

# ---- pointwise predictions at chosen scores (fit on ex1, predict on other rows) -------
_PT_SCORES = [0, 2.499, 2.5, 100, 0, 0.5, 0.51, 1, 100, 0, 0.5, 0.51, 1, 1.5, 1.51, 100]
_PT_GROUPS = ["A"] * 4 + ["B"] * 5 + ["C"] * 7
CASES += [
    _c(id="fl-post-dp-flip-pointwise",
       source=_T + "test_threshold_optimization_demographic_parity",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="demographic_parity", flip=True,
       predict_on={"scores": _PT_SCORES, "sensitive": {"A": _PT_GROUPS}},
       test_expects={
           "p1": [0.8008, 0.8008, 0, 0,
                  0.00133333333333, 0.00133333333333, 1, 1, 1,
                  0, 0, 0.608, 0.608, 0.608, 1, 1],
           "group_mean_p1": {"A": 0.572, "B": 0.572, "C": 0.572}},
       note="group A is flipped: P(1) is high BELOW 2.5; boundary scores 2.5 / 0.5 / 1.5 "
            "test strict-vs-non-strict thresholds. Upstream checks 0/1 values with ==."),
    _c(id="fl-post-eo-flip-pointwise",
       source=_T + "test_threshold_optimization_equalized_odds",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="equalized_odds", flip=True,
       predict_on={"scores": _PT_SCORES, "sensitive": {"A": _PT_GROUPS}},
       test_expects={
           # A: p_ignore=0.001996007984031716, B: p_ignore=0.1991991991991991, C: p_ignore=0,
           # prediction_constant=0.334; value = p_ignore*0.334 + (1-p_ignore)*P_threshold
           "p1": [0.6673333333333334, 0.6673333333333334, 0.0006666666666665932,
                  0.0006666666666665932,
                  0.0673333333333333, 0.0673333333333333, 0.8673333333333335,
                  0.8673333333333335, 0.8673333333333335,
                  0.0, 0.0, 0.501, 0.501, 0.501, 1.0, 1.0],
           "group_label_mean_pmf": {g: {0: [0.666, 0.334], 1: [0.33266667, 0.66733333]}
                                    for g in ["A", "B", "C"]}},
       note="values derived from the constants written in the test "
            "(p_ignore, prediction_constant, 0.668, 0.001, 0.501)"),
]

# ---- invalid / degenerate labels ---------------------------------------------------
CASES += [
    _c(id="fl-post-non-binary-labels-dp",
       source=_T + "test_threshold_optimization_non_binary_labels[demographic_parity]",
       scores=_SCORES_EX, y=_NON_BINARY_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="demographic_parity",
       raises="ValueError: Supplied y labels are not 0 or 1", note="y[0] = 2"),
    _c(id="fl-post-non-binary-labels-eo-two-columns",
       source=_T + "test_threshold_optimization_non_binary_labels[equalized_odds-example 3]",
       scores=_SCORES_EX, y=_NON_BINARY_LABELS_EX, sensitive={"A": _SF_EX1, "B": _SF_EX2},
       constraint="equalized_odds",
       raises="ValueError: Supplied y labels are not 0 or 1", note="y[0] = 2"),
    _c(id="fl-post-degenerate-labels-dp-ex1",
       source=_T + "test_threshold_optimization_degenerate_labels[demographic_parity-example 1]",
       scores=_SCORES_EX, y=_DEGENERATE_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="demographic_parity",
       raises="ValueError: Degenerate labels for sensitive feature value A",
       note="all labels 0; error names the FIRST group in sorted order"),
    _c(id="fl-post-degenerate-labels-eo-ex2",
       source=_T + "test_threshold_optimization_degenerate_labels[equalized_odds-example 2]",
       scores=_SCORES_EX, y=_DEGENERATE_LABELS_EX, sensitive={"A": _SF_EX2},
       constraint="equalized_odds",
       raises="ValueError: Degenerate labels for sensitive feature value Y",
       note="groups 'x' and 'Y': 'Y' sorts before 'x' (uppercase first)"),
    _c(id="fl-post-degenerate-labels-dp-ex3-two-columns",
       source=_T + "test_threshold_optimization_degenerate_labels[demographic_parity-example 3]",
       scores=_SCORES_EX, y=_DEGENERATE_LABELS_EX, sensitive={"A": _SF_EX1, "B": _SF_EX2},
       constraint="demographic_parity",
       raises="ValueError: Degenerate labels for sensitive feature value A,Y"),
]

# ---- test_constraints_objective_pairs: full table --------------------------------------
# X = [0,1,2,3,4,0,1,2,3] (PassThroughPredictor -> scores), sf = [0]*5 + [1]*4,
# y = [1,0,1,1,1,0,1,1,1], grid_size=20, flip=False (default).  Upstream compares
# interpolation_dict with pytest.approx(rel=1e-6).
_PAIR_SCORES = [0, 1, 2, 3, 4, 0, 1, 2, 3]
_PAIR_SF = {"A": [0, 0, 0, 0, 0, 1, 1, 1, 1]}
_PAIR_Y = [1, 0, 1, 1, 1, 0, 1, 1, 1]


def _ip(p0, op0, thr0, p1, op1, thr1, **extra):
    d = dict(p0=p0, op0=op0, thr0=thr0, p1=p1, op1=op1, thr1=thr1)
    d.update(extra)
    return d


_PAIRS = {
    ("demographic_parity", "accuracy_score"): {
        0: _ip(0.625, ">", 1.5, 0.375, ">", -INF), 1: _ip(0.0, ">", INF, 1.0, ">", 0.5)},
    ("demographic_parity", "balanced_accuracy_score"): {
        0: _ip(1.0, ">", 1.5, 0.0, ">", -INF), 1: _ip(0.2, ">", INF, 0.8, ">", 0.5)},
    ("demographic_parity", "selection_rate"): {
        0: _ip(0.0, ">", INF, 1.0, ">", -INF), 1: _ip(0.0, ">", INF, 1.0, ">", -INF)},
    ("demographic_parity", "true_positive_rate"): {
        0: _ip(0.0, ">", 1.5, 1.0, ">", -INF), 1: _ip(0.0, ">", 0.5, 1.0, ">", -INF)},
    ("demographic_parity", "true_negative_rate"): {
        0: _ip(1.0, ">", INF, 0.0, ">", 1.5), 1: _ip(1.0, ">", INF, 0.0, ">", 0.5)},
    ("selection_rate_parity", "accuracy_score"): {
        0: _ip(0.625, ">", 1.5, 0.375, ">", -INF), 1: _ip(0.0, ">", INF, 1.0, ">", 0.5)},
    ("false_positive_rate_parity", "accuracy_score"): {
        0: _ip(1.0, ">", 1.5, 0.0, ">", -INF), 1: _ip(1.0, ">", 0.5, 0.0, ">", -INF)},
    ("false_positive_rate_parity", "balanced_accuracy_score"): {
        0: _ip(1.0, ">", 1.5, 0.0, ">", -INF), 1: _ip(1.0, ">", 0.5, 0.0, ">", -INF)},
    ("false_positive_rate_parity", "selection_rate"): {
        0: _ip(0.0, ">", 1.5, 1.0, ">", -INF), 1: _ip(0.0, ">", 0.5, 1.0, ">", -INF)},
    ("false_positive_rate_parity", "true_positive_rate"): {
        0: _ip(0.0, ">", 1.5, 1.0, ">", -INF), 1: _ip(0.0, ">", 0.5, 1.0, ">", -INF)},
    ("false_positive_rate_parity", "true_negative_rate"): {
        0: _ip(1.0, ">", INF, 0.0, ">", -INF), 1: _ip(1.0, ">", INF, 0.0, ">", -INF)},
    ("false_negative_rate_parity", "accuracy_score"): {
        0: _ip(1.0, ">", -INF, 0.0, ">", 1.5), 1: _ip(1.0, ">", 0.5, 0.0, ">", INF)},
    ("false_negative_rate_parity", "balanced_accuracy_score"): {
        0: _ip(0.0, ">", -INF, 1.0, ">", 1.5), 1: _ip(0.75, ">", 0.5, 0.25, ">", INF)},
    ("false_negative_rate_parity", "selection_rate"): {
        0: _ip(1.0, ">", -INF, 0.0, ">", 0.5), 1: _ip(1.0, ">", -INF, 0.0, ">", INF)},
    ("false_negative_rate_parity", "true_positive_rate"): {
        0: _ip(1.0, ">", -INF, 0.0, ">", INF), 1: _ip(1.0, ">", 0.5, 0.0, ">", INF)},
    ("false_negative_rate_parity", "true_negative_rate"): {
        0: _ip(0.0, ">", -INF, 1.0, ">", 1.5), 1: _ip(0.75, ">", 0.5, 0.25, ">", INF)},
    ("true_positive_rate_parity", "accuracy_score"): {
        0: _ip(0.0, ">", 1.5, 1.0, ">", -INF), 1: _ip(0.0, ">", INF, 1.0, ">", 0.5)},
    ("true_positive_rate_parity", "balanced_accuracy_score"): {
        0: _ip(0.0, ">", INF, 1.0, ">", 1.5), 1: _ip(0.25, ">", INF, 0.75, ">", 0.5)},
    ("true_positive_rate_parity", "selection_rate"): {
        0: _ip(0.0, ">", 0.5, 1.0, ">", -INF), 1: _ip(0.0, ">", INF, 1.0, ">", -INF)},
    ("true_positive_rate_parity", "true_positive_rate"): {
        0: _ip(0.0, ">", INF, 1.0, ">", -INF), 1: _ip(0.0, ">", INF, 1.0, ">", -INF)},
    ("true_positive_rate_parity", "true_negative_rate"): {
        0: _ip(1.0, ">", INF, 0.0, ">", 1.5), 1: _ip(1.0, ">", INF, 0.0, ">", 0.5)},
    ("true_negative_rate_parity", "accuracy_score"): {
        0: _ip(0.0, ">", -INF, 1.0, ">", 1.5), 1: _ip(0.0, ">", -INF, 1.0, ">", 0.5)},
    ("true_negative_rate_parity", "balanced_accuracy_score"): {
        0: _ip(0.0, ">", -INF, 1.0, ">", 1.5), 1: _ip(0.0, ">", -INF, 1.0, ">", 0.5)},
    ("true_negative_rate_parity", "selection_rate"): {
        0: _ip(1.0, ">", -INF, 0.0, ">", 1.5), 1: _ip(1.0, ">", -INF, 0.0, ">", 0.5)},
    ("true_negative_rate_parity", "true_positive_rate"): {
        0: _ip(1.0, ">", -INF, 0.0, ">", 1.5), 1: _ip(1.0, ">", -INF, 0.0, ">", 0.5)},
    ("true_negative_rate_parity", "true_negative_rate"): {
        0: _ip(0.0, ">", 0.5, 1.0, ">", 1.5), 1: _ip(0.0, ">", -INF, 1.0, ">", 0.5)},
    ("equalized_odds", "accuracy_score"): {
        0: _ip(1.0, ">", 1.5, 0.0, ">", -INF, p_ignore=0.0, prediction_constant=0.0),
        1: _ip(1.0, ">", 0.5, 0.0, ">", -INF, p_ignore=0.25, prediction_constant=0.0)},
    ("equalized_odds", "balanced_accuracy_score"): {
        0: _ip(1.0, ">", 1.5, 0.0, ">", -INF, p_ignore=0.0, prediction_constant=0.0),
        1: _ip(1.0, ">", 0.5, 0.0, ">", -INF, p_ignore=0.25, prediction_constant=0.0)},
}

_ABBR = {"demographic_parity": "dp", "selection_rate_parity": "srp",
         "false_positive_rate_parity": "fprp", "false_negative_rate_parity": "fnrp",
         "true_positive_rate_parity": "tprp", "true_negative_rate_parity": "tnrp",
         "equalized_odds": "eo", "accuracy_score": "acc", "balanced_accuracy_score": "bacc",
         "selection_rate": "sel", "true_positive_rate": "tpr", "true_negative_rate": "tnr",
         "bad_objective": "badobj", "bad_constraints": "badcon"}

for (_con, _obj), _exp in _PAIRS.items():
    CASES.append(_c(
        id=f"fl-post-pair-{_ABBR[_con]}-{_ABBR[_obj]}",
        source=_T + f"test_constraints_objective_pairs[{_obj}-{_con}]",
        scores=_PAIR_SCORES, y=_PAIR_Y, sensitive=_PAIR_SF,
        constraint=_con, objective=_obj, grid_size=20,
        test_expects={"interpolation": _exp},
        note=("selection_rate_parity is an alias of demographic_parity (the test's table is "
              "identical for all 5 objectives; only accuracy_score kept here)"
              if _con == "selection_rate_parity" else
              "group keys are the integer sensitive values 0 and 1")))

CASES += [
    _c(id="fl-post-pair-dp-badobj",
       source=_T + "test_constraints_objective_pairs[bad_objective-demographic_parity]",
       scores=_PAIR_SCORES, y=_PAIR_Y, sensitive=_PAIR_SF,
       constraint="demographic_parity", objective="bad_objective", grid_size=20,
       raises="ValueError: For demographic_parity only the following objectives are supported",
       note="same pattern for every simple constraint ('For <constraint> only ...')"),
    _c(id="fl-post-pair-eo-sel",
       source=_T + "test_constraints_objective_pairs[selection_rate-equalized_odds]",
       scores=_PAIR_SCORES, y=_PAIR_Y, sensitive=_PAIR_SF,
       constraint="equalized_odds", objective="selection_rate", grid_size=20,
       raises="ValueError: For equalized_odds only the following objectives are supported",
       note="EO only accepts accuracy_score / balanced_accuracy_score; selection_rate, "
            "true_positive_rate, true_negative_rate all raise"),
    _c(id="fl-post-pair-badcon-acc",
       source=_T + "test_constraints_objective_pairs[accuracy_score-bad_constraints]",
       scores=_PAIR_SCORES, y=_PAIR_Y, sensitive=_PAIR_SF,
       constraint="bad_constraints", objective="accuracy_score", grid_size=20,
       raises="ValueError: Currently only the following constraints are supported"),
]

# ---- relaxed constraints (tol) ---------------------------------------------------------
_R = ("fairlearn 0.15 test/unit/postprocessing/test_relaxed_constraints.py::"
      "test_threshold_optimization_with_tolerance_increases_objective_and_respects_constraints")
_REL = dict(scores=[0.1, 0.2, 0.3, 0.4, 0.5], y=[1, 0, 1, 1, 0],
            sensitive={"A": ["a", "b", "a", "b", "a"]}, grid_size=50, flip=True, tol=0.2)
CASES += [
    _c(id="fl-post-relaxed-tol-dp-acc", source=_R + "[demographic_parity-accuracy_score]",
       constraint="demographic_parity", objective="accuracy_score", **_REL,
       test_expects={"relaxed_y_best_ge_strict": True, "between_groups_le_tol": True},
       observed={"y_best": 0.996, "between_groups": 0.16, "strict_y_best": 0.932,
                 "p1": [0.99, 0.0, 0.99, 1.0, 0.0], "strict_p1": [0.99, 0.32, 0.99, 1.0, 0.0]},
       note="relaxation raises accuracy 0.932 -> 0.996 with group x-gap 0.16 <= tol"),
    _c(id="fl-post-relaxed-tol-dp-tpr", source=_R + "[demographic_parity-true_positive_rate]",
       constraint="demographic_parity", objective="true_positive_rate", **_REL,
       test_expects={"relaxed_y_best_ge_strict": True, "between_groups_le_tol": True},
       observed={"y_best": 1.0, "between_groups": 0.0, "strict_y_best": 1.0,
                 "p1": [1.0, 1.0, 1.0, 1.0, 1.0], "strict_p1": [1.0, 0.36, 1.0, 1.0, 0.04]},
       note="objective TIE: strict and relaxed both reach TPR 1.0 but pick different "
            "solutions (tie-breaking differs between the two code paths)"),
]

# ---- multiple sensitive features vs pre-combined column ------------------------------------
_M = ("fairlearn 0.15 test/unit/postprocessing/test_threshold_optimizer_multiple_sensitive_"
      "features.py::test_threshold_optimizer_multiple_sensitive_features")
_a1 = "a"
_a2 = "a very very very very very very very long group name"
_a3 = "a group name with commas ,, in , it"
_a4 = "a group name with backslashes \\ in \\\\ it"
_M_SF1 = [_a1, _a1] + [_a2] * 12 + [_a1, _a1]
_M_SF2 = [_a3] * 6 + [_a4] * 10
_M_TEST_SF1 = [_a1, _a1, _a2, _a2, _a2, _a2, _a1, _a1] + _M_SF1
_M_TEST_SF2 = [_a3, _a3, _a3, _a3, _a4, _a4, _a4, _a4] + _M_SF2
# scores = LinearRegression().fit(X, y).predict(X) / .predict(X_test) with X, X_test of the test
_M_FIT_SCORES = [0.4499281889590906, 0.3613734357085356, 0.4258127912082551, 0.3631527029004952,
                 0.4819504244627132, 0.427986942892689, 0.5038916705291148, 0.3228287451516112,
                 0.4258127912082551, 0.45388160783548415, 0.4819504244627132, 0.5705051777132681,
                 0.5459948954699583, 0.33725803795770004, 0.5305761044568585,
                 0.31709605908325805]
_M_TEST_SCORES = [0.3995232417729856, 0.35129244627131456, 0.43589378064547607,
                  0.4117783828946405, 0.5402622094016052, 0.39774397458102606,
                  0.4639625972727051, 0.4661367489571391] + _M_FIT_SCORES
CASES += [
    _c(id="fl-post-multi-sf-vs-combined-column", source=_M,
       scores=_M_FIT_SCORES, y=[0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0, 1, 1, 1, 0],
       sensitive={"SF1": _M_SF1, "SF2": _M_SF2},
       constraint="demographic_parity", objective="accuracy_score",
       predict_on={"scores": _M_TEST_SCORES,
                   "sensitive": {"SF1": _M_TEST_SF1, "SF2": _M_TEST_SF2}},
       test_expects={"same_as_combined_column": {
           "fit": [s1 + s2 for s1, s2 in zip(_M_SF1, _M_SF2)],
           "predict": [s1 + s2 for s1, s2 in zip(_M_TEST_SF1, _M_TEST_SF2)]}},
       note="group names contain commas and backslashes (bug #728: combined names were "
            "truncated/merged). Fairlearn escapes ',' -> '\\,' and '\\' -> '\\\\' when joining "
            "columns. Scores are LinearRegression outputs (ties: rows 2&8, 4&10). Upstream "
            "compares MetricFrames of predict(random_state=1); here the deterministic pmf."),
]

# ---- probes: no upstream test; behaviour recorded from fairlearn 0.15.0 -----------------------
CASES += [
    _c(id="fl-post-probe-unknown-group-at-predict",
       source="probe (no upstream test): fit on conftest ex1, predict a group unseen at fit",
       scores=_SCORES_EX, y=_LABELS_EX, sensitive={"A": _SF_EX1},
       constraint="demographic_parity", flip=True,
       predict_on={"scores": [0, 1, 2, 3, 0], "sensitive": {"A": ["D", "D", "D", "D", "A"]}},
       observed={"p1": [0.0, 0.0, 0.0, 0.0, 0.8008]},
       note="NO error: rows of an unseen group silently get P(1)=0"),
    _c(id="fl-post-probe-single-row-group",
       source="probe (no upstream test): a group with a single row",
       scores=[0.1, 0.4, 0.35, 0.8, 0.7], y=[0, 0, 1, 1, 1],
       sensitive={"A": ["a", "a", "a", "a", "b"]},
       constraint="demographic_parity",
       raises="ValueError: Degenerate labels for sensitive feature value b",
       note="a 1-row group necessarily has one label value -> degenerate-labels error"),
    _c(id="fl-post-probe-one-group-only",
       source="probe (no upstream test): a single sensitive group",
       scores=_PAIR_SCORES, y=_PAIR_Y, sensitive={"A": ["g"] * 9},
       constraint="equalized_odds", grid_size=20,
       observed={"p1": [0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0]},
       note="one group: EO reduces to the best ROC point of that group (threshold > 1.5, "
            "p_ignore 0, prediction_constant 0)"),
    _c(id="fl-post-probe-eo-with-tol",
       source="probe (no upstream test): ThresholdOptimizer(constraints='equalized_odds', tol=0.1)",
       scores=_PAIR_SCORES, y=_PAIR_Y, sensitive=_PAIR_SF,
       constraint="equalized_odds", tol=0.1,
       raises="ValueError: Relaxed constraints are not supported for equalized odds."),
]
