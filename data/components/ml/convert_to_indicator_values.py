# SPDX-License-Identifier: GPL-3.0-or-later
"""Convert to Indicator Values: replaces categorical columns with one 0/1
column per distinct value (one-hot encoding)."""

import re

import sluice_ml as ml


def suffix(value):
    text = re.sub(r"\s+", "_", str(value).strip())
    return text or "empty"


def run():
    p = ml.parser("One-hot encode categorical columns of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", default=None)
    p.add_argument("--keep-original", type=ml.boolean, default=False)
    p.add_argument("--max-values", type=int, default=100)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)
    if a.columns and a.columns.strip():
        names = ml.parse_columns(a.columns, df, "categorical")
    else:
        names = [c for c in meta["categorical"] if c != meta["label"]]
        if not names:
            ml.fail("the table has no columns marked categorical (other than the label); "
                    "name the columns, or mark them with Edit Metadata")
    if meta["label"] in names:
        ml.fail(f"column '{meta['label']}' is the label; indicator columns for it would leak the label")

    import pandas as pd
    pieces = []
    added = 0
    for c in df.columns:
        if c not in names:
            pieces.append(df[[c]])
            continue
        if a.keep_original:
            pieces.append(df[[c]])
        values = df[c].dropna().unique().tolist()
        if len(values) > a.max_values:
            ml.fail(f"column '{c}' has {len(values)} distinct values, more than max_values "
                    f"({a.max_values}); it is probably not categorical")
        try:
            values = sorted(values)
        except TypeError:
            values = sorted(values, key=str)
        block = {}
        for v in values:
            name = f"{c}_{suffix(v)}"
            block[name] = pd.array((df[c] == v).fillna(False).astype(int), dtype="Int64")
        for name in block:
            if name in df.columns or any(name in piece.columns for piece in pieces):
                ml.fail(f"indicator column '{name}' would clash with an existing column")
        pieces.append(pd.DataFrame(block, index=df.index))
        added += len(block)
    out = pd.concat(pieces, axis=1)
    categorical = [c for c in meta["categorical"] if c in out.columns]
    ml.write_table(a.output, out, label=meta["label"], categorical=categorical)
    ml.metric("indicator_columns", added)
    print(f"added {added} indicator columns for {', '.join(names)}")


if __name__ == "__main__":
    ml.main(run)
