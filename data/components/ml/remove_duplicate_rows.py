# SPDX-License-Identifier: GPL-3.0-or-later
"""Remove Duplicate Rows: keeps one row of every group of rows that agree on
the key columns."""

import sluice_ml as ml


def run():
    p = ml.parser("Remove duplicate rows of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", default="all")
    p.add_argument("--keep", default="first", choices=("first", "last"))
    p.add_argument("--output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)
    names = ml.parse_columns(a.columns, df, "key")
    out = df.drop_duplicates(subset=names, keep=a.keep).reset_index(drop=True)
    ml.write_table(a.output, out, label=meta["label"], categorical=meta["categorical"])
    ml.metric("rows_removed", len(df) - len(out))
    print(f"removed {len(df) - len(out)} duplicate rows, kept {len(out)}")


if __name__ == "__main__":
    ml.main(run)
