# SPDX-License-Identifier: GPL-3.0-or-later
"""Retrain If Drift: the decision step of a retraining pipeline. Pipelines
have no conditionals, so this component holds the "if": it reads a Data
Drift report and

  - when no column drifted (and force is false), outputs the current model
    unchanged (byte for byte: model.pkl and model.json are copied);
  - otherwise trains the untrained model on the new training data (as
    Train Model does) and outputs that.

It logs retrained (1 or 0) and drifted_columns, and prints which way it
went."""

import os
import shutil

import sluice_ml as ml
import sluice_models as models


def read_report(folder):
    df, _ = ml.read_table(folder)
    if "drifted" not in df.columns or "column" not in df.columns:
        ml.fail("the drift report has no 'drifted' and 'column' columns; connect the report output of Data Drift")
    kind = ml.column_type(df["drifted"])
    if kind != "boolean":
        ml.fail(f"the drift report's 'drifted' column is {kind}; expected true/false values")
    return [str(c) for c, d in zip(df["column"].tolist(), df["drifted"].fillna(False).tolist()) if d]


def run():
    p = ml.parser("Retrain a model when the data drifted; otherwise keep the current one.")
    p.add_argument("--drift-report", required=True)
    p.add_argument("--current-model", required=True)
    p.add_argument("--training-data", required=True)
    p.add_argument("--untrained-model", required=True)
    p.add_argument("--label-column", default=None)
    p.add_argument("--force", type=ml.boolean, default=False)
    p.add_argument("--model", required=True)
    a = p.parse_args()

    drifted = read_report(a.drift_report)
    current = models.peek_trained(a.current_model, "current model")
    untrained = models.peek_untrained(a.untrained_model)
    ml.metric("drifted_columns", len(drifted))

    if not drifted and not a.force:
        os.makedirs(a.model, exist_ok=True)
        for name in ("model.pkl", "model.json"):
            shutil.copyfile(os.path.join(a.current_model, name), os.path.join(a.model, name))
        ml.metric("retrained", 0)
        print(f"no drift: kept the current model ({current['algorithm']} predicting '{current.get('target')}')")
        return 0

    df, meta = ml.read_table(a.training_data)
    label = a.label_column or current.get("target")
    prepared = models.Prepared(df, meta, untrained, label, None)
    estimator, untrained = models.load_untrained(a.untrained_model)
    pipeline = models.fit(prepared.pipeline(estimator), prepared.X, prepared.y, prepared.task)
    ml.save_model(a.model, pipeline, prepared.model_meta(untrained, pipeline))
    ml.metric("retrained", 1)
    ml.metric("training_rows", prepared.rows)
    why = f"drift in {', '.join(drifted)}" if drifted else "forced"
    print(f"{why}: retrained {untrained['algorithm']} on {prepared.rows} rows")
    return 0


if __name__ == "__main__":
    ml.main(run)
