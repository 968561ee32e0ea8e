#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run history in the designer: two runs made with the CLI (different
# learning rates), the pipeline file changed afterwards; the app opens the
# history, shows each past run read-only with the pipeline as it was (a
# node dragged does not move, editing keys do nothing, a component dropped
# from a second window's palette does not land), compares the two runs,
# traces lineage, and goes back to editing, where the same gestures edit
# again. Once in the light and once in the dark style; every state is a
# screenshot in SHOT_DIR. Positions and state come from the dump-state test hook.
#
# usage: gui-history.sh SLUICE_DESIGNER SLUICE_CLI SHOT_DIR HISTORY_DATA_DIR

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/gui-lib.sh"
gui_session -- "$@"

app=$1
cli=$2
shots=$3
data=$4
mkdir -p "$shots"
work=$(mktemp -d)
pid=
trap 'if [ -n "$pid" ]; then kill $pid 2>/dev/null || true; fi; rm -rf "$work"' EXIT

cp -r "$data" "$work/project"
pipeline=$work/project/history.sluice.json
export SLUICE_STORE=$work/store
"$cli" run "$pipeline" >/dev/null
"$cli" run "$pipeline" --set learning_rate=0.2 >/dev/null

# The file changes after the runs: a past run must still show its own steps.
/usr/bin/python3 - "$pipeline" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
p["jobs"]["later"] = {"component": "file:prepare.component.json", "inputs": {"data": "${{parent.inputs.raw}}"}}
json.dump(p, open(sys.argv[1], "w"), indent=2)
EOF

gui_env "$work"

state=$work/state.json

# q EXPR: a Python expression over the dump `s`; prints its value.
q () {
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(eval(sys.argv[2]))' "$state" "$1"
}

check () {   # check DESCRIPTION PYTHON_CONDITION
  if [ "$(q "$2")" != "True" ]; then
    echo "FAIL: $1 ($2)"
    import -window root "$shots/failed.png" || true
    /usr/bin/python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(json.dumps(s["history"], indent=1)[:3000])' "$state"
    exit 1
  fi
  echo "ok: $1"
}

click_point () {   # click_point NAME : a point from history.points
  local xy
  xy=$(q "' '.join(str(int(v)) for v in s['history']['points']['$1'])")
  # shellcheck disable=SC2086
  set -- $xy
  xdotool mousemove $((X + $1)) $((Y + $2)) click 1
  sleep 0.8
}

shot () { import -window root "$shots/$1.png"; }

# xdotool types into the focused window through XTEST; when the key closes
# that window, xdotool fails before letting go of the keys, which the
# server then repeats into the next window (and Ctrl+Q quits the next app).
release_keys () { xdotool keyup ctrl q w 2>/dev/null || true; }

drag_steps () {   # drag_steps X1 Y1 X2 Y2 [KEEP]: in small steps as a hand would; KEEP holds the button
  xdotool mousemove "$1" "$2"; sleep 0.2
  xdotool mousedown 1; sleep 0.2
  for i in $(seq 1 20); do
    xdotool mousemove $(( $1 + ($3 - $1) * i / 20 )) $(( $2 + ($4 - $2) * i / 20 )); sleep 0.05
  done
  sleep 0.3
  [ -n "${5:-}" ] || { xdotool mouseup 1; sleep 0.5; }
}

# A second window whose palette is on screen, right of the first one: a
# palette the past run's canvas is not allowed to take components from.
open_second_window () {
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate new-window "[]" "{}" >/dev/null
  wid2=
  for _ in $(seq 1 100); do
    wid2=$(xdotool search --onlyvisible --name "New Pipeline" 2>/dev/null | head -n 1 || true)
    [ -n "$wid2" ] && break
    sleep 0.1
  done
  [ -n "$wid2" ] || { echo "FAIL: no second window"; exit 1; }
  xdotool windowmove "$wid2" 880 0
  sleep 1.5
  eval "$(xdotool getwindowgeometry --shell "$wid2" | sed 's/^/W2_/')"
  xdotool windowfocus "$wid2"; sleep 0.5
  dump
  check "the second window is the empty one" "s['file'] is None and len(s['palette']) > 0"
  # A row well inside the list, in screen coordinates.
  read -r rx ry <<< "$(q "' '.join(str(int(v)) for v in sorted((p for p in s['palette'].values() if 150 < p[1] < 500), key=lambda p: p[1])[0])")"
  rx=$((W2_X + rx)); ry=$((W2_Y + ry))
}

# Back to the first window, for the dumps.
focus_first_window () {
  xdotool windowraise "$wid"; xdotool windowfocus "$wid"; sleep 0.5
  dump
  check "the first window has the focus again" "s['file'] is not None and s['file'].endswith('history.sluice.json')"
}

# same DESCRIPTION: the document being edited and the nodes on the canvas
# are where before.json had them.
same () {
  check "$1" "(lambda b: b['pipeline'] == s['pipeline'] and b['modified'] == s['modified'] and {k: v['at'] for k, v in b['history']['canvas']['nodes'].items()} == {k: v['at'] for k, v in s['history']['canvas']['nodes'].items()})(json.load(open('$work/before.json')))"
}

# While a past run is on the canvas nothing edits: a node dragged does not
# move (not even until the button is let go), the editing keys do nothing,
# a component dropped from a palette does not land.
past_run_is_read_only () {
  dump
  check "the canvas is read-only and the palette off" "s['history']['canvas']['read_only'] and s['history']['palette_sensitive'] is False"
  cp "$state" "$work/before.json"

  read -r nx ny <<< "$(q "' '.join(str(int(v)) for v in s['history']['canvas']['nodes']['train']['title'])")"
  nx=$((X + nx)); ny=$((Y + ny))
  drag_steps "$nx" "$ny" $((nx + 140)) $((ny + 90)) keep
  dump
  same "a dragged node of a past run does not move while dragged"
  xdotool mouseup 1; sleep 0.5
  dump
  same "nor once let go"
  shot "02b-dragged-past-$suffix"

  # The canvas has the focus since the drag.
  for key in Delete BackSpace Right Down ctrl+z ctrl+shift+z ctrl+v ctrl+d ctrl+l ctrl+g; do
    xdotool key --window "$wid" "$key"; sleep 0.2
  done
  dump
  same "deleting, moving, pasting, undoing with keys changes nothing"

  open_second_window
  # Below the past run's nodes, well left of the second window.
  read -r dx dy <<< "$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
x, y = s["history"]["canvas"]["nodes"]["prepare"]["title"]
print(min(int(x), 700), int(y) + 160)' "$work/before.json")"
  dx=$((X + dx)); dy=$((Y + dy))
  drag_steps "$rx" "$ry" "$dx" "$dy"
  shot "02c-dropped-on-past-$suffix"
  focus_first_window
  same "a component dropped on a past run lands nowhere"
  check "the past run still has its two steps" "sorted(s['history']['canvas']['steps']) == ['prepare', 'train']"
  # Off the screen, out of the way of the windows and clicks to come.
  xdotool windowmove "$wid2" 1400 0; sleep 0.3
  focus_first_window
}

# Back to editing, the same gestures edit again (and are undone).
editing_works_again () {
  dump
  check "the canvas is editable and the palette on" "not s['history']['canvas']['read_only'] and s['history']['palette_sensitive']"
  local steps
  steps=$(q "len(s['history']['canvas']['steps'])")

  xdotool windowmove "$wid2" 880 0; xdotool windowraise "$wid2"; sleep 1
  drag_steps "$rx" "$ry" "$dx" "$dy"
  shot "06b-dropped-editing-$suffix"
  focus_first_window
  check "a component dropped from the palette lands" "len(s['history']['canvas']['steps']) == $((steps + 1)) and s['modified']"
  xdotool key --window "$wid" ctrl+z; sleep 0.3
  dump
  check "and is undone" "len(s['history']['canvas']['steps']) == $steps"

  read -r nx ny <<< "$(q "' '.join(str(int(v)) for v in s['history']['canvas']['nodes']['train']['title'])")"
  cp "$state" "$work/before.json"
  nx=$((X + nx)); ny=$((Y + ny))
  drag_steps "$nx" "$ny" $((nx + 140)) $((ny + 90))
  dump
  check "a node dragged while editing moves" "(lambda b: s['history']['canvas']['nodes']['train']['at'][0] > b['history']['canvas']['nodes']['train']['at'][0] + 60)(json.load(open('$work/before.json')))"
  xdotool key --window "$wid" ctrl+z; sleep 0.3
  dump
  same "and the move is undone"
  # The key's release may find the window gone (see release_keys).
  xdotool key --window "$wid2" ctrl+w || true
  release_keys
  for _ in $(seq 1 30); do xdotool search --onlyvisible --name "New Pipeline" >/dev/null 2>&1 || break; sleep 0.1; done
  focus_first_window
}

flow () {   # flow SUFFIX
  local suffix=$1

  "$app" "$pipeline" &
  pid=$!
  wid=
  for _ in $(seq 1 600); do
    wid=$(xdotool search --onlyvisible --name "history.sluice.json" 2>/dev/null | head -n 1 || true)
    [ -n "$wid" ] && break
    kill -0 $pid 2>/dev/null || { echo "FAIL: the app exited before showing its window"; exit 1; }
    sleep 0.1
  done
  [ -n "$wid" ] || { echo "FAIL: the window did not appear within 60 s"; exit 1; }
  sleep 1.5
  eval "$(xdotool getwindowgeometry --shell "$wid")"

  dump
  check "history starts hidden" "s['history']['visible'] is False and s['history']['viewing'] is None"
  click_point history_button
  sleep 0.5
  dump
  # (The light pass adds a third run at its end; the dark pass sees it.)
  check "history lists the runs, newest first" "s['history']['visible'] and s['history']['runs'][-2:] == [2, 1] and s['history']['runs'] == sorted(s['history']['runs'], reverse=True)"
  shot "01-history-$suffix"

  click_point run_1
  dump
  check "run 1 is on the canvas" "s['history']['viewing'] == 1 and s['history']['canvas']['run'] == 1"
  check "read-only with a banner" "s['history']['read_only'] and s['history']['banner'].startswith('Run 1 of')"
  check "the pipeline as run 1 had it" "sorted(s['history']['canvas']['steps']) == ['prepare', 'train']"
  check "run 1 states" "s['history']['canvas']['steps'] == {'prepare': 'succeeded', 'train': 'succeeded'}"
  check "the editing document is untouched" "'later' in s['pipeline']"
  shot "02-run-1-$suffix"
  # Once, in the last pass: the second window, drags and drops leave the
  # X server in a state where the next app could lose its first click.
  if [ "$suffix" = dark ]; then past_run_is_read_only; fi

  click_point run_2
  dump
  check "run 2 reused prepare" "s['history']['viewing'] == 2 and s['history']['canvas']['steps'] == {'prepare': 'reused', 'train': 'succeeded'}"
  shot "03-run-2-$suffix"

  click_point check_1
  click_point check_2
  dump
  check "both runs ticked" "s['history']['checked'] == [1, 2]"
  click_point compare_button
  sleep 1
  dump
  check "comparison shows the learning rate" "[d['name'] for d in s['history']['compare']['differences']] == ['learning_rate', 'learning_rate']"
  check "input values side by side" "s['history']['compare']['differences'][0]['values'] == ['0.1', '0.2']"
  check "metrics with the best run" "[(m['name'], m['best_run']) for m in s['history']['compare']['metrics']] == [('accuracy', 2), ('loss', 2)]"
  cwid=$(xdotool search --onlyvisible --name "Compare Runs" | head -n 1)
  [ -n "$cwid" ] || { echo "FAIL: no comparison window"; exit 1; }
  import -window "$cwid" "$shots/04-compare-$suffix.png"
  # Down to the chart; the pointer on run 2's point shows its exact value.
  eval "$(xdotool getwindowgeometry --shell "$cwid" | sed 's/^/C_/')"
  xdotool mousemove $((C_X + C_WIDTH / 2)) $((C_Y + C_HEIGHT / 2))
  for _ in $(seq 1 15); do xdotool click 5; sleep 0.05; done
  sleep 0.8
  dump
  check "the chart shows run 1's loss over its 3 steps" "len(s['history']['compare']['chart_points']) == 3"
  xy=$(q "' '.join(str(int(v)) for v in s['history']['compare']['chart_points'][1])")
  # shellcheck disable=SC2086
  set -- $xy
  xdotool mousemove $((C_X + $1)) $((C_Y + $2))
  sleep 0.2
  xdotool mousemove $((C_X + $1 + 1)) $((C_Y + $2))
  sleep 0.6
  dump
  check "hovering a point picks it" "s['history']['compare']['chart_hover'] == '0:1'"
  import -window "$cwid" "$shots/04b-compare-chart-$suffix.png"
  xdotool windowunmap "$cwid"
  sleep 0.5
  xdotool windowraise "$wid"

  click_point lineage_button
  sleep 1
  dump
  check "lineage of run 2's model goes back to raw.txt" \
    "(lambda r: r['step'] == 'train' and r['inputs'][0]['step'] == 'prepare' and r['inputs'][0]['run'] == 1 and r['inputs'][0]['inputs'][0]['source'].endswith('/project/raw.txt'))(s['history']['lineage'][0])"
  lwid=$(xdotool search --onlyvisible --name "Lineage" | head -n 1)
  [ -n "$lwid" ] || { echo "FAIL: no lineage window"; exit 1; }
  import -window "$lwid" "$shots/05-lineage-$suffix.png"
  xdotool windowunmap "$lwid"
  sleep 0.5

  click_point back_button
  dump
  check "back to editing" "s['history']['viewing'] is None and not s['history']['read_only'] and 'later' in s['history']['canvas']['steps']"
  shot "06-back-$suffix"
  if [ "$suffix" = dark ]; then editing_works_again; fi

  # A run started elsewhere (here: the CLI) shows up while the list is open.
  n=$(q "len(s['history']['runs'])")
  "$cli" run "$pipeline" --set learning_rate=0.3 >/dev/null
  for _ in $(seq 1 30); do
    dump
    [ "$(q "len(s['history']['runs'])")" = $((n + 1)) ] && break
    sleep 0.2
  done
  check "a new run appears in the open history" "len(s['history']['runs']) == $((n + 1)) and s['history']['runs'][0] > 2"

  # Quit through the app's action: the window has the focus, so xdotool
  # would type Ctrl+Q through XTEST (see release_keys).
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate quit "[]" "{}" >/dev/null || true
  for _ in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  pid=
}

flow light
ADW_DEBUG_COLOR_SCHEME=prefer-dark flow dark
echo "PASS: screenshots in $shots"
