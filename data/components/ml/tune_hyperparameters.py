# SPDX-License-Identifier: GPL-3.0-or-later
"""Tune Hyperparameters: searches the parameters of an untrained model by
cross-validation and trains the best on the whole table.

parameter_space is a JSON object from scikit-learn parameter names of the
algorithm (see "params" in the untrained model's model.json) to lists of
values, e.g. {"n_estimators": [50, 100], "max_depth": [null, 8]}; empty
means a default space for the algorithm. sweep "grid" tries every
combination, "random" max_trials of them drawn with the seed."""

import json

import sluice_ml as ml
import sluice_models as models


def parse_space(text, algorithm, params):
    if text is None or not text.strip():
        space = models.DEFAULT_SPACES.get(algorithm)
        if not space:
            ml.fail(f"there is no default parameter space for {algorithm}; give parameter_space")
        return space
    space = models.json_params(text, "parameter_space")
    if not isinstance(space, dict) or not space:
        ml.fail('parameter_space must be a JSON object of parameter lists, e.g. {"max_depth": [2, 4, 8]}')
    for name, values in space.items():
        if name not in params:
            ml.fail(f"parameter_space: {algorithm} has no parameter '{name}' "
                    f"(its parameters: {', '.join(sorted(params))})")
        if not isinstance(values, list) or not values:
            ml.fail(f"parameter_space: '{name}' must be a non-empty list of values, not {json.dumps(values)}")
    return space


def run():
    p = ml.parser("Tune the hyperparameters of an untrained model.")
    p.add_argument("--untrained-model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--label-column", default=None)
    p.add_argument("--parameter-space", default="")
    p.add_argument("--sweep", default="grid", choices=("grid", "random"))
    p.add_argument("--max-trials", type=int, default=10)
    p.add_argument("--folds", type=int, default=3)
    p.add_argument("--metric", default="auto")
    p.add_argument("--random-state", type=int, default=42)
    p.add_argument("--model", required=True)
    p.add_argument("--results", required=True)
    a = p.parse_args()
    if a.folds < 2:
        ml.fail(f"folds must be at least 2, got {a.folds}")
    if a.max_trials < 1:
        ml.fail(f"max_trials must be at least 1, got {a.max_trials}")

    untrained = models.peek_untrained(a.untrained_model)
    if untrained["task"] == "clustering":
        ml.fail("Tune Hyperparameters needs a regression or classification model; "
                f"{untrained['algorithm']} is clustering")
    space = parse_space(a.parameter_space, untrained["algorithm"], untrained["params"])
    df, meta = ml.read_table(a.data)
    prepared = models.Prepared(df, meta, untrained, a.label_column, None)
    models.check_min_rows(prepared, a.folds)
    n_classes = len(set(prepared.y.tolist())) if prepared.task == "classification" else 0
    metric, scoring = models.scorer_for(a.metric, prepared.task, n_classes)
    estimator, untrained = models.load_untrained(a.untrained_model)

    import warnings

    import pandas as pd
    from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
    from sklearn.model_selection import GridSearchCV, ParameterGrid, RandomizedSearchCV

    grid = {f"model__{k}": v for k, v in space.items()}
    combinations = len(ParameterGrid(grid))
    cv = models.splitter(prepared.task, a.folds, a.random_state)
    if a.sweep == "grid":
        search = GridSearchCV(prepared.pipeline(estimator), grid, scoring=scoring, cv=cv, n_jobs=1,
                              refit=True, error_score="raise")
    else:
        search = RandomizedSearchCV(prepared.pipeline(estimator), grid, n_iter=min(a.max_trials, combinations),
                                    scoring=scoring, cv=cv, n_jobs=1, refit=True,
                                    random_state=a.random_state, error_score="raise")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FitFailedWarning)
        try:
            search.fit(prepared.X, prepared.y)
        except ValueError as e:
            ml.fail(f"a trial failed: {e}")

    sign = -1 if scoring.startswith("neg_") else 1
    r = search.cv_results_
    rows = []
    for i, params in enumerate(r["params"]):
        rows.append({
            "trial": i + 1,
            "parameters": json.dumps({k[len("model__"):]: v for k, v in params.items()}, sort_keys=True),
            f"mean_{metric}": sign * float(r["mean_test_score"][i]),
            f"std_{metric}": float(r["std_test_score"][i]),
            "rank": int(r["rank_test_score"][i]),
        })
    ml.write_table(a.results, pd.DataFrame(rows))

    best = search.best_estimator_
    info = prepared.model_meta(untrained, best)
    info["tuning"] = {"metric": metric, "folds": a.folds, "sweep": a.sweep,
                      "best_parameters": {k[len("model__"):]: v for k, v in search.best_params_.items()},
                      f"best_{metric}": sign * float(search.best_score_)}
    ml.save_model(a.model, best, info)
    ml.metric("trials", len(rows))
    ml.metric(f"best_{metric}", sign * float(search.best_score_))
    for i, row in enumerate(rows):
        ml.metric(f"trial_{metric}", row[f"mean_{metric}"], i + 1)
    print(f"{len(rows)} trials of {untrained['algorithm']}, {a.folds} folds: best {metric} "
          f"{sign * search.best_score_:.4g} with {json.dumps(info['tuning']['best_parameters'], sort_keys=True)}")


if __name__ == "__main__":
    ml.main(run)
