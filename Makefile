# Candor: `make demo` runs the tour on samples/, `make test` runs every test, `make fuzz` and `make sanitize`
# look for crashes (RELIABILITY.md, "Fuzzing and sanitizers").
# Both install what a fresh Debian machine lacks (OpenBLAS through apt-get) first.

SWIFT ?= swift
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)
CANDOR := .build/release/candor

.PHONY: all deps browser build release test integration fuzz sanitize demo bench clean

all: build

deps:
	@if ! pkg-config --exists openblas 2>/dev/null; then \
	  echo "Installing OpenBLAS (libopenblas-dev) and pkg-config with apt-get..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libopenblas-dev pkg-config; \
	fi
	@# The release binary links Foundation's networking statically (URLSession, for https model endpoints),
	@# which needs libcurl's development files.
	@if ! pkg-config --exists libcurl 2>/dev/null; then \
	  echo "Installing libcurl (libcurl4-openssl-dev) with apt-get..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libcurl4-openssl-dev; \
	fi
	@# The tests run small Python scripts as models behind a command (Tests/Fixtures/adapters/).
	@if ! command -v python3 >/dev/null 2>&1; then \
	  echo "Installing python3 with apt-get..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3; \
	fi
	@# The tests run the README's X25519 recipe for the seeds of masked parties (MaskedMergeCLITests).
	@if ! command -v openssl >/dev/null 2>&1; then \
	  echo "Installing openssl with apt-get..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openssl; \
	fi

# Debian's chromium loads the HTML reports in the tests; without it those checks are skipped (said in the output).
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  echo "Installing chromium (headless checks of the HTML reports) with apt-get..."; \
	  ( $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium ) >/dev/null 2>&1 \
	    || echo "chromium could not be installed: the browser checks will be skipped."; \
	fi

build: deps
	$(SWIFT) build

# A position-dependent executable: the loader then has no 76,000 relative relocations to apply at every start.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product candor -Xswiftc -Xclang-linker -Xswiftc -no-pie

# One BLAS thread: the tests parallelize themselves, and two BLAS threads on two busy cores are slower.
test: deps browser
	OPENBLAS_NUM_THREADS=1 $(SWIFT) test

# Against real servers: candor report logging to a real `mlflow server` on loopback, read back with MLflow's own
# client, and candor as a stage of a PySpark local[2] job's RDD.pipe (Tests/Integration/). MLflow and PySpark go into
# a virtual environment under .build/integration (about 3 minutes the first time, 1.4 GB); .ci/run runs this after
# make test.
INTEGRATION_VENV := .build/integration/venv
MLFLOW_VERSION := 3.17.2
PYSPARK_VERSION := 4.0.5
integration: release
	@if ! python3 -c 'import ensurepip' >/dev/null 2>&1; then \
	  echo "Installing python3-venv with apt-get..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq python3-venv; \
	fi
	@if ! $(INTEGRATION_VENV)/bin/python -c 'import mlflow, sys; sys.exit(mlflow.__version__ != "$(MLFLOW_VERSION)")' >/dev/null 2>&1; then \
	  echo "Installing MLflow $(MLFLOW_VERSION) into $(INTEGRATION_VENV)..."; \
	  python3 -m venv $(INTEGRATION_VENV) && $(INTEGRATION_VENV)/bin/pip install -q mlflow==$(MLFLOW_VERSION); \
	fi
	@if ! command -v java >/dev/null 2>&1; then \
	  echo "Installing Java 17 (openjdk-17-jre-headless) for PySpark with apt-get..."; \
	  $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq openjdk-17-jre-headless; \
	fi
	@if ! $(INTEGRATION_VENV)/bin/python -c 'import pyspark, sys; sys.exit(pyspark.__version__ != "$(PYSPARK_VERSION)")' >/dev/null 2>&1; then \
	  echo "Installing PySpark $(PYSPARK_VERSION) into $(INTEGRATION_VENV)..."; \
	  $(INTEGRATION_VENV)/bin/pip install -q pyspark==$(PYSPARK_VERSION); \
	fi
	$(INTEGRATION_VENV)/bin/python Tests/Integration/mlflow_test.py $(CANDOR)
	$(INTEGRATION_VENV)/bin/python Tests/Integration/spark_test.py $(CANDOR)

# Every libFuzzer target under Fuzz/ for FUZZ_SECONDS each (AddressSanitizer on); fails when one crashes.
# New inputs stay in .build/fuzz/corpus/, crashes go to .build/fuzz/crashes/. Not part of `make test`.
FUZZ_SECONDS ?= 60
fuzz: deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) Fuzz/run.sh

# The whole test suite under AddressSanitizer, in its own build directory (.build/sanitize, so `make test`'s
# build stays as it is); the CLI tests run the sanitized candor binary built beside the tests. Leak checking
# is off because XCTest's own suite objects are reported as leaked when the test process exits.
sanitize: deps browser
	SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0 OPENBLAS_NUM_THREADS=1 \
	  $(SWIFT) test --sanitize=address --scratch-path .build/sanitize

# The tour through one report (candor demo: reports/demo.html and demo.json, a fresh reports/demo.ledger), its
# screenshot for the README when chromium is there, then each command's own page.
demo: release
	@mkdir -p reports
	$(CANDOR) demo
	@if command -v chromium >/dev/null 2>&1; then \
	  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1400 \
	    --screenshot=docs/demo.png "file://$(CURDIR)/reports/demo.html" >/dev/null 2>&1 && echo "Wrote docs/demo.png."; \
	fi
	$(CANDOR) train --data samples/adult_train.csv --target income --positive '>50K' --drop fnlwgt \
	  --out reports/adult_logistic.json
	$(CANDOR) predict --model reports/adult_logistic.json --data samples/adult_test.csv \
	  --out reports/adult_test_predictions.csv --target income
	$(CANDOR) fairness --model reports/adult_logistic.json --data samples/adult_test.csv --target income \
	  --sensitive sex --sensitive race --sensitive sex,race --privileged sex=Male --bootstrap 200 --seed 1 \
	  --json reports/fairness.json --html reports/fairness.html
	$(CANDOR) mitigate reweigh --data samples/adult_train.csv --target income --positive '>50K' --drop fnlwgt \
	  --sensitive sex --retrain-out reports/adult_reweighed.json --eval-data samples/adult_test.csv \
	  --json reports/reweighing.json --html reports/reweighing.html
	$(CANDOR) mitigate threshold --model reports/adult_logistic.json --data samples/adult_train.csv --target income \
	  --sensitive race --constraint equalized_odds --eval-data samples/adult_test.csv --sweep \
	  --compare-model reports/adult_reweighed.json --out reports/adult_equalized_odds.json \
	  --json reports/threshold.json --html reports/threshold.html
	$(CANDOR) explain --model reports/adult_logistic.json --data samples/adult_test.csv --method kernelshap \
	  --background 100 --rows 0:50 --link logit --json reports/shap.json --html reports/shap.html
	$(CANDOR) explain --model reports/adult_logistic.json --data samples/adult_test.csv --method permutation \
	  --target income --scorer roc_auc --repeats 10 --json reports/permutation.json --html reports/permutation.html
	$(CANDOR) explain --model reports/adult_logistic.json --data samples/adult_test.csv --method pdp \
	  --features age,hours_per_week,education --ice --html reports/pdp.html
	$(CANDOR) train --data samples/german_credit.csv --target risk --positive 1 --out reports/german_logistic.json
	$(CANDOR) whatif --model reports/german_logistic.json --data samples/german_credit.csv --row 1 --set duration=12 \
	  --set checking_account=rich --curve credit_amount --explain --json reports/whatif.json --html reports/whatif.html
	$(CANDOR) counterfactual --model reports/german_logistic.json --data samples/german_credit.csv --rows 1,3,4,7,9 \
	  --desired-class 1 --immutable sex,age --range duration=4:72 --json reports/counterfactual.json \
	  --html reports/counterfactual.html
	$(CANDOR) train --data samples/german_credit.csv --target risk --positive 1 --model-type ebm --out reports/german_ebm.json
	$(CANDOR) explain --model reports/german_ebm.json --data samples/german_credit.csv --method terms --rows 0:5 \
	  --json reports/ebm_terms.json --html reports/ebm_terms.html
	rm -f reports/adult.ledger reports/adult.ledger.lock
	$(CANDOR) privacy ledger init --ledger reports/adult.ledger --epsilon 3 --delta 1e-5 --dataset samples/adult_train.csv
	$(CANDOR) privacy spend --ledger reports/adult.ledger --events samples/dpsgd_adult_eps1.json \
	  --note "DP-SGD elsewhere, 10 epochs, expected batch 256" --dataset samples/adult_train.csv
	$(CANDOR) dp-train --data samples/adult_train.csv --target income --positive '>50K' \
	  --feature-spec samples/adult_feature_spec.json --epsilon 1 --ledger reports/adult.ledger \
	  --note "DP-SGD logistic, declared features" --eval-data samples/adult_test.csv \
	  --out reports/adult_dp_logistic.json --json reports/dp_train.json --html reports/dp_train.html
	$(CANDOR) privacy ledger show --ledger reports/adult.ledger --json reports/ledger.json --html reports/ledger.html
	$(CANDOR) report --config samples/rai.yaml --model-card-out reports/model_card.json

bench: release
	bench/run.sh

clean:
	rm -rf .build
