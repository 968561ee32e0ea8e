# SPDX-License-Identifier: GPL-3.0-or-later
"""Clean Missing Data: drops the rows with missing values in chosen
columns, or replaces missing values with the column's mean, median, most
frequent value or a constant."""

import sluice_ml as ml

MODES = ("drop_rows", "mean", "median", "mode", "constant")


def constant_for(text, kind, name):
    """The constant as a value of the column's type."""
    value = text.strip()
    try:
        if kind == "integer":
            return int(value)
        if kind == "number":
            number = float(value)
            if value.lower() in ("nan", "-nan", "+nan"):
                raise ValueError
            return number
        if kind == "boolean":
            return {"true": True, "false": False}[value.lower()]
        return text
    except (ValueError, KeyError):
        ml.fail(f"the constant '{text}' is not {'an' if kind == 'integer' else 'a'} {kind}, "
                f"the type of column '{name}'")


def run():
    p = ml.parser("Clean the missing values of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", default="all")
    p.add_argument("--mode", default="drop_rows", choices=MODES)
    p.add_argument("--constant", default=None)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)
    every = a.columns.strip().lower() in ("all", "*")
    names = ml.parse_columns(a.columns, df, "cleaned")
    before = int(df[names].isna().sum().sum())

    if a.mode == "drop_rows":
        rows = len(df)
        df = df.dropna(subset=names).reset_index(drop=True)
        ml.metric("rows_removed", rows - len(df))
        print(f"removed {rows - len(df)} of {rows} rows")
    else:
        if a.mode in ("mean", "median"):
            numeric = [n for n in names if ml.column_type(df[n]) in ("integer", "number")]
            if not every:
                for n in names:
                    ml.require_numeric(df, n, f"{a.mode} cleaned")
            names = numeric
        if a.mode == "constant":
            if a.constant is None:
                ml.fail("mode 'constant' needs a constant value")
        for n in names:
            column = df[n]
            if not column.isna().any():
                continue
            if a.mode == "constant":
                value = constant_for(a.constant, ml.column_type(column), n)
            elif column.isna().all():
                ml.fail(f"column '{n}' has no values at all, so it has no {a.mode}; use mode 'constant'")
            elif a.mode == "mean":
                value = float(column.astype("float64").mean())
            elif a.mode == "median":
                value = float(column.astype("float64").median())
            else:
                value = column.mode(dropna=True).iloc[0]
            if a.mode in ("mean", "median") and ml.column_type(column) == "integer" \
                    and not float(value).is_integer():
                column = column.astype("float64")
            df[n] = column.fillna(value)
        print(f"replaced {before} missing values ({a.mode})")
    ml.metric("missing_values", before)
    ml.write_table(a.output, df, label=meta["label"], categorical=meta["categorical"])


if __name__ == "__main__":
    ml.main(run)
