# SPDX-License-Identifier: GPL-3.0-or-later
"""Evaluate Baseline: scores a mean baseline on a test table. Rows whose
label is missing are skipped. Writes mean absolute error and root mean
squared error to metrics.json and, as "mae" and "rmse", to SLUICE_METRICS."""

import json
import math
import os
import statistics
import sys

from mltable_io import ArgumentParser, emit_metrics, fail, format_number, read_table, write_json

MODEL_FORMAT = 1


def read_model(folder):
    if not os.path.exists(folder):
        fail(f"model '{folder}' does not exist")
    if not os.path.isdir(folder):
        fail(f"model '{folder}' is a file; a model is a folder with model.json")
    path = os.path.join(folder, "model.json")
    if not os.path.isfile(path):
        fail(f"model '{folder}' has no model.json; was it written by fit_mean_baseline?")
    try:
        with open(path, encoding="utf-8") as f:
            model = json.load(f)
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fail(f"cannot read '{path}': {e}")

    if not isinstance(model, dict) or model.get("kind") != "mean_baseline":
        fail(f"'{path}' is not a mean baseline model")
    if model.get("format") != MODEL_FORMAT:
        fail(f"'{path}' has model format {model.get('format')!r}; this component reads format {MODEL_FORMAT}")
    prediction = model.get("prediction")
    if (not isinstance(model.get("label"), str) or isinstance(prediction, bool)
            or not isinstance(prediction, (int, float)) or not math.isfinite(prediction)):
        fail(f"'{path}' must have a string \"label\" and a finite number \"prediction\"")
    return model["label"], float(prediction)


def main(argv):
    parser = ArgumentParser(description="Score a mean baseline model on a test table.")
    parser.add_argument("--model", required=True, help="model folder written by fit_mean_baseline")
    parser.add_argument("--test-data", required=True, help="test mltable folder")
    parser.add_argument("--metrics", required=True, help="output metrics.json file")
    args = parser.parse_args(argv)

    label, prediction = read_model(args.model)
    table = read_table(args.test_data)
    index = table.require_numeric_column(label, "label")
    actual = table.numbers(index)
    if not actual:
        fail(f"test table '{args.test_data}' has no rows with a value for label '{label}'")

    errors = [value - prediction for value in actual]
    mae = statistics.fmean(abs(e) for e in errors)
    rmse = math.sqrt(statistics.fmean(e * e for e in errors))

    write_json(args.metrics, {"label": label, "rows": len(actual), "mae": mae, "rmse": rmse}, "metrics file")
    emit_metrics([("mae", format_number(mae)), ("rmse", format_number(rmse)), ("test_rows", len(actual))])
    print(f"{len(actual)} test rows: mae {format_number(mae)}, rmse {format_number(rmse)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
