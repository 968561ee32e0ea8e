#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Test steps for the engine. usage: step.sh ACTION ARGS...
set -eu
action=$1; shift
case "$action" in
  produce)   # TEXT OUT
    printf '%s\n' "$1" > "$2"
    echo "produced $1"
    ;;
  concat)    # OUT IN...
    out=$1; shift
    cat "$@" > "$out"
    ;;
  args)      # OUT ARG... : one argument per line, exactly as received
    out=$1; shift
    : > "$out"
    for a in "$@"; do printf '%s\n' "$a" >> "$out"; done
    ;;
  fail)      # CODE
    echo "failing with $1" >&2
    exit "$1"
    ;;
  flaky)     # MARKER_DIR SUCCEED_ON OUT : fails until the SUCCEED_ON-th attempt
    n=$(ls "$1" | wc -l)
    touch "$1/attempt-$n"
    if [ $((n + 1)) -lt "$2" ]; then echo "attempt $((n + 1)) fails" >&2; exit 3; fi
    echo ok > "$3"
    ;;
  sleep)     # SECONDS OUT [PIDFILE]
    if [ $# -ge 3 ]; then echo $$ > "$3"; fi
    sleep "$1"
    echo slept > "$2"
    ;;
  chatty)    # LINES OUT : a log line per millisecond, LINES of them
    /usr/bin/python3 -c 'import sys, time
for i in range(int(sys.argv[1])):
    print("line", i, flush=True)
    time.sleep(0.001)' "$1"
    echo done > "$2"
    ;;
  metrics)   # OUT
    echo "accuracy 0.75" >> "$SLUICE_METRICS"
    echo "loss 0.5 1" >> "$SLUICE_METRICS"
    echo "loss 0.25 2" >> "$SLUICE_METRICS"
    echo "not a metric line at all" >> "$SLUICE_METRICS"
    echo done > "$1"
    ;;
  folder)    # OUTDIR
    mkdir -p "$1/sub"
    echo a > "$1/a.txt"
    echo b > "$1/sub/b.txt"
    ;;
  env)       # OUT : what the clean environment holds
    printf '%s\n%s\n%s\n' "$GREETING" "$SLUICE_STEP_ID" "${SLUICE_TEST_LEAK:-unset}" > "$1"
    ;;
  *)
    echo "unknown action $action" >&2
    exit 64
    ;;
esac
