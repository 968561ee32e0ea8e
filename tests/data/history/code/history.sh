#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Steps for the run history tests. usage: history.sh ACTION ARGS...
set -eu
action=$1; shift
case "$action" in
  prepare)   # IN OUT : copies its input, upper-cased
    tr 'a-z' 'A-Z' < "$1" > "$2"
    ;;
  train)     # DATA LEARNING_RATE EPOCHS OUT : loss falls with the learning rate
    awk -v lr="$2" -v epochs="$3" 'BEGIN {
      loss = 1
      for (i = 1; i <= epochs; i++) { loss = loss * (1 - lr * 2); printf "loss %.6f %d\n", loss, i }
      printf "accuracy %.6f\n", 1 - loss
    }' >> "$SLUICE_METRICS"
    { cat "$1"; echo "lr=$2 epochs=$3"; } > "$4"
    ;;
  *)
    echo "unknown action $action" >&2
    exit 64
    ;;
esac
