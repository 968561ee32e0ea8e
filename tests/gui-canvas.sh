#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Drives the designer as a person would, under Xvfb with xdotool: connect two
# nodes by dragging, try an incompatible link (refused), move a node, undo,
# select and delete a link and undo, frame two nodes (Ctrl+G) and drag the
# frame, add a note from the context menu and edit and resize it, drag a
# component from the palette onto the canvas, save, and checks the saved
# file; then crash recovery, the recent files list, and the same view in the
# light and dark styles. Each state is also a screenshot in SHOT_DIR. The app
# tells where its nodes, ports, notes, frames and palette rows are through
# the dump-state action (enabled by SLUICE_TEST_HOOKS), over D-Bus.
#
# usage: gui-canvas.sh SLUICE_DESIGNER SHOT_DIR ENGINE_COMPONENTS_DIR

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/gui-lib.sh"
gui_session -- "$@"

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

gui_env "$work"
"$app" "$pipeline" &
pid=$!

wid=$(gui_wait_window canvas.sluice.json "$pid")
sleep 1.5

state=$work/state.json

eval "$(xdotool getwindowgeometry --shell "$wid")"   # X, Y of the window
point () {   # point NODE inputs|outputs PORT -> "x y" on the screen
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
x, y = s["nodes"][sys.argv[2]][sys.argv[3]][sys.argv[4]]
print(int(x) + int(sys.argv[5]), int(y) + int(sys.argv[6]))' "$state" "$1" "$2" "$3" "$X" "$Y"
}
grab () {   # grab NOTE-OR-FRAME grab|corner -> "x y" on the screen
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
x, y = s["annotations"][sys.argv[2]][sys.argv[3]]
print(int(x) + int(sys.argv[4]), int(y) + int(sys.argv[5]))' "$state" "$1" "$2" "$X" "$Y"
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

# Click the link p.out -> c.a half-way, delete it, undo: the link and its
# selection come back.
read -r lx ly <<< "$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
(x1, y1), (x2, y2) = s["nodes"]["p"]["outputs"]["out"], s["nodes"]["c"]["inputs"]["a"]
print(int((x1 + x2) / 2) + int(sys.argv[2]), int((y1 + y2) / 2) + int(sys.argv[3]))' "$state" "$X" "$Y")"
xdotool mousemove "$lx" "$ly" click 1; sleep 0.3
check 's["link"] == ["c", "a"] and s["selection"] == []' "a click on a link selects it"
xdotool key Delete; sleep 0.3
check '"a" not in p["jobs"]["c"].get("inputs", {}) and s["link"] is None' "Delete removes the selected link"
xdotool key --window "$wid" ctrl+z; sleep 0.3
check '"a" in p["jobs"]["c"]["inputs"] and s["link"] == ["c", "a"]' "undo brings the link back, selected"

# Frame p and d: click one, Shift+click the other, Ctrl+G, type a title.
read -r px py <<< "$(title p)"
xdotool mousemove "$px" "$py" click 1; sleep 0.2
read -r dx dy <<< "$(title d)"
xdotool keydown shift mousemove "$dx" "$dy" click 1 keyup shift; sleep 0.2
check 's["selection"] == ["p", "d"]' "Shift+click adds to the selection"
xdotool key --window "$wid" ctrl+g; sleep 0.5
xdotool type --delay 30 "Inputs"; xdotool key Return; sleep 0.5
shot 05d-framed
check 'p["layout"]["frames"]["frame-1"]["title"] == "Inputs" and s["selection"] == ["frame-1"]' "Ctrl+G frames the selection and its title is typed in place"

# Dragging the frame by its title bar takes p and d along, not c.
before=$(/usr/bin/python3 -c 'import json,sys; print(json.dumps(json.loads(json.load(open(sys.argv[1]))["pipeline"])["layout"]))' "$state")
read -r fx fy <<< "$(grab frame-1 grab)"
drag "$fx" "$fy" $((fx + 96)) $((fy + 48))
shot 05e-frame-moved
check '(lambda b, l: all(abs((l["nodes"][n]["x"] - b["nodes"][n]["x"]) - (l["frames"]["frame-1"]["x"] - b["frames"]["frame-1"]["x"])) <= 24 for n in "pd") and l["frames"]["frame-1"]["x"] > b["frames"]["frame-1"]["x"] and l["nodes"]["c"] == b["nodes"]["c"])('"$before"', p["layout"])' "a frame drags the nodes inside it along"

# A note from the context menu: right-click empty canvas, Add Note, type.
read -r fx fy <<< "$(grab frame-1 grab)"
xdotool mousemove $((fx - 350)) $((fy - 150)) click 3; sleep 0.5
shot 05f-context-menu
xdotool key n; sleep 0.5   # the mnemonic of "Add _Note"
xdotool type --delay 20 "Scale features first"; sleep 0.2
shot 05g-note-editing
xdotool key Escape; sleep 0.5
check 'p["layout"]["notes"]["note-1"]["text"] == "Scale features first"' "Add Note in the context menu makes a note, written in place"

# Double-click the note to edit it; drag its corner to resize it.
read -r nx ny <<< "$(grab note-1 grab)"
xdotool mousemove "$nx" "$ny" click --repeat 2 --delay 80 1; sleep 0.5
xdotool key ctrl+a; xdotool type --delay 20 "Scale, then train"; xdotool key Escape; sleep 0.5
check 'p["layout"]["notes"]["note-1"]["text"] == "Scale, then train"' "double-click edits a note"
width=$(/usr/bin/python3 -c 'import json,sys; print(json.loads(json.load(open(sys.argv[1]))["pipeline"])["layout"]["notes"]["note-1"]["width"])' "$state")
read -r kx ky <<< "$(grab note-1 corner)"
drag "$kx" "$ky" $((kx + 80)) $((ky + 40))
shot 05h-note-resized
check 'p["layout"]["notes"]["note-1"]["width"] > '"$width" "dragging a note's corner resizes it"
xdotool key --window "$wid" ctrl+z; sleep 0.3
check 'p["layout"]["notes"]["note-1"]["width"] == '"$width" "resizing is undoable"

# Drag a component from the palette onto the canvas, in small steps as a
# hand would (GTK's drag and drop needs the motion to see the drop target).
xdotool key --window "$wid" ctrl+f; sleep 0.3
xdotool key ctrl+a; xdotool type --delay 30 "sample dataset"; sleep 0.5
dump
read -r rx ry tx ty <<< "$(/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
rows = [v for k, v in s["palette"].items() if k.startswith("builtin:sample_dataset")]
fx, fy = s["annotations"]["frame-1"]["grab"]
# rows: window coordinates; the drop: left of the frame, below the note.
print(int(rows[0][0]) + int(sys.argv[2]), int(rows[0][1]) + int(sys.argv[3]), int(fx) - 240 + int(sys.argv[2]), int(fy) + 260 + int(sys.argv[3]))' "$state" "$X" "$Y")"
xdotool mousemove "$rx" "$ry"; sleep 0.2
xdotool mousedown 1; sleep 0.2
for i in $(seq 1 25); do
  xdotool mousemove $(( rx + (tx - rx) * i / 25 )) $(( ry + (ty - ry) * i / 25 )); sleep 0.05
done
sleep 0.3; xdotool mouseup 1; sleep 0.5
shot 05i-dropped-from-palette
check '"sample_dataset" in s["nodes"] and abs(s["nodes"]["sample_dataset"]["title"][0] + '"$X"' - '"$tx"') < 12 and abs(s["nodes"]["sample_dataset"]["title"][1] + '"$Y"' - '"$ty"') < 24' "a component dragged from the palette lands where it is dropped"
# Focus is still in the palette's search entry, whose Ctrl+Z is its own:
# click empty canvas above the new node first.
xdotool mousemove "$tx" $((ty - 60)) click 1; sleep 0.3
xdotool key --window "$wid" ctrl+z; sleep 0.3
check '"sample_dataset" not in p["jobs"]' "the drop is undoable"

# Save, then read the file itself.
xdotool key --window "$wid" ctrl+s; sleep 0.5
shot 06-saved
check 's["modified"] is False' "saving clears the modified mark"
/usr/bin/python3 - "$pipeline" <<'PY'
import json, sys
p = json.load(open(sys.argv[1]))
assert p["jobs"]["c"]["inputs"] == {"a": "${{parent.jobs.p.outputs.out}}"}, p["jobs"]["c"]
assert p["layout"]["nodes"]["c"] == {"x": 340, "y": 40}, p["layout"]
assert p["layout"]["frames"]["frame-1"]["title"] == "Inputs", p["layout"]
assert p["layout"]["notes"]["note-1"]["text"] == "Scale, then train", p["layout"]
print("ok: the saved file holds the link, the layout, the frame and the note")
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

# A change undone before the next start leaves no autosave behind (it
# would offer to bring the undone change back).
autosaves=$XDG_DATA_HOME/sluice/autosave
read -r px py <<< "$(title p)"
drag "$px" "$py" $((px + 60)) "$py"
sleep 6   # autosave runs every 5 s
[ -n "$(ls -A "$autosaves" 2>/dev/null)" ] || { echo "FAIL: unsaved work was not autosaved"; exit 1; }
xdotool key ctrl+z; sleep 0.5
check 's["modified"] is False' "the change undone"
sleep 6
[ -z "$(ls -A "$autosaves" 2>/dev/null)" ] || { echo "FAIL: the autosave of an undone change stays: $(ls "$autosaves")"; exit 1; }
echo "ok: an undone change leaves no autosave"

# Crash with unsaved work: the next start offers it back. (Tab centred the
# view on p above, so p is the node surely in view.)
saved_px=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layout"]["nodes"]["p"]["x"])' "$pipeline")
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
check 's["modified"] is True and p["layout"]["nodes"]["p"]["x"] > '"$saved_px" "unsaved work comes back after a crash"

# Recent files: what was opened comes first in the open button's menu and
# in GNOME's recent list; files that are gone leave the menu.
check 's["recent"] == ["'"$pipeline"'"]' "an opened file is in the recent list"
second=$work/second.sluice.json
cp "$pipeline" "$second"
"$app" "$second" &   # the running instance opens it in a new window
for _ in $(seq 1 100); do
  xdotool search --onlyvisible --name "second.sluice.json" >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 1
check 's["recent"] == ["'"$second"'", "'"$pipeline"'"]' "the most recent file comes first"
grep -q "file://$second" "$XDG_DATA_HOME/recently-used.xbel" || { echo "FAIL: GtkRecentManager was not told"; exit 1; }
echo "ok: GNOME's recent list has the file too"
rm "$second"
check 's["recent"] == ["'"$pipeline"'"]' "a deleted file leaves the recent list"
kill -9 $pid; wait $pid 2>/dev/null || true

# The same view in light and dark: the canvas follows the style (the
# background is sampled from the screenshot), with the note selected.
for scheme in light dark; do
  XDG_DATA_HOME=$work/xdg-$scheme ADW_DEBUG_COLOR_SCHEME=prefer-$scheme "$app" "$pipeline" &
  pid=$!
  for _ in $(seq 1 100); do
    wid=$(xdotool search --onlyvisible --pid $pid 2>/dev/null | head -n 1 || true)
    [ -n "$wid" ] && break
    sleep 0.1
  done
  sleep 1.5
  eval "$(xdotool getwindowgeometry --shell "$wid")"
  dump
  read -r nx ny <<< "$(grab note-1 grab)"
  xdotool mousemove "$nx" "$ny" click 1; sleep 0.5
  read -r fx fy <<< "$(grab frame-1 grab)"
  shot "10-theme-$scheme"
  /usr/bin/python3 - "$shots/10-theme-$scheme.png" "$scheme" "$fx" $((fy - 60)) <<'PY'
import subprocess, sys
path, scheme, x, y = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
# One pixel of empty canvas above the frame, as "R,G,B" from ImageMagick.
out = subprocess.run(["/usr/bin/convert", path, "-crop", "1x1+%d+%d" % (x, y), "-depth", "8", "-format", "%[fx:int(255*r)],%[fx:int(255*g)],%[fx:int(255*b)]", "info:"],
                     capture_output=True, text=True, check=True).stdout
r, g, b = map(int, out.split(","))
light = (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
ok = light > 0.8 if scheme == "light" else light < 0.25
print(("ok:" if ok else "FAIL:"), "the canvas background is %s in the %s style (%d,%d,%d)" % ("light" if light > 0.5 else "dark", scheme, r, g, b))
sys.exit(0 if ok else 1)
PY
  kill -9 $pid; wait $pid 2>/dev/null || true
done

echo "screenshots in $shots"
