# SPDX-License-Identifier: GPL-3.0-or-later
"""Join Data: joins two tables on key columns (inner, left, right or full
outer join)."""

import sluice_ml as ml

HOW = ("inner", "left", "right", "outer")


def run():
    p = ml.parser("Join two mltables on key columns.")
    p.add_argument("--left", required=True)
    p.add_argument("--right", required=True)
    p.add_argument("--keys", required=True)
    p.add_argument("--right-keys", default=None)
    p.add_argument("--how", default="inner", choices=HOW)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    left, lmeta = ml.read_table(a.left)
    right, rmeta = ml.read_table(a.right)
    lkeys = ml.parse_columns(a.keys, left, "left key")
    rkeys = ml.parse_columns(a.right_keys if a.right_keys and a.right_keys.strip() else a.keys,
                             right, "right key")
    if len(lkeys) != len(rkeys):
        ml.fail(f"{len(lkeys)} left key columns but {len(rkeys)} right key columns; give the same number")
    for lk, rk in zip(lkeys, rkeys):
        lt, rt = ml.column_type(left[lk]), ml.column_type(right[rk])
        numeric = ("integer", "number")
        if lt != rt and not (lt in numeric and rt in numeric):
            ml.fail(f"key column '{lk}' is {lt} on the left but '{rk}' is {rt} on the right; "
                    "convert one with Edit Metadata")
        if lt != rt:
            left[lk] = left[lk].astype("float64")
            right[rk] = right[rk].astype("float64")

    # Right columns that clash with left ones get the suffix _right; a right
    # key with the same name as its left key is not repeated.
    same = [lk for lk, rk in zip(lkeys, rkeys) if lk == rk]
    # As in SQL, a missing key value matches nothing (pandas would match
    # missing to missing); rows with one are kept unmatched by left, right
    # and outer joins.
    import pandas as pd
    LROW, RROW = "\0left_row", "\0right_row"  # cannot clash: a CSV header has no NUL
    left = left.assign(**{LROW: range(len(left))})
    right = right.assign(**{RROW: range(len(right))})
    lna = left[lkeys].isna().any(axis=1)
    rna = right[rkeys].isna().any(axis=1)

    def merge(l, r, how):
        return l.merge(r, how=how, left_on=lkeys, right_on=rkeys, suffixes=("", "_right"), sort=False)

    parts = [merge(left[~lna], right[~rna], a.how)]
    if a.how in ("left", "outer") and lna.any():
        parts.append(merge(left[lna], right.iloc[0:0], "left"))
    if a.how in ("right", "outer") and rna.any():
        parts.append(merge(left.iloc[0:0], right[rna], "right"))
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    # Rows in the order of the left table (of the right one for a right join).
    order = [RROW, LROW] if a.how == "right" else [LROW, RROW]
    out = out.sort_values(order, kind="stable", na_position="last").drop(columns=[LROW, RROW])
    names = [str(c) for c in out.columns]
    if len(set(names)) != len(names):
        ml.fail("the joined table would have two columns with the same name; rename one with Edit Metadata")
    categorical = list(lmeta["categorical"]) + [
        c if c not in left.columns or c in same else f"{c}_right" for c in rmeta["categorical"]]
    ml.write_table(a.output, out.reset_index(drop=True), label=lmeta["label"],
                   categorical=categorical)
    ml.metric("rows", len(out))
    print(f"{a.how} join: {len(left)} x {len(right)} rows -> {len(out)} rows")


if __name__ == "__main__":
    ml.main(run)
