#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# How long do the example pipelines and their steps take?
#
#   bench/components.sh [BUILDDIR] [EXAMPLE.sluice.json…]   (default BUILDDIR: ./build)
#
# Runs each example pipeline (all of examples/*.sluice.json unless some are
# given) once, with a fresh store, `sluice run --jobs N`, and prints the
# wall time of the run and `sluice runs show`: every step with its state
# and run time. Uses BUILDDIR/src/cli/sluice and builds nothing.
#
# batch-scoring and retrain-on-drift need a trained model and the transform
# it was trained with: for them regression-diabetes runs first, untimed, in
# a store of its own, and its train.model and normalize.transform_output are
# passed with --set (model=/current_model= and transform=), the way a user
# would; the example itself still starts from an empty store.
#
# Everything goes into a temporary folder that is deleted at the end.
# Environment: JOBS (default nproc), KEEP=1 (keep the temporary folder),
# TMPDIR, SLUICE_BUILTIN_COMPONENTS_DIR (default: data/components of this
# source tree). Exit status: 1 when a run fails, 2 when something needed is
# missing.

set -u

here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")

build=build
examples=()
for arg in "$@"; do
  case $arg in
    -h|--help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
    -*) echo "components.sh: unknown option $arg (see bench/components.sh --help)" >&2; exit 2 ;;
    *.sluice.json) examples+=("$(cd "$(dirname "$arg")" && pwd)/$(basename "$arg")") ;;
    *) build=$arg ;;
  esac
done
build=$(cd "$build" 2>/dev/null && pwd) || { echo "components.sh: no build folder $build; build first: meson setup build && ninja -C build" >&2; exit 2; }
sluice=$build/src/cli/sluice
[ -x "$sluice" ] || { echo "components.sh: $sluice is missing; build first" >&2; exit 2; }
[ ${#examples[@]} -gt 0 ] || examples=("$top"/examples/*.sluice.json)

export SLUICE_BUILTIN_COMPONENTS_DIR=${SLUICE_BUILTIN_COMPONENTS_DIR:-$top/data/components}
export SLUICE_COMPONENTS_PATH=
jobs=${JOBS:-$(nproc)}
work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-bench-components-XXXXXX") || exit 2
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }

# The RUN number of the newest run in a store.
last_run() {
  "$sluice" runs list --store "$1" | awk 'NR == 2 { print $1 }'
}

# The store path of OUTPUT of STEP in RUN (from sluice runs show).
output_of() {
  "$sluice" runs show --store "$1" "$2" | awk -v step="$3" -v port="$4" '
    /^[^ ]/ { current = $1 }
    current == step && $1 == "→" && $2 == port { print $3 }'
}

status=0
printf '%s, --jobs %s, %s cores\n' "$("$sluice" --version 2>/dev/null | head -1)" "$jobs" "$(nproc)"
for example in "${examples[@]}"; do
  name=$(basename "$example" .sluice.json)
  store=$work/$name
  set_args=()
  case $name in
    batch-scoring|retrain-on-drift)
      prep_store=$work/prep
      if ! "$sluice" run --store "$prep_store" --jobs "$jobs" "$top/examples/regression-diabetes.sluice.json" >/dev/null 2>&1; then
        echo "== $name: regression-diabetes, which it needs, failed" >&2
        status=1
        continue
      fi
      prep=$(last_run "$prep_store")
      model=$(output_of "$prep_store" "$prep" train model)
      transform=$(output_of "$prep_store" "$prep" normalize transform_output)
      model_input=model
      [ "$name" = retrain-on-drift ] && model_input=current_model
      set_args=(--set "$model_input=$model" --set "transform=$transform")
      ;;
  esac

  start=$(now)
  "$sluice" run --store "$store" --jobs "$jobs" "${set_args[@]}" "$example" >"$work/$name.log" 2>&1
  rc=$?
  end=$(now)
  run=$(last_run "$store")
  printf '\n== %s: %s in %.1f s (run %s)\n' "$name" "$([ $rc = 0 ] && echo succeeded || echo FAILED)" \
    "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" "$run"
  "$sluice" runs show --store "$store" "$run" | awk '/^STEP/ { show = 1 } show && $1 != "→"'
  if [ $rc != 0 ]; then
    status=1
    tail -20 "$work/$name.log"
  fi
done
exit $status
