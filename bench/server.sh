#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How does sluice-server hold up with many live viewers?
#
#   bench/server.sh [BUILDDIR] [--quick]      (default BUILDDIR: ./build)
#
# Starts BUILDDIR/src/server/sluice-server on a free loopback port with a
# temporary data folder (runners: BUILDDIR/src/cli/sluice), then
# bench/server-clients.py: CLIENTS (default 100) Server-Sent-Events clients
# watch each of RUNS (default 3) runs of a 31-step pipeline, and 16 threads
# then send GET /api/v1/runs/ID for 5 s. Reports
#   - event latency p50/p99: from an event's own time (when the runner
#     made it) to its arrival at a client, over every event of every
#     client. Aim: p99 < 50 ms with 100 clients. It includes the runner's
#     batching of history writes (the first event after a quiet spell at
#     once, then at most every HISTORY_FLUSH_INTERVAL_MS, 25 ms, in
#     sluice-run.c); the server reads as soon as the history changes
#     (inotify), polling every --poll-ms (20 ms) only as a fallback.
#   - fan-out p50/p99: from an event's arrival at the first client to its
#     arrival at each of the others: the server's own share.
#   - requests/s of the GET loop.
# --quick: 20 clients, 1 run, 2 s of requests. The rate limit is off for
# the benchmark (--rate-limit 0). Exit status: 0 when every run succeeded
# and every client got its stream, 1 otherwise, 2 on a setup error.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=build
clients=${CLIENTS:-100}
runs=${RUNS:-3}
seconds=5
for arg in "$@"; do
  case "$arg" in
    --quick) clients=20; runs=1; seconds=2 ;;
    *) build=$arg ;;
  esac
done

server="$build/src/server/sluice-server"
cli="$build/src/cli/sluice"
for binary in "$server" "$cli"; do
  if [ ! -x "$binary" ]; then
    echo "bench/server.sh: $binary does not exist (build first, or give BUILDDIR)" >&2
    exit 2
  fi
done

work=$(mktemp -d)
pid=
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

export SLUICE_CLI=$(cd "$(dirname "$cli")" && pwd)/sluice
export SLUICE_BUILTIN_COMPONENTS_DIR="$here/../data/components"
token=$("$server" token create --data "$work/data" --name bench --role runner)
"$server" --listen 127.0.0.1:0 --data "$work/data" --rate-limit 0 >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do
  [ -s "$work/out" ] && break
  sleep 0.05
done
url=$(sed -n '1s/^listening on //p' "$work/out")
if [ -z "$url" ]; then
  echo "bench/server.sh: the server did not start:" >&2
  cat "$work/err" >&2
  exit 2
fi

echo "sluice-server at $url: $clients SSE clients x $runs runs, then ${seconds}s of GET /api/v1/runs/ID"
status=0
result=$(/usr/bin/python3 "$here/server-clients.py" "$url" "$token" "$here/../tests/data/engine" \
         "$clients" "$runs" "$seconds") || status=$?
echo "$result"
echo "$result" | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
p99 = r["latency_ms_p99"]
print("event latency, runner to client: p50 %.1f ms, p99 %.1f ms (aim: p99 < 50 ms): %s" % (r["latency_ms_p50"], p99, "met" if p99 < 50 else "MISSED"))
print("fan-out, first client to each other: p50 %.1f ms, p99 %.1f ms" % (r["fan_out_ms_p50"], r["fan_out_ms_p99"]))
print("requests/s (GET run, 16 threads): %.0f" % r["requests_per_second"])
'
exit $status
