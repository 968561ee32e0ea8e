# SPDX-License-Identifier: GPL-3.0-or-later
"""Cross Validate Model: splits the table into folds (stratified by the
label for classification), trains the untrained model on all folds but one
and scores the one left out, for every fold. Writes a table with one row
per fold and its metrics, and logs the mean of each metric."""

import sluice_ml as ml
import sluice_models as models

METRICS = {
    "regression": {"mae": "neg_mean_absolute_error", "rmse": "neg_root_mean_squared_error", "r2": "r2"},
    "classification": {"accuracy": "accuracy", "precision": "precision_macro", "recall": "recall_macro",
                       "f1": "f1_macro"},
}


def run():
    p = ml.parser("Cross-validate an untrained model.")
    p.add_argument("--untrained-model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--label-column", default=None)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--random-state", type=int, default=42)
    p.add_argument("--fold-metrics", required=True)
    a = p.parse_args()
    if a.folds < 2:
        ml.fail(f"folds must be at least 2, got {a.folds}")

    untrained = models.peek_untrained(a.untrained_model)
    if untrained["task"] not in METRICS:
        ml.fail(f"Cross Validate needs a regression or classification model; {untrained['algorithm']} "
                f"is {untrained['task']}")
    df, meta = ml.read_table(a.data)
    prepared = models.Prepared(df, meta, untrained, a.label_column, None)
    models.check_min_rows(prepared, a.folds)
    estimator, untrained = models.load_untrained(a.untrained_model)

    import warnings

    import pandas as pd
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import cross_validate

    scoring = dict(METRICS[prepared.task])
    if prepared.task == "classification":
        scoring["auc"] = "roc_auc" if len(set(prepared.y.tolist())) == 2 else "roc_auc_ovr"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            result = cross_validate(prepared.pipeline(estimator), prepared.X, prepared.y, scoring=scoring,
                                    cv=models.splitter(prepared.task, a.folds, a.random_state), n_jobs=1,
                                    error_score="raise")
        except ValueError as e:
            ml.fail(f"cross-validation failed: {e}")

    rows = []
    for fold in range(a.folds):
        row = {"fold": fold + 1}
        for name, scorer in scoring.items():
            value = float(result[f"test_{name}"][fold])
            row[name] = -value if scorer.startswith("neg_") else value
        rows.append(row)
    table = pd.DataFrame(rows)
    ml.write_table(a.fold_metrics, table)
    for name in scoring:
        ml.metric(f"mean_{name}", float(table[name].mean()))
        ml.metric(f"std_{name}", float(table[name].std(ddof=0)))
        for fold in range(a.folds):
            ml.metric(name, float(table[name][fold]), fold + 1)
    print(f"{a.folds}-fold cross-validation of {untrained['algorithm']}: "
          + ", ".join(f"{n} {table[n].mean():.4g} ± {table[n].std(ddof=0):.2g}" for n in scoring))


if __name__ == "__main__":
    ml.main(run)
