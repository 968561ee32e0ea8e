#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the designer as a person would, under Xvfb with xdotool: connect two
# nodes by dragging, try an incompatible link (refused), move a node, undo,
# save, and checks the saved file. Each state is also a screenshot in
# SHOT_DIR. The app tells where its nodes and ports are through the
# dump-state action (enabled by SLUICE_TEST_HOOKS), over D-Bus.
#
# usage: gui-canvas.sh SLUICE_DESIGNER SHOT_DIR ENGINE_COMPONENTS_DIR

set -euo pipefail

if [ -z "${SLUICE_GUI_INNER:-}" ]; then
  for tool in xvfb-run dbus-run-session xdotool import gdbus; do
    command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (install xvfb, dbus, xdotool, imagemagick, libglib2.0-bin)"; exit 1; }
  done
  export SLUICE_GUI_INNER=1
  exec xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- bash "$0" "$@"
fi

app=$1
shots=$2
engine=$3
mkdir -p "$shots"
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$work"' EXIT

pipeline=$work/canvas.sluice.json
cat > "$pipeline" <<EOF
{
  "sluice": 1,
  "name": "canvas_test",
  "jobs": {
    "p": {"component": "file:$engine/produce.component.json"},
    "d": {"component": "file:$engine/folder.component.json"},
    "c": {"component": "file:$engine/concat.component.json"}
  },
  "layout": {
    "nodes": {
      "p": {"x": 0, "y": 0},
      "d": {"x": 0, "y": 160},
      "c": {"x": 340, "y": 40}
    }
  }
}
EOF

export GDK_BACKEND=x11 GSETTINGS_BACKEND=memory SLUICE_TEST_HOOKS=1 NO_AT_BRIDGE=1 XDG_DATA_HOME=$work/xdg
"$app" "$pipeline" &
pid=$!

# The first GTK start on a fresh machine builds font caches: allow a minute.
for _ in $(seq 1 600); do
  wid=$(xdotool search --onlyvisible --name "canvas.sluice.json" 2>/dev/null | head -n 1 || true)
  [ -n "$wid" ] && break
  kill -0 $pid 2>/dev/null || { echo "FAIL: the app exited before showing its window"; exit 1; }
  sleep 0.1
done
[ -n "${wid:-}" ] || { echo "FAIL: the window did not appear within 60 s"; exit 1; }
sleep 1.5

state=$work/state.json
dump () {
  rm -f "$state"
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate dump-state "[<'$state'>]" "{}" >/dev/null
  for _ in $(seq 1 50); do [ -s "$state" ] && return 0; sleep 0.1; done
  echo "FAIL: no state dump"; exit 1
}

eval "$(xdotool getwindowgeometry --shell "$wid")"   # X, Y of the window
point () {   # point NODE inputs|outputs PORT -> "x y" on the screen
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
x, y = s["nodes"][sys.argv[2]][sys.argv[3]][sys.argv[4]]
print(int(x) + int(sys.argv[5]), int(y) + int(sys.argv[6]))' "$state" "$1" "$2" "$3" "$X" "$Y"
}
title () {
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
x, y = s["nodes"][sys.argv[2]]["title"]
print(int(x) + int(sys.argv[3]), int(y) + int(sys.argv[4]))' "$state" "$1" "$X" "$Y"
}
drag () {   # drag X1 Y1 X2 Y2, in small steps as a hand would
  xdotool mousemove "$1" "$2"; sleep 0.1
  xdotool mousedown 1; sleep 0.1
  for i in 1 2 3 4 5 6 7 8; do
    xdotool mousemove $(( $1 + ($3 - $1) * i / 8 )) $(( $2 + ($4 - $2) * i / 8 )); sleep 0.05
  done
  xdotool mouseup 1; sleep 0.3
}
check () {   # check PYTHON-EXPRESSION-ON-s MESSAGE
  dump
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
p = json.loads(s["pipeline"])
if not eval(sys.argv[2]):
    print("FAIL:", sys.argv[3]); sys.exit(1)
print("ok:", sys.argv[3])' "$state" "$1" "$2"
}
shot () { import -window root "$shots/$1.png"; }

dump
shot 01-opened
check 's["modified"] is False and set(s["nodes"]) == {"p", "d", "c"}' "the pipeline opened with its three nodes"

# Connect p.out (uri_file) to c.a (uri_file).
drag $(point p outputs out) $(point c inputs a)
shot 02-connected
check 'p["jobs"]["c"]["inputs"]["a"] == "${{parent.jobs.p.outputs.out}}" and s["modified"]' "dragging from an output to an input links them"

# d.out is a folder; c.b wants a file: refused.
drag $(point d outputs out) $(point c inputs b)
shot 03-refused
check '"b" not in p["jobs"]["c"]["inputs"]' "an incompatible link is refused"

# Move node c by its title bar.
read -r cx cy <<< "$(title c)"
drag "$cx" "$cy" $((cx + 120)) $((cy + 60))
shot 04-moved
check 'p["layout"]["nodes"]["c"]["x"] > 340 and p["layout"]["nodes"]["c"]["y"] > 40' "dragging a node moves it"

# Undo the move (one drag is one undo step).
xdotool key --window "$wid" ctrl+z; sleep 0.3
shot 05-undone
check 'p["layout"]["nodes"]["c"] == {"x": 340, "y": 40} and "a" in p["jobs"]["c"]["inputs"]' "undo puts the node back and keeps the link"

# Add a component from the palette with the keyboard alone: Ctrl+F, type, Enter.
xdotool key --window "$wid" ctrl+f; sleep 0.3
xdotool type --delay 30 "sample dataset"; sleep 0.5
xdotool key Return; sleep 0.5
shot 05b-added-from-palette
check '"sample_dataset" in p["jobs"] and p["jobs"]["sample_dataset"]["component"].startswith("builtin:sample_dataset")' "the palette adds a component with the keyboard"
xdotool key --window "$wid" ctrl+z; sleep 0.3
check '"sample_dataset" not in p["jobs"]' "adding a component is undoable"

# Link with the keyboard alone: click empty canvas, Tab to the first node,
# L opens the port picker, Down picks the second choice, Enter connects.
read -r px py <<< "$(title p)"
xdotool mousemove "$px" $((py - 60)) click 1; sleep 0.3
xdotool key Tab; sleep 0.3
check 's["selection"] == ["p"]' "Tab selects the first node"
xdotool key l; sleep 0.5
shot 05c-port-picker
xdotool key Down Return; sleep 0.5
check 'p["jobs"]["c"]["inputs"].get("b") == "${{parent.jobs.p.outputs.out}}"' "the port picker links without a mouse"
xdotool key --window "$wid" ctrl+z; sleep 0.3
check '"b" not in p["jobs"]["c"]["inputs"]' "the keyboard link is undoable"

# Save, then read the file itself.
xdotool key --window "$wid" ctrl+s; sleep 0.5
shot 06-saved
check 's["modified"] is False' "saving clears the modified mark"
/usr/bin/python3 - "$pipeline" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["jobs"]["c"]["inputs"] == {"a": "${{parent.jobs.p.outputs.out}}"}, p["jobs"]["c"]
assert p["layout"]["nodes"]["c"] == {"x": 340, "y": 40}, p["layout"]
print("ok: the saved file holds the link and the layout")
PY

# Export the canvas as PNG and SVG.
for ext in png svg; do
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate export-image "[<'$shots/export.$ext'>]" "{}" >/dev/null
done
sleep 0.5
file "$shots/export.png" | grep -q "PNG image data" || { echo "FAIL: no PNG export"; exit 1; }
grep -q "<svg" "$shots/export.svg" || { echo "FAIL: no SVG export"; exit 1; }
echo "ok: the canvas exports as PNG and SVG"

# Crash with unsaved work: the next start offers it back. (Tab centred the
# view on p above, so p is the node surely in view.)
read -r px py <<< "$(title p)"
drag "$px" "$py" $((px + 80)) "$py"
shot 06b-changed
check 's["modified"] is True' "a change that is not saved"
sleep 6   # autosave runs every 5 s
kill -9 $pid; wait $pid 2>/dev/null || true
"$app" "$pipeline" &
pid=$!
# Wait for the main window and the recovery dialog (slow under sanitizers).
for _ in $(seq 1 100); do
  [ "$(xdotool search --onlyvisible --pid $pid 2>/dev/null | wc -l)" -ge 2 ] && break
  sleep 0.2
done
sleep 0.5
shot 07-recovery-offered
xdotool key Return; sleep 1
shot 08-recovered
check 's["modified"] is True and p["layout"]["nodes"]["p"]["x"] > 0' "unsaved work comes back after a crash"

echo "screenshots in $shots"
