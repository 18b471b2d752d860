"""A model behind a command, for the adapter tests (`candor ... --model-cmd "python3 model_command.py MODE"`).

It reads the CSV header, then rows, and answers each row with a line, as the README's protocol says:
  binary       P(positive) = logistic(0.05·(age − 40) + 0.03·(hours_per_week − 40)), flushed per line
  multiclass   three probabilities (softmax of 0, 0.03·(age − 40), 0.02·(hours_per_week − 40))
  unnormalized three "probabilities" 0.2 that do not sum to 1
  crash N      answers N rows, writes "model failed: row N" on stderr and exits with status 3
  hang         reads and never answers
  garbage      answers "not-a-number"
  pair         answers two numbers per row for a binary model
  outside      answers 1.5
  more         answers the first row twice (one line too many)
  slow S       sleeps S seconds per batch of rows before answering (reads a line, answers at once otherwise)
  labels       answers the binary model's label: ">50K" when P(positive) > 0.5, else "<=50K"
  badlabel     answers "maybe"
Whatever the mode, a second process running at the same time is fine: nothing is shared.
"""
import math
import sys
import time

mode = sys.argv[1] if len(sys.argv) > 1 else "binary"
header = sys.stdin.readline().rstrip("\n").split(",")
age, hours = header.index("age"), header.index("hours_per_week")
answered = 0
for line in sys.stdin:
    fields = line.rstrip("\n").split(",")
    if mode == "crash" and answered == int(sys.argv[2]):
        sys.stderr.write(f"model failed: row {answered}\n")
        sys.stderr.flush()
        sys.exit(3)
    if mode == "hang":
        continue
    if mode == "slow":
        time.sleep(float(sys.argv[2]) / 1000)
    z = 0.05 * (float(fields[age]) - 40) + 0.03 * (float(fields[hours]) - 40)
    if mode == "multiclass":
        scores = [0.0, 0.03 * (float(fields[age]) - 40), 0.02 * (float(fields[hours]) - 40)]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        print(",".join(repr(e / sum(exps)) for e in exps), flush=True)
    elif mode == "unnormalized":
        print("0.2,0.2,0.2", flush=True)
    elif mode == "labels":
        print(">50K" if 1 / (1 + math.exp(-z)) > 0.5 else "<=50K", flush=True)
    elif mode == "badlabel":
        print("maybe", flush=True)
    elif mode == "garbage":
        print("not-a-number", flush=True)
    elif mode == "pair":
        print("0.5,0.5", flush=True)
    elif mode == "constant":
        print("0.3", flush=True)
    elif mode == "outside":
        print("1.5", flush=True)
    elif mode == "more" and answered == 0:
        print("0.5\n0.5", flush=True)
    else:
        print(repr(1 / (1 + math.exp(-z))), flush=True)
    answered += 1
