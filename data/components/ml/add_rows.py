# SPDX-License-Identifier: GPL-3.0-or-later
"""Add Rows: appends the rows of a second table to the first. Both need the
same column names (in any order); integer and number columns combine into
number."""

import sluice_ml as ml


def run():
    p = ml.parser("Append the rows of one mltable to another.")
    p.add_argument("--top", required=True)
    p.add_argument("--bottom", required=True)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    top, tmeta = ml.read_table(a.top)
    bottom, _ = ml.read_table(a.bottom)
    missing = [c for c in top.columns if c not in bottom.columns]
    extra = [c for c in bottom.columns if c not in top.columns]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"the second table lacks {', '.join(missing)}")
        if extra:
            parts.append(f"the second table has extra columns {', '.join(extra)}")
        ml.fail("the tables must have the same columns: " + "; ".join(parts))
    bottom = bottom[list(top.columns)]
    import pandas as pd
    for c in top.columns:
        tt, bt = ml.column_type(top[c]), ml.column_type(bottom[c])
        if tt == bt:
            continue
        if {tt, bt} == {"integer", "number"}:
            top[c] = top[c].astype("float64")
            bottom[c] = bottom[c].astype("float64")
        else:
            ml.fail(f"column '{c}' is {tt} in the first table but {bt} in the second; "
                    "convert one with Edit Metadata")
    out = pd.concat([top, bottom], ignore_index=True)
    ml.write_table(a.output, out, label=tmeta["label"], categorical=tmeta["categorical"])
    ml.metric("rows", len(out))
    print(f"{len(top)} + {len(bottom)} = {len(out)} rows")


if __name__ == "__main__":
    ml.main(run)
