# SPDX-License-Identifier: GPL-3.0-or-later
"""Data Drift: compares a target table (new data) with a baseline table
(the training data), column by column, for every numeric column the two
share (or the columns given):

  ks_statistic, ks_p_value  two-sample Kolmogorov-Smirnov test
  psi                       population stability index over bins taken
                            from the baseline's quantiles
  drifted                   by the rule: "both" (p-value below
                            ks_threshold AND psi at least psi_threshold),
                            "either", "ks" or "psi"

Writes the report table and logs drift_detected (1 when any column
drifted, else 0), drifted_columns (how many), and psi_<column>."""

import math

import sluice_ml as ml

RULES = ("both", "either", "ks", "psi")


def psi(baseline, target, bins):
    import numpy as np

    edges = np.unique(np.quantile(baseline, np.linspace(0, 1, bins + 1)))
    if len(edges) < 2:
        return 0.0 if np.all(target == edges[0]) else math.inf
    edges[0], edges[-1] = -np.inf, np.inf
    b = np.histogram(baseline, edges)[0] / len(baseline)
    t = np.histogram(target, edges)[0] / len(target)
    b = np.clip(b, 1e-4, None)
    t = np.clip(t, 1e-4, None)
    return float(np.sum((t - b) * np.log(t / b)))


def run():
    p = ml.parser("Detect drift between a baseline and a target table.")
    p.add_argument("--baseline", required=True)
    p.add_argument("--target", required=True)
    p.add_argument("--columns", default="")
    p.add_argument("--ks-threshold", type=float, default=0.05)
    p.add_argument("--psi-threshold", type=float, default=0.2)
    p.add_argument("--bins", type=int, default=10)
    p.add_argument("--rule", default="both", choices=RULES)
    p.add_argument("--report", required=True)
    a = p.parse_args()
    if not 0 < a.ks_threshold < 1:
        ml.fail(f"ks_threshold must be between 0 and 1, got {a.ks_threshold}")
    if a.psi_threshold <= 0:
        ml.fail(f"psi_threshold must be above 0, got {a.psi_threshold}")
    if a.bins < 2:
        ml.fail(f"bins must be at least 2, got {a.bins}")

    base, base_meta = ml.read_table(a.baseline)
    target, _ = ml.read_table(a.target)
    numeric = lambda df, c: ml.column_type(df[c]) in ("integer", "number")  # noqa: E731
    if a.columns.strip():
        columns = ml.parse_columns(a.columns, base, "baseline")
        ml.require_columns(target, columns, "target")
        for c in columns:
            ml.require_numeric(base, c, "baseline")
            ml.require_numeric(target, c, "target")
    else:
        columns = [c for c in base.columns if c in target.columns and numeric(base, c) and numeric(target, c)
                   and c != base_meta.get("label")]
        if not columns:
            ml.fail("the baseline and target tables share no numeric column to compare")

    import pandas as pd
    from scipy.stats import ks_2samp

    rows = []
    for c in columns:
        b = base[c].dropna().astype("float64").to_numpy()
        t = target[c].dropna().astype("float64").to_numpy()
        if len(b) < 2 or len(t) < 2:
            ml.fail(f"column '{c}' has fewer than 2 values in the {'baseline' if len(b) < 2 else 'target'}; "
                    "drift cannot be measured")
        ks = ks_2samp(b, t)
        value = psi(b, t, a.bins)
        by_ks = bool(ks.pvalue < a.ks_threshold)
        by_psi = bool(value >= a.psi_threshold)
        drifted = {"both": by_ks and by_psi, "either": by_ks or by_psi, "ks": by_ks, "psi": by_psi}[a.rule]
        rows.append({"column": c, "ks_statistic": float(ks.statistic), "ks_p_value": float(ks.pvalue),
                     "psi": value, "baseline_mean": float(b.mean()), "target_mean": float(t.mean()),
                     "drifted": drifted})
    report = pd.DataFrame(rows)
    report["column"] = report["column"].astype("string")
    report["drifted"] = report["drifted"].astype("boolean")
    ml.write_table(a.report, report)
    drifted = [r["column"] for r in rows if r["drifted"]]
    ml.metric("drift_detected", 1 if drifted else 0)
    ml.metric("drifted_columns", len(drifted))
    for r in rows:
        ml.metric(f"psi_{r['column']}", r["psi"])
    print(f"compared {len(rows)} columns ({len(base)} baseline rows, {len(target)} target rows): "
          + (f"drift in {', '.join(drifted)}" if drifted else "no drift"))


if __name__ == "__main__":
    ml.main(run)
