# SPDX-License-Identifier: GPL-3.0-or-later
"""K-Means Clustering: writes an untrained clustering model (an unfitted scikit-learn
estimator and model.json with its parameters) for Train Model, Tune
Hyperparameters or Cross Validate."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Write an untrained K-Means Clustering model.")
    p.add_argument("--number-of-clusters", type=int, required=True)
    p.add_argument("--initialization", type=str, required=True)
    p.add_argument("--number-of-starts", type=int, required=True)
    p.add_argument("--max-iterations", type=int, required=True)
    p.add_argument("--random-state", type=int, required=True)
    p.add_argument("--untrained-model", required=True)
    a = p.parse_args()
    params = {"n_clusters": a.number_of_clusters, "init": a.initialization, "n_init": a.number_of_starts,
              "max_iter": a.max_iterations, "random_state": a.random_state}
    models.make_untrained(a.untrained_model, "k_means", params, "K-Means Clustering")


if __name__ == "__main__":
    ml.main(run)
