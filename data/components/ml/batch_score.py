# SPDX-License-Identifier: GPL-3.0-or-later
"""Batch Score: scores new data with a trained model, as a deployed model
would. Checks first that every feature the model was trained on is in the
data (and names the missing ones); the label column need not be there.
output_columns "all" keeps the data's columns next to the predictions,
"predictions_only" writes just the predictions (and the id column, if
given)."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Score new data with a trained model.")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--output-columns", default="all", choices=("all", "predictions_only"))
    p.add_argument("--id-column", default=None)
    p.add_argument("--predictions", required=True)
    a = p.parse_args()

    info = models.peek_trained(a.model)
    df, meta = ml.read_table(a.data)
    if a.id_column:
        ml.require_columns(df, [a.id_column], "id")
    models.check_features(info, df)
    estimator, info = models.load_trained(a.model)
    scored = models.score_frame(estimator, info, df, a.output_columns)
    if a.output_columns == "predictions_only" and a.id_column:
        scored.insert(0, a.id_column, df[a.id_column])
    extra = [c for c in df.columns if c not in info.get("features", []) and c != info.get("target")
             and c != a.id_column]
    ml.write_table(a.predictions, scored,
                   categorical=meta.get("categorical") if a.output_columns == "all" else None)
    ml.metric("rows_scored", len(scored))
    ml.metric("features", len(info.get("features") or []))
    note = f"; ignored columns the model does not use: {', '.join(map(str, extra))}" if extra else ""
    print(f"scored {len(scored)} new rows with {info['algorithm']} ({info['task']}){note}")


if __name__ == "__main__":
    ml.main(run)
