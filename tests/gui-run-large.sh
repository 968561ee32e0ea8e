#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# A 2000-step run in the designer, one of its steps writing a log line per
# millisecond: the main loop must keep turning (the probe-stalls test hook
# measures how late a 10 ms timer comes, at worst) while the canvas, the
# run bar and the step list follow every step to the end.
#
# usage: gui-run-large.sh SLUICE_DESIGNER SHOT_DIR ENGINE_COMPONENTS_DIR   (SLUICE_CLI set)

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/gui-lib.sh"
if [ -z "${SLUICE_GUI_INNER:-}" ]; then
  [ -x "${SLUICE_CLI:-}" ] || { echo "FAIL: SLUICE_CLI must name the built sluice binary"; exit 1; }
fi
gui_session -- "$@"

app=$1
shots=$2
engine=$3
mkdir -p "$shots"
work=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill $pid 2>/dev/null || true; fi; "$SLUICE_CLI" cancel 1 --store "$work/store" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

gui_env "$work"
export SLUICE_STORE=$work/store
# Under Xvfb, GL is llvmpipe: a GPU emulated on the same busy CPUs, whose
# frames would be measured instead of the app's work. Cairo draws the same.
export GSK_RENDERER=${GSK_RENDERER:-cairo}

# 50 rows of 40 steps: every fourth one reads the step before it (a link),
# every step makes a content of its own (so none is reused), and the first
# one chats.
/usr/bin/python3 "$engine/make-large-pipeline.py" "$engine" "$work/large.sluice.json"

state=$work/state.json
probe=$work/probe.json
act () {
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate "$1" "[<'$2'>]" "{}" >/dev/null
}
read_file () {   # read_file ACTION FILE: the test hook writes FILE
  rm -f "$2"
  act "$1" "$2"
  for _ in $(seq 1 100); do [ -s "$2" ] && return 0; sleep 0.1; done
  echo "FAIL: $1 wrote nothing"; exit 1
}
shot () { xdotool mousemove 1390 890; sleep 0.2; import -window root "$shots/$1.png"; }

"$app" "$work/large.sluice.json" &
pid=$!
for _ in $(seq 1 900); do
  wid=$(xdotool search --onlyvisible --name "large.sluice.json" 2>/dev/null | head -n 1 || true)
  [ -n "$wid" ] && break
  kill -0 $pid 2>/dev/null || { echo "FAIL: the app exited before showing its window"; exit 1; }
  sleep 0.1
done
[ -n "${wid:-}" ] || { echo "FAIL: the window did not appear"; exit 1; }
sleep 3

read_file probe-stalls "$probe"   # resets the worst stall: loading is not the subject
act window-action win.run
worst=0
state_now=
for second in $(seq 1 280); do
  sleep 1
  read_file probe-stalls "$probe"
  stall=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["max_stall_ms"])' "$probe")
  [ "$stall" -gt "$worst" ] && worst=$stall
  echo "second $second: worst stall ${stall} ms"
  state_now=$("$SLUICE_CLI" runs list --store "$SLUICE_STORE" | awk '$1 == "1" { print $2 }')
  if [ "$second" = 2 ]; then
    act window-action win.show-run-steps; sleep 0.5
    shot 01-large-running-step-list
    xdotool key Escape
  fi
  case "$state_now" in succeeded|failed|cancelled|interrupted) break ;; esac
done
echo "worst main loop stall while running: ${worst} ms"
[ "$state_now" = succeeded ] || { echo "FAIL: the run ended $state_now"; exit 1; }
echo "ok: the 2000-step run succeeded"
sleep 1
act window-action win.zoom-fit
shot 02-large-done
read_file dump-state "$state"
/usr/bin/python3 - "$state" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
r = s["run"]
states = {v["state"] for v in r["steps"].values()}
assert r["state"] == "succeeded", r["state"]
assert len(r["steps"]) == 2000 and r["finished_steps"] == 2000, (len(r["steps"]), r["finished_steps"])
assert states == {"succeeded"}, states
assert r["steps_listed"] == 2000, r["steps_listed"]
print("ok: the canvas, the bar and the step list know all 2000 steps are done")
EOF
"$SLUICE_CLI" logs 1 s00_00 --store "$SLUICE_STORE" | grep -c "^line " | grep -qx 5000 || { echo "FAIL: the chatty step's 5000 lines are not all in the log"; exit 1; }
echo "ok: the chatty step wrote its 5000 lines"
# Generous: the machine running the tests is shared and may be slow, but a
# main loop blocked on the run's events would stall for seconds.
[ "$worst" -lt 500 ] || { echo "FAIL: the main loop stalled ${worst} ms"; exit 1; }
echo "ok: the main loop kept turning (worst stall ${worst} ms)"
echo PASS
