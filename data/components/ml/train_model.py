# SPDX-License-Identifier: GPL-3.0-or-later
"""Train Model: fits an untrained model (from an algorithm component) on a
table. The features are every column but the label unless feature_columns
names them; string, boolean and schema-categorical columns are one-hot
encoded, missing values imputed, inside one scikit-learn Pipeline that is
saved as the trained model, so Score Model can apply it to new raw data."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Train an untrained model on a table.")
    p.add_argument("--untrained-model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--label-column", default=None)
    p.add_argument("--feature-columns", default=None)
    p.add_argument("--model", required=True)
    a = p.parse_args()

    untrained = models.peek_untrained(a.untrained_model)
    df, meta = ml.read_table(a.data)
    prepared = models.Prepared(df, meta, untrained, a.label_column, a.feature_columns)
    estimator, untrained = models.load_untrained(a.untrained_model)
    if prepared.task == "clustering" and prepared.rows < untrained["params"].get("n_clusters", 2):
        ml.fail(f"the table has {prepared.rows} rows, fewer than the "
                f"{untrained['params'].get('n_clusters')} clusters asked for")
    pipeline = models.fit(prepared.pipeline(estimator), prepared.X, prepared.y, prepared.task)
    info = prepared.model_meta(untrained, pipeline)
    ml.save_model(a.model, pipeline, info)

    ml.metric("training_rows", prepared.rows)
    ml.metric("features", len(prepared.features))
    if prepared.task == "regression":
        ml.metric("training_r2", pipeline.score(prepared.X, prepared.y))
    elif prepared.task == "classification":
        ml.metric("training_accuracy", pipeline.score(prepared.X, prepared.y))
        ml.metric("classes", len(info["classes"]))
    else:
        ml.metric("inertia", float(pipeline.named_steps["model"].inertia_))
    target = f" to predict '{prepared.label}'" if prepared.label else ""
    print(f"trained {untrained['algorithm']} on {prepared.rows} rows{target} from "
          f"{len(prepared.features)} features ({len(prepared.numeric)} numeric, "
          f"{len(prepared.categorical)} categorical)")


if __name__ == "__main__":
    ml.main(run)
