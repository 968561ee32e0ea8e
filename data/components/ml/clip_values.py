# SPDX-License-Identifier: GPL-3.0-or-later
"""Clip Values: limits numeric columns to a lower and/or upper bound, given
as values or as percentiles of each column."""

import math

import sluice_ml as ml


def run():
    p = ml.parser("Clip numeric columns of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", default="all")
    p.add_argument("--mode", default="thresholds", choices=("thresholds", "percentiles"))
    p.add_argument("--lower", type=float, default=None)
    p.add_argument("--upper", type=float, default=None)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    if a.lower is None and a.upper is None:
        ml.fail("give a lower bound, an upper bound or both")
    for what in ("lower", "upper"):
        v = getattr(a, what)
        if v is not None and not math.isfinite(v):
            ml.fail(f"the {what} bound must be a finite number")
        if v is not None and a.mode == "percentiles" and not 0 <= v <= 100:
            ml.fail(f"the {what} percentile must be between 0 and 100, got {v:g}")
    if a.lower is not None and a.upper is not None and a.lower > a.upper:
        ml.fail(f"the lower bound ({a.lower:g}) is above the upper bound ({a.upper:g})")
    df, meta = ml.read_table(a.data)
    if a.columns.strip().lower() in ("all", "*"):
        names = [c for c in df.columns if c != meta["label"]
                 and ml.column_type(df[c]) in ("integer", "number")]
        if not names:
            ml.fail("the table has no numeric columns (other than the label) to clip")
    else:
        names = ml.parse_columns(a.columns, df, "clipped")
        for n in names:
            ml.require_numeric(df, n, "clipped")

    clipped = 0
    for n in names:
        column = df[n].astype("float64")
        low, high = a.lower, a.upper
        if a.mode == "percentiles":
            low = None if low is None else float(column.quantile(low / 100))
            high = None if high is None else float(column.quantile(high / 100))
        result = column.clip(lower=low, upper=high)
        clipped += int((result != column).fillna(False).sum())
        if ml.column_type(df[n]) == "integer" and (result.dropna() % 1 == 0).all():
            result = result.round().astype("Int64")
        df[n] = result
    ml.write_table(a.output, df, label=meta["label"], categorical=meta["categorical"])
    ml.metric("values_clipped", clipped)
    print(f"clipped {clipped} values in {', '.join(names)}")


if __name__ == "__main__":
    ml.main(run)
