"""make integration: Candor as a stage of a real Spark job. PySpark in local[2] mode pipes partitions of rows through
`candor … --stdin-format csv --stdout-format jsonl` (RDD.pipe, one process per partition), `candor merge` combines
the partitions' parts, and the result is compared with the unsharded run. Run with the integration virtual
environment's Python (the Makefile makes it, with PySpark; Java 17 from Debian's openjdk-17-jre-headless):

    .build/integration/venv/bin/python Tests/Integration/spark_test.py .build/release/candor

1. Fairness over the Adult test predictions replicated to 1,000,000 rows in 8 partitions: merged JSON within 1e-12 of
   the unsharded run's (ROC AUC included), the text byte for byte.
2. Predictions of a model trained on Adult: the piped rows' predictions are the unsharded file's.
3. A malformed row makes the task exit 2, and with checkCode=True Spark fails the job instead of dropping the rows.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

from pyspark.sql import SparkSession

CANDOR = os.path.abspath(sys.argv[1])
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def candor(*args, cwd):
    return subprocess.run([CANDOR, *args], cwd=cwd, capture_output=True, text=True)


def differences(a, b, path="", tolerance=1e-12):
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{path}: keys differ"]
        return [d for k in sorted(a) for d in differences(a[k], b[k], f"{path}.{k}", tolerance)]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} vs {len(b)} items"]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]", tolerance)]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return [] if abs(a - b) <= tolerance * max(1, abs(b)) else [f"{path}: {a} vs {b}"]
    return [] if a == b else [f"{path}: {a} vs {b}"]


def with_context(count):
    """The first line of each partition names its shard, so candor merge can tell a missing or repeated one."""
    def add(index, rows):
        yield f"#candor-shard {index} {count}"
        yield from rows
    return add


def piped(sc, path, command, partitions, check_code=True):
    lines = sc.textFile(path, minPartitions=partitions)
    header = lines.first()
    rows = lines.filter(lambda line: line != header)
    count = rows.getNumPartitions()
    full = f"{shlex.quote(CANDOR)} {command} --stdin-format csv --columns {shlex.quote(header)} --stdout-format jsonl"
    return rows.mapPartitionsWithIndex(with_context(count)).pipe(full, checkCode=check_code), count


def main():
    work = tempfile.mkdtemp(prefix="candor-spark-")
    spark = (SparkSession.builder.master("local[2]").appName("candor-integration")
             .config("spark.ui.enabled", "false").config("spark.task.maxFailures", "1").getOrCreate())
    sc = spark.sparkContext
    sc.setLogLevel("ERROR")
    try:
        # 1. Fairness over 1,000,000 rows.
        source = os.path.join(ROOT, "Tests", "Fixtures", "adult_test_predictions.csv")
        with open(source) as f:
            header, *rows = f.read().splitlines()
        big = os.path.join(work, "predictions_1m.csv")
        with open(big, "w") as f:
            f.write(header + "\n")
            for i in range(1_000_000):
                f.write(rows[i % len(rows)] + "\n")
        settings = ("fairness --target y_true --pred-column y_pred --score-column y_score --sensitive sex "
                    "--sensitive race --sensitive sex,race --privileged sex=Male --gei-alpha 0.5,2")
        started = time.time()
        parts, count = piped(sc, big, settings, partitions=8)
        lines = parts.collect()
        spark_seconds = time.time() - started
        check(len(lines) == count and count >= 8, f"{count} partitions gave {len(lines)} part lines")
        with open(os.path.join(work, "parts.jsonl"), "w") as f:
            f.write("\n".join(lines) + "\n")
        started = time.time()
        merged = candor("merge", "parts.jsonl", "--json", "merged.json", cwd=work)
        merge_seconds = time.time() - started
        check(merged.returncode == 0, f"candor merge of the Spark parts: {merged.stderr.strip()}")
        whole = candor(*shlex.split(settings), "--predictions", big, "--json", "whole.json", cwd=work)
        check(whole.returncode == 0, f"the unsharded run: {whole.stderr.strip()}")
        if merged.returncode == 0 and whole.returncode == 0:
            with open(os.path.join(work, "merged.json")) as a, open(os.path.join(work, "whole.json")) as b:
                found = differences(json.load(a), json.load(b))
            check(found == [], "the merged fairness JSON equals the unsharded one within 1e-12: " + "; ".join(found[:5]))
            check(merged.stdout == whole.stdout, "the merged text equals the unsharded text")
        print(f"     1,000,000 rows: Spark local[2] pipe {spark_seconds:.1f} s, merge {merge_seconds:.2f} s")

        # 2. Predictions of a model, row by row.
        train = candor("train", "--data", os.path.join(ROOT, "samples", "adult_train.csv"), "--target", "income",
                       "--positive", ">50K", "--drop", "fnlwgt", "--out", "model.json", cwd=work)
        check(train.returncode == 0, f"candor train: {train.stderr.strip()}")
        test = os.path.join(ROOT, "samples", "adult_test.csv")
        predicted, _ = piped(sc, test, f"predict --model {shlex.quote(os.path.join(work, 'model.json'))}", partitions=4)
        streamed = [json.loads(line) for line in predicted.collect()]
        unsharded = candor("predict", "--model", "model.json", "--data", test, "--out", "p.csv", cwd=work)
        check(unsharded.returncode == 0, f"candor predict: {unsharded.stderr.strip()}")
        with open(os.path.join(work, "p.csv")) as f:
            expected = [line.split(",") for line in f.read().splitlines()[1:]]
        same = len(streamed) == len(expected) and all(
            row["prediction"] == want[1] and row["probability_>50K"] == float(want[3]) for row, want in zip(streamed, expected))
        check(same, f"{len(streamed)} piped predictions equal the unsharded file's {len(expected)}")

        # 3. A malformed row fails the job.
        print("     (a failed Spark task and its Java trace on stderr are expected next)", flush=True)
        bad = os.path.join(work, "bad.csv")
        with open(bad, "w") as f:
            f.write(header + "\n" + "\n".join(rows[:100]) + "\n1,0\n")
        try:
            piped(sc, bad, settings, partitions=1)[0].collect()
            check(False, "a malformed row fails the Spark job")
        except Exception as error:  # Py4JJavaError: the task's exit code
            check("exited with error code 2" in str(error), "a malformed row fails the Spark job with the task's exit code 2")
    finally:
        spark.stop()
    if failures:
        print(f"{len(failures)} check(s) failed")
        sys.exit(1)
    print("spark integration: all checks passed")


if __name__ == "__main__":
    main()
