"""make integration: `candor report --mlflow-tracking-uri` against a real `mlflow server` on loopback, read back
with MLflow's own client. Run with the integration virtual environment's Python (the Makefile makes it):

    .build/integration/venv/bin/python Tests/Integration/mlflow_test.py .build/release/candor

The server gets a SQLite backend store and a local artifact destination in a temporary folder (served through its
artifact proxy); it is started here, its process group ended at the end whatever happens.
"""
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

from mlflow.tracking import MlflowClient

CANDOR = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SECRET = "candor-integration-secret-token-7f3a"
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def candor(*args, env=None):
    return subprocess.run([CANDOR, *args], cwd=ROOT, capture_output=True, text=True, env=env)


def main():
    work = tempfile.mkdtemp(prefix="candor-mlflow-")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    mlflow = os.path.join(os.path.dirname(sys.executable), "mlflow")
    server = subprocess.Popen(
        [mlflow, "server", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
         "--backend-store-uri", f"sqlite:///{work}/mlflow.db", "--artifacts-destination", f"{work}/artifacts"],
        stdout=open(f"{work}/server.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    try:
        started = time.time()
        while True:
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.time() - started > 180 or server.poll() is not None:
                print(open(f"{work}/server.log").read()[-3000:])
                raise SystemExit("mlflow server did not come up")
            time.sleep(1)
        print(f"mlflow server up after {time.time() - started:.0f} s")

        html, report, card = f"{work}/r.html", f"{work}/r.json", f"{work}/card.json"
        env = dict(os.environ, MLFLOW_TRACKING_TOKEN=SECRET)
        done = candor("report", "--config", "samples/rai.yaml", "--html", html, "--json", report, "--model-card-out", card,
                      "--mlflow-tracking-uri", uri, "--mlflow-experiment", "candor-integration", env=env)
        check(done.returncode == 0, f"candor report logs to MLflow (exit {done.returncode}: {done.stderr.strip()[:400]})")
        check(SECRET not in done.stdout + done.stderr, "the tracking token appears in no output")

        client = MlflowClient(tracking_uri=uri)
        experiment = client.get_experiment_by_name("candor-integration")
        check(experiment is not None, "the experiment was made")
        runs = client.search_runs([experiment.experiment_id])
        check(len(runs) == 1, f"one run ({len(runs)})")
        run = runs[0]
        document = json.load(open(report))
        check(run.info.status == "FINISHED", f"the run is FINISHED ({run.info.status})")
        check(run.info.run_id in done.stdout, "candor names the run it logged")
        check(run.data.params.get("data.target") == "income" and run.data.params.get("model.train") == "logistic",
              f"params from the config ({sorted(run.data.params)[:8]})")
        gates = document["gates"]
        check(abs(run.data.metrics["accuracy"] - gates[1]["value"]) == 0, "accuracy metric = the report's measured accuracy")
        check(run.data.metrics["demographic_parity_difference/sex"] == gates[0]["value"], "a disparity by set as metric/set")
        check(run.data.metrics["gates_total"] == len(gates) and
              run.data.metrics["gates_passed"] == sum(g["verdict"] == "pass" for g in gates), "gate counts")
        check(run.data.metrics["gate_0_passed"] == (1 if gates[0]["verdict"] == "pass" else 0), "gate 0 verdict as a metric")
        digest = hashlib.sha256(open(os.path.join(ROOT, "samples/adult_test.csv"), "rb").read()).hexdigest()
        check(run.data.tags.get("candor.sha256.test") == digest, "the test data's SHA-256 as a tag")
        check(run.data.tags.get("candor.version") == document["provenance"]["candor_version"], "Candor's version as a tag")
        names = sorted(a.path for a in client.list_artifacts(run.info.run_id))
        check(names == ["model_card.json", "report.html", "report.json"], f"artifacts {names}")
        fetched = client.download_artifacts(run.info.run_id, "report.json", dst_path=f"{work}/down")
        check(open(fetched, "rb").read() == open(report, "rb").read(), "report.json read back byte for byte")
        fetched = client.download_artifacts(run.info.run_id, "report.html", dst_path=f"{work}/down")
        check(open(fetched, "rb").read() == open(html, "rb").read(), "report.html read back byte for byte")

        # Nothing listens: refused before any analysis, nothing written, exit 1.
        closed = f"http://127.0.0.1:{free_port()}"
        lost = f"{work}/lost.html"
        refused = candor("report", "--config", "samples/rai.yaml", "--html", lost, "--json", f"{work}/lost.json",
                         "--mlflow-tracking-uri", closed, env=env)
        check(refused.returncode == 1 and "Logging to MLflow at" in refused.stderr and "connection refused" in refused.stderr,
              f"an unreachable server is named (exit {refused.returncode}: {refused.stderr.strip()[:300]})")
        check(not os.path.exists(lost), "and nothing is written")
        bad = candor("report", "--config", "samples/rai.yaml", "--mlflow-tracking-uri", "ftp://user:pw@host/", env=env)
        check(bad.returncode == 2 and "pw" not in bad.stderr, f"a URI that is not http(s) exits 2 without its password ({bad.stderr.strip()[:200]})")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
    if failures:
        raise SystemExit(f"{len(failures)} MLflow integration checks failed")
    print("MLflow integration: all checks passed")


main()
