# SPDX-License-Identifier: GPL-3.0-or-later
"""Partition and Sample: keeps a random fraction of the rows, or the first
N rows."""

import sluice_ml as ml


def run():
    p = ml.parser("Sample the rows of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--mode", default="sample", choices=("sample", "head"))
    p.add_argument("--fraction", type=float, default=0.1)
    p.add_argument("--rows", type=int, default=10)
    p.add_argument("--replace", type=ml.boolean, default=False)
    p.add_argument("--random-state", type=int, default=42)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)
    if a.mode == "head":
        if a.rows < 0:
            ml.fail(f"rows must be 0 or more, got {a.rows}")
        out = df.head(a.rows)
    else:
        if not 0 <= a.fraction <= (10 if a.replace else 1):
            limit = "between 0 and 10 when sampling with replacement" if a.replace else \
                "between 0 and 1 (above 1 only with replace)"
            ml.fail(f"fraction must be {limit}, got {a.fraction:g}")
        out = df.sample(frac=a.fraction, replace=a.replace, random_state=a.random_state)
    out = out.reset_index(drop=True)
    ml.write_table(a.output, out, label=meta["label"], categorical=meta["categorical"])
    ml.metric("rows", len(out))
    print(f"kept {len(out)} of {len(df)} rows")


if __name__ == "__main__":
    ml.main(run)
