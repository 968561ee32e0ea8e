#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs the two example pipelines by hand, the way the run engine will: for
# every step, copy the component's code folder into a fresh step folder, build
# the argv from the component's "command" (placeholders substituted per word,
# optional groups $[[ ]] dropped when their input is not given, no shell), run
# it with /usr/bin/python3 inside that copy, and feed its outputs to the next
# step. Then check that the outputs exist and are right, and that bad inputs
# fail with exit status 1 and one clear line on stderr (never a traceback).
#
# Usage: tests/run-examples-by-hand.sh     (exit 0 when every check passes)

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
py=/usr/bin/python3
builtin_dir="$top/data/components"
examples="$top/examples"

if [ ! -x "$py" ]; then
  echo "$py not found: install the Debian package python3" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/sluice-examples.XXXXXX")
trap 'rm -rf "$work"' EXIT

passed=0
failed=0

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; }
check() {  # check DESCRIPTION COMMAND…
  local what=$1; shift
  if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# Prints the argv of a component's command, NUL-separated, with inputs.NAME=VALUE
# and outputs.NAME=VALUE substituted. Inputs not given take the component's
# default. Follows the rules of src/core/sluice-template.c.
render_command() {
  "$py" - "$@" <<'PY'
import json, sys

component_file, assignments = sys.argv[1], sys.argv[2:]
with open(component_file, encoding="utf-8") as f:
    component = json.load(f)

def as_argument(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)

values = {}
for name, spec in component.get("inputs", {}).items():
    if "default" in spec:
        values[("inputs", name)] = as_argument(spec["default"])
for assignment in assignments:
    key, _, value = assignment.partition("=")
    kind, _, name = key.partition(".")
    values[(kind, name)] = value

# Words are lists of segments: ("text", str) or ("ref", (kind, name)).
command = component["command"]
words, word, text, group, groups = [], None, [], None, 0
i = 0

def begin():
    global word
    if word is None:
        word = {"segments": [], "group": group}

def flush():
    if text:
        word["segments"].append(("text", "".join(text)))
        text.clear()

def end():
    global word
    if word is not None:
        flush()
        words.append(word)
        word = None

def ref(at):
    close = command.index("}}", at)
    inner = command[at + 3:close].strip()
    kind, _, name = inner.partition(".")
    begin()
    flush()
    word["segments"].append(("ref", (kind, name)))
    return close + 2

while i < len(command):
    c = command[i]
    if c in " \t\n\r":
        end(); i += 1
    elif command.startswith("$[[", i):
        end(); group = groups; groups += 1; i += 3
    elif group is not None and command.startswith("]]", i):
        end(); group = None; i += 2
    elif command.startswith("${{", i):
        i = ref(i)
    elif c in "\"'":
        begin(); i += 1
        while command[i] != c:
            if c == '"' and command.startswith("${{", i):
                i = ref(i); continue
            if c == '"' and command[i] == "\\" and command[i + 1] in "\"\\":
                i += 1
            text.append(command[i]); i += 1
        i += 1
    elif c == "\\":
        begin(); text.append(command[i + 1]); i += 2
    else:
        begin(); text.append(c); i += 1
end()

dropped = set()
for w in words:
    for kind, payload in w["segments"]:
        if kind == "ref" and payload not in values:
            if w["group"] is None:
                sys.exit(f"render_command: no value for {payload[0]}.{payload[1]}")
            dropped.add(w["group"])

argv = []
for w in words:
    if w["group"] is not None and w["group"] in dropped:
        continue
    argv.append("".join(p if k == "text" else values[p] for k, p in w["segments"]))
sys.stdout.write("\0".join(argv) + "\0")
PY
}

# The component's code folder (its "code", relative to the component file).
code_dir() {
  "$py" -c 'import json, os, sys
f = sys.argv[1]
print(os.path.normpath(os.path.join(os.path.dirname(f), json.load(open(f))["code"])))' "$1"
}

# A pipeline input's value as a command-line argument.
pipeline_input() {
  "$py" -c 'import json, sys
v = json.load(open(sys.argv[1]))["inputs"][sys.argv[2]]
if isinstance(v, dict):
    v = v.get("default", v.get("path"))
print("true" if v is True else "false" if v is False else repr(v) if isinstance(v, float) else v)' "$1" "$2"
}

# run_step STEP_DIR COMPONENT_FILE inputs.X=… outputs.Y=…
# Runs one step in STEP_DIR/code (a copy of the code folder); its stdout,
# stderr and metrics go to STEP_DIR/{stdout,stderr,metrics}. Returns its status.
run_step() {
  local step=$1 component=$2
  shift 2
  local argv=()

  rm -rf "$step"
  mkdir -p "$step"
  cp -r "$(code_dir "$component")" "$step/code"
  mapfile -d '' argv < <(render_command "$component" "$@") || return 99
  [ "${#argv[@]}" -gt 0 ] || return 99
  printf '%q ' "${argv[@]}" >"$step/argv"
  (cd "$step/code" && SLUICE_METRICS="$step/metrics" "${argv[@]}") >"$step/stdout" 2>"$step/stderr"
}

# expect_failure DESCRIPTION EXPECTED_TEXT STEP_DIR COMPONENT_FILE ARGS…
# The step must exit 1 with exactly one line on stderr containing EXPECTED_TEXT.
expect_failure() {
  local what=$1 expected=$2 step=$3
  shift 3
  local status=0

  run_step "$step" "$@" || status=$?
  if [ "$status" -eq 1 ] && [ "$(wc -l <"$step/stderr")" -eq 1 ] &&
     grep -qF -- "$expected" "$step/stderr" && ! grep -q Traceback "$step/stderr"; then
    ok "$what: $(cat "$step/stderr")"
  else
    not_ok "$what (status $status, expected 1 and '$expected'; stderr follows)"
    sed 's/^/#   /' "$step/stderr"
  fi
}

run_ok() {  # run_ok DESCRIPTION STEP_DIR COMPONENT_FILE ARGS…
  local what=$1 step=$2
  shift 2
  if run_step "$step" "$@"; then
    ok "$what"
  else
    not_ok "$what (it failed; stderr follows)"
    sed 's/^/#   /' "$step/stderr"
  fi
}

lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo missing; fi; }
has_metric() { grep -qE "^$2 [0-9.e+-]+$" "$1/metrics" 2>/dev/null; }
same_files() { cmp -s "$1" "$2"; }

# Python checks on outputs; the script is $1, its arguments follow.
pycheck() { "$py" -c "$@"; }

import_csv="$builtin_dir/import_csv/import_csv.component.json"
summarize_data="$builtin_dir/summarize_data/summarize_data.component.json"
split_rows="$examples/components/split_rows.component.json"
fit_mean_baseline="$examples/components/fit_mean_baseline.component.json"
evaluate_baseline="$examples/components/evaluate_baseline.component.json"

# --- examples/summarize-csv.sluice.json: import -> summarize ---------------

pipeline="$examples/summarize-csv.sluice.json"
raw="$examples/$(pipeline_input "$pipeline" raw_data)"
run="$work/summarize-csv"
echo "# $pipeline"

run_ok "import_csv reads $raw" "$run/import" "$import_csv" \
  "inputs.path=$raw" "outputs.data=$run/import/out/data"
table="$run/import/out/data"
check "import: data.csv has a header and 30 rows" [ "$(lines "$table/data.csv")" = 31 ]
check "import: data.csv keeps the values" same_files "$table/data.csv" "$raw"
check "import: schema.json has 4 number columns and a string column" pycheck '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["label"] is None
assert [(c["name"], c["type"]) for c in s["columns"]] == [("sepal_length", "number"), ("sepal_width", "number"),
    ("petal_length", "number"), ("petal_width", "number"), ("species", "string")], s' "$table/schema.json"
check "import: metrics rows 30, columns 5" \
  grep -qx -e 'rows 30' "$run/import/metrics"
check "import: metrics columns 5" grep -qx -e 'columns 5' "$run/import/metrics"
check "import: no temporary files left" [ "$(ls -A "$table" | tr '\n' ' ')" = "data.csv schema.json " ]

run_ok "summarize_data summarizes the table" "$run/summarize" "$summarize_data" \
  "inputs.data=$table" "outputs.summary=$run/summarize/out/summary.csv"
summary="$run/summarize/out/summary.csv"
check "summarize: summary has a header and 5 rows" [ "$(lines "$summary")" = 6 ]
check "summarize: statistics agree with the raw file" pycheck '
import csv, statistics, sys
summary = {r["name"]: r for r in csv.DictReader(open(sys.argv[1]))}
raw = list(csv.DictReader(open(sys.argv[2])))
assert list(summary) == ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"], list(summary)
for name in ["sepal_length", "sepal_width", "petal_length", "petal_width"]:
    values = [float(r[name]) for r in raw]
    row = summary[name]
    assert row["type"] == "number" and row["count"] == "30" and row["missing"] == "0", row
    assert abs(float(row["mean"]) - statistics.fmean(values)) < 1e-9, row
    assert abs(float(row["std"]) - statistics.stdev(values)) < 1e-9, row
    assert float(row["min"]) == min(values) and float(row["max"]) == max(values), row
    assert int(row["unique"]) == len(set(values)), row
species = summary["species"]
assert (species["type"], species["count"], species["unique"], species["mean"], species["min"]) == \
    ("string", "30", "3", "", ""), species
assert summary["sepal_length"]["min"] == "4.4" and summary["sepal_length"]["max"] == "7.6"
' "$summary" "$raw"
check "summarize: metrics rows 30" grep -qx -e 'rows 30' "$run/summarize/metrics"

# Other inputs of import_csv, through the same command template.
printf 'a;b;flag\n1;x;TRUE\n2;;false\n-3;z;\n' >"$work/semicolon.csv"
run_ok "import_csv with delimiter ';' and max_rows 2" "$run/import-semicolon" "$import_csv" \
  "inputs.path=$work/semicolon.csv" "inputs.delimiter=;" "inputs.max_rows=2" "outputs.data=$run/import-semicolon/out"
check "import ';': types integer, string, boolean; 2 rows; values normalized" pycheck '
import json, sys
s = json.load(open(sys.argv[1] + "/schema.json"))
assert [c["type"] for c in s["columns"]] == ["integer", "string", "boolean"], s
assert open(sys.argv[1] + "/data.csv").read() == "a,b,flag\n1,x,true\n2,,false\n", open(sys.argv[1] + "/data.csv").read()
' "$run/import-semicolon/out"
check "import ';': the max_rows group is passed" grep -qF -- '--max-rows=2' "$run/import-semicolon/argv"
check "import: the max_rows group is dropped when not given" bash -c "! grep -qF -- '--max-rows' '$run/import/argv'"

printf '1\t2.5\thello, world\n3\t\t"quoted\ttab"\n' >"$work/tabs.tsv"
run_ok "import_csv with a tab delimiter and no header" "$run/import-tabs" "$import_csv" \
  "inputs.path=$work/tabs.tsv" "inputs.delimiter=$(printf '\t')" "inputs.has_header=false" \
  "outputs.data=$run/import-tabs/out"
check "import tab: columns column_1..3 (integer, number, string), 2 rows" pycheck '
import csv, json, sys
s = json.load(open(sys.argv[1] + "/schema.json"))
assert [(c["name"], c["type"]) for c in s["columns"]] == [("column_1", "integer"), ("column_2", "number"), ("column_3", "string")], s
rows = list(csv.reader(open(sys.argv[1] + "/data.csv")))
assert rows == [["column_1", "column_2", "column_3"], ["1", "2.5", "hello, world"], ["3", "", "quoted\ttab"]], rows
' "$run/import-tabs/out"

printf 'mixed,flag,num\n1,yes,1\ntrue,no,2.5\n' >"$work/mixed.csv"
run_ok "import_csv with mixed cells" "$run/import-mixed" "$import_csv" \
  "inputs.path=$work/mixed.csv" "outputs.data=$run/import-mixed/out"
check "import mixed: '1' with 'true' is string, yes/no is string, 1 with 2.5 is number" pycheck '
import json, sys
s = json.load(open(sys.argv[1] + "/schema.json"))
assert [c["type"] for c in s["columns"]] == ["string", "string", "number"], s
' "$run/import-mixed/out"

# --- examples/train-baseline.sluice.json: import -> split -> fit -> evaluate

pipeline="$examples/train-baseline.sluice.json"
raw="$examples/$(pipeline_input "$pipeline" raw_data)"
fraction=$(pipeline_input "$pipeline" train_fraction)
seed=$(pipeline_input "$pipeline" seed)
label=$(pipeline_input "$pipeline" label)
run="$work/train-baseline"
echo "# $pipeline (train_fraction $fraction, seed $seed, label $label)"

run_ok "import_csv reads $raw" "$run/import" "$import_csv" \
  "inputs.path=$raw" "outputs.data=$run/import/out/data"
run_ok "split_rows splits the table" "$run/split" "$split_rows" \
  "inputs.data=$run/import/out/data" "inputs.fraction=$fraction" "inputs.seed=$seed" \
  "outputs.train=$run/split/out/train" "outputs.test=$run/split/out/test"
train="$run/split/out/train"
test_table="$run/split/out/test"
check "split: 24 train rows + 6 test rows = the 30 input rows, none lost or repeated" pycheck '
import csv, sys
rows = lambda p: list(csv.reader(open(p)))
source, train, test = rows(sys.argv[1] + "/data.csv"), rows(sys.argv[2] + "/data.csv"), rows(sys.argv[3] + "/data.csv")
assert train[0] == test[0] == source[0]
assert (len(train) - 1, len(test) - 1) == (24, 6), (len(train), len(test))
assert sorted(train[1:] + test[1:]) == sorted(source[1:])
# the rows keep their original order
assert train[1:] == [r for r in source[1:] if r in train[1:]]
' "$run/import/out/data" "$train" "$test_table"
check "split: both outputs keep the schema" bash -c \
  "cmp -s '$run/import/out/data/schema.json' '$train/schema.json' && cmp -s '$run/import/out/data/schema.json' '$test_table/schema.json'"
check "split: metrics train_rows 24 and test_rows 6" \
  bash -c "grep -qx 'train_rows 24' '$run/split/metrics' && grep -qx 'test_rows 6' '$run/split/metrics'"
run_ok "split_rows again with the same seed" "$run/split-again" "$split_rows" \
  "inputs.data=$run/import/out/data" "inputs.fraction=$fraction" "inputs.seed=$seed" \
  "outputs.train=$run/split-again/out/train" "outputs.test=$run/split-again/out/test"
check "split: the same seed gives the same split" same_files "$train/data.csv" "$run/split-again/out/train/data.csv"
run_ok "split_rows with its defaults (fraction 0.8, seed 42)" "$run/split-defaults" "$split_rows" \
  "inputs.data=$run/import/out/data" \
  "outputs.train=$run/split-defaults/out/train" "outputs.test=$run/split-defaults/out/test"
check "split: its defaults give 24 train rows" [ "$(lines "$run/split-defaults/out/train/data.csv")" = 25 ]

run_ok "fit_mean_baseline fits $label" "$run/fit" "$fit_mean_baseline" \
  "inputs.train_data=$train" "inputs.label=$label" "outputs.model=$run/fit/out/model"
model="$run/fit/out/model"
check "fit: model.json predicts the mean of $label over the train rows" pycheck '
import csv, json, statistics, sys
model = json.load(open(sys.argv[1] + "/model.json"))
values = [float(r[sys.argv[3]]) for r in csv.DictReader(open(sys.argv[2] + "/data.csv"))]
assert model["kind"] == "mean_baseline" and model["label"] == sys.argv[3] and model["train_rows"] == 24, model
assert abs(model["prediction"] - statistics.fmean(values)) < 1e-12, model
' "$model" "$train" "$label"

run_ok "evaluate_baseline scores the test rows" "$run/evaluate" "$evaluate_baseline" \
  "inputs.model=$model" "inputs.test_data=$test_table" "outputs.metrics=$run/evaluate/out/metrics.json"
check "evaluate: metrics.json has mae and rmse, computed on the 6 test rows" pycheck '
import csv, json, math, sys
m = json.load(open(sys.argv[1]))
p = json.load(open(sys.argv[2] + "/model.json"))["prediction"]
actual = [float(r[sys.argv[4]]) for r in csv.DictReader(open(sys.argv[3] + "/data.csv"))]
assert m["rows"] == 6 and m["label"] == sys.argv[4], m
assert abs(m["mae"] - sum(abs(a - p) for a in actual) / 6) < 1e-12, m
assert abs(m["rmse"] - math.sqrt(sum((a - p) ** 2 for a in actual) / 6)) < 1e-12, m
assert 0 < m["mae"] <= m["rmse"], m
' "$run/evaluate/out/metrics.json" "$model" "$test_table" "$label"
check "evaluate: SLUICE_METRICS has mae and rmse" \
  bash -c "grep -qE '^mae [0-9.e+-]+$' '$run/evaluate/metrics' && grep -qE '^rmse [0-9.e+-]+$' '$run/evaluate/metrics'"

# --- bad inputs: exit 1, one clear line, no traceback ----------------------

echo "# bad inputs"
bad="$work/bad"
mkdir -p "$bad"
: >"$bad/empty.csv"
printf 'a,b\n' >"$bad/header-only.csv"
printf 'a;b;c\n1;2;3\n' >"$bad/semicolons.csv"
printf 'a,b\n1,2\n3,4,5\n' >"$bad/ragged.csv"
printf 'a,b\n1,\xff\n' >"$bad/latin1.csv"
printf 'a,a\n1,2\n' >"$bad/duplicate.csv"
mkdir -p "$bad/not-a-table"

expect_failure "import_csv: missing file" "does not exist" "$bad/s1" "$import_csv" \
  "inputs.path=$bad/no-such.csv" "outputs.data=$bad/s1/out"
expect_failure "import_csv: empty file" "is empty" "$bad/s2" "$import_csv" \
  "inputs.path=$bad/empty.csv" "outputs.data=$bad/s2/out"
expect_failure "import_csv: header but no rows" "no data rows" "$bad/s3" "$import_csv" \
  "inputs.path=$bad/header-only.csv" "outputs.data=$bad/s3/out"
expect_failure "import_csv: wrong delimiter" "set delimiter to ';'" "$bad/s4" "$import_csv" \
  "inputs.path=$bad/semicolons.csv" "outputs.data=$bad/s4/out"
expect_failure "import_csv: unsupported delimiter" "is not supported" "$bad/s5" "$import_csv" \
  "inputs.path=$raw" "inputs.delimiter=:" "outputs.data=$bad/s5/out"
expect_failure "import_csv: ragged row" "line 3 has 3 fields" "$bad/s6" "$import_csv" \
  "inputs.path=$bad/ragged.csv" "outputs.data=$bad/s6/out"
expect_failure "import_csv: not UTF-8" "is not UTF-8" "$bad/s7" "$import_csv" \
  "inputs.path=$bad/latin1.csv" "outputs.data=$bad/s7/out"
expect_failure "import_csv: duplicate column" "appears twice" "$bad/s8" "$import_csv" \
  "inputs.path=$bad/duplicate.csv" "outputs.data=$bad/s8/out"
expect_failure "import_csv: a folder instead of a file" "is a folder" "$bad/s9" "$import_csv" \
  "inputs.path=$bad" "outputs.data=$bad/s9/out"
expect_failure "import_csv: has_header not a boolean" "expected true or false" "$bad/s10" "$import_csv" \
  "inputs.path=$raw" "inputs.has_header=maybe" "outputs.data=$bad/s10/out"
check "import_csv: a failed import leaves no table behind" [ ! -e "$bad/s2/out/schema.json" ]
expect_failure "summarize_data: not an mltable" "schema.json is missing" "$bad/s11" "$summarize_data" \
  "inputs.data=$bad/not-a-table" "outputs.summary=$bad/s11/summary.csv"
expect_failure "summarize_data: missing table" "does not exist" "$bad/s12" "$summarize_data" \
  "inputs.data=$bad/no-such-table" "outputs.summary=$bad/s12/summary.csv"
expect_failure "split_rows: fraction out of range" "between 0 and 1" "$bad/s13" "$split_rows" \
  "inputs.data=$table" "inputs.fraction=1.5" "outputs.train=$bad/s13/train" "outputs.test=$bad/s13/test"
expect_failure "fit_mean_baseline: missing label column" "label column 'petal_area' is not in table" \
  "$bad/s14" "$fit_mean_baseline" \
  "inputs.train_data=$train" "inputs.label=petal_area" "outputs.model=$bad/s14/model"
expect_failure "fit_mean_baseline: non-numeric label" "label column 'species' is string" \
  "$bad/s15" "$fit_mean_baseline" \
  "inputs.train_data=$train" "inputs.label=species" "outputs.model=$bad/s15/model"
expect_failure "fit_mean_baseline: empty label" "label must name a column" \
  "$bad/s16" "$fit_mean_baseline" \
  "inputs.train_data=$train" "inputs.label=" "outputs.model=$bad/s16/model"
expect_failure "evaluate_baseline: missing model" "does not exist" "$bad/s17" "$evaluate_baseline" \
  "inputs.model=$bad/no-model" "inputs.test_data=$test_table" "outputs.metrics=$bad/s17/metrics.json"
expect_failure "evaluate_baseline: not a model" "has no model.json" "$bad/s18" "$evaluate_baseline" \
  "inputs.model=$bad/not-a-table" "inputs.test_data=$test_table" "outputs.metrics=$bad/s18/metrics.json"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
