# SPDX-License-Identifier: GPL-3.0-or-later
"""Normalize Data: rescales numeric columns (z-score, min-max or robust)
and writes the fitted parameters, value = (x - center) / scale, as JSON so
that the same transform can be applied to other data."""

import json
import math

import sluice_ml as ml

METHODS = ("zscore", "minmax", "robust")


def fit(column, method):
    values = column.astype("float64").dropna()
    if len(values) == 0:
        return 0.0, 1.0
    if method == "zscore":
        center, scale = float(values.mean()), float(values.std(ddof=0))
    elif method == "minmax":
        center, scale = float(values.min()), float(values.max() - values.min())
    else:
        q1, q3 = values.quantile(0.25), values.quantile(0.75)
        center, scale = float(values.median()), float(q3 - q1)
    if not math.isfinite(scale) or scale == 0:
        scale = 1.0  # a constant column: centred, not scaled
    return center, scale


def read_transform(path):
    try:
        with open(path, encoding="utf-8") as f:
            transform = json.load(f)
        columns = transform["columns"]
        for name, p in columns.items():
            float(p["center"])
            float(p["scale"])
        return transform["method"], columns
    except OSError as e:
        ml.fail(f"cannot read the transform '{path}': {e.strerror}")
    except (ValueError, KeyError, TypeError, AttributeError):
        ml.fail(f"'{path}' is not a transform written by Normalize Data")


def run():
    p = ml.parser("Normalize numeric columns of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", default="all")
    p.add_argument("--method", default="zscore", choices=METHODS)
    p.add_argument("--transform", default=None)
    p.add_argument("--output", required=True)
    p.add_argument("--transform-output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)

    if a.transform:
        method, params = read_transform(a.transform)
        names = list(params)
        for n in names:
            ml.require_numeric(df, n, "normalized")
    else:
        method = a.method
        if a.columns.strip().lower() in ("all", "*"):
            names = [c for c in df.columns if c != meta["label"]
                     and ml.column_type(df[c]) in ("integer", "number")]
            if not names:
                ml.fail("the table has no numeric columns (other than the label) to normalize")
        else:
            names = ml.parse_columns(a.columns, df, "normalized")
            for n in names:
                ml.require_numeric(df, n, "normalized")
        params = {}
        for n in names:
            center, scale = fit(df[n], method)
            params[n] = {"center": center, "scale": scale}

    for n in names:
        c, s = float(params[n]["center"]), float(params[n]["scale"])
        df[n] = (df[n].astype("float64") - c) / s
    ml.write_table(a.output, df, label=meta["label"], categorical=meta["categorical"])
    ml.write_json(a.transform_output, {"method": method, "formula": "(x - center) / scale",
                                       "columns": params})
    ml.metric("columns", len(names))
    print(f"{method} normalized {len(names)} columns: {', '.join(names)}")


if __name__ == "__main__":
    ml.main(run)
