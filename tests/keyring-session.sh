#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs a command with a Secret Service of its own: a private D-Bus session
# bus and gnome-keyring-daemon with a fresh "login" keyring, unlocked with a
# throw-away password, in a temporary home. Exits 77 (skipped) when
# gnome-keyring is not installed.
#
# usage: keyring-session.sh COMMAND [ARG…]

set -euo pipefail

if [ -z "${SLUICE_KEYRING_INNER:-}" ]; then
  for tool in dbus-run-session gnome-keyring-daemon gdbus; do
    command -v "$tool" >/dev/null || { echo "1..0 # SKIP $tool is not installed (apt-get install gnome-keyring dbus libglib2.0-bin)"; exit 77; }
  done
  export SLUICE_KEYRING_INNER=1
  exec dbus-run-session -- bash "$0" "$@"
fi

home=$(mktemp -d)
daemon=
trap 'if [ -n "$daemon" ]; then kill $daemon 2>/dev/null || true; fi; rm -rf "$home"' EXIT
export HOME=$home XDG_DATA_HOME=$home/data XDG_CONFIG_HOME=$home/config XDG_RUNTIME_DIR=$home/run
mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"

# The password on stdin creates and unlocks the login keyring, which
# becomes the default collection: no prompt is ever shown.
printf 'sluice-test' | gnome-keyring-daemon --foreground --unlock --components=secrets >"$home/daemon.log" 2>&1 &
daemon=$!
if ! timeout 20 gdbus wait --session org.freedesktop.secrets; then
  echo "Bail out! gnome-keyring-daemon did not come up:"
  sed 's/^/# /' "$home/daemon.log"
  exit 1
fi
"$@"
