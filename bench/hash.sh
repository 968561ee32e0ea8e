#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How fast does libsluice hash a big file, next to `xxhsum -H2` (the same
# XXH3-128)?
#
#   bench/hash.sh [BUILDDIR]        (default: ./build)
#
# Writes a 1 GiB file of random bytes into a temporary folder, reads it once
# so that both tools read it from the page cache, then times
# BUILDDIR/bench/sluice-hash-file and `xxhsum -H2` on it, best of $RUNS
# (default 3) each, and prints MB/s (10^6 bytes) for both and their ratio.
# The aim is a ratio of at least 0.8; missing it is reported, not failed.
# Also checks that both print the same hash.
#
# Environment: RUNS=3, SIZE_MIB=1024, TMPDIR (where the file goes).

set -euo pipefail

build=${1:-build}
runs=${RUNS:-3}
size_mib=${SIZE_MIB:-1024}
helper=$build/bench/sluice-hash-file

if [ ! -x "$helper" ]; then
  echo "hash.sh: $helper is missing; build first: meson setup $build && ninja -C $build" >&2
  exit 2
fi
if ! command -v xxhsum >/dev/null; then
  echo "hash.sh: xxhsum is missing (Debian: apt-get install xxhash)" >&2
  exit 2
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-hash-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
file=$tmp/random.bin

echo "Writing $size_mib MiB of random bytes to $file..."
dd if=/dev/urandom of="$file" bs=1M count="$size_mib" status=none
cat "$file" >/dev/null

# Prints the best wall time of $runs runs of "$@", in seconds.
best_time() {
  local best="" start end
  for _ in $(seq "$runs"); do
    start=$EPOCHREALTIME
    "$@" >/dev/null
    end=$EPOCHREALTIME
    best=$(awk -v s="$start" -v e="$end" -v b="$best" 'BEGIN { t = e - s; if (b == "" || t < b) b = t; print b }')
  done
  echo "$best"
}

ours=$("$helper" "$file" | cut -d' ' -f1)
theirs=$(xxhsum -H2 "$file" | cut -d' ' -f1)
if [ "$ours" != "$theirs" ]; then
  echo "hash.sh: the hashes differ: sluice $ours, xxhsum $theirs" >&2
  exit 1
fi

sluice_s=$(best_time "$helper" "$file")
xxhsum_s=$(best_time xxhsum -H2 "$file")
bytes=$((size_mib * 1024 * 1024))

awk -v bytes="$bytes" -v a="$sluice_s" -v b="$xxhsum_s" -v runs="$runs" -v mib="$size_mib" -v hash="$ours" 'BEGIN {
  sa = bytes / a / 1e6; sb = bytes / b / 1e6; ratio = sa / sb
  printf "%d MiB file, best of %d runs, hash %s\n", mib, runs, hash
  printf "%-18s %8.3f s %9.0f MB/s\n", "sluice-hash-file", a, sa
  printf "%-18s %8.3f s %9.0f MB/s\n", "xxhsum -H2", b, sb
  printf "ratio %.2f (aim >= 0.8): %s\n", ratio, (ratio >= 0.8 ? "met" : "missed")
}'
