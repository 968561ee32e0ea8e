# SPDX-License-Identifier: GPL-3.0-or-later
"""Select Columns: keeps the named columns, in the order given."""

import sluice_ml as ml


def run():
    p = ml.parser("Keep some columns of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", required=True)
    p.add_argument("--exclude", type=ml.boolean, default=False)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)
    names = ml.parse_columns(a.columns, df, "selected")
    if a.exclude:
        names = [c for c in df.columns if c not in names]
        if not names:
            ml.fail("excluding these columns would leave none")
    out = df[names]
    label = meta["label"] if meta["label"] in names else None
    ml.write_table(a.output, out, label=label, categorical=meta["categorical"])
    ml.metric("columns", len(names))
    print(f"kept {len(names)} of {len(df.columns)} columns: {', '.join(names)}")


if __name__ == "__main__":
    ml.main(run)
