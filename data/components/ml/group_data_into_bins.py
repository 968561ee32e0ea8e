# SPDX-License-Identifier: GPL-3.0-or-later
"""Group Data into Bins: puts the values of numeric columns into bins of
equal width or equal count (quantiles) and writes the bin number, 0 for the
lowest bin."""

import sluice_ml as ml

METHODS = ("equal_width", "quantile")


def run():
    p = ml.parser("Bin numeric columns of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", required=True)
    p.add_argument("--method", default="equal_width", choices=METHODS)
    p.add_argument("--bins", type=int, default=10)
    p.add_argument("--replace", type=ml.boolean, default=False)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    if a.bins < 2:
        ml.fail(f"bins must be at least 2, got {a.bins}")
    df, meta = ml.read_table(a.data)
    names = ml.parse_columns(a.columns, df, "binned")
    for n in names:
        ml.require_numeric(df, n, "binned")

    import numpy as np
    import pandas as pd
    out = df.copy()
    categorical = list(meta["categorical"])
    for n in names:
        values = df[n].astype("float64")
        present = values.dropna()
        if len(present) == 0:
            ml.fail(f"column '{n}' has no values to bin")
        if a.method == "equal_width":
            low, high = float(present.min()), float(present.max())
            if low == high:
                codes = values.where(values.isna(), 0.0)
            else:
                edges = np.linspace(low, high, a.bins + 1)
                codes = pd.Series(np.clip(np.searchsorted(edges, values, side="right") - 1, 0, a.bins - 1),
                                  index=values.index).where(values.notna())
        else:
            codes = pd.Series(pd.qcut(values, q=a.bins, labels=False, duplicates="drop"),
                              index=values.index)
        target = n if a.replace else f"{n}_bin"
        if not a.replace and target in df.columns:
            ml.fail(f"column '{target}' already exists; set replace to true or rename it")
        out[target] = pd.array([None if pd.isna(c) else int(c) for c in codes], dtype="Int64")
        if target not in categorical:
            categorical.append(target)
    ml.write_table(a.output, out, label=meta["label"], categorical=categorical)
    print(f"binned {', '.join(names)} into {a.bins} {a.method} bins")


if __name__ == "__main__":
    ml.main(run)
