# SPDX-License-Identifier: GPL-3.0-or-later
"""Support Vector Machine: writes an untrained classification model (an unfitted scikit-learn
estimator and model.json with its parameters) for Train Model, Tune
Hyperparameters or Cross Validate."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Write an untrained Support Vector Machine model.")
    p.add_argument("--kernel", type=str, required=True)
    p.add_argument("--c", type=float, required=True)
    p.add_argument("--gamma", type=str, required=True)
    p.add_argument("--degree", type=int, required=True)
    p.add_argument("--random-state", type=int, required=True)
    p.add_argument("--untrained-model", required=True)
    a = p.parse_args()
    params = {"kernel": a.kernel, "C": a.c, "gamma": a.gamma, "degree": a.degree, "probability": True,
              "random_state": a.random_state}
    models.make_untrained(a.untrained_model, "svm_classification", params, "Support Vector Machine")


if __name__ == "__main__":
    ml.main(run)
