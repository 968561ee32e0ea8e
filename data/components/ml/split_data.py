# SPDX-License-Identifier: GPL-3.0-or-later
"""Split Data: splits the rows of a table in two, at random (optionally
stratified by a column, so both parts have its values in the same
proportions) or in order."""

import sluice_ml as ml


def run():
    p = ml.parser("Split the rows of an mltable in two.")
    p.add_argument("--data", required=True)
    p.add_argument("--fraction", type=float, default=0.7)
    p.add_argument("--shuffle", type=ml.boolean, default=True)
    p.add_argument("--stratify-column", default=None)
    p.add_argument("--random-state", type=int, default=42)
    p.add_argument("--first", required=True)
    p.add_argument("--second", required=True)
    a = p.parse_args()
    if not 0 <= a.fraction <= 1:
        ml.fail(f"fraction must be between 0 and 1, got {a.fraction:g}")
    df, meta = ml.read_table(a.data)
    n = len(df)
    strat = a.stratify_column.strip() if a.stratify_column else ""

    import numpy as np
    rng = np.random.RandomState(a.random_state)
    if strat:
        ml.require_columns(df, [strat], "stratify")
        if not a.shuffle:
            ml.fail("a stratified split is random; set shuffle to true")
        if df[strat].isna().any():
            ml.fail(f"stratify column '{strat}' has missing values; clean them first")
        first = []
        # Each group contributes round(fraction * size) rows, in a random order.
        for _, group in df.groupby(strat, sort=True).groups.items():
            idx = np.array(sorted(group))
            rng.shuffle(idx)
            first.extend(idx[:int(round(a.fraction * len(idx)))].tolist())
        mask = np.zeros(n, dtype=bool)
        mask[df.index.get_indexer(first)] = True
    else:
        order = rng.permutation(n) if a.shuffle else np.arange(n)
        mask = np.zeros(n, dtype=bool)
        mask[order[:int(round(a.fraction * n))]] = True
    one = df[mask].reset_index(drop=True)
    two = df[~mask].reset_index(drop=True)
    ml.write_table(a.first, one, label=meta["label"], categorical=meta["categorical"])
    ml.write_table(a.second, two, label=meta["label"], categorical=meta["categorical"])
    ml.metric("first_rows", len(one))
    ml.metric("second_rows", len(two))
    print(f"split {n} rows into {len(one)} and {len(two)}")


if __name__ == "__main__":
    ml.main(run)
