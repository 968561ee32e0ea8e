# SPDX-License-Identifier: GPL-3.0-or-later
"""Linear Regression: writes an untrained regression model (an unfitted scikit-learn
estimator and model.json with its parameters) for Train Model, Tune
Hyperparameters or Cross Validate."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Write an untrained Linear Regression model.")
    p.add_argument("--fit-intercept", type=ml.boolean, required=True)
    p.add_argument("--random-state", type=int, required=True)
    p.add_argument("--untrained-model", required=True)
    a = p.parse_args()
    params = {"fit_intercept": a.fit_intercept}
    models.make_untrained(a.untrained_model, "linear_regression", params, "Linear Regression")


if __name__ == "__main__":
    ml.main(run)
