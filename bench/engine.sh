#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How fast is the run engine, next to reference tools run on the same
# machine in the same run?
#
#   bench/engine.sh [BUILDDIR] [--quick]      (default BUILDDIR: ./build)
#
# Uses BUILDDIR/src/cli/sluice and BUILDDIR/bench/sluice-spawn-latency and
# builds nothing. Everything it writes goes into a temporary folder that is
# deleted at the end. For each item it prints the Sluice figure, the
# reference figure, their ratio and whether the aim was met:
#
#   1. A cold run of 1000 trivial steps, 20 layers of 50, each step after
#      1-3 steps of the layer before (bench/gen-engine-graph.py, seeded):
#      `sluice run --store FRESH --jobs N` against `ninja -j N` on the same
#      graph in a fresh folder, N = nproc. One /bin/sh per step on both
#      sides, each writing one small file. Aim: at most 1.5x ninja.
#   2. A no-op re-run of 10 000 cached steps (50 layers of 200): after one
#      untimed run that fills the cache, a second `sluice run` (every step
#      reused) against a no-op `ninja` on the same graph. Aims: at most 0.5 s
#      and at most 5x ninja.
#   3. Spawn latency per step, with a small parent and after it touched
#      1 GiB (bench/spawn-latency.c): sluice_process_spawn (posix_spawn)
#      against GSubprocess with a working folder (fork+exec), and plain
#      fork+exec. Aim: p50 no slower than GSubprocess with the 1 GiB parent.
#   4. Hashing a 1 GiB file against `xxhsum -H2`: bench/hash.sh. Aim: at
#      least 0.8x xxhsum's throughput.
#
# --quick: 200 steps (10 x 20) for item 1, 2000 (20 x 100) for item 2,
# 100 spawns for item 3 and 256 MiB for item 4.
#
# Times are best of RUNS (default 3; 1 with --quick) and depend on the
# machine and its load; only the ratios of one run mean something. Missing an
# aim is reported, not failed: the exit status is non-zero only when a run
# or a check fails (1), or when something needed is missing (2).
#
# Environment: JOBS (default nproc), RUNS, SEED=1, KEEP=1 (keep the
# temporary folder), TMPDIR, SLUICE_BUILTIN_COMPONENTS_DIR (default:
# data/components of this source tree).

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

build=build
quick=0
for arg in "$@"; do
  case $arg in
    --quick) quick=1 ;;
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    -*) echo "engine.sh: unknown option $arg (see bench/engine.sh --help)" >&2; exit 2 ;;
    *) build=$arg ;;
  esac
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "engine.sh: no build folder $build; build first: meson setup build && ninja -C build" >&2; exit 2; }

sluice=$build/src/cli/sluice
spawn_latency=$build/bench/sluice-spawn-latency
jobs=${JOBS:-$(nproc)}
seed=${SEED:-1}
if [ $quick = 1 ]; then
  runs=${RUNS:-1}
  cold_layers=10 cold_width=20
  noop_layers=20 noop_width=100
  spawn_count=100
  hash_mib=256
else
  runs=${RUNS:-3}
  cold_layers=20 cold_width=50
  noop_layers=50 noop_width=200
  spawn_count=300
  hash_mib=1024
fi
py=/usr/bin/python3
[ -x $py ] || py=python3

for tool in "$sluice" "$spawn_latency"; do
  if [ ! -x "$tool" ]; then
    echo "engine.sh: $tool is missing; build first: meson setup $build && ninja -C $build" >&2
    exit 2
  fi
done
if ! command -v ninja >/dev/null; then
  echo "engine.sh: ninja is missing (Debian: apt-get install ninja-build)" >&2
  exit 2
fi

export SLUICE_BUILTIN_COMPONENTS_DIR=${SLUICE_BUILTIN_COMPONENTS_DIR:-$top/data/components}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sluice-engine-bench.XXXXXX")
if [ -z "${KEEP:-}" ]; then
  trap 'rm -rf "$tmp"' EXIT
else
  echo "keeping $tmp"
fi

status=0
summary=()

fail () {
  echo "FAIL: $*" >&2
  status=1
}

# elapsed CMD...: runs CMD (its output already redirected by the caller)
# and sets $seconds to its wall time and $rc to its exit status.
elapsed () {
  local start end
  start=$EPOCHREALTIME
  "$@"
  rc=$?
  end=$EPOCHREALTIME
  seconds=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.6f", e - s }')
}

min () {
  printf '%s\n' "$@" | sort -g | head -n 1
}

# calc EXPR: awk arithmetic on numbers, printed with format FMT (default %.2f).
calc () {
  awk "BEGIN { printf \"${2:-%.2f}\", $1 }"
}

# row ITEM SLUICE REFERENCE RATIO AIM RESULT: a line of the final summary.
row () {
  summary+=("$(printf '%-30s %12s %12s %7s  %-22s %s' "$@")")
}

# count_states LOG STATE: how many steps of a `sluice run` log ended in STATE.
count_states () {
  awk -v state="$2" '$2 != "run" && $NF == state { n++ } END { print n + 0 }' "$1"
}

gen () {
  local dir=$1 layers=$2 width=$3
  mkdir -p "$dir"
  if ! "$py" "$here/gen-engine-graph.py" --seed "$seed" --layers "$layers" --width "$width" "$dir" >/dev/null; then
    echo "engine.sh: gen-engine-graph.py failed" >&2
    exit 2
  fi
}

echo "sluice:  $sluice"
echo "ninja:   $(command -v ninja) $(ninja --version)"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), jobs $jobs"
echo "best of $runs runs$([ $quick = 1 ] && echo ', --quick sizes'); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# 1. cold run ------------------------------------------------------------------

steps=$((cold_layers * cold_width))
dir=$tmp/cold
gen "$dir" "$cold_layers" "$cold_width"
echo "1. cold run: $steps trivial steps ($cold_layers layers x $cold_width, 1-3 dependencies each), --jobs $jobs / -j $jobs"

# One untimed round first: on some machines (VMs that hand freed memory back
# to the host) the first run after a quiet spell is several times slower.
echo "   warm-up round (untimed)..."
"$sluice" run --store "$dir/store" --jobs "$jobs" "$dir/engine.sluice.json" >/dev/null 2>&1
ninja -C "$dir" -j "$jobs" >/dev/null 2>&1

s_times=() n_times=()
for _ in $(seq "$runs"); do
  rm -rf "$dir/store"
  elapsed "$sluice" run --store "$dir/store" --jobs "$jobs" "$dir/engine.sluice.json" >"$dir/sluice.log" 2>&1
  s_times+=("$seconds")
  done_steps=$(count_states "$dir/sluice.log" succeeded)
  if [ "$rc" -ne 0 ] || [ "$done_steps" -ne "$steps" ]; then
    fail "cold sluice run exited with $rc, $done_steps of $steps steps succeeded:"
    grep -v -e ' running$' -e ' succeeded$' "$dir/sluice.log" | head -n 10 >&2
  fi

  rm -rf "$dir/out" "$dir/.ninja_log" "$dir/.ninja_deps"
  elapsed ninja -C "$dir" -j "$jobs" >"$dir/ninja.log" 2>&1
  n_times+=("$seconds")
  if [ "$rc" -ne 0 ] || [ "$(find "$dir/out" -type f | wc -l)" -ne "$steps" ]; then
    fail "cold ninja run exited with $rc:"
    tail -n 5 "$dir/ninja.log" >&2
  fi
done
s=$(min "${s_times[@]}")
n=$(min "${n_times[@]}")
ratio=$(calc "$s / $n")
met=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.5 ? "met" : "missed") }')
printf '   sluice  %8.3f s  (%.2f ms a step; runs: %s)\n' "$s" "$(calc "$s * 1000 / $steps")" "${s_times[*]}"
printf '   ninja   %8.3f s  (%.2f ms a step; runs: %s)\n' "$n" "$(calc "$n * 1000 / $steps")" "${n_times[*]}"
echo "   ratio   $ratio (aim <= 1.5x ninja): $met"
echo
row "1. cold run, $steps steps" "$(calc "$s" %.3f) s" "$(calc "$n" %.3f) s" "$ratio" "<= 1.5x" "$met"

# 2. no-op re-run --------------------------------------------------------------

steps=$((noop_layers * noop_width))
dir=$tmp/noop
gen "$dir" "$noop_layers" "$noop_width"
echo "2. no-op re-run: $steps cached steps ($noop_layers layers x $noop_width)"
echo "   filling the cache (untimed)..."
elapsed "$sluice" run --store "$dir/store" --jobs "$jobs" "$dir/engine.sluice.json" >"$dir/fill.log" 2>&1
fill_s=$seconds
if [ "$rc" -ne 0 ]; then
  fail "the sluice run that fills the cache exited with $rc:"
  grep -v -e ' running$' -e ' succeeded$' "$dir/fill.log" | head -n 10 >&2
fi
elapsed ninja -C "$dir" -j "$jobs" >"$dir/ninja-fill.log" 2>&1
ninja_fill_s=$seconds
[ "$rc" -eq 0 ] || fail "the ninja run that fills its build folder exited with $rc"
printf '   (fill: sluice %.1f s, ninja %.1f s)\n' "$fill_s" "$ninja_fill_s"
history_size () {
  cat "$dir/store"/history.db* 2>/dev/null | wc -c
}
history_before=$(history_size)

s_times=() n_times=()
for _ in $(seq "$runs"); do
  elapsed "$sluice" run --store "$dir/store" --jobs "$jobs" "$dir/engine.sluice.json" >"$dir/sluice.log" 2>&1
  s_times+=("$seconds")
  reused=$(count_states "$dir/sluice.log" reused)
  if [ "$rc" -ne 0 ] || [ "$reused" -ne "$steps" ]; then
    fail "no-op sluice run exited with $rc and reused $reused of $steps steps"
  fi
  elapsed ninja -C "$dir" -j "$jobs" >"$dir/ninja.log" 2>&1
  n_times+=("$seconds")
  if [ "$rc" -ne 0 ] || ! grep -q 'no work to do' "$dir/ninja.log"; then
    fail "no-op ninja run exited with $rc or did some work"
  fi
done
history_after=$(history_size)
s=$(min "${s_times[@]}")
n=$(min "${n_times[@]}")
ratio=$(calc "$s / $n")
met=$(awk -v s="$s" -v r="$ratio" 'BEGIN { print (s <= 0.5 && r <= 5 ? "met" : (s <= 0.5 ? "missed (ratio)" : (r <= 5 ? "missed (time)" : "missed"))) }')
printf '   sluice  %8.3f s  (runs: %s)\n' "$s" "${s_times[*]}"
printf '   ninja   %8.3f s  (runs: %s)\n' "$n" "${n_times[*]}"
echo "   ratio   $ratio (aims <= 0.5 s and <= 5x ninja): $met"
printf '   history.db: %.1f MB after the fill, +%.1f MB per no-op run\n' \
  "$(calc "$history_before / 1e6" %.1f)" "$(calc "($history_after - $history_before) / $runs / 1e6" %.1f)"
echo
row "2. no-op re-run, $steps steps" "$(calc "$s" %.3f) s" "$(calc "$n" %.3f) s" "$ratio" "<= 0.5 s, <= 5x" "$met"

# 3. spawn latency -------------------------------------------------------------

echo "3. spawn latency, spawn to exit seen, $spawn_count spawns per method (bench/spawn-latency.c)"
if "$spawn_latency" -n "$spawn_count" --alloc-mib 1024 >"$tmp/spawn.log" 2>&1; then
  sed -e '/^spawn-summary/d' -e 's/^/   /' "$tmp/spawn.log"
  read -r _ _ small_s small_r _ big_s big_r < <(grep '^spawn-summary' "$tmp/spawn.log")
  for size in small big; do
    if [ $size = small ]; then a=$small_s b=$small_r label="3. spawn p50, small parent"; else a=$big_s b=$big_r label="3. spawn p50, 1 GiB parent"; fi
    ratio=$(calc "$a / $b")
    met=$(awk -v r="$ratio" 'BEGIN { print (r <= 1 ? "met" : "missed") }')
    row "$label" "$a ms" "$b ms" "$ratio" "<= 1x GSubprocess+cwd" "$([ $size = big ] && echo "$met" || echo "($met)")"
  done
  echo "   ratio   $(calc "$big_s / $big_r") with the 1 GiB parent, $(calc "$small_s / $small_r") without (aim: sluice_process_spawn no slower than GSubprocess + cwd with the 1 GiB parent)"
else
  sed 's/^/   /' "$tmp/spawn.log"
  fail "sluice-spawn-latency failed"
  row "3. spawn p50, 1 GiB parent" "-" "-" "-" "<= 1x GSubprocess+cwd" "failed"
fi
echo

# 4. hashing -------------------------------------------------------------------

echo "4. hashing a $hash_mib MiB file (bench/hash.sh)"
# Its stderr apart: xxhsum draws (and erases) a progress line there.
SIZE_MIB=$hash_mib TMPDIR=$tmp bash "$here/hash.sh" "$build" >"$tmp/hash.log" 2>"$tmp/hash.err"
hash_rc=$?
sed 's/^/   /' "$tmp/hash.log"
[ $hash_rc -eq 0 ] || tr '\r' '\n' <"$tmp/hash.err" | grep -v '^ *$' | sed 's/^/   /'
if [ $hash_rc -eq 0 ]; then
  s=$(awk '$1 == "sluice-hash-file" { print $4 }' "$tmp/hash.log")
  n=$(awk '$1 == "xxhsum" { print $5 }' "$tmp/hash.log")
  ratio=$(awk '$1 == "ratio" { print $2 }' "$tmp/hash.log")
  met=$(awk '$1 == "ratio" { print $NF }' "$tmp/hash.log")
  row "4. hash, $hash_mib MiB file" "$s MB/s" "$n MB/s" "$ratio" ">= 0.8x xxhsum" "$met"
elif [ $hash_rc -eq 2 ]; then
  row "4. hash, $hash_mib MiB file" "-" "-" "-" ">= 0.8x xxhsum" "skipped"
else
  fail "bench/hash.sh failed"
  row "4. hash, $hash_mib MiB file" "-" "-" "-" ">= 0.8x xxhsum" "failed"
fi
echo

# summary ----------------------------------------------------------------------

printf '%-30s %12s %12s %7s  %-22s %s\n' item sluice reference ratio aim result
printf '%s\n' "${summary[@]}"
echo "references: 1-2 ninja -j $jobs on the same graph, 3 GSubprocess with a working folder, 4 xxhsum -H2"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine skews the times)"

exit $status
