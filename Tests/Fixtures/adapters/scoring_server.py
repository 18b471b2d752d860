"""A model behind an HTTP endpoint speaking MLflow's scoring protocol, for the adapter tests.

    python3 scoring_server.py MODE PORT_FILE

Listens on 127.0.0.1 (a free port, written to PORT_FILE once it listens) and answers POST /invocations with
{"dataframe_split": {"columns": [...], "data": [[...], ...]}}. The model is model_command.py's binary one:
P(positive) = logistic(0.05·(age − 40) + 0.03·(hours_per_week − 40)). Modes:
  healthy   {"predictions": [p, ...]}
  classes   {"predictions": [{"<=50K": 1 − p, ">50K": p}, ...]}
  flaky     HTTP 500 on every third request (1st, 4th, ...), healthy otherwise
  drop      closes the connection without an answer on every third request
  down      HTTP 503 always
  slow      waits 3 s before answering
  count     one prediction too few
  text      answers "oops" as text/plain
  auth      healthy with "Authorization: Bearer secret-token", HTTP 401 otherwise
  labels    {"predictions": [">50K" or "<=50K", ...]}: the label only
"""
import http.server
import json
import math
import os
import sys
import threading
import time

mode, port_file = sys.argv[1], sys.argv[2]
requests = 0
lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        global requests
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length))
        with lock:
            requests += 1
            number = requests
        split = body["dataframe_split"]
        age, hours = split["columns"].index("age"), split["columns"].index("hours_per_week")
        p = [1 / (1 + math.exp(-(0.05 * (row[age] - 40) + 0.03 * (row[hours] - 40)))) for row in split["data"]]
        if mode == "flaky" and number % 3 == 1:
            return self.answer(500, '{"error": "overloaded"}')
        if mode == "drop" and number % 3 == 1:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if mode == "down":
            return self.answer(503, '{"error": "down"}')
        if mode == "slow":
            time.sleep(3)
        if mode == "count":
            p = p[:-1]
        if mode == "text":
            return self.answer(200, "oops", "text/plain")
        if mode == "auth" and self.headers.get("Authorization") != "Bearer secret-token":
            return self.answer(401, '{"error": "unauthorized"}')
        if mode == "labels":
            return self.answer(200, json.dumps({"predictions": [">50K" if q > 0.5 else "<=50K" for q in p]}))
        if mode == "classes":
            return self.answer(200, json.dumps({"predictions": [{"<=50K": 1 - q, ">50K": q} for q in p]}))
        self.answer(200, json.dumps({"predictions": p}))


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
