# SPDX-License-Identifier: GPL-3.0-or-later
"""Score Model: applies a trained model to a table and appends its
predictions: "scored_label" always; for binary classification
"scored_probability" (the probability of the second class, in sorted
order), for more classes "scored_probability_<class>" per class. The
table's label column (schema.json) is set to the model's target when the
table has it, so Evaluate Model finds it."""

import sluice_ml as ml
import sluice_models as models


def run():
    p = ml.parser("Score a table with a trained model.")
    p.add_argument("--model", required=True)
    p.add_argument("--data", required=True)
    p.add_argument("--scored-data", required=True)
    a = p.parse_args()

    info = models.peek_trained(a.model)
    df, meta = ml.read_table(a.data)
    models.check_features(info, df)
    estimator, info = models.load_trained(a.model)
    scored = models.score_frame(estimator, info, df)
    target = info.get("target")
    label = target if target in scored.columns else None
    ml.write_table(a.scored_data, scored, label=label, categorical=meta.get("categorical"))
    ml.metric("rows_scored", len(scored))
    print(f"scored {len(scored)} rows with {info['algorithm']} ({info['task']})")


if __name__ == "__main__":
    ml.main(run)
