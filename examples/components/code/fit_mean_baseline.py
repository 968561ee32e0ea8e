# SPDX-License-Identifier: GPL-3.0-or-later
"""Fit Mean Baseline: "trains" the simplest regression model there is, one
that always predicts the mean of the label column of the training table.
Any real model should beat it. Writes model.json into the model folder."""

import os
import statistics
import sys

from mltable_io import (ArgumentParser, emit_metrics, fail, format_number, make_folder,
                        read_table, write_json)

MODEL_FORMAT = 1


def main(argv):
    parser = ArgumentParser(description="Fit a baseline that predicts the mean of a label column.")
    parser.add_argument("--train", required=True, help="training mltable folder")
    parser.add_argument("--label", required=True, help="name of the numeric column to predict")
    parser.add_argument("--model", required=True, help="output model folder")
    args = parser.parse_args(argv)

    if args.label.strip() == "":
        fail("label must name a column of the training table")

    table = read_table(args.train)
    index = table.require_numeric_column(args.label, "label")
    values = table.numbers(index)
    if not values:
        fail(f"label column '{args.label}' has no values in table '{args.train}' "
             f"({len(table.rows)} rows, all missing)")

    mean = statistics.fmean(values)
    make_folder(args.model, "model")
    write_json(os.path.join(args.model, "model.json"), {
        "format": MODEL_FORMAT,
        "kind": "mean_baseline",
        "label": args.label,
        "prediction": mean,
        "train_rows": len(values),
    }, "model file")

    emit_metrics([("train_rows", len(values)), ("train_mean", format_number(mean))])
    print(f"baseline predicts {args.label} = {format_number(mean)} (mean of {len(values)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
