#!/usr/bin/env bash
# Creates bench/.venv once with the Python libraries Candor is compared against.
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c "import sklearn, pandas, numpy, fairlearn, aif360, shap, xgboost, lightgbm, onnx, onnxruntime, dp_accounting, prv_accountant, dice_ml, interpret" 2>/dev/null; then
  .venv/bin/pip install --quiet --upgrade pip
  .venv/bin/pip install --quiet -r requirements.txt
  .venv/bin/pip install --quiet --no-deps -r requirements-nodeps.txt
fi
