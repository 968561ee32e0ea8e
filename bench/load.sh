#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How fast does `sluice validate` load and check a big pipeline?
#
#   bench/load.sh [SLUICE]
#
# SLUICE is the sluice binary (default: $SLUICE, else build/src/cli/sluice);
# this script builds nothing. It generates layered pipelines of 100, 1000 and
# 10000 steps with bench/gen-pipeline.py in a temporary folder and, for each:
#
#   - times `sluice validate FILE` (best of $RUNS runs, default 5) and
#     measures its peak RSS (/usr/bin/time -f %M if present, otherwise
#     getrusage(RUSAGE_CHILDREN) of a process that runs only it);
#   - times a reference on the same file in the same run: a plain JSON parse,
#     /usr/bin/python3 -c 'import json,sys; json.load(open(sys.argv[1]))' FILE,
#     (the reference includes Python's start-up, about 15-30 ms);
#   - prints steps, file size, sluice time and peak RSS, reference time, the
#     ratio sluice/reference, and whether the aim (10 000 steps validated in
#     under 0.3 s and 100 MB) is met.
#
# Exit status: non-zero only if `sluice validate` fails on a generated
# pipeline (they are all valid). Missing the aim is reported, not failed.
#
# Environment: SIZES="100 1000 10000", RUNS=5, SEED=1, KEEP=1 (keep the
# temporary folder), SLUICE_BUILTIN_COMPONENTS_DIR (default: data/components
# of this source tree).

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

sluice=${1:-${SLUICE:-build/src/cli/sluice}}
sizes=${SIZES:-100 1000 10000}
runs=${RUNS:-5}
seed=${SEED:-1}
aim_steps=10000
aim_seconds=0.3
aim_bytes=100000000     # 100 MB

if [ -x /usr/bin/python3 ]; then
  py=/usr/bin/python3
else
  py=python3
fi

if [ ! -x "$sluice" ]; then
  echo "load.sh: $sluice is not an executable; build first or give its path (bench/load.sh PATH/TO/sluice)" >&2
  exit 2
fi
case $sluice in
  */*) sluice=$(cd "$(dirname "$sluice")" && pwd)/$(basename "$sluice") ;;
esac

export SLUICE_BUILTIN_COMPONENTS_DIR=${SLUICE_BUILTIN_COMPONENTS_DIR:-$top/data/components}

have_time=0
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o /dev/null true 2>/dev/null; then
  have_time=1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench.XXXXXX")
if [ -z "${KEEP:-}" ]; then
  trap 'rm -rf "$tmp"' EXIT
else
  echo "keeping $tmp"
fi

# measure RUNS CMD...: runs CMD RUNS times with its output discarded and
# prints "BEST_SECONDS MAX_RSS_KB WORST_EXIT_STATUS".
measure () {
  "$py" - "$@" <<'EOF'
import resource, subprocess, sys, time
runs = int(sys.argv[1])
cmd = sys.argv[2:]
best = float("inf")
status = 0
for _ in range(runs):
    start = time.perf_counter()
    rc = subprocess.call(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    best = min(best, time.perf_counter() - start)
    status = status or rc
# Only the runs above are children of this process, so this is their peak.
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("%.6f %d %d" % (best, rss, status))
EOF
}

# peak_rss CMD...: peak resident set size of one run of CMD, in KiB.
peak_rss () {
  local out
  out=$(/usr/bin/time -f %M -o "$tmp/rss" "$@" >/dev/null 2>&1; tail -n 1 "$tmp/rss")
  echo "${out:-0}"
}

echo "sluice:    $sluice"
echo "reference: $py -c 'import json,sys; json.load(open(sys.argv[1]))' FILE"
echo "best of $runs runs; peak RSS from $([ $have_time = 1 ] && echo '/usr/bin/time -f %M' || echo 'getrusage(RUSAGE_CHILDREN)')"
echo

status=0
aim_result=""
rows=()

for n in $sizes; do
  if ! file=$("$py" "$here/gen-pipeline.py" --seed "$seed" "$n" "$tmp"); then
    echo "load.sh: gen-pipeline.py failed for $n steps" >&2
    exit 2
  fi

  # Must be valid, and ideally say nothing but "FILE: ok".
  out=$("$sluice" validate "$file" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    echo "FAIL: sluice validate exited with status $rc on the $n-step pipeline:" >&2
    printf '%s\n' "$out" | head -n 20 >&2
    status=1
    continue
  fi
  if [ "$out" != "$file: ok" ]; then
    echo "note: sluice validate reported problems on the $n-step pipeline (not counted as failure):"
    printf '%s\n' "$out" | head -n 10
  fi

  read -r s_time s_rss s_rc < <(measure "$runs" "$sluice" validate "$file")
  read -r r_time r_rss r_rc < <(measure "$runs" "$py" -c 'import json,sys; json.load(open(sys.argv[1]))' "$file")
  if [ "$s_rc" -ne 0 ]; then
    echo "FAIL: sluice validate exited with status $s_rc on $file in a timed run" >&2
    status=1
  fi
  if [ $have_time = 1 ]; then
    s_rss=$(peak_rss "$sluice" validate "$file")
  fi

  size=$(stat -c %s "$file")
  row=$("$py" - "$n" "$size" "$s_time" "$s_rss" "$r_time" "$aim_seconds" "$aim_bytes" <<'EOF'
import sys
n, size, s_time, s_rss, r_time, aim_s, aim_b = sys.argv[1:]
n, size, s_time, s_rss, r_time = int(n), int(size), float(s_time), int(s_rss), float(r_time)
met = s_time < float(aim_s) and s_rss * 1024 < int(aim_b)
print("%7d  %9.2f MB  %8.3f s  %8.1f MB  %8.3f s  %6.2f  %s" % (
    n, size / 1e6, s_time, s_rss * 1024 / 1e6, r_time, s_time / r_time if r_time else 0,
    "yes" if met else "NO"))
EOF
)
  rows+=("$row")
  if [ "$n" -eq "$aim_steps" ]; then
    case $row in
      *yes) aim_result="met" ;;
      *) aim_result="NOT met" ;;
    esac
  fi
done

printf '%7s  %12s  %10s  %11s  %10s  %6s  %s\n' steps "file size" "sluice" "sluice RSS" reference ratio "aim (<0.3 s, <100 MB)"
for row in "${rows[@]}"; do
  printf '%s\n' "$row"
done
if [ -n "$aim_result" ]; then
  echo
  echo "aim for $aim_steps steps (validate in under $aim_seconds s and 100 MB): $aim_result"
fi

exit $status
