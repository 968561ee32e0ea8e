#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Does the designer stay responsive while it follows a big, chatty run?
#
#   bench/run-events.sh [BUILDDIR]
#
# BUILDDIR (default: build) holds src/app/sluice-designer, src/cli/sluice and
# data/ (compiled GSettings schemas); this script builds nothing. Needs
# xvfb-run, dbus-run-session, xdotool and gdbus (Debian: xvfb dbus xdotool
# libglib2.0-bin). It runs itself under Xvfb (1400x900) with the scenario of
# tests/gui-run-large.sh: a pipeline of 2000 steps (50 rows of 40, every
# fourth step reading the one before it), the first of which writes a log
# line every millisecond (5000 lines), run from the designer with its
# canvas, run bar and step list following every step to the end.
#
#   - reference: the same designer with the same pipeline open, idle, for
#     IDLE_SECONDS (10): the main loop's worst stall per second then is what
#     this machine's load alone costs;
#   - the run: Run is pressed, the step list is opened after 2 s (as a user
#     looking at it would) and closed, and the probe-stalls test hook is read
#     every second until the run is over;
#   - the canvas logs every frame it is drawn in (SLUICE_FRAME_STATS, see
#     src/app/sluice-canvas.c): the paint work of the frame (layout,
#     snapshot and render of the whole window) and the main thread's CPU
#     time for it.
#
# It prints: the worst stall and its p50/p95 over the seconds of the run,
# the share of seconds whose worst stall was over 50 ms, the same for the
# idle reference and the ratio run / idle; the frames drawn while running,
# their paint work p50/p95/max, the share of frames over 50 ms of work, and
# the CPU p50/p95. A stall is how late a timer that asks to run every 10 ms
# comes (src/app/sluice-application.c): a frame, a batch of events or
# anything else that holds the main loop.
#
# The aim (issue 7): no frame over 50 ms. Missing it is reported, not
# failed. Under Xvfb GTK's GL renderer runs on llvmpipe, on the same CPUs:
# GSK_RENDERER is cairo unless set. Times depend on the machine and its
# load; compare runs on the same machine.
#
# Environment: IDLE_SECONDS=10, KEEP=1 (keep the temporary folder, with
# frames.log and the per-second stalls).
#
# Exit status: 2 when a tool or a binary is missing, 1 when the run did not
# succeed or the designer did not show the pipeline.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
build=${1:-build}

if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
  for tool in xvfb-run dbus-run-session xdotool gdbus; do
    command -v "$tool" >/dev/null || { echo "run-events.sh: $tool is missing (apt-get install xvfb dbus xdotool libglib2.0-bin)" >&2; exit 2; }
  done
  for binary in src/app/sluice-designer src/cli/sluice; do
    [ -x "$build/$binary" ] || { echo "run-events.sh: $build/$binary is not an executable; build first or give the build folder" >&2; exit 2; }
  done
  build=$(cd "$build" && pwd)
  export SLUICE_BENCH_INNER=1
  exec xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- bash "$0" "$build"
fi

if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi
designer=$build/src/app/sluice-designer
cli=$build/src/cli/sluice
engine=$top/tests/data/engine
idle_seconds=${IDLE_SECONDS:-10}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-run-events-bench.XXXXXX")
pid=
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  "$cli" cancel 1 --store "$tmp/store" >/dev/null 2>&1
  if [ -z "${KEEP:-}" ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
}
trap cleanup EXIT

export GDK_BACKEND=x11 GSETTINGS_BACKEND=memory SLUICE_TEST_HOOKS=1 NO_AT_BRIDGE=1
export XDG_DATA_HOME=$tmp/xdg-data XDG_STATE_HOME=$tmp/xdg-state XDG_CONFIG_HOME=$tmp/xdg-config
export SLUICE_STORE=$tmp/store SLUICE_CLI=$cli
export SLUICE_BUILTIN_COMPONENTS_DIR=${SLUICE_BUILTIN_COMPONENTS_DIR:-$top/data/components}
export GSK_RENDERER=${GSK_RENDERER:-cairo}
[ -n "${GSETTINGS_SCHEMA_DIR:-}" ] || export GSETTINGS_SCHEMA_DIR=$build/data

# The pipeline of tests/gui-run-large.sh.
"$py" "$engine/make-large-pipeline.py" "$engine" "$tmp/large.sluice.json"

act () {
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate "$1" "[<'$2'>]" "{}" >/dev/null
}
# The worst stall since the previous call, in ms.
probe () {
  local file=$tmp/probe.json
  rm -f "$file"
  act probe-stalls "$file"
  for _ in $(seq 1 100); do [ -s "$file" ] && break; sleep 0.05; done
  "$py" -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_stall_ms"])' "$file" 2>/dev/null || echo -1
}

log=$tmp/frames.log
SLUICE_FRAME_STATS=$log "$designer" "$tmp/large.sluice.json" >"$tmp/designer.out" 2>&1 &
pid=$!
for _ in $(seq 1 900); do
  grep -q '^first-frame' "$log" 2>/dev/null && break
  kill -0 $pid 2>/dev/null || break
  sleep 0.1
done
if ! grep -q '^first-frame' "$log" 2>/dev/null; then
  echo "FAIL: the designer showed no pipeline" >&2
  tail -n 5 "$tmp/designer.out" >&2
  exit 1
fi
sleep 3

probe >/dev/null   # loading is not the subject
: > "$tmp/idle-stalls"
for _ in $(seq 1 "$idle_seconds"); do
  sleep 1
  probe >> "$tmp/idle-stalls"
done

from=$(wc -l < "$log")
act window-action win.run
: > "$tmp/run-stalls"
state=
for second in $(seq 1 400); do
  sleep 1
  probe >> "$tmp/run-stalls"
  if [ "$second" = 2 ]; then
    act window-action win.show-run-steps; sleep 0.5
    xdotool key Escape
  fi
  state=$("$cli" runs list --store "$SLUICE_STORE" | awk '$1 == "1" { print $2 }')
  case "$state" in succeeded|failed|cancelled|interrupted) break ;; esac
done
sleep 1
probe >> "$tmp/run-stalls"
to=$(wc -l < "$log")
[ "$state" = succeeded ] || { echo "FAIL: the run ended ${state:-unfinished}" >&2; exit 1; }

"$py" - "$tmp/idle-stalls" "$tmp/run-stalls" "$log" "$from" "$to" <<'EOF'
import sys
idle = [int(x) for x in open(sys.argv[1]).read().split() if int(x) >= 0]
run = [int(x) for x in open(sys.argv[2]).read().split() if int(x) >= 0]
log, first, last = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
work, cpu = [], []
with open(log) as f:
    for number, line in enumerate(f, 1):
        parts = line.split()
        if first < number <= last and parts and parts[0] == "frame":
            work.append(int(parts[2]) / 1000)
            cpu.append(int(parts[4]) / 1000)

def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))] if values else 0

def over(values, limit):
    return 100.0 * sum(1 for v in values if v > limit) / len(values) if values else 0

print("stalls of the main loop (worst per second, ms):")
print("  %-18s %8s %8s %8s %8s %10s" % ("", "seconds", "p50", "p95", "worst", "over 50 ms"))
print("  %-18s %8d %8d %8d %8d %9.0f%%" % ("idle (reference)", len(idle), pct(idle, 50), pct(idle, 95), max(idle or [0]), over(idle, 50)))
print("  %-18s %8d %8d %8d %8d %9.0f%%" % ("running", len(run), pct(run, 50), pct(run, 95), max(run or [0]), over(run, 50)))
print("  ratio running / idle: p50 %.1f, worst %.1f" % (pct(run, 50) / max(pct(idle, 50), 1), max(run or [0]) / max(max(idle or [1]), 1)))
print("frames drawn while running (paint work of the window, ms):")
print("  frames %d, p50 %.1f, p95 %.1f, max %.1f, over 50 ms: %d (%.1f%%); main thread CPU p50 %.1f, p95 %.1f" % (
    len(work), pct(work, 50), pct(work, 95), max(work or [0]), sum(1 for w in work if w > 50), over(work, 50),
    pct(cpu, 50), pct(cpu, 95)))
worst = max(run or [0])
print("aim: no frame over 50 ms: %s (worst stall %d ms, worst frame %.1f ms)" % (
    "met" if worst <= 50 and max(work or [0]) <= 50 else "NOT met", worst, max(work or [0])))
EOF
