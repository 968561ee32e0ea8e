# SPDX-License-Identifier: GPL-3.0-or-later
"""Boosted Decision Tree Regression: writes an untrained regression model (an unfitted scikit-learn
estimator and model.json with its parameters) for Train Model, Tune
Hyperparameters or Cross Validate."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Write an untrained Boosted Decision Tree Regression model.")
    p.add_argument("--number-of-trees", type=int, required=True)
    p.add_argument("--learning-rate", type=float, required=True)
    p.add_argument("--max-depth", type=int, required=True)
    p.add_argument("--min-samples-per-leaf", type=int, required=True)
    p.add_argument("--subsample", type=float, required=True)
    p.add_argument("--random-state", type=int, required=True)
    p.add_argument("--untrained-model", required=True)
    a = p.parse_args()
    params = {"n_estimators": a.number_of_trees, "learning_rate": a.learning_rate, "max_depth": a.max_depth,
              "min_samples_leaf": a.min_samples_per_leaf, "subsample": a.subsample,
              "random_state": a.random_state}
    models.make_untrained(a.untrained_model, "boosted_tree_regression", params, "Boosted Decision Tree Regression")


if __name__ == "__main__":
    ml.main(run)
