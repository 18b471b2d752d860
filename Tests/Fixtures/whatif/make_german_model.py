"""The German-credit logistic regression of ../shared/reference/whatif (german_logreg_model.json, fitted by
scikit-learn on all 1000 rows) as a candor-model file: the same standardization, one-hot categories and
coefficients, in the reference's encoded order (numeric features first, then each categorical's categories).

Run from this folder: python3 make_german_model.py PATH/TO/german_logreg_model.json
"""
import json
import sys

ref = json.load(open(sys.argv[1]))
features = [{"kind": "numeric", "name": n, "mean": m, "scale": s}
            for n, m, s in zip(ref["numeric_features"], ref["numeric_mean"], ref["numeric_scale"])]
features += [{"kind": "categorical", "name": n, "categories": c} for n, c in zip(ref["categorical_features"], ref["categories"])]
model = {
    "format": "candor-model", "version": 1, "model_type": "logistic", "target": ref["target"],
    "classes": [str(c) for c in ref["classes"]], "encoder": {"features": features},
    "parameters": {"coefficients": {"rows": 1, "columns": len(ref["coefficients"]), "values": ref["coefficients"]},
                   "intercepts": [ref["intercept"]]},
}
json.dump(model, open("german_logreg.json", "w"), indent=1)
json.dump({"training_probabilities": ref["training_probabilities"]}, open("german_training_probabilities.json", "w"))
