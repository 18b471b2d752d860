#!/usr/bin/env bash
# Runs every Candor-vs-Python benchmark pair. Usage: bench/run.sh [name ...] (default: all).
# Expects the release binary (make bench builds it). REPEATS=N sets best-of-N (default 5).
set -euo pipefail
cd "$(dirname "$0")"
./setup.sh
pairs=("$@")
[ ${#pairs[@]} -eq 0 ] && pairs=(logreg fairness mitigation explain floor trees treeshap onnx onnx_kernelshap privacy pld prv dpsgd query counterfactual ebm shards)
for pair in "${pairs[@]}"; do
  .venv/bin/python "$pair.py"
done
