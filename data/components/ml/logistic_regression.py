# SPDX-License-Identifier: GPL-3.0-or-later
"""Logistic Regression: writes an untrained classification model (an unfitted scikit-learn
estimator and model.json with its parameters) for Train Model, Tune
Hyperparameters or Cross Validate."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Write an untrained Logistic Regression model.")
    p.add_argument("--c", type=float, required=True)
    p.add_argument("--penalty", type=str, required=True)
    p.add_argument("--max-iterations", type=int, required=True)
    p.add_argument("--random-state", type=int, required=True)
    p.add_argument("--untrained-model", required=True)
    a = p.parse_args()
    params = {"C": a.c, "penalty": None if a.penalty == "none" else a.penalty, "max_iter": a.max_iterations,
              "random_state": a.random_state}
    models.make_untrained(a.untrained_model, "logistic_regression", params, "Logistic Regression")


if __name__ == "__main__":
    ml.main(run)
