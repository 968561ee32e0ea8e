# SPDX-License-Identifier: GPL-3.0-or-later
"""Sample Dataset: one of the small data sets bundled with scikit-learn
(no network needed) as a table whose label column is set."""

import re

import sluice_ml as ml

DATASETS = ("diabetes", "iris", "wine", "breast_cancer", "digits")


def clean_name(name):
    """"sepal length (cm)" -> "sepal_length_cm"."""
    name = re.sub(r"[^0-9a-zA-Z]+", "_", str(name).strip().lower()).strip("_")
    return name or "column"


def run():
    p = ml.parser("Write a scikit-learn sample data set as an mltable.")
    p.add_argument("--dataset", required=True)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    if a.dataset not in DATASETS:
        ml.fail(f"unknown data set '{a.dataset}'; choose one of {', '.join(DATASETS)}")

    import pandas as pd
    from sklearn import datasets

    bunch = getattr(datasets, f"load_{a.dataset}")()
    names = [clean_name(n) for n in bunch.feature_names]
    if len(set(names)) != len(names):
        names = [f"x{i}" for i in range(len(names))]
    df = pd.DataFrame(bunch.data, columns=names)
    for name in df.columns:
        if (df[name] % 1 == 0).all():
            df[name] = df[name].astype("Int64")
    categorical = []
    if a.dataset == "diabetes":
        df["target"] = pd.Series(bunch.target, dtype="float64")
    elif a.dataset == "digits":
        df["target"] = pd.Series(bunch.target, dtype="Int64")
        categorical = ["target"]
    else:
        df["target"] = pd.Series([str(bunch.target_names[t]) for t in bunch.target], dtype="string")
        categorical = ["target"]
    ml.write_table(a.output, df, label="target", categorical=categorical)
    ml.metric("rows", len(df))
    ml.metric("columns", len(df.columns))
    print(f"{a.dataset}: {len(df)} rows, {len(df.columns) - 1} features and the label 'target'")


if __name__ == "__main__":
    ml.main(run)
