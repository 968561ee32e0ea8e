# SPDX-License-Identifier: GPL-3.0-or-later
"""Edit Metadata: renames columns, changes their type, marks them
categorical or not, and sets or clears the label column."""

import sluice_ml as ml

TYPES = ("unchanged", "integer", "number", "string", "boolean")
CATEGORICAL = ("unchanged", "categorical", "not_categorical")


def parse_renames(text, df):
    renames = {}
    for part in text.split(","):
        if part.strip() == "":
            continue
        if part.count(":") != 1:
            ml.fail(f"rename '{part.strip()}' must be old:new (several separated by commas)")
        old, new = (s.strip() for s in part.split(":"))
        if not old or not new:
            ml.fail(f"rename '{part.strip()}' must be old:new with both names given")
        ml.require_columns(df, [old], "renamed")
        if old in renames:
            ml.fail(f"column '{old}' is renamed twice")
        renames[old] = new
    names = [renames.get(c, c) for c in df.columns]
    for name in names:
        if names.count(name) > 1:
            ml.fail(f"after renaming, two columns would be called '{name}'")
    return renames


def run():
    p = ml.parser("Edit the metadata of an mltable.")
    p.add_argument("--data", required=True)
    p.add_argument("--columns", default=None)
    p.add_argument("--type", default="unchanged", choices=TYPES)
    p.add_argument("--categorical", default="unchanged", choices=CATEGORICAL)
    p.add_argument("--rename", default=None)
    p.add_argument("--label", default=None)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    df, meta = ml.read_table(a.data)
    label = meta["label"]
    categorical = list(meta["categorical"])

    if a.type != "unchanged" or a.categorical != "unchanged":
        if a.columns is None or not a.columns.strip():
            ml.fail("give the columns whose type or categorical flag changes")
        names = ml.parse_columns(a.columns, df, "edited")
        for name in names:
            if a.type != "unchanged":
                df[name] = ml.convert_series(df[name], a.type, name)
            if a.categorical == "categorical" and name not in categorical:
                categorical.append(name)
            elif a.categorical == "not_categorical" and name in categorical:
                categorical.remove(name)
    elif a.columns and a.columns.strip():
        ml.parse_columns(a.columns, df, "edited")  # still check the names

    if a.label is not None and a.label.strip():
        text = a.label.strip()
        if text.lower() in ("none", "null", "-"):
            label = None
        else:
            ml.require_columns(df, [text], "label")
            label = text

    if a.rename:
        renames = parse_renames(a.rename, df)
        df = df.rename(columns=renames)
        categorical = [renames.get(c, c) for c in categorical]
        label = renames.get(label, label) if label else None

    ml.write_table(a.output, df, label=label, categorical=categorical)
    print(f"label: {label or 'none'}; categorical: {', '.join(categorical) or 'none'}")


if __name__ == "__main__":
    ml.main(run)
