#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# GUI smoke test for sluice-designer.
#
# Usage: gui-smoke.sh PATH/TO/sluice-designer [SCREENSHOT.png]
#
# Starts the app on a virtual X server (xvfb-run) inside a private D-Bus
# session, waits up to 15 s for a window whose name contains "Sluice", takes
# a screenshot of the screen, checks that it is a non-empty PNG, then quits
# the app with Ctrl+Q and checks that it exits cleanly.
#
# Needs xvfb-run and xauth (Debian: xvfb xauth), dbus-run-session (dbus),
# xdotool and import (imagemagick). A missing tool is a failure, not a skip.
# GSETTINGS_SCHEMA_DIR should point at the build dir's compiled schemas.

set -euo pipefail

fail() {
  echo "gui-smoke: FAIL: $*" >&2
  exit 1
}

if [ "${SLUICE_GUI_SMOKE_INNER:-}" != 1 ]; then
  # Outer part: check the arguments and tools, then re-run this script
  # under Xvfb and a private session bus.
  [ $# -ge 1 ] || fail "usage: $0 PATH/TO/sluice-designer [SCREENSHOT.png]"
  app=$1
  shot=${2:-$PWD/gui-smoke-screenshot.png}
  [ -x "$app" ] || fail "'$app' is not an executable file"

  for tool in xvfb-run:xvfb xauth:xauth Xvfb:xvfb dbus-run-session:dbus \
              xdotool:xdotool import:imagemagick; do
    command -v "${tool%%:*}" >/dev/null 2>&1 ||
      fail "required tool '${tool%%:*}' is missing (install the Debian package '${tool#*:}')"
  done

  mkdir -p "$(dirname "$shot")" || fail "cannot create the directory for '$shot'"
  rm -f "$shot"

  # Absolute paths: the inner run does not change directory, but be safe.
  case $app in /*) ;; *) app=$PWD/$app ;; esac
  case $shot in /*) ;; *) shot=$PWD/$shot ;; esac

  export SLUICE_GUI_SMOKE_INNER=1
  status=0
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" \
    dbus-run-session -- bash "$0" "$app" "$shot" || status=$?
  if [ "$status" -ne 0 ]; then
    # The inner run prints its own FAIL message; this covers xvfb-run or
    # dbus-run-session failing before it got to run.
    echo "gui-smoke: FAIL: the test under xvfb-run/dbus-run-session exited with status $status" >&2
    exit 1
  fi
  echo "gui-smoke: PASS (screenshot: $shot)"
  exit 0
fi

# Inner part: runs on the Xvfb display with a private session bus.
app=$1
shot=$2

export GDK_BACKEND=x11
# Keep the test hermetic: no dconf writes, no accessibility bus.
export GSETTINGS_BACKEND=memory
export GTK_A11Y=none
export NO_AT_BRIDGE=1
# A GLib/GTK critical warning is a bug: make it fatal so the test fails.
export G_DEBUG=fatal-criticals

log=$(mktemp "${TMPDIR:-/tmp}/sluice-gui-smoke.XXXXXX")
app_pid=

# shellcheck disable=SC2317  # called through the EXIT trap
cleanup() {
  if [ -n "$app_pid" ] && kill -0 "$app_pid" 2>/dev/null; then
    kill "$app_pid" 2>/dev/null || true
    wait "$app_pid" 2>/dev/null || true
  fi
  rm -f "$log"
}
trap cleanup EXIT

inner_fail() {
  echo "gui-smoke: FAIL: $*" >&2
  if [ -s "$log" ]; then
    echo "gui-smoke: output of $(basename "$app"):" >&2
    sed 's/^/  | /' "$log" >&2
  fi
  exit 1
}

"$app" >"$log" 2>&1 &
app_pid=$!

# Wait (at most 15 s) for the main window to be mapped.
window=
for _ in $(seq 1 30); do
  if ! kill -0 "$app_pid" 2>/dev/null; then
    status=0
    wait "$app_pid" || status=$?
    app_pid=
    inner_fail "$(basename "$app") exited with status $status before showing a window"
  fi
  window=$(xdotool search --onlyvisible --name 'Sluice' 2>/dev/null | head -n 1 || true)
  [ -n "$window" ] && break
  sleep 0.5
done
[ -n "$window" ] || inner_fail "no visible window whose name contains 'Sluice' appeared within 15 s"

name=$(xdotool getwindowname "$window" 2>/dev/null || true)
echo "gui-smoke: found window $window: '$name'"

# Give GTK a moment to draw the first frame before taking the picture.
sleep 1

import -window root "$shot" 2>>"$log" || inner_fail "'import -window root $shot' failed"
[ -s "$shot" ] || inner_fail "screenshot '$shot' is missing or empty"
magic=$(head -c 8 "$shot" | od -An -tx1 | tr -d ' \n')
[ "$magic" = 89504e470d0a1a0a ] || inner_fail "screenshot '$shot' is not a PNG file (magic bytes: $magic)"
echo "gui-smoke: screenshot $shot ($(wc -c <"$shot") bytes)"

# Quit through the app's own Ctrl+Q shortcut and wait (at most 10 s) for it to exit.
xdotool windowfocus --sync "$window" 2>/dev/null || true
xdotool key --clearmodifiers ctrl+q || inner_fail "xdotool could not send ctrl+q"
for _ in $(seq 1 20); do
  kill -0 "$app_pid" 2>/dev/null || break
  sleep 0.5
done
if kill -0 "$app_pid" 2>/dev/null; then
  inner_fail "$(basename "$app") did not quit within 10 s of Ctrl+Q"
fi
status=0
wait "$app_pid" || status=$?
app_pid=
[ "$status" -eq 0 ] || inner_fail "$(basename "$app") exited with status $status after Ctrl+Q"

if [ -s "$log" ]; then
  echo "gui-smoke: output of $(basename "$app"):"
  sed 's/^/  | /' "$log"
fi
exit 0
