# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers for the model, score, evaluate and operate components
(data/components/ml/), on top of sluice_ml.

Algorithms. An algorithm component writes an UNTRAINED custom_model: an
unfitted scikit-learn estimator in model.pkl and model.json with
"untrained": true, the algorithm name, its task and "params", the
estimator's scikit-learn parameters. Train Model, Tune Hyperparameters and
Cross Validate wrap the estimator in a scikit-learn Pipeline:

    ColumnTransformer(numeric columns:     median imputation [+ scaling],
                      categorical columns: most-frequent imputation + one-hot)
    -> the estimator

so a trained model takes the raw table columns and scoring new data (with
missing values or unseen categories) works. Categorical columns are the
string and boolean columns and those the table's schema marks categorical.
Scaling is on for algorithms that need it (SVM, logistic regression,
k-means: "scale_numeric" in model.json).

Everything that imports pandas or scikit-learn does it inside a function,
so that sluice_ml.main() reports a missing package in one line.
"""

import json
import math
import os

import sluice_ml as ml

# name -> (task, scikit-learn class, scale numeric features)
ALGORITHMS = {
    "linear_regression": ("regression", "sklearn.linear_model.LinearRegression", False),
    "decision_forest_regression": ("regression", "sklearn.ensemble.RandomForestRegressor", False),
    "boosted_tree_regression": ("regression", "sklearn.ensemble.GradientBoostingRegressor", False),
    "logistic_regression": ("classification", "sklearn.linear_model.LogisticRegression", True),
    "decision_forest_classification": ("classification", "sklearn.ensemble.RandomForestClassifier", False),
    "boosted_tree_classification": ("classification", "sklearn.ensemble.GradientBoostingClassifier", False),
    "svm_classification": ("classification", "sklearn.svm.SVC", True),
    "k_means": ("clustering", "sklearn.cluster.KMeans", True),
}

# A sensible search space per algorithm for Tune Hyperparameters, in
# scikit-learn parameter names.
DEFAULT_SPACES = {
    "linear_regression": {"fit_intercept": [True, False]},
    "decision_forest_regression": {"n_estimators": [50, 100], "max_depth": [None, 8], "min_samples_leaf": [1, 4]},
    "boosted_tree_regression": {"n_estimators": [50, 100], "learning_rate": [0.05, 0.1], "max_depth": [2, 3]},
    "logistic_regression": {"C": [0.01, 0.1, 1.0, 10.0]},
    "decision_forest_classification": {"n_estimators": [50, 100], "max_depth": [None, 8],
                                       "min_samples_leaf": [1, 4]},
    "boosted_tree_classification": {"n_estimators": [50, 100], "learning_rate": [0.05, 0.1],
                                    "max_depth": [2, 3]},
    "svm_classification": {"C": [0.1, 1.0, 10.0], "gamma": ["scale", "auto"]},
    "k_means": {"n_clusters": [2, 3, 4, 5]},
}

# Metric names a user may ask for -> (scikit-learn scorer, task, higher is better)
SCORERS = {
    "accuracy": ("accuracy", "classification"),
    "precision": ("precision_macro", "classification"),
    "recall": ("recall_macro", "classification"),
    "f1": ("f1_macro", "classification"),
    "auc": ("roc_auc_ovr", "classification"),
    "r2": ("r2", "regression"),
    "mae": ("neg_mean_absolute_error", "regression"),
    "rmse": ("neg_root_mean_squared_error", "regression"),
}
DEFAULT_METRIC = {"regression": "r2", "classification": "accuracy"}


def _class(path):
    import importlib
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)


def make_untrained(folder, algorithm, params, description):
    """Builds the estimator with params (scikit-learn names), checks them,
    and writes the untrained model."""
    task, path, scale = ALGORITHMS[algorithm]
    try:
        estimator = _class(path)(**params)
    except TypeError as e:
        ml.fail(f"invalid parameters for {algorithm}: {e}")
    try:
        estimator._validate_params()
    except AttributeError:
        pass
    except (ValueError, TypeError) as e:
        ml.fail(f"invalid parameters for {algorithm}: {e}")
    ml.save_model(folder, estimator, {
        "untrained": True, "algorithm": algorithm, "task": task,
        "params": clean_params(estimator.get_params()), "scale_numeric": scale,
        "description": description,
    })
    ml.metric("untrained", 1)
    print(f"{algorithm} ({task}), untrained: " + ", ".join(f"{k}={v}" for k, v in sorted(params.items())))


def clean_params(params):
    """JSON-friendly scikit-learn parameters."""
    out = {}
    for key, value in params.items():
        if value is None or isinstance(value, (bool, int, float, str)):
            out[key] = value
        else:
            out[key] = str(value)
    return out


def peek_model(folder, role="model"):
    """model.json of a custom_model folder, read without unpickling (so
    without importing scikit-learn): lets a step find a wrong input before
    paying for the heavy imports. load_model() checks everything again."""
    path = os.path.join(folder, "model.json")
    if not os.path.isdir(folder):
        ml.load_model(folder)  # fails with its message
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        ml.load_model(folder)  # fails with its message
        raise
    if not isinstance(meta, dict) or meta.get("task") not in ml.TASKS:
        ml.load_model(folder)
    if not os.path.isfile(os.path.join(folder, "model.pkl")):
        ml.load_model(folder)
    meta.setdefault("params", {})
    return meta


def peek_untrained(folder, role="untrained model"):
    meta = peek_model(folder, role)
    if not meta.get("untrained"):
        ml.fail(f"the {role} is already trained (a {meta.get('algorithm')} trained on "
                f"'{meta.get('target')}'); connect the output of an algorithm component "
                "such as Linear Regression, not of Train Model")
    if meta.get("algorithm") not in ALGORITHMS:
        ml.fail(f"the {role} has an unknown algorithm '{meta.get('algorithm')}'")
    return meta


def peek_trained(folder, role="model"):
    meta = peek_model(folder, role)
    if meta.get("untrained"):
        ml.fail(f"the {role} ({meta.get('algorithm')}) is untrained; train it with Train Model first")
    return meta


def load_untrained(folder, role="untrained model"):
    peek_untrained(folder, role)
    estimator, meta = ml.load_model(folder)
    return estimator, meta


def load_trained(folder, role="model"):
    peek_trained(folder, role)
    return ml.load_model(folder)


# ------------------------------------------------------------------ data

def choose_label(df, meta, label, task, required=True):
    """The label column: the one given, else the table's schema label."""
    if label is not None and str(label).strip() == "":
        label = None
    if label is None:
        label = meta.get("label")
    if label is None:
        if task == "clustering" or not required:
            return None
        ml.fail("no label column: give label_column, or mark one with Edit Metadata "
                f"(the table's columns: {', '.join(map(str, df.columns))})")
    ml.require_columns(df, [label], "label")
    return label


def choose_features(df, label, features_text):
    if features_text is not None and str(features_text).strip() not in ("", "all", "*"):
        features = ml.parse_columns(features_text, df, "feature")
        if label in features:
            ml.fail(f"label column '{label}' cannot also be a feature")
    else:
        features = [c for c in df.columns if c != label]
    if not features:
        ml.fail("there are no feature columns: the table has only the label column")
    return features


def feature_kinds(df, features, meta_categorical=()):
    """(numeric, categorical) feature names."""
    numeric, categorical = [], []
    for name in features:
        kind = ml.column_type(df[name])
        if kind in ("integer", "number") and name not in meta_categorical:
            numeric.append(name)
        else:
            categorical.append(name)
    return numeric, categorical


def to_frame(df, numeric, categorical):
    """A plain pandas frame scikit-learn understands: numeric columns as
    float64 with NaN, categorical columns as object with NaN."""
    import numpy as np
    import pandas as pd

    out = pd.DataFrame(index=df.index)
    for name in numeric:
        try:
            out[name] = pd.to_numeric(df[name], errors="raise").astype("float64")
        except (ValueError, TypeError):
            ml.fail(f"feature column '{name}' was numeric when the model was trained, "
                    f"but holds non-numbers here (its type is {ml.column_type(df[name])})")
    for name in categorical:
        values = [np.nan if ml._missing(v) else str(v) for v in df[name].tolist()]
        out[name] = pd.Series(values, index=df.index, dtype="object")
    return out[numeric + categorical]


def label_values(df, label, task):
    """The label as numpy: float for regression, strings for classification."""
    import numpy as np

    series = df[label]
    missing = int(series.isna().sum())
    if missing:
        ml.fail(f"label column '{label}' has {missing} missing value{'s' if missing != 1 else ''}; "
                "remove those rows first (Clean Missing Data)")
    if task == "regression":
        kind = ml.column_type(series)
        if kind not in ("integer", "number"):
            ml.fail(f"label column '{label}' is {kind}, but {task} needs numbers; "
                    "use a classification algorithm, or another label column")
        return series.astype("float64").to_numpy()
    values = np.array([str(v) for v in series.tolist()], dtype=object)
    if task == "classification":
        distinct = len(set(values.tolist()))
        if distinct < 2:
            ml.fail(f"label column '{label}' has a single value ('{values[0]}'); "
                    "classification needs at least two classes")
        if distinct > max(50, len(values) // 2) and ml.column_type(series) == "number":
            ml.fail(f"label column '{label}' has {distinct} distinct numbers; it looks like a regression "
                    "target: use a regression algorithm")
    return values


def build_pipeline(estimator, numeric, categorical, scale):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = []
    if numeric:
        steps = [("impute", SimpleImputer(strategy="median"))]
        if scale:
            steps.append(("scale", StandardScaler()))
        parts.append(("numeric", Pipeline(steps), numeric))
    if categorical:
        parts.append(("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("one_hot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), categorical))
    prepare = ColumnTransformer(parts, remainder="drop")
    return Pipeline([("prepare", prepare), ("model", estimator)])


class Prepared:
    """A table made ready for an untrained model: X, y, and the names."""

    def __init__(self, df, meta, untrained_meta, label_arg, features_arg):
        self.task = untrained_meta["task"]
        self.label = choose_label(df, meta, label_arg, self.task)
        self.features = choose_features(df, self.label, features_arg)
        self.numeric, self.categorical = feature_kinds(df, self.features, meta.get("categorical", []))
        if len(df) == 0:
            ml.fail("the training table has no rows")
        self.X = to_frame(df, self.numeric, self.categorical)
        self.y = label_values(df, self.label, self.task) if self.label is not None else None
        self.scale = bool(untrained_meta.get("scale_numeric"))
        self.rows = len(df)

    def pipeline(self, estimator):
        from sklearn.base import clone
        return build_pipeline(clone(estimator), self.numeric, self.categorical, self.scale)

    def model_meta(self, untrained_meta, fitted):
        estimator = fitted.named_steps["model"]
        classes = [str(c) for c in getattr(estimator, "classes_", [])] if self.task == "classification" else []
        return {
            "untrained": False, "algorithm": untrained_meta["algorithm"], "task": self.task,
            "params": clean_params(estimator.get_params()), "features": self.features,
            "target": self.label, "classes": classes, "numeric_features": self.numeric,
            "categorical_features": self.categorical, "scale_numeric": self.scale,
            "training_rows": self.rows,
        }


def fit(pipeline, X, y, task):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        try:
            if task == "clustering":
                pipeline.fit(X)
            else:
                pipeline.fit(X, y)
        except ValueError as e:
            ml.fail(f"training failed: {e}")
    return pipeline


def check_min_rows(prepared, folds):
    import collections

    if prepared.rows < folds:
        ml.fail(f"the table has {prepared.rows} rows, fewer than the {folds} folds")
    if prepared.task == "classification":
        counts = collections.Counter(prepared.y.tolist())
        rare = min(counts.values())
        if rare < folds:
            cls = min(counts, key=counts.get)
            ml.fail(f"class '{cls}' of label column '{prepared.label}' has only {rare} row"
                    f"{'s' if rare != 1 else ''}; every class needs at least {folds} for {folds} folds "
                    "(use fewer folds)")


def splitter(task, folds, seed):
    from sklearn.model_selection import KFold, StratifiedKFold

    if task == "classification":
        return StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    return KFold(n_splits=folds, shuffle=True, random_state=seed)


def scorer_for(metric, task, n_classes=2):
    """(name, scikit-learn scorer) for a metric name; "auto" picks the
    task's default. AUC on two classes is plain roc_auc."""
    if metric in (None, "", "auto"):
        metric = DEFAULT_METRIC.get(task)
        if metric is None:
            ml.fail(f"there is no metric to tune or cross-validate a {task} model")
    if metric not in SCORERS:
        ml.fail(f"unknown metric '{metric}'; choose one of auto, {', '.join(SCORERS)}")
    name, metric_task = SCORERS[metric]
    if metric_task != task:
        ml.fail(f"metric '{metric}' is for {metric_task}, but the model does {task}")
    if name == "roc_auc_ovr" and n_classes == 2:
        name = "roc_auc"
    return metric, name


# ------------------------------------------------------------------ scoring

def check_features(meta, df):
    """Fails naming the model's feature columns that df lacks."""
    features = list(meta.get("features") or [])
    missing = [f for f in features if f not in df.columns]
    if missing:
        ml.fail(f"the data lacks {len(missing)} feature column{'s' if len(missing) != 1 else ''} the model "
                f"was trained on: {', '.join(missing)} (the data's columns: {', '.join(map(str, df.columns))})")
    for name in ("scored_label", "scored_probability"):
        if name in df.columns:
            ml.fail(f"the data already has a column '{name}'; it was scored before (remove it with Select Columns)")


def score_frame(estimator, meta, df, output_columns="all"):
    """Appends scored_label (and probabilities for classification) to df.
    Fails naming the model features that are missing from df."""
    import numpy as np
    import pandas as pd

    check_features(meta, df)
    numeric = list(meta.get("numeric_features") or [])
    categorical = list(meta.get("categorical_features") or [])
    X = to_frame(df, numeric, categorical)
    task = meta["task"]

    if output_columns == "predictions_only":
        out = pd.DataFrame(index=df.index)
    else:
        out = df.copy()
    if len(df) == 0:
        out["scored_label"] = pd.Series([], dtype="float64" if task == "regression" else "string")
        return out
    try:
        predicted = estimator.predict(X)
    except ValueError as e:
        ml.fail(f"scoring failed: {e}")

    if task == "regression":
        out["scored_label"] = np.asarray(predicted, dtype="float64")
    elif task == "clustering":
        out["scored_label"] = pd.array([int(p) for p in predicted], dtype="Int64")
    else:
        out["scored_label"] = pd.array([str(p) for p in predicted], dtype="string")
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(X)
            classes = [str(c) for c in estimator.classes_]
            if len(classes) == 2:
                out["scored_probability"] = proba[:, 1]
            else:
                for i, cls in enumerate(classes):
                    out[f"scored_probability_{cls}"] = proba[:, i]
    return out


def positive_class(meta):
    classes = meta.get("classes") or []
    return classes[1] if len(classes) == 2 else None


def json_params(text, what):
    try:
        value = json.loads(text)
    except ValueError as e:
        ml.fail(f"{what} is not valid JSON: {e}")
    return value


def finite(value):
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)
