"""Sharded runs: 2 local shards against 1 process, the merge's share of the run, and each process's peak RSS.

There is no Python library to pair with (Fairlearn and shap do not shard); the comparison is Candor with itself:
  1 process   — the unsharded command, free to use both cores (it does: CSV scan, groups, coalitions in parallel);
  1 core      — the unsharded command pinned to one core (`taskset -c 0`), the baseline a shard per core scales from;
  2 shards    — `--shard-count 2`, each shard pinned to its own core, run at once; then `candor merge`.
Scaling = (1 core) / (2 shards + merge); the merge's share = merge / (2 shards + merge).
Cases: fairness over the Adult test predictions replicated to 10,000,000 rows; KernelSHAP of a logistic model on
10,000 Adult test rows, at the budget of the KernelSHAP pair in explain.py (50 background rows, nsamples 2048, about
shap's default of 2·13 + 2048) and at a light budget (20 background rows, nsamples 256), where the run is 20 times
shorter and the merge's fixed share largest. REPEATS (default 3) sets best-of-N; the full-budget case runs
KERNEL_REPEATS times (default 1: each of its runs takes half a minute to a minute).
"""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import CANDOR, ROOT  # noqa: E402

OUT = os.path.join(ROOT, "bench", "out")
os.makedirs(OUT, exist_ok=True)
REPEATS = int(os.environ.get("REPEATS", "3"))


def start(arguments, core=None):
    prefix = ["taskset", "-c", str(core)] if core is not None else []
    return subprocess.Popen(prefix + [CANDOR, *arguments], cwd=OUT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(process):
    """Waits for `process`; its peak resident set in MB (from wait4's rusage)."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"candor failed: {process.stderr.read().decode()}")
    return usage.ru_maxrss / 1024


def timed(runs):
    """Wall time of starting every (arguments, core) in `runs` at once and waiting for all; their peak RSS."""
    begin = time.perf_counter()
    processes = [start(arguments, core) for arguments, core in runs]
    peaks = [finish(p) for p in processes]
    return time.perf_counter() - begin, peaks


def best(runs, repeats=REPEATS):
    results = [timed(runs) for _ in range(repeats)]
    return min(results, key=lambda r: r[0])


def case(name, arguments, merge_outputs, repeats=REPEATS):
    whole, whole_rss = best([(arguments + merge_outputs, None)], repeats)
    one_core, _ = best([(arguments + merge_outputs, 0)], repeats)
    shards, shard_rss = best([(arguments + ["--shard-count", "2", "--shard-index", str(i), "--partial-out", f"part-{i}.json"], i)
                              for i in range(2)], repeats)
    merge, merge_rss = best([(["merge", "part-0.json", "part-1.json"] + merge_outputs, None)], max(repeats, REPEATS))
    sharded = shards + merge
    print(f"{name}: 1 process {whole:.2f} s (peak {whole_rss[0]:.0f} MB), 1 core {one_core:.2f} s, "
          f"2 shards {shards:.2f} s (peak {max(shard_rss):.0f} MB each) + merge {merge:.3f} s (peak {merge_rss[0]:.0f} MB): "
          f"scaling {one_core / sharded:.2f}x over 1 core, {whole / sharded:.2f}x over 1 process, merge {100 * merge / sharded:.1f} % of the run",
          flush=True)


# Fairness over 10,000,000 rows.
big = os.path.join(OUT, "adult_predictions_10m.csv")
if not os.path.exists(big):
    with open(os.path.join(ROOT, "Tests", "Fixtures", "adult_test_predictions.csv")) as f:
        header, *rows = f.read().splitlines()
    with open(big, "w") as f:
        f.write(header + "\n")
        block = "\n".join(rows) + "\n"
        copies, rest = divmod(10_000_000, len(rows))
        for _ in range(copies):
            f.write(block)
        f.write("\n".join(rows[:rest]) + "\n")
case("fairness, 10,000,000 rows, 3 sets",
     ["fairness", "--predictions", big, "--target", "y_true", "--pred-column", "y_pred", "--score-column", "y_score",
      "--sensitive", "sex", "--sensitive", "race", "--sensitive", "sex,race"], ["--json", "fairness-shards.json"])

# KernelSHAP of 10,000 rows.
model = os.path.join(OUT, "adult_logistic.json")
subprocess.run([CANDOR, "train", "--data", os.path.join(ROOT, "samples", "adult_train.csv"), "--target", "income",
                "--positive", ">50K", "--drop", "fnlwgt", "--out", model], check=True, stdout=subprocess.DEVNULL)
for background, nsamples, repeats in [(50, 2048, int(os.environ.get("KERNEL_REPEATS", "1"))), (20, 256, REPEATS)]:
    case(f"kernelshap, 10,000 rows, {background} background rows, nsamples {nsamples}",
         ["explain", "--model", model, "--data", os.path.join(ROOT, "samples", "adult_test.csv"), "--method", "kernelshap",
          "--rows", "0:10000", "--background", str(background), "--nsamples", str(nsamples)], ["--json", "shap-shards.json"], repeats)
