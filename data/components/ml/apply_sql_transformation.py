# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply SQL Transformation: runs one SQLite query over up to three tables,
t1, t2 and t3, in an in-memory database, and writes its result as a table."""

import sqlite3

import sluice_ml as ml


def load(db, name, df):
    import pandas as pd
    columns = ", ".join('"' + c.replace('"', '""') + '"' for c in df.columns)
    affinity = {"integer": "INTEGER", "number": "REAL", "boolean": "INTEGER", "string": "TEXT"}
    decl = ", ".join('"' + c.replace('"', '""') + '" ' + affinity[ml.column_type(df[c])]
                     for c in df.columns)
    db.execute(f'CREATE TABLE {name} ({decl})')
    rows = []
    cols = []
    for c in df.columns:
        kind = ml.column_type(df[c])
        values = df[c].astype(object).where(df[c].notna(), None).tolist()
        if kind == "boolean":
            values = [None if v is None else int(bool(v)) for v in values]
        elif kind == "integer":
            values = [None if v is None else int(v) for v in values]
        elif kind == "number":
            values = [None if v is None or pd.isna(v) else float(v) for v in values]
        cols.append(values)
    rows = list(zip(*cols))
    marks = ", ".join("?" for _ in df.columns)
    db.executemany(f"INSERT INTO {name} ({columns}) VALUES ({marks})", rows)


def deny_attach(action, *_):
    return sqlite3.SQLITE_DENY if action in (sqlite3.SQLITE_ATTACH, sqlite3.SQLITE_DETACH) else sqlite3.SQLITE_OK


def run():
    p = ml.parser("Run an SQLite query over mltables.")
    p.add_argument("--t1", required=True)
    p.add_argument("--t2", default=None)
    p.add_argument("--t3", default=None)
    p.add_argument("--query", required=True)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    if not a.query.strip():
        ml.fail("the query is empty")
    db = sqlite3.connect(":memory:")
    for name in ("t1", "t2", "t3"):
        folder = getattr(a, name)
        if folder:
            df, _ = ml.read_table(folder)
            load(db, name, df)
    db.commit()
    db.set_authorizer(deny_attach)
    try:
        cursor = db.execute(a.query)
        if cursor.description is None:
            ml.fail("the query returned no table; it must be a SELECT (one statement)")
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    except sqlite3.Warning as e:
        ml.fail(f"SQL error: {e}")
    except sqlite3.Error as e:
        hint = " (ATTACH and VACUUM INTO are not allowed: the query cannot touch files)" \
            if "not authorized" in str(e) or "authorization denied" in str(e) else ""
        ml.fail(f"SQL error: {e}{hint}")
    for name in names:
        if names.count(name) > 1:
            ml.fail(f"the result has two columns called '{name}'; name them with AS")

    import pandas as pd
    series = {}
    for i, name in enumerate(names):
        values = [r[i] for r in rows]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, int) for v in present):
            series[name] = pd.array(values, dtype="Int64")
        elif present and all(isinstance(v, (int, float)) for v in present):
            series[name] = pd.array([float("nan") if v is None else float(v) for v in values], dtype="float64")
        else:
            series[name] = pd.array([None if v is None else (v.decode("utf-8", "replace")
                                     if isinstance(v, bytes) else str(v)) for v in values], dtype="string")
    out = pd.DataFrame(series, columns=names)
    ml.write_table(a.output, out)
    ml.metric("rows", len(out))
    print(f"the query returned {len(out)} rows and {len(names)} columns")


if __name__ == "__main__":
    ml.main(run)
