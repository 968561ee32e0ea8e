#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Running on a server from the designer, under Xvfb: a real sluice-server
# on a free port, a runner token, the server added in Preferences (its
# token goes to a private gnome-keyring when one is installed; the
# connection test passes, a wrong token's fails, a server is removed);
# the window's "Run on" menu picks the server, Ctrl+R uploads the
# pipeline and starts it there, and the canvas follows the server's event
# stream until every step has succeeded. Then the server is stopped for a
# while (SIGSTOP) and restarted (SIGCONT) under a second run: the
# connection banner shows and goes away. Screenshots go to SHOT_DIR.
#
# usage: gui-remote.sh SLUICE_DESIGNER SHOT_DIR ENGINE_COMPONENTS_DIR SLUICE_SERVER   (SLUICE_CLI set)

set -euo pipefail

source "$(dirname "${BASH_SOURCE[0]}")/gui-lib.sh"
if [ -z "${SLUICE_GUI_INNER:-}" ]; then
  [ -x "${SLUICE_CLI:-}" ] || { echo "FAIL: SLUICE_CLI must name the built sluice binary"; exit 1; }
  [ -x "${4:-}" ] || { echo "FAIL: the fourth argument must name the built sluice-server"; exit 1; }
fi
gui_session -- "$@"

app=$1
shots=$2
engine=$3
server=$4
mkdir -p "$shots"
work=$(mktemp -d)
pid=
server_pid=
trap 'if [ -n "$pid" ]; then kill $pid 2>/dev/null || true; fi
      if [ -n "$server_pid" ]; then kill -CONT $server_pid 2>/dev/null || true; kill $server_pid 2>/dev/null || true; fi
      rm -rf "$work"' EXIT

gui_env "$work"
export SLUICE_STORE=$work/store

# The server.
mkdir -p "$work/server"
"$server" --listen 127.0.0.1:0 --data "$work/server" > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$work/server.out" | head -n 1)
  [ -n "$url" ] && break
  kill -0 $server_pid 2>/dev/null || { echo "FAIL: sluice-server exited:"; cat "$work/server.err"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "FAIL: sluice-server did not say where it listens"; exit 1; }
"$server" token create --data "$work/server" --name gui --role runner > "$work/token"
echo "server at $url"

# A keyring of this session's own, unlocked, as on a desktop.
keyring=false
if command -v gnome-keyring-daemon >/dev/null; then
  printf 'sluice-test' | gnome-keyring-daemon --foreground --unlock --components=secrets > "$work/keyring.log" 2>&1 &
  timeout 20 gdbus wait --session org.freedesktop.secrets && keyring=true
fi
echo "keyring: $keyring"

# The pipeline, with its components and their code beside it: an upload
# carries only what lies in the pipeline's folder.
mkdir -p "$work/flow"
cp "$engine"/produce.component.json "$engine"/concat.component.json "$engine"/sleeper.component.json "$work/flow/"
cp -r "$engine/code" "$work/flow/code"
cat > "$work/flow/remote.sluice.json" <<EOF
{
  "sluice": 1,
  "name": "remote_ok",
  "jobs": {
    "hello": {"component": "file:produce.component.json", "inputs": {"text": "from the app"}},
    "slow": {"component": "file:sleeper.component.json", "inputs": {"seconds": 2}},
    "join": {"component": "file:concat.component.json",
             "inputs": {"a": "\${{parent.jobs.hello.outputs.out}}", "b": "\${{parent.jobs.slow.outputs.out}}"}}
  },
  "layout": {"nodes": {"hello": {"x": 0, "y": 0}, "slow": {"x": 0, "y": 150}, "join": {"x": 330, "y": 60}}}
}
EOF
cat > "$work/flow/long.sluice.json" <<EOF
{
  "sluice": 1,
  "name": "remote_long",
  "jobs": {
    "nap": {"component": "file:sleeper.component.json", "inputs": {"seconds": 8}},
    "after": {"component": "file:concat.component.json", "inputs": {"a": "\${{parent.jobs.nap.outputs.out}}"}}
  },
  "layout": {"nodes": {"nap": {"x": 0, "y": 0}, "after": {"x": 330, "y": 0}}}
}
EOF

state=$work/state.json
wid=

key () { xdotool key --window "$wid" "$@"; sleep 0.3; }

start_app () {
  local file=$1
  "$app" "$file" &
  pid=$!
  wid=$(gui_wait_window "$(basename "$file")" "$pid")
  sleep 1.5
}

stop_app () {
  key ctrl+q || true
  for _ in $(seq 1 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  pid=
}


# The window's own actions are on the bus under window/ID (GtkApplicationWindow).
run_on () {
  local path
  path=$(gdbus introspect --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice/window \
           | sed -n 's/^ *node \([0-9]*\) .*/\1/p' | head -n 1)
  [ -n "$path" ] || { echo "FAIL: the window's actions are not on the bus"; exit 1; }
  gdbus call --session --dest io.github.sluice.Sluice --object-path "/io/github/sluice/Sluice/window/$path" \
    --method org.gtk.Actions.SetState run-target "<'$1'>" "{}" >/dev/null
  sleep 0.3
}

# EXPRESSION sees the dump as s; for the designer window r (its run) and
# st (step -> state), for the Preferences window servers (name -> row).
holds () {
  dump
  /usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
r = s.get("run") or {}
st = {k: v["state"] for k, v in r.get("steps", {}).items()}
servers = {x["name"]: x for x in s.get("servers", [])}
sys.exit(0 if eval(sys.argv[2]) else 1)' "$state" "$1"
}

shot () { sleep 0.5; import -window root "$shots/$1.png"; echo "screenshot $shots/$1.png"; }

wait_for () {   # wait_for SECONDS WHAT EXPRESSION
  local seconds=$1 what=$2 expr=$3
  for _ in $(seq 1 $((seconds * 5))); do
    if holds "$expr"; then return 0; fi
    sleep 0.2
  done
  echo "FAIL: $what within $seconds s"; cat "$state"; shot failed; tail -n 20 "$work/server.err"; exit 1
}

type_text () { xdotool type --delay 15 "$1"; sleep 0.2; }

# 0. The servers, added in Preferences: Name, Address, Token, Enter. Adding
# tests the connection at once.
start_app "$work/flow/remote.sluice.json"
key ctrl+comma
gui_wait_window Preferences "$pid" >/dev/null
wait_for 20 "the Preferences window to take the keyboard" '"servers" in s'
type_text lab
wait_for 10 "the name typed into Preferences" 's.get("name_entry") == "lab"'
xdotool key Tab; type_text "$url"
wait_for 10 "the address typed into Preferences" 's.get("url_entry") == "'"$url"'"'
xdotool key Tab; type_text "$(cat "$work/token")"
xdotool key Return
wait_for 20 "the server 'lab' listed and connected" \
  '"lab" in servers and servers["lab"]["status"].startswith("Connected")'
holds '"servers" in s and servers["lab"]["token_in_keyring"] == '"$([ $keyring = true ] && echo True || echo False)" ||
  { echo "FAIL: the token is not where it should be (keyring: $keyring)"; cat "$state"; exit 1; }
"$SLUICE_CLI" remote list > "$work/remotes"
grep -q "^lab  *$url" "$work/remotes" || { echo "FAIL: the CLI does not see the server"; cat "$work/remotes"; exit 1; }
if $keyring; then
  grep -q "token in keyring" "$work/remotes" || { echo "FAIL: the token is not in the keyring"; cat "$work/remotes"; exit 1; }
  [ ! -e "$XDG_CONFIG_HOME/sluice/tokens/lab" ] || { echo "FAIL: the token was also written to a file"; exit 1; }
fi
# A wrong token is said to be wrong.
type_text bad
wait_for 10 "the second name typed into Preferences" 's.get("name_entry") == "bad"'
xdotool key Tab; type_text "$url"; xdotool key Tab; type_text "not-a-token"
xdotool key Return
wait_for 20 "the wrong token refused" \
  '"bad" in servers and servers["bad"]["status"].startswith("Not connected") and "token" in servers["bad"]["status"].lower()'
shot preferences-servers
# Removing: reopened (through D-Bus: without a window manager the closed
# window does not hand the keyboard back), the first control is the first
# server's row ("bad" sorts first), then its Test button, then Remove.
xdotool key Escape
sleep 0.5
gdbus call --session --dest io.github.sluice.Sluice --object-path /io/github/sluice/Sluice \
  --method org.gtk.Actions.Activate preferences "[]" "{}" >/dev/null
sleep 1
xdotool key Tab; sleep 0.3; xdotool key Tab; sleep 0.3; xdotool key Return
wait_for 20 "the server 'bad' removed" '"bad" not in servers and "lab" in servers'
"$SLUICE_CLI" remote list > "$work/remotes"
if grep -q "^bad" "$work/remotes"; then echo "FAIL: the CLI still lists 'bad'"; cat "$work/remotes"; exit 1; fi
xdotool key Escape
sleep 0.5
stop_app
echo "ok: servers added, tested and removed in Preferences"

# 1. A whole run on the server, followed live.
start_app "$work/flow/remote.sluice.json"
run_on lab
shot run-on-selected
key ctrl+r
# No pipeline input lacks a value, yet the inputs dialog may still show: accept it.
sleep 1
if ! holds 'r.get("target") == "lab"'; then key Return; fi
wait_for 30 "a run on the server" 'r.get("target") == "lab"'
wait_for 60 "every step succeeded on the server" \
  'r.get("state") == "succeeded" and st == {"hello": "succeeded", "slow": "succeeded", "join": "succeeded"}'
# The run is the server's: it is in the server's list, not in the local history.
"$SLUICE_CLI" runs list --remote lab > "$work/remote-runs"
grep -q remote_ok "$work/remote-runs" || { echo "FAIL: the server does not list the run"; cat "$work/remote-runs"; exit 1; }
shot remote-succeeded
# A step of the run on the server, clicked: its details come from the
# server's event stream (state, log, outputs).
eval "$(xdotool getwindowgeometry --shell "$wid")"   # X, Y of the window
read -r hx hy <<< "$(/usr/bin/python3 -c '
import json, sys
p = json.load(open(sys.argv[1]))["nodes"]["hello"]["title"]
print(int(p[0]), int(p[1]))' "$state")"
xdotool mousemove $((X + hx)) $((Y + hy)) click 1
sleep 0.5
wait_for 20 "the details of a step that ran on the server" \
  '(s["details"]["remote"] == "lab" and s["details"]["step"] == "hello" and s["details"]["state"] == "succeeded"
    and s["details"]["log_lines"] >= 1 and s["details"]["outputs"] != [])'
shot remote-step-details
stop_app

# 2. The server goes away under a run, then comes back.
start_app "$work/flow/long.sluice.json"
run_on lab
key ctrl+r
sleep 1
if ! holds 'r.get("target") == "lab"'; then key Return; fi
wait_for 30 "the long run to start on the server" 'r.get("target") == "lab" and r.get("watching")'
kill -STOP $server_pid
if wait_for 40 "the connection banner" 'r.get("disconnected") == True'; then
  shot connection-lost
fi
kill -CONT $server_pid
wait_for 60 "the stream to come back" 'r.get("disconnected") == False'
wait_for 60 "the long run to succeed" 'r.get("state") == "succeeded" and st.get("after") == "succeeded"'
shot reconnected
stop_app
echo "PASS"
