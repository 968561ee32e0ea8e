# SPDX-License-Identifier: GPL-3.0-or-later
"""Permutation Feature Importance: how much a trained model's score drops
when the values of one feature are shuffled, for every feature the model
uses, averaged over repeats. Writes a table (feature, importance, std),
most important first."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Permutation feature importance of a trained model.")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--metric", default="auto")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--random-state", type=int, default=42)
    p.add_argument("--importance", required=True)
    a = p.parse_args()
    if a.repeats < 1:
        ml.fail(f"repeats must be at least 1, got {a.repeats}")

    info = models.peek_trained(a.model)
    task = info["task"]
    if task == "clustering":
        ml.fail("Permutation Feature Importance needs a regression or classification model, not clustering")
    df, meta = ml.read_table(a.data)
    target = info.get("target")
    if target not in df.columns:
        ml.fail(f"the table has no label column '{target}', which the model predicts; "
                "importance needs the true labels")
    features = list(info.get("features") or [])
    missing = [f for f in features if f not in df.columns]
    if missing:
        ml.fail(f"the table lacks the model's feature columns: {', '.join(missing)}")
    X = models.to_frame(df, list(info.get("numeric_features") or []), list(info.get("categorical_features") or []))
    y = models.label_values(df, target, task)
    metric, scoring = models.scorer_for(a.metric, task, len(set(y.tolist())) if task == "classification" else 0)
    estimator, info = models.load_trained(a.model)

    import pandas as pd
    from sklearn.inspection import permutation_importance

    try:
        result = permutation_importance(estimator, X, y, scoring=scoring, n_repeats=a.repeats,
                                        random_state=a.random_state, n_jobs=1)
    except ValueError as e:
        ml.fail(f"cannot compute importance: {e}")
    table = pd.DataFrame({"feature": pd.array(list(X.columns), dtype="string"),
                          "importance": result.importances_mean.astype("float64"),
                          "std": result.importances_std.astype("float64")})
    table = table.sort_values(["importance", "feature"], ascending=[False, True], kind="mergesort")
    ml.write_table(a.importance, table.reset_index(drop=True))
    for i, row in enumerate(table.itertuples()):
        ml.metric(f"importance_{row.feature}", row.importance)
    top = table.iloc[0]
    print(f"permutation importance ({metric}, {a.repeats} repeats) over {len(table)} features; "
          f"most important: {top['feature']} ({top['importance']:.4g})")


if __name__ == "__main__":
    ml.main(run)
