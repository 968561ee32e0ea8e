# SPDX-License-Identifier: GPL-3.0-or-later
"""Execute Python Script: runs a user's Python file that defines

    def run(t1, t2):
        ...
        return dataframe

t1 and t2 are pandas DataFrames read from the connected tables (None when
a table is not connected); the returned DataFrame (a Series or a dict of
columns also works) is written as the output table. Before run() is
called, Python's random module and numpy's global generator are seeded
with random_state, so a script that draws random numbers gives the same
table every time. An error in the script is reported as one line with the
script's line number."""

import os
import sys
import traceback

import sluice_ml as ml


def script_error(path, error):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if os.path.abspath(f.filename) == path]
    where = f" (line {frames[-1].lineno}" + (f", in {frames[-1].name}" if frames[-1].name != "<module>" else "") \
        + ")" if frames else ""
    text = str(error).strip() or "(no message)"
    return f"the script {os.path.basename(path)}{where} raised {type(error).__name__}: {text}"


def run():
    p = ml.parser("Run a user's Python script on up to two tables.")
    p.add_argument("--script", required=True)
    p.add_argument("--table1", default=None)
    p.add_argument("--table2", default=None)
    p.add_argument("--random-state", type=int, default=42)
    p.add_argument("--result", required=True)
    a = p.parse_args()

    path = os.path.abspath(a.script)
    if not os.path.isfile(path):
        ml.fail(f"script '{a.script}' does not exist or is not a file")
    try:
        with open(path, encoding="utf-8") as f:
            source = f.read()
    except UnicodeDecodeError:
        ml.fail(f"script '{a.script}' is not UTF-8 text")
    except OSError as e:
        ml.fail(f"cannot read script '{a.script}': {e.strerror}")

    import random

    import numpy as np
    import pandas as pd

    t1 = t2 = None
    meta1 = {}
    if a.table1:
        t1, meta1 = ml.read_table(a.table1)
    if a.table2:
        t2, _ = ml.read_table(a.table2)

    namespace = {"__name__": "sluice_user_script", "__file__": path}
    try:
        code = compile(source, path, "exec")
    except SyntaxError as e:
        ml.fail(f"the script {os.path.basename(path)} has a syntax error on line {e.lineno}: {e.msg}")
    sys.path.insert(0, os.path.dirname(path))
    try:
        exec(code, namespace)
    except Exception as e:  # noqa: BLE001 -- the user's code
        ml.fail(script_error(path, e))
    function = namespace.get("run")
    if not callable(function):
        ml.fail(f"the script {os.path.basename(path)} does not define a function run(t1, t2)")

    random.seed(a.random_state)
    np.random.seed(a.random_state % 2 ** 32)
    try:
        result = function(t1, t2)
    except Exception as e:  # noqa: BLE001 -- the user's code
        ml.fail(script_error(path, e))

    if isinstance(result, pd.Series):
        result = result.to_frame()
    elif isinstance(result, dict):
        try:
            result = pd.DataFrame(result)
        except ValueError as e:
            ml.fail(f"run() returned a dict that is not a table: {e}")
    if not isinstance(result, pd.DataFrame):
        ml.fail(f"run() must return a pandas DataFrame, but returned {type(result).__name__}")
    result = result.reset_index(drop=True)
    result.columns = [str(c) for c in result.columns]
    label = meta1.get("label") if meta1.get("label") in result.columns else None
    ml.write_table(a.result, result, label=label, categorical=meta1.get("categorical"))
    ml.metric("rows", len(result))
    ml.metric("columns", len(result.columns))
    print(f"run() returned {len(result)} rows and {len(result.columns)} columns")


if __name__ == "__main__":
    ml.main(run)
