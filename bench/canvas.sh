#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How smoothly does the designer's canvas draw big pipelines?
#
#   bench/canvas.sh [SLUICE_DESIGNER]
#
# SLUICE_DESIGNER is the designer binary (default: $SLUICE_DESIGNER, else
# build/src/app/sluice-designer); this script builds nothing. Needs xvfb-run,
# dbus-run-session, xdotool and gdbus (Debian: xvfb dbus xdotool
# libglib2.0-bin). It runs itself under Xvfb (1400x900) and, for pipelines of
# 100, 500 and 2000 steps made by bench/gen-pipeline.py:
#
#   - starts the designer on the file with SLUICE_FRAME_STATS=FILE, which makes
#     the canvas log every frame it is drawn in (src/app/sluice-canvas.c):
#     the time since the previous such frame, the frame clock's paint work
#     (layout, snapshot and render of the window) and the canvas's own
#     snapshot, and the wall-clock time when the first frame with the
#     pipeline on screen was painted;
#   - time to first frame = that moment - the moment the process was started;
#   - scripts three interactions with xdotool, each ~2 s of input at ~60
#     events per second: pan (middle-button drag), zoom (Ctrl+wheel, in and
#     out) and drag (a node moved with the left button);
#   - prints, per interaction, the frames drawn, their paint work p50, p95 and
#     max in ms, the frame rate reached, the frame rate the p95 work allows
#     (1000 / p95), and the same from the main thread's CPU time for the
#     work, which other programs' load does not inflate (with the GL renderer
#     on llvmpipe, its worker threads are not counted: use GSK_RENDERER=cairo
#     for that column to mean something).
#
# The aims: 60 fps while dragging at 500 steps, at least 30 fps at 2000, and
# the first frame of 2000 steps in under 1 s. "fps" is what was reached, which
# the input rate and the 60 Hz frame clock cap; "fps by work" says what the
# drawing itself would allow, and is what the aims are checked against.
#
# There is no reference program: nothing else draws this pipeline format, and
# a canvas in another toolkit would not measure the same work (GTK's layout,
# snapshot and GSK render). The numbers are absolute, on this machine, under
# Xvfb with whatever GSK renderer GTK picks there (GSK_RENDERER=cairo or gl
# may be set to choose); compare runs on the same machine.
#
# Environment: SIZES="100 500 2000", SEED=1, KEEP=1 (keep the temporary
# folder and its frame logs), SLUICE_BUILTIN_COMPONENTS_DIR (default:
# data/components of this source tree).
#
# Exit status: 2 when a tool or the binary is missing, 1 when the designer
# did not show a pipeline; missing an aim is reported, not failed.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
designer=${1:-${SLUICE_DESIGNER:-build/src/app/sluice-designer}}

if [ -z "${SLUICE_BENCH_INNER:-}" ]; then
  for tool in xvfb-run dbus-run-session xdotool gdbus; do
    command -v "$tool" >/dev/null || { echo "canvas.sh: $tool is missing (apt-get install xvfb dbus xdotool libglib2.0-bin)" >&2; exit 2; }
  done
  if [ ! -x "$designer" ]; then
    echo "canvas.sh: $designer is not an executable; build first or give its path" >&2
    exit 2
  fi
  case $designer in
    */*) designer=$(cd "$(dirname "$designer")" && pwd)/$(basename "$designer") ;;
  esac
  export SLUICE_BENCH_INNER=1
  exec xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- bash "$0" "$designer"
fi

if [ -x /usr/bin/python3 ]; then py=/usr/bin/python3; else py=python3; fi
sizes=${SIZES:-100 500 2000}
seed=${SEED:-1}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-canvas-bench.XXXXXX")
pid=
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  if [ -z "${KEEP:-}" ]; then rm -rf "$tmp"; else echo "kept $tmp"; fi
}
trap cleanup EXIT

export SLUICE_BUILTIN_COMPONENTS_DIR=${SLUICE_BUILTIN_COMPONENTS_DIR:-$top/data/components}
export GDK_BACKEND=x11 GSETTINGS_BACKEND=memory SLUICE_TEST_HOOKS=1 NO_AT_BRIDGE=1 XDG_DATA_HOME=$tmp/xdg
[ -n "${GSETTINGS_SCHEMA_DIR:-}" ] || { [ -d "$(dirname "$designer")/../../data" ] && export GSETTINGS_SCHEMA_DIR=$(cd "$(dirname "$designer")/../../data" && pwd); }

now_us () { date +%s%6N; }

# frames LOG FROM TO: statistics of the "frame" lines FROM..TO (line numbers).
frames () {
  "$py" - "$@" <<'EOF'
import sys
log, first, last, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
work, cpu = [], []
with open(log) as f:
    for number, line in enumerate(f, 1):
        parts = line.split()
        if first < number <= last and parts and parts[0] == "frame":
            work.append(int(parts[2]) / 1000)
            cpu.append(int(parts[4]) / 1000)
if not work:
    print("0 0 0 0 0 0 0 0 0")
    sys.exit()
work.sort()
cpu.sort()
def pct(values, p):
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]
print("%d %.2f %.2f %.2f %.1f %.1f %.2f %.2f %.1f" % (
    len(work), pct(work, 50), pct(work, 95), work[-1], len(work) / seconds, 1000 / max(pct(work, 95), 0.01),
    pct(cpu, 50), pct(cpu, 95), 1000 / max(pct(cpu, 95), 0.01)))
EOF
}

# A node near the middle of the canvas area, to drag: "x y" on the screen.
middle_node () {
  "$py" - "$1" "$2" "$3" "$4" "$5" <<'EOF'
import json, sys
state, wx, wy, ww, wh = sys.argv[1], *map(int, sys.argv[2:])
nodes = json.load(open(state))["nodes"]
# The canvas sits between the palette (left) and the inspector (right).
cx, cy = ww * 0.45, wh * 0.45
best = min(nodes.values(), key=lambda n: (n["title"][0] - cx) ** 2 + (n["title"][1] - cy) ** 2)
print(int(best["title"][0]) + wx, int(best["title"][1]) + wy)
EOF
}

rows=()
status=0
for n in $sizes; do
  file=$("$py" "$here/gen-pipeline.py" --seed "$seed" "$n" "$tmp") || { echo "canvas.sh: gen-pipeline.py failed" >&2; exit 2; }
  log=$tmp/frames-$n.log
  started=$(now_us)
  SLUICE_FRAME_STATS=$log "$designer" "$file" >"$tmp/designer-$n.out" 2>&1 &
  pid=$!

  for _ in $(seq 1 600); do
    grep -q '^first-frame' "$log" 2>/dev/null && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.05
  done
  if ! grep -q '^first-frame' "$log" 2>/dev/null; then
    echo "FAIL: the designer showed no pipeline of $n steps within 30 s" >&2
    tail -n 5 "$tmp/designer-$n.out" >&2
    status=1
    kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
    continue
  fi
  first_ms=$(awk -v s="$started" '/^first-frame/ { printf "%.0f", ($2 - s) / 1000; exit }' "$log")

  wid=$(xdotool search --onlyvisible --pid $pid 2>/dev/null | head -n 1)
  sleep 1
  eval "$(xdotool getwindowgeometry --shell "$wid")"   # X Y WIDTH HEIGHT
  state=$tmp/state-$n.json
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate dump-state "[<'$state'>]" "{}" >/dev/null
  for _ in $(seq 1 100); do [ -s "$state" ] && break; sleep 0.1; done
  read -r nx ny <<< "$(middle_node "$state" "$X" "$Y" "$WIDTH" "$HEIGHT")"
  mx=$((X + WIDTH * 45 / 100)); my=$((Y + HEIGHT * 45 / 100))

  for phase in pan zoom drag; do
    from=$(wc -l < "$log")
    t0=$(now_us)
    case $phase in
      pan)
        xdotool mousemove $mx $my mousedown 2
        for i in $(seq 1 120); do
          xdotool mousemove $((mx + (i % 60 < 30 ? i % 30 : 30 - i % 30) * 8)) $((my + (i % 60 < 30 ? i % 30 : 30 - i % 30) * 4))
          sleep 0.008
        done
        xdotool mouseup 2 ;;
      zoom)
        xdotool mousemove $mx $my keydown ctrl
        for i in $(seq 1 120); do
          if [ $((i / 20 % 2)) -eq 0 ]; then xdotool click 5; else xdotool click 4; fi
          sleep 0.008
        done
        xdotool keyup ctrl ;;
      drag)
        xdotool mousemove "$nx" "$ny"; sleep 0.2; xdotool mousedown 1
        for i in $(seq 1 120); do
          xdotool mousemove $((nx + (i % 60 < 30 ? i % 30 : 30 - i % 30) * 6)) $((ny + (i % 60 < 30 ? i % 30 : 30 - i % 30) * 3))
          sleep 0.008
        done
        xdotool mouseup 1 ;;
    esac
    sleep 0.3
    t1=$(now_us)
    to=$(wc -l < "$log")
    read -r count p50 p95 max fps work_fps cpu50 cpu95 cpu_fps <<< "$(frames "$log" "$from" "$to" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print (b - a) / 1e6 }')")"
    rows+=("$(printf '%6s  %-5s  %6s  %7s  %7s  %7s  %6s  %8s  %7s  %7s  %7s  %8s' "$n" "$phase" "$count" "$p50" "$p95" "$max" "$fps" "$work_fps" "$cpu50" "$cpu95" "$cpu_fps" "$first_ms")")
    eval "fps_${phase}_$n=\$work_fps"
    eval "cpu_fps_${phase}_$n=\$cpu_fps"
  done
  eval "first_$n=\$first_ms"

  kill $pid 2>/dev/null; wait $pid 2>/dev/null; pid=
done

echo "designer: $designer (GSK_RENDERER=${GSK_RENDERER:-unset, GTK picks}), Xvfb 1400x900"
printf '%6s  %-5s  %6s  %7s  %7s  %7s  %6s  %8s  %7s  %7s  %7s  %8s\n' steps input frames "p50 ms" "p95 ms" "max ms" fps "fps work" "cpu p50" "cpu p95" "fps cpu" "first ms"
for row in "${rows[@]}"; do printf '%s\n' "$row"; done
echo

verdict () {   # verdict TEXT CONDITION
  if "$py" -c "import sys; sys.exit(0 if $2 else 1)"; then echo "aim: $1: met"; else echo "aim: $1: NOT met"; fi
}
[ -n "${fps_drag_500:-}" ] && verdict "60 fps dragging at 500 steps (fps by work ${fps_drag_500}, by CPU ${cpu_fps_drag_500})" "${fps_drag_500} >= 60"
[ -n "${fps_drag_2000:-}" ] && verdict "30 fps dragging at 2000 steps (fps by work ${fps_drag_2000}, by CPU ${cpu_fps_drag_2000})" "${fps_drag_2000} >= 30"
[ -n "${first_2000:-}" ] && verdict "first frame of 2000 steps under 1 s (${first_2000} ms)" "${first_2000} < 1000"
exit $status
