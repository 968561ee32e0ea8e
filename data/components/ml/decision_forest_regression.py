# SPDX-License-Identifier: GPL-3.0-or-later
"""Decision Forest Regression: writes an untrained regression model (an unfitted scikit-learn
estimator and model.json with its parameters) for Train Model, Tune
Hyperparameters or Cross Validate."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Write an untrained Decision Forest Regression model.")
    p.add_argument("--number-of-trees", type=int, required=True)
    p.add_argument("--max-depth", type=int, required=True)
    p.add_argument("--min-samples-per-leaf", type=int, required=True)
    p.add_argument("--max-features", type=str, required=True)
    p.add_argument("--random-state", type=int, required=True)
    p.add_argument("--untrained-model", required=True)
    a = p.parse_args()
    params = {"n_estimators": a.number_of_trees, "max_depth": a.max_depth or None,
              "min_samples_leaf": a.min_samples_per_leaf,
              "max_features": 1.0 if a.max_features == "all" else a.max_features,
              "random_state": a.random_state, "n_jobs": 1}
    models.make_untrained(a.untrained_model, "decision_forest_regression", params, "Decision Forest Regression")


if __name__ == "__main__":
    ml.main(run)
