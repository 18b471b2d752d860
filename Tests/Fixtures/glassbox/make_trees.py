"""scikit-learn's DecisionTreeClassifier on German credit and Adult, on the design Candor's tree uses: the CSV's
feature columns in order (Adult without fnlwgt), a numeric one as it is, a categorical one as indicators of every
level in code-point order; missing cells are the level 'missing'. Writes trees_sklearn.json: per case the node arrays
(pre-order, left child first: the order sklearn's depth-first builder numbers them) with each node's feature name,
threshold, impurity, sample counts, class fractions and the impurity decrease of its split, and whether a split
ties (a two-level feature's two indicators give the same partition).
Run with bench/.venv's python (scikit-learn 1.9): python Tests/Fixtures/glassbox/make_trees.py"""
import json
import os
import platform

import numpy as np
import pandas as pd
import sklearn
from sklearn.tree import DecisionTreeClassifier

here = os.path.dirname(os.path.abspath(__file__))
samples = os.path.join(here, "..", "..", "..", "samples")


def design(frame, features):
    columns, names = [], []
    for name in features:
        values = frame[name]
        numeric = pd.to_numeric(values.replace("", np.nan), errors="coerce")
        if numeric.notna().sum() == (values != "").sum():
            columns.append(numeric.fillna(numeric.mean()).to_numpy())
            names.append(name)
        else:
            filled = values.replace("", "missing")
            for level in sorted(set(filled), key=lambda s: [ord(c) for c in s]):
                columns.append((filled == level).astype(float).to_numpy())
                names.append(f"{name}={level}")
    return np.column_stack(columns), names


cases = []
for data, target, positive, drop in [("german_credit.csv", "risk", "1", []), ("adult_train.csv", "income", ">50K", ["fnlwgt"])]:
    frame = pd.read_csv(os.path.join(samples, data), dtype=str, keep_default_na=False)
    features = [c for c in frame.columns if c != target and c not in drop]
    X, names = design(frame, features)
    y = (frame[target] == positive).astype(int).to_numpy()
    for depth, criterion, leaf in [(3, "gini", 1), (4, "entropy", 5), (6, "gini", 20)]:
        tree = DecisionTreeClassifier(max_depth=depth, criterion=criterion, min_samples_leaf=leaf, random_state=0).fit(X, y)
        t = tree.tree_
        nodes = []
        for i in range(t.node_count):
            left, right = int(t.children_left[i]), int(t.children_right[i])
            decrease = None
            if left >= 0:
                w, wl, wr = t.weighted_n_node_samples[i], t.weighted_n_node_samples[left], t.weighted_n_node_samples[right]
                decrease = float(w / t.weighted_n_node_samples[0] * (t.impurity[i] - wl / w * t.impurity[left] - wr / w * t.impurity[right]))
            nodes.append({"feature": names[t.feature[i]] if left >= 0 else None, "threshold": float(t.threshold[i]) if left >= 0 else None,
                          "left": left, "right": right, "impurity": float(t.impurity[i]), "samples": int(t.n_node_samples[i]),
                          "value": [float(v) for v in t.value[i][0]], "impurity_decrease": decrease})
        # A split on one of a two-level feature's indicators ties with the other (the same partition, children
        # swapped); which one sklearn takes depends on its random feature order.
        levels = {}
        for n in names:
            if "=" in n:
                levels[n.split("=")[0]] = levels.get(n.split("=")[0], 0) + 1
        ties = any(n["feature"] and "=" in n["feature"] and levels[n["feature"].split("=")[0]] == 2 for n in nodes)
        cases.append({"data": data, "target": target, "positive": positive, "drop": drop, "max_depth": depth, "criterion": criterion,
                      "min_samples_leaf": leaf, "train_accuracy": float(tree.score(X, y)), "ties": ties, "nodes": nodes})
json.dump({"generator": "Tests/Fixtures/glassbox/make_trees.py",
           "versions": {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__, "pandas": pd.__version__},
           "model": "DecisionTreeClassifier(max_depth, criterion, min_samples_leaf, random_state=0) on numeric columns as they are and one indicator per level",
           "cases": cases}, open(os.path.join(here, "trees_sklearn.json"), "w"), indent=None)
