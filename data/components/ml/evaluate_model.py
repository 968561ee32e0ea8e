# SPDX-License-Identifier: GPL-3.0-or-later
"""Evaluate Model: compares the predictions in a scored table (Score Model)
with the true label and reports metrics: as metrics of the step, in
metrics.json, and as charts.

  regression      mae, rmse, r2, mape (mean absolute percentage error, in %, over
                  the rows whose label is not 0; left out when all are 0);
                  charts residuals.png and predicted_vs_actual.png
  classification  accuracy, and macro-averaged precision, recall and f1;
                  auc (binary, or one-vs-rest over the classes) when the
                  table has probabilities and the label has two classes or
                  more; charts roc.png and confusion_matrix.png
  clustering      clusters, silhouette (on the numeric columns);
                  chart cluster_sizes.png

The task is found from the table (probability columns mean
classification, no label column clustering, a string scored_label
classification, otherwise regression) unless given."""

import math

import sluice_ml as ml

TASKS = ("auto", "regression", "classification", "clustering")
PROBABILITY = "scored_probability"


def detect_task(df, label):
    if any(str(c).startswith(PROBABILITY) for c in df.columns):
        return "classification"
    if label is None:
        return "clustering"
    if ml.column_type(df["scored_label"]) in ("string", "boolean"):
        return "classification"
    return "regression"


def regression(df, label, charts):
    import numpy as np

    ml.require_numeric(df, label, "label")
    ml.require_numeric(df, "scored_label", "prediction")
    keep = ~(df[label].isna() | df["scored_label"].isna())
    if not keep.any():
        ml.fail(f"no row has both a label ('{label}') and a prediction")
    y = df.loc[keep, label].astype("float64").to_numpy()
    p = df.loc[keep, "scored_label"].astype("float64").to_numpy()
    err = p - y
    out = {"mae": float(np.mean(np.abs(err))), "rmse": float(math.sqrt(np.mean(err ** 2)))}
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    out["r2"] = 1 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else (1.0 if np.all(err == 0) else 0.0)
    nonzero = np.abs(y) > 1e-12
    if nonzero.any():
        out["mape"] = float(np.mean(np.abs(err[nonzero] / y[nonzero])) * 100)
    extra = {"rows": int(keep.sum()), "mape_rows": int(nonzero.sum())}

    plt = ml.pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.scatter(p, err, s=10, alpha=0.6)
    ax.axhline(0, color="grey", linewidth=1)
    ax.set_xlabel("predicted")
    ax.set_ylabel("residual (predicted - actual)")
    ax.set_title(f"Residuals: {label}")
    ml.save_figure(fig, f"{charts}/residuals.png")
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.scatter(y, p, s=10, alpha=0.6)
    low, high = float(min(y.min(), p.min())), float(max(y.max(), p.max()))
    ax.plot([low, high], [low, high], color="grey", linewidth=1)
    ax.set_xlabel("actual")
    ax.set_ylabel("predicted")
    ax.set_title(f"Predicted against actual: {label}")
    ml.save_figure(fig, f"{charts}/predicted_vs_actual.png")
    plt.close(fig)
    return out, extra


def classification(df, label, charts):
    import numpy as np
    from sklearn import metrics as skm

    keep = ~(df[label].isna() | df["scored_label"].isna())
    if not keep.any():
        ml.fail(f"no row has both a label ('{label}') and a prediction")
    y = np.array([str(v) for v in df.loc[keep, label].tolist()], dtype=object)
    p = np.array([str(v) for v in df.loc[keep, "scored_label"].tolist()], dtype=object)
    classes = sorted(set(y.tolist()) | set(p.tolist()))
    out = {
        "accuracy": float(skm.accuracy_score(y, p)),
        "precision": float(skm.precision_score(y, p, average="macro", zero_division=0)),
        "recall": float(skm.recall_score(y, p, average="macro", zero_division=0)),
        "f1": float(skm.f1_score(y, p, average="macro", zero_division=0)),
    }
    extra = {"rows": int(keep.sum()), "classes": classes}

    # probabilities: binary (one column) or one per class
    prob_columns = {str(c)[len(PROBABILITY) + 1:]: c for c in df.columns
                    if str(c).startswith(PROBABILITY + "_")}
    curves = []
    present = sorted(set(y.tolist()))
    if PROBABILITY in df.columns and len(present) == 2:
        model_classes = classes if len(classes) == 2 else present
        positive = model_classes[1]
        score = df.loc[keep, PROBABILITY].astype("float64").to_numpy()
        truth = (y == positive).astype(int)
        out["auc"] = float(skm.roc_auc_score(truth, score))
        fpr, tpr, _ = skm.roc_curve(truth, score)
        curves.append((f"{positive} (AUC {out['auc']:.3f})", fpr, tpr))
        extra["positive_class"] = positive
    elif prob_columns and len(present) >= 2 and set(present) <= set(prob_columns):
        names = sorted(prob_columns)
        matrix = df.loc[keep, [prob_columns[n] for n in names]].astype("float64").to_numpy()
        sums = matrix.sum(axis=1, keepdims=True)
        matrix = matrix / np.where(sums > 0, sums, 1)
        try:
            out["auc"] = float(skm.roc_auc_score(y, matrix, multi_class="ovr", labels=names))
        except ValueError as e:
            print(f"auc left out: {e}")
        for i, name in enumerate(names):
            truth = (y == name).astype(int)
            if 0 < truth.sum() < len(truth):
                fpr, tpr, _ = skm.roc_curve(truth, matrix[:, i])
                curves.append((f"{name} vs rest", fpr, tpr))
    else:
        print("auc left out: the table has no probability columns, or the label has a single class")

    plt = ml.pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    for name, fpr, tpr in curves:
        ax.plot(fpr, tpr, label=name)
    ax.plot([0, 1], [0, 1], color="grey", linewidth=1, linestyle="--")
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.set_title("ROC curve" if curves else "ROC curve (no probabilities)")
    if curves:
        ax.legend(loc="lower right", fontsize="small")
    ml.save_figure(fig, f"{charts}/roc.png")
    plt.close(fig)

    matrix = skm.confusion_matrix(y, p, labels=classes)
    extra["confusion_matrix"] = {"labels": classes, "matrix": matrix.tolist()}
    fig, ax = plt.subplots(figsize=(1.5 + 0.6 * len(classes), 1.2 + 0.6 * len(classes)))
    ax.imshow(matrix, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title("Confusion matrix")
    ml.save_figure(fig, f"{charts}/confusion_matrix.png")
    plt.close(fig)
    return out, extra


def clustering(df, label, charts):
    import numpy as np
    from sklearn.metrics import silhouette_score

    clusters = df["scored_label"].astype("Int64")
    sizes = clusters.value_counts().sort_index()
    out = {"clusters": int(len(sizes))}
    numeric = [c for c in df.columns if c not in ("scored_label", label)
               and ml.column_type(df[c]) in ("integer", "number")]
    if numeric and 2 <= len(sizes) < len(df):
        X = df[numeric].astype("float64").fillna(df[numeric].astype("float64").median()).to_numpy()
        X = (X - X.mean(axis=0)) / np.where(X.std(axis=0) > 0, X.std(axis=0), 1)
        out["silhouette"] = float(silhouette_score(X, clusters.to_numpy(dtype="int64"), random_state=0))
    extra = {"rows": len(df), "cluster_sizes": {str(k): int(v) for k, v in sizes.items()}}
    plt = ml.pyplot()
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar([str(k) for k in sizes.index], sizes.to_numpy())
    ax.set_xlabel("cluster")
    ax.set_ylabel("rows")
    ax.set_title("Cluster sizes")
    ml.save_figure(fig, f"{charts}/cluster_sizes.png")
    plt.close(fig)
    return out, extra


def run():
    p = ml.parser("Evaluate the predictions in a scored table.")
    p.add_argument("--scored-data", required=True)
    p.add_argument("--label-column", default=None)
    p.add_argument("--task", default="auto", choices=TASKS)
    p.add_argument("--metrics", required=True)
    p.add_argument("--charts", required=True)
    a = p.parse_args()

    df, meta = ml.read_table(a.scored_data)
    if "scored_label" not in df.columns:
        ml.fail("the table has no 'scored_label' column; connect the output of Score Model "
                f"(its columns: {', '.join(map(str, df.columns))})")
    label = a.label_column.strip() if a.label_column and a.label_column.strip() else meta.get("label")
    if label is not None:
        ml.require_columns(df, [label], "label")
    task = detect_task(df, label) if a.task == "auto" else a.task
    if task in ("regression", "classification") and label is None:
        ml.fail(f"no label column to evaluate {task} against: give label_column "
                f"(the table's columns: {', '.join(map(str, df.columns))})")
    if len(df) == 0:
        ml.fail("the scored table has no rows")

    values, extra = {"regression": regression, "classification": classification,
                     "clustering": clustering}[task](df, label, a.charts)
    for name, value in values.items():
        ml.metric(name, value)
    ml.write_json(a.metrics, {"task": task, "label": label, "metrics": values, **extra})
    print(f"{task} on {extra['rows']} rows: " + ", ".join(f"{k} {v:.4g}" for k, v in values.items()))


if __name__ == "__main__":
    ml.main(run)
