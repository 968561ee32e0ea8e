#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The step details pane, driven as a person would under Xvfb: a pipeline is
# run with the CLI into a fresh store first (one step writes to stdout and
# stderr, records metrics and produces a CSV, a JSON file and a PNG; one
# makes a folder; one fails), then opened in the app, which shows that run.
# Tab selects steps on the canvas; clicks switch between the Log, Outputs,
# Metrics and Command pages. The app says what the pane shows through the
# dump-state action (SLUICE_TEST_HOOKS); each state is a screenshot.
#
# usage: gui-step-details.sh SLUICE_DESIGNER SLUICE_CLI SHOT_DIR ENGINE_COMPONENTS_DIR

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/gui-lib.sh"
gui_session -- "$@"

app=$1
cli=$2
shots=$3
engine=$4
mkdir -p "$shots"
work=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$work"' EXIT

# A component that talks: stdout, stderr, metrics and three kinds of output.
mkdir -p "$work/code"
cat > "$work/code/talk.sh" <<'EOF'
#!/bin/sh
set -eu
i=1
while [ $i -le 120 ]; do
  echo "epoch $i: loss=0.$((1000 - i * 7))"
  i=$((i + 1))
done
echo "warning: learning rate is high" >&2
echo "accuracy 0.875" >> "$SLUICE_METRICS"
echo "loss 0.42 1" >> "$SLUICE_METRICS"
echo "loss 0.17 2" >> "$SLUICE_METRICS"
printf 'name,age,note\nAnn,31,"likes ""quotes"""\nBo,42,"two\nlines"\nCy,7\n' > "$1"
printf '{"model": "tree", "depth": 4, "features": ["age", "name"]}' > "$2"
/usr/bin/python3 - "$3" <<'PY'
import struct, sys, zlib
w, h = 64, 32
rows = b"".join(b"\0" + b"".join(bytes((x * 4, r * 8, 160)) for x in range(w)) for r in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
    + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
echo "done"
EOF
cat > "$work/code/chatty.sh" <<'EOF'
#!/bin/sh
seq 1 60000
echo done > "$1"
EOF
cat > "$work/code/ticker.sh" <<'EOF'
#!/bin/sh
i=1
while [ $i -le 100 ]; do echo "tick $i"; sleep 0.1; i=$((i + 1)); done
echo done > "$1"
EOF
for name in chatty ticker; do
  cat > "$work/$name.component.json" <<EOF
{
  "name": "$name",
  "version": "1",
  "display_name": "$name",
  "category": "Test",
  "inputs": {},
  "outputs": {"out": {"type": "uri_file"}},
  "command": "sh $name.sh \${{outputs.out}}",
  "code": "code"
}
EOF
done
cat > "$work/talk.component.json" <<'EOF'
{
  "name": "talk",
  "version": "1",
  "display_name": "Talk",
  "category": "Test",
  "inputs": {"rate": {"type": "number", "default": 0.1}},
  "outputs": {"table": {"type": "uri_file"}, "report": {"type": "uri_file"}, "plot": {"type": "uri_file"}},
  "command": "sh talk.sh ${{outputs.table}} ${{outputs.report}} ${{outputs.plot}}",
  "code": "code"
}
EOF
pipeline=$work/details.sluice.json
cat > "$pipeline" <<EOF
{
  "sluice": 1,
  "name": "details_test",
  "settings": {"continue_on_step_failure": true},
  "jobs": {
    "talk": {"component": "file:talk.component.json", "inputs": {"rate": 0.5}},
    "folder": {"component": "file:$engine/folder.component.json"},
    "broken": {"component": "file:$engine/fail.component.json", "inputs": {"code": 3}},
    "chatty": {"component": "file:chatty.component.json"},
    "flaky": {"component": "file:$engine/flaky.component.json", "retry": {"count": 2, "backoff": 0.05},
              "inputs": {"marker_dir": "$work/markers", "succeed_on": 2}}
  },
  "layout": {
    "nodes": {
      "talk": {"x": 0, "y": 0},
      "folder": {"x": 0, "y": 160},
      "broken": {"x": 340, "y": 40},
      "chatty": {"x": 340, "y": 200},
      "flaky": {"x": 0, "y": 320}
    }
  }
}
EOF

mkdir -p "$work/markers"
export SLUICE_STORE=$work/store
"$cli" run "$pipeline" --store "$SLUICE_STORE" > "$work/run.out" 2>&1 || true
[ -f "$SLUICE_STORE/history.db" ] || { echo "FAIL: the CLI run left no history"; cat "$work/run.out"; exit 1; }
echo "ok: a run with a failing step is in the history"

gui_env "$work"
# start_app FILE WINDOW-NAME: the app on FILE, waiting for its window.
start_app () {
  "$app" "$1" &
  pid=$!
  wid=$(gui_wait_window "$2" "$pid")
  sleep 1.5
  eval "$(xdotool getwindowgeometry --shell "$wid")"   # X, Y of the window
}
start_app "$pipeline" details.sluice.json

state=$work/state.json
# check PYTHON-EXPRESSION-ON-d (the details) MESSAGE: retried for a few
# seconds, since the pane reads the history in a thread.
check () {
  for _ in $(seq 1 40); do
    dump
    if /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
d = s["details"]
sys.exit(0 if eval(sys.argv[2]) else 1)' "$state" "$1"; then
      echo "ok: $2"; return 0
    fi
    sleep 0.25
  done
  echo "FAIL: $2"; /usr/bin/python3 -c 'import json, sys; print(json.dumps(json.load(open(sys.argv[1]))["details"], indent=1))' "$state"
  exit 1
}
click () {   # click WHAT: a page button of the pane, or a bottom tab
  dump
  read -r cx cy <<< "$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
p = s["details"]["buttons"].get(sys.argv[2]) or s["bottom_tabs"][sys.argv[2]]
print(int(p[0]) + int(sys.argv[3]), int(p[1]) + int(sys.argv[4]))' "$state" "$1" "$X" "$Y")"
  xdotool mousemove "$cx" "$cy" click 1; sleep 0.6
}
# select STEP: Tab moves the canvas selection from node to node.
select_step () {
  xdotool mousemove $((X + 700)) $((Y + 120)) click 1; sleep 0.3
  for _ in 1 2 3 4 5 6 7; do
    xdotool key Tab; sleep 0.4
    dump
    /usr/bin/python3 -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["selection"] != [sys.argv[2]])' "$state" "$1" && return 0
  done
  echo "FAIL: Tab does not reach step $1"; exit 1
}
shot () { sleep 0.5; import -window root "$shots/$1.png"; }   # after transitions

check 'd["run"] > 0 and d["view"] == "no-step"' "the pane shows the newest run of the pipeline, asking for a step"

# Tab from an empty spot of the canvas selects the first step: talk.
select_step talk
check 's["selection"] == ["talk"] and s["bottom_page"] == "details" and d["step"] == "talk" and d["view"] == "details"' \
  "selecting a step shows its details"
check 'd["page"] == "log" and d["log_lines"] >= 123 and d["state"] == "succeeded"' "its log is shown (stdout, stderr and notes)"
check 'd["min_width"] <= 560' "the pane does not force the canvas column wider"
check 'd["log_at_end"]' "the log follows its tail"
shot 01-log

# The mouse wheel up stops following; down to the end follows again.
dump
read -r lx ly <<< "$(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["details"]["buttons"]["search"]
print(int(p[0]) + int(sys.argv[2]), int(p[1]) + 90 + int(sys.argv[3]))' "$state" "$X" "$Y")"
xdotool mousemove "$lx" "$ly"; sleep 0.2
xdotool click --repeat 5 --delay 50 4; sleep 0.5
check 'not d["log_follow"] and not d["log_at_end"]' "scrolling up stops following the tail"
xdotool click --repeat 40 --delay 20 5; sleep 0.5
check 'd["log_follow"] and d["log_at_end"]' "scrolling back to the end follows again"

# Search: "epoch 11" is in epoch 11 and 110 to 119.
click search
xdotool type --delay 20 "epoch 11"; sleep 0.8
check 'd["log_matches"] == 11' "searching the log finds every match"
xdotool key Return; sleep 0.3
shot 01b-search
xdotool key ctrl+a BackSpace; sleep 0.5
check 'd["log_matches"] == 0' "clearing the search clears the matches"

click outputs
check 'd["page"] == "outputs" and sorted(d["outputs"]) == ["image", "json", "table"]' "its outputs are previewed as a table, JSON and an image"
shot 02-outputs
xdotool mousemove "$lx" $((ly - 60)); xdotool click --repeat 8 --delay 50 5; sleep 0.3
shot 02b-outputs-scrolled

click metrics
check 'd["page"] == "metrics" and d["metrics"] == 2' "its metrics are listed, latest value per name"
shot 03-metrics

click command
check 'd["page"] == "command" and d["command"].startswith("sh talk.sh /") and d["inputs"] == 1' "its command line and inputs are shown"
shot 04-command

# The next step: a folder output.
select_step folder
click outputs
check 'd["step"] == "folder" and d["outputs"] == ["folder"]' "a folder output is listed"
shot 05-folder

# The failed step: its stderr and Sluice's note about the exit code.
select_step broken
click log
check 'd["step"] == "broken" and d["state"] == "failed" and d["log_lines"] >= 2' "a failed step shows its log"
shot 06-failed

# A step that failed once and was retried: each attempt's log on its own.
select_step flaky
click log
check 'd["step"] == "flaky" and d["state"] == "succeeded" and d["attempts"] == 2 and d["attempt"] == 0 and d["min_width"] <= 560' \
  "a retried step has two attempts, in a menu that fits"
all_lines=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["details"]["log_lines"])' "$state")
click attempt-menu
shot 06b-attempts
xdotool key Down Return; sleep 0.5
check "d['attempt'] == 1 and 0 < d['log_lines'] < $all_lines" "picking attempt 1 shows its log alone"

# 60 000 lines: the newest 50 000 are shown, the rest can be opened whole.
select_step chatty
check 'd["step"] == "chatty" and d["log_lines"] == 50000 and d["log_dropped"] >= 10000 and d["log_at_end"]' \
  "a long log keeps its newest 50 000 lines and says how many it dropped"
shot 07-long-log
# The problems tab is still there.
click problems
check 's["bottom_page"] == "problems"' "the problems list is one click away"

# Run it again: talk, folder and chatty are reused from run 1. The pane
# shows run 2, and for a reused step the log and metrics of run 1.
kill $pid; wait $pid 2>/dev/null || true; pid=
"$cli" run "$pipeline" --store "$SLUICE_STORE" > "$work/run2.out" 2>&1 || true
start_app "$pipeline" details.sluice.json
select_step talk
check 'd["run"] == 2 and d["state"] == "reused" and d["reused_from"] == 1 and d["log_lines"] >= 124' \
  "a reused step shows the log of the run that made its outputs"
check 'd["metrics"] == 2 and d["inputs"] == 1' "and that run's metrics"
shot 07b-reused
click outputs
check 'sorted(d["outputs"]) == ["image", "json", "table"]' "a reused step's outputs are previewed"
select_step chatty
click log
check 'd["log_lines"] == 50000' "a reused long log is capped too"
click open-full-log
for _ in $(seq 1 50); do [ -s "$XDG_CACHE_HOME/sluice/logs/run-1-chatty.log" ] && break; sleep 0.2; done
[ "$(grep -c . "$XDG_CACHE_HOME/sluice/logs/run-1-chatty.log")" -ge 60000 ] || { echo "FAIL: the full log was not written"; exit 1; }
echo "ok: Open Full Log writes every line to a file (for a reused step, its producer's)"
check 'd["runs"] == 2' "both runs are in the run menu"
click run-menu
xdotool key Down Return; sleep 0.5
check 'd["run"] == 1 and d["step"] == "chatty" and d["state"] == "succeeded" and d["reused_from"] == 0' \
  "an earlier run can be picked from the run menu"
shot 07c-earlier-run

# A run going on: started detached from the CLI, watched from the app.
kill $pid; wait $pid 2>/dev/null || true; pid=
live=$work/live.sluice.json
cat > "$live" <<EOF
{"sluice": 1, "name": "live_test", "jobs": {"ticker": {"component": "file:ticker.component.json"}}}
EOF
"$cli" run "$live" --store "$SLUICE_STORE" --detach > "$work/live.out" 2>&1
start_app "$live" live.sluice.json
select_step ticker
check 'd["step"] == "ticker" and d["state"] == "running" and 0 < d["log_lines"] < 100' "a running step's log is shown while it runs"
first=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["details"]["log_lines"])' "$state")
shot 08-live
check "d['log_lines'] > $first" "new lines stream in"
check 'd["state"] == "succeeded" and d["log_lines"] >= 100 and d["outputs"] == ["text"]' "the pane follows the step to its end"
shot 09-live-done

echo "screenshots in $shots"
