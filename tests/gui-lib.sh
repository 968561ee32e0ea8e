# SPDX-License-Identifier: GPL-3.0-or-later
#
# Sourced by the GUI tests (tests/gui-*.sh): the Xvfb + private D-Bus
# session they run in, the environment the designer gets there, and the
# test hooks it answers on the bus (SLUICE_TEST_HOOKS). A script sets
# `state` (the dump file) before it calls dump.

# gui_session [TOOL…] -- "$@": runs the calling script again inside
# xvfb-run and dbus-run-session, once every tool it needs is installed;
# inside that session, returns.
gui_session () {
  local tools=(xvfb-run dbus-run-session xdotool import gdbus) tool
  while [ $# -gt 0 ] && [ "$1" != "--" ]; do tools+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  [ -n "${SLUICE_GUI_INNER:-}" ] && return 0
  for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null ||
      { echo "FAIL: $tool is missing (install xvfb, dbus, xdotool, imagemagick, libglib2.0-bin)"; exit 1; }
  done
  export SLUICE_GUI_INNER=1
  exec xvfb-run -a -s "-screen 0 1400x900x24" dbus-run-session -- bash "$0" "$@"
}

# gui_env WORK: X11 (xdotool drives it), settings in memory, the test
# hooks on, and every XDG folder inside WORK so nothing of the person
# running the tests is read or written.
gui_env () {
  export GDK_BACKEND=x11 GSETTINGS_BACKEND=memory SLUICE_TEST_HOOKS=1 NO_AT_BRIDGE=1
  export XDG_DATA_HOME=$1/xdg-data XDG_STATE_HOME=$1/xdg-state XDG_CONFIG_HOME=$1/xdg-config
  export XDG_CACHE_HOME=$1/xdg-cache
}

# gui_wait_window NAME PID: prints the id of the first visible window whose
# title has NAME. The first GTK start on a fresh machine builds font
# caches: a minute is allowed.
gui_wait_window () {
  local w
  for _ in $(seq 1 600); do
    w=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -n 1 || true)
    [ -n "$w" ] && { echo "$w"; return 0; }
    kill -0 "$2" 2>/dev/null || { echo "FAIL: the app exited before showing a window named '$1'" >&2; exit 1; }
    sleep 0.1
  done
  echo "FAIL: no window named '$1' within 60 s" >&2
  exit 1
}

# dump: the active window's state (dump-state hook) into $state.
dump () {
  rm -f "$state"
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate dump-state "[<'$state'>]" "{}" >/dev/null
  for _ in $(seq 1 50); do [ -s "$state" ] && return 0; sleep 0.1; done
  echo "FAIL: no state dump"; exit 1
}

# window_action NAME: a window action (win.run…), as its button would.
window_action () {
  gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
    --method org.gtk.Actions.Activate window-action "[<'$1'>]" "{}" >/dev/null
  sleep 0.3
}
