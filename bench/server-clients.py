#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The load generator of bench/server.sh (stdlib only):
#   server-clients.py URL TOKEN ENGINE_DIR CLIENTS RUNS REQUEST_SECONDS
#
# 1. Uploads a pipeline (a 2 s sleeper, then a chain of 30 concat steps)
#    built from tests/data/engine, as a gzip'd tar made here.
# 2. RUNS times: starts a run, connects CLIENTS Server-Sent-Events clients
#    to it (one thread each) while the sleeper holds the run, and records
#    for every event received the delay from the event's own time (when the
#    runner made it) to its arrival ("latency"), and from its arrival at
#    the first client to its arrival at each other one ("fan-out"). Only
#    events that happened after the client connected count: a replayed
#    backlog is not latency.
# 3. Hammers GET /api/v1/runs/ID from 16 threads for REQUEST_SECONDS.
# Prints one JSON object with the figures.

import http.client
import io
import json
import os
import re
import selectors
import socket
import sys
import tarfile
import threading
import time
import urllib.parse

CHAIN = 30
TIME = re.compile(rb'"time":(\d+)')


def build_archive(engine):
    jobs = {"wait": {"component": "file:components/sleeper.component.json", "inputs": {"seconds": 2}},
            "s0": {"component": "file:components/produce.component.json",
                   "inputs": {"text": "${{parent.inputs.text}}"}}}
    previous = "s0"
    for i in range(1, CHAIN):
        jobs["s%d" % i] = {"component": "file:components/concat.component.json",
                           "inputs": {"a": "${{parent.jobs.%s.outputs.out}}" % previous,
                                      "b": "${{parent.jobs.wait.outputs.out}}"}}
        previous = "s%d" % i
    pipeline = {"sluice": 1, "name": "bench", "inputs": {"text": "x"}, "jobs": jobs}
    files = {"pipeline.sluice.json": json.dumps(pipeline).encode()}
    for name in ("sleeper", "produce", "concat"):
        with open(os.path.join(engine, name + ".component.json"), "rb") as f:
            files["components/%s.component.json" % name] = f.read()
    with open(os.path.join(engine, "code", "step.sh"), "rb") as f:
        files["components/code/step.sh"] = f.read()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        for path, data in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


class Api:
    def __init__(self, url, token):
        parsed = urllib.parse.urlparse(url)
        self.host, self.port = parsed.hostname, parsed.port
        self.headers = {"Authorization": "Bearer " + token}

    def call(self, method, path, body=None, content_type=None, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection(self.host, self.port, timeout=60)
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        if own:
            conn.close()
        if response.status >= 300:
            raise RuntimeError("%s %s: %d %s" % (method, path, response.status, data[:200]))
        return json.loads(data) if data else None


def watch_all(api, run_id, clients, delays, errors):
    """Watches one run from `clients` sockets in one thread (selectors), so
    the measurement is not the client's own thread switching. Each SSE
    event arrives as one HTTP chunk, so its lines are never split by
    chunk-size lines, which are just skipped."""
    request = ("GET /api/v1/runs/%d/events HTTP/1.1\r\nHost: %s:%d\r\nAuthorization: %s\r\n\r\n"
               % (run_id, api.host, api.port, api.headers["Authorization"])).encode()
    selector = selectors.DefaultSelector()
    states = []
    for _ in range(clients):
        sock = socket.create_connection((api.host, api.port))
        sock.sendall(request)
        sock.setblocking(False)
        state = {"sock": sock, "buffer": b"", "since": time.time() * 1e6, "cursor": None,
                 "headers": True, "done": False}
        selector.register(sock, selectors.EVENT_READ, state)
        states.append(state)
    open_count = clients
    deadline = time.time() + 120
    while open_count > 0 and time.time() < deadline:
        for key, _ in selector.select(timeout=1):
            state = key.data
            data = state["sock"].recv(65536)
            now = time.time() * 1e6
            if not data:
                selector.unregister(state["sock"])
                state["sock"].close()
                open_count -= 1
                continue
            lines = (state["buffer"] + data).split(b"\n")
            state["buffer"] = lines.pop()
            for line in lines:
                if state["headers"]:
                    if line.startswith(b"HTTP/1.1 ") and not line.startswith(b"HTTP/1.1 200"):
                        errors.append("events: " + line.decode(errors="replace"))
                    if line in (b"", b"\r"):
                        state["headers"] = False
                elif line.startswith(b"id: "):
                    state["cursor"] = line[4:]
                elif line.startswith(b"data: "):
                    event_time = int(TIME.search(line).group(1))
                    if event_time >= state["since"]:
                        delays.append((run_id, state["cursor"], event_time, now))
                elif line in (b"0\r",):
                    # The last chunk: the stream is over.
                    selector.unregister(state["sock"])
                    state["sock"].close()
                    open_count -= 1
                    break
    if open_count > 0:
        errors.append("%d event streams did not end" % open_count)


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def hammer(api, path, seconds, threads):
    counts = [0] * threads
    stop = time.time() + seconds

    def loop(i):
        conn = http.client.HTTPConnection(api.host, api.port, timeout=60)
        while time.time() < stop:
            api.call("GET", path, conn=conn)
            counts[i] += 1
        conn.close()

    workers = [threading.Thread(target=loop, args=(i,)) for i in range(threads)]
    start = time.time()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return sum(counts) / (time.time() - start)


def main():
    url, token, engine = sys.argv[1], sys.argv[2], sys.argv[3]
    clients, runs, seconds = int(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
    api = Api(url, token)
    pipeline = api.call("POST", "/api/v1/pipelines", build_archive(engine), "application/gzip")["id"]

    delays, errors, run_seconds = [], [], []
    run_id = None
    for r in range(runs):
        started = time.time()
        run_id = api.call("POST", "/api/v1/runs", json.dumps(
            {"pipeline": pipeline, "inputs": {"text": "run %d" % r}, "force": ["wait"]}), "application/json")["id"]
        watch_all(api, run_id, clients, delays, errors)
        run_seconds.append(time.time() - started)
        state = api.call("GET", "/api/v1/runs/%d" % run_id)["state"]
        if state != "succeeded":
            errors.append("run %d ended %s" % (run_id, state))

    rps = hammer(api, "/api/v1/runs/%d" % run_id, seconds, 16)
    # End to end: from the event's time in the runner to a client.
    end_to_end = [(now - t) / 1000.0 for (_, _, t, now) in delays]
    # Fan-out: from the first client that got an event to each other one.
    first = {}
    for (run, cursor, _, now) in delays:
        first[(run, cursor)] = min(first.get((run, cursor), now), now)
    fan_out = [(now - first[(run, cursor)]) / 1000.0 for (run, cursor, _, now) in delays]
    print(json.dumps({
        "clients": clients, "runs": runs, "events_measured": len(delays),
        "latency_ms_p50": round(percentile(end_to_end, 50), 2),
        "latency_ms_p99": round(percentile(end_to_end, 99), 2),
        "latency_ms_max": round(max(end_to_end) if end_to_end else float("nan"), 2),
        "fan_out_ms_p50": round(percentile(fan_out, 50), 2),
        "fan_out_ms_p99": round(percentile(fan_out, 99), 2),
        "run_seconds": [round(s, 2) for s in run_seconds],
        "requests_per_second": round(rps, 1),
        "errors": errors[:10],
    }))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
