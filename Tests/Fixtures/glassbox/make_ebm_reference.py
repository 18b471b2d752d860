"""InterpretML's EBM on Adult, the reference for `candor train --model-type ebm` (ExplainableBoostingTests).

Run from the repository root with bench/.venv (interpret-core 0.7.8):
    bench/.venv/bin/python Tests/Fixtures/glassbox/make_ebm_reference.py
Writes Tests/Fixtures/glassbox/ebm_interpret_adult.json: the test ROC AUC of ExplainableBoostingClassifier() with
default settings trained on samples/adult_train.csv (fnlwgt dropped, as every Candor Adult model), and each main
effect's per-row score (interpret's eval_terms) on the first 2000 rows of samples/adult_test.csv, so a test can
compare the shape functions by the scores they give real rows, whatever the two libraries' bin layouts.
"""
import json
import time

import interpret
import numpy as np
import pandas as pd
from interpret.glassbox import ExplainableBoostingClassifier
from sklearn.metrics import roc_auc_score

train = pd.read_csv("samples/adult_train.csv")
test = pd.read_csv("samples/adult_test.csv")
y = (train.pop("income") == ">50K").astype(int)
y_test = (test.pop("income") == ">50K").astype(int)
train.pop("fnlwgt")
test.pop("fnlwgt")
model = ExplainableBoostingClassifier()
start = time.perf_counter()
model.fit(train, y)
seconds = time.perf_counter() - start
auc = roc_auc_score(y_test, model.predict_proba(test)[:, 1])
rows = 2000
scores = model.eval_terms(test.iloc[:rows])
mains = {name: [round(float(v), 8) for v in scores[:, i]] for i, name in enumerate(model.term_names_) if " & " not in name}
json.dump({
    "interpret_version": interpret.__version__,
    "settings": "ExplainableBoostingClassifier() defaults; fnlwgt dropped",
    "test_roc_auc": auc,
    "fit_seconds_on_the_machine_that_made_it": round(seconds, 1),
    "pairs": [name for name in model.term_names_ if " & " in name],
    "main_scores_first_rows": rows,
    "main_scores": mains,
}, open("Tests/Fixtures/glassbox/ebm_interpret_adult.json", "w"), indent=1)
print("auc", auc, "seconds", seconds)
