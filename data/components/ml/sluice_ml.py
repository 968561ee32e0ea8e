# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared helpers for Sluice's built-in ML components (data/components/ml/).

Python 3 with the Debian packages python3-pandas, python3-numpy,
python3-sklearn (and python3-matplotlib for figures). pandas, numpy,
scikit-learn and matplotlib are imported lazily, inside the functions that
need them, so that a missing package is reported by main() as one line
("missing Python module pandas: install the Debian package python3-pandas")
instead of a traceback. Component scripts should do the same: import them
inside the function they pass to main().

An mltable is a folder holding
  data.csv     comma separated, header row, UTF-8, an empty cell is a
               missing value; and
  schema.json  {"columns": [{"name": ..., "type": "integer|number|string|boolean"}],
                "label": null | name, "categorical": [names]}
(the same format as examples/components/code/mltable_io.py; "categorical"
may be absent, meaning []).

A custom_model is a folder holding model.pkl (a pickled estimator) and
model.json {"untrained": bool, "algorithm": ..., "task":
"regression|classification|clustering", "params": {...}, "features": [...],
"target": ..., "classes": [...], "library_versions": {"python", "sklearn",
"pandas", "numpy"}}.

API
  fail(message)                       "PROG: error: message" on stderr, exit 1
  parser(description)                 argparse parser whose errors are one line + exit 1
  boolean(text)                       argparse type for true/false
  read_table(folder) -> (df, meta)    meta = {"label", "categorical", "columns"}
                                      (columns = [{"name", "type"}] from schema.json)
  write_table(folder, df, label=None, categorical=None)
  column_type(series) -> "integer|number|boolean|string"
  require_columns(df, names, role)    fail unless every name is a column
  require_numeric(df, name, role)     fail unless the column exists and is integer/number
  parse_columns(text, df, role)       "a, b,c" or "all" -> ["a", "b", "c"]
  metric(name, value, step=None)      append "name value [step]" to $SLUICE_METRICS
  save_model(folder, estimator, meta) / load_model(folder) -> (estimator, meta)
  main(function)                      run function(), every error as one line
  write_atomic(path, text_or_bytes)   temp file + fsync + rename
  write_json(path, value)             write_atomic of indented JSON
  save_figure(fig, path)              PNG through the Agg backend, atomically
  pyplot()                            matplotlib.pyplot with the Agg backend
"""

import argparse
import csv
import json
import math
import os
import pickle
import platform
import re
import sys
import tempfile

PROG = os.path.splitext(os.path.basename(sys.argv[0] or ""))[0] or "component"

COLUMN_TYPES = ("integer", "number", "string", "boolean")
TASKS = ("regression", "classification", "clustering")

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?"
                     r"|[+-]?(inf|infinity)", re.IGNORECASE)
_BOOLEANS = {"true": True, "false": False}

# Debian package for a Python module, when it is not python3-<module>.
_DEBIAN_PACKAGES = {"sklearn": "python3-sklearn", "yaml": "python3-yaml", "PIL": "python3-pil"}

csv.field_size_limit(16 * 1024 * 1024)


# ---------------------------------------------------------------- errors

def fail(message):
    """Prints "PROG: error: message" to stderr and exits with status 1."""
    message = " ".join(str(message).split("\n"))
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(1)


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line and exit status 1."""

    def error(self, message):
        fail(message)


def parser(description):
    """An argparse parser whose errors are one line on stderr and exit 1."""
    return _Parser(prog=PROG, description=description, allow_abbrev=False)


def boolean(text):
    """argparse type: true/false (any case)."""
    value = str(text).strip().lower()
    if value not in _BOOLEANS:
        raise argparse.ArgumentTypeError(f"expected true or false, got '{text}'")
    return _BOOLEANS[value]


def main(function):
    """Runs function() and exits with its return value (0 for None).
    ImportError becomes "missing Python module X: install the Debian package
    python3-X", any other exception "Type: message", Ctrl-C exit 130."""
    import warnings
    warnings.formatwarning = lambda message, category, *_args, **_kw: \
        f"{PROG}: warning: {category.__name__}: {message}\n"
    try:
        rc = function()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        sys.exit(130)
    except ImportError as e:
        module = (e.name or "").split(".")[0]
        if not module:
            fail(f"ImportError: {e}")
        package = _DEBIAN_PACKAGES.get(module, f"python3-{module.lower()}")
        if isinstance(e, ModuleNotFoundError):
            fail(f"missing Python module {module}: install the Debian package {package}")
        # The module is there but lacks something: usually another version.
        fail(f"missing Python module {module} (or the wrong version of it: {e}): "
             f"install the Debian package {package}")
    except BrokenPipeError:
        sys.exit(1)
    except Exception as e:  # noqa: BLE001 -- one line, never a traceback
        text = str(e).strip() or "(no message)"
        fail(f"{type(e).__name__}: {text}")
    sys.exit(rc if isinstance(rc, int) else 0)


# ---------------------------------------------------------------- files

def write_atomic(path, data):
    """Writes text (UTF-8) or bytes to path through a temporary file in the
    same folder, fsync and a rename: the file is either complete or absent."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if os.path.isdir(path):
        fail(f"output '{path}' is a folder; it must be a file")
    directory = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(directory, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    except OSError as e:
        fail(f"cannot write '{path}': {e.strerror}")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            fail(f"cannot write '{path}': {e.strerror or e}")
        raise


def _json_default(value):
    """JSON for numpy scalars and arrays, and anything else as text."""
    try:
        import numpy as np
        if isinstance(value, np.integer):
            return int(value)
        if isinstance(value, np.floating):
            return _finite_or_none(float(value))
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, np.ndarray):
            return value.tolist()
    except ImportError:
        pass
    if isinstance(value, (set, tuple)):
        return list(value)
    return str(value)


def _finite_or_none(value):
    return value if math.isfinite(value) else None


def _clean_json(value):
    """Non-finite floats become null (JSON has no NaN)."""
    if isinstance(value, float):
        return _finite_or_none(value)
    if isinstance(value, dict):
        return {str(k): _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def json_text(value):
    return json.dumps(_clean_json(value), indent=2, ensure_ascii=False,
                      default=_json_default, allow_nan=False) + "\n"


def write_json(path, value):
    """Writes value as indented JSON (NaN/inf as null), atomically."""
    # numpy values inside are converted first, so _clean_json sees floats
    value = json.loads(json.dumps(value, default=_json_default))
    write_atomic(path, json_text(value))


def pyplot():
    """matplotlib.pyplot with the non-interactive Agg backend."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt


def save_figure(fig, path):
    """Saves a matplotlib figure as PNG (Agg backend), atomically."""
    import io
    pyplot()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    write_atomic(path, buffer.getvalue())


# ---------------------------------------------------------------- metrics

def metric(name, value, step=None):
    """Appends "name value [step]" to the file named by $SLUICE_METRICS, if
    set. Non-finite values are skipped (the engine would ignore them)."""
    path = os.environ.get("SLUICE_METRICS")
    if not path:
        return
    name = re.sub(r"\s+", "_", str(name).strip()) or "metric"
    if isinstance(value, bool):
        text = "1" if value else "0"
    elif isinstance(value, int):
        text = str(value)
    else:
        number = float(value)
        if not math.isfinite(number):
            return
        text = str(int(number)) if number.is_integer() and abs(number) < 2 ** 53 else repr(number)
    line = f"{name} {text}" + ("" if step is None else f" {int(step)}")
    try:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")
    except OSError as e:
        fail(f"cannot write metrics to '{path}': {e.strerror}")


# ---------------------------------------------------------------- tables

def _not_utf8(path):
    line = None
    try:
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                try:
                    raw.decode("utf-8")
                except UnicodeDecodeError:
                    line = number
                    break
    except OSError:
        pass
    where = f" (line {line})" if line else ""
    return f"'{path}' is not UTF-8 text{where}"


def _read_schema(folder):
    if not os.path.exists(folder):
        fail(f"input table '{folder}' does not exist")
    if not os.path.isdir(folder):
        fail(f"input table '{folder}' is a file; an mltable is a folder with data.csv and schema.json")
    path = os.path.join(folder, "schema.json")
    if not os.path.isfile(path):
        fail(f"input table '{folder}' is not an mltable: schema.json is missing")
    try:
        with open(path, encoding="utf-8") as f:
            schema = json.load(f)
    except UnicodeDecodeError:
        fail(_not_utf8(path))
    except ValueError as e:
        fail(f"'{path}' is not valid JSON: {e}")
    except OSError as e:
        fail(f"cannot read '{path}': {e.strerror}")

    if not isinstance(schema, dict):
        fail(f"'{path}' must be a JSON object with \"columns\"")
    columns = schema.get("columns")
    if not isinstance(columns, list) or not columns:
        fail(f"'{path}' must have a non-empty list \"columns\"")
    result = []
    seen = set()
    for i, column in enumerate(columns):
        if (not isinstance(column, dict) or not isinstance(column.get("name"), str)
                or column.get("type") not in COLUMN_TYPES):
            fail(f"'{path}': column {i + 1} must be "
                 "{\"name\": ..., \"type\": integer|number|string|boolean}")
        if column["name"] in seen:
            fail(f"'{path}': column '{column['name']}' appears twice")
        seen.add(column["name"])
        result.append({"name": column["name"], "type": column["type"]})

    label = schema.get("label")
    if label is not None and (not isinstance(label, str) or label not in seen):
        fail(f"'{path}': label {json.dumps(label)} is not one of the columns")
    categorical = schema.get("categorical", [])
    if categorical is None:
        categorical = []
    if not isinstance(categorical, list) or not all(isinstance(c, str) for c in categorical):
        fail(f"'{path}': \"categorical\" must be a list of column names")
    for name in categorical:
        if name not in seen:
            fail(f"'{path}': categorical column '{name}' is not one of the columns")
    return path, result, label, list(dict.fromkeys(categorical))


def _convert(kind, cells, lines, name, path):
    """A pandas array of the schema type from the text cells of a column."""
    import pandas as pd

    def bad(i, what):
        fail(f"'{path}' line {lines[i]}, column '{name}': '{cells[i]}' is not {what}")

    if kind == "string":
        return pd.array([c if c != "" else None for c in cells], dtype="string")
    values = []
    if kind == "integer":
        for i, cell in enumerate(cells):
            text = cell.strip()
            if text == "":
                values.append(None)
            elif _INTEGER.fullmatch(text):
                number = int(text)
                if not -2 ** 63 <= number < 2 ** 63:
                    bad(i, "an integer in the 64-bit range")
                values.append(number)
            else:
                bad(i, "an integer")
        return pd.array(values, dtype="Int64")
    if kind == "number":
        for i, cell in enumerate(cells):
            text = cell.strip()
            if text == "" or text.lower() == "nan":
                values.append(math.nan)
            elif _NUMBER.fullmatch(text):
                values.append(float(text))
            else:
                bad(i, "a number")
        return pd.array(values, dtype="float64")
    for i, cell in enumerate(cells):  # boolean
        text = cell.strip().lower()
        if text == "":
            values.append(None)
        elif text in _BOOLEANS:
            values.append(_BOOLEANS[text])
        else:
            bad(i, "true or false")
    return pd.array(values, dtype="boolean")


def read_table(folder):
    """Reads an mltable folder into (df, meta). Column dtypes follow
    schema.json: integer -> Int64, number -> float64, string -> string,
    boolean -> boolean (missing values are <NA>, or NaN for numbers).
    meta = {"label": name or None, "categorical": [names],
            "columns": [{"name", "type"}]}.
    Fails with one line naming the file, line and column of any problem."""
    import pandas as pd

    schema_path, columns, label, categorical = _read_schema(folder)
    names = [c["name"] for c in columns]
    path = os.path.join(folder, "data.csv")
    if not os.path.isfile(path):
        fail(f"input table '{folder}' is not an mltable: data.csv is missing")
    lines = []
    rows = []
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is not None and header and header[0].startswith("\ufeff"):
                header[0] = header[0][1:]
            if header != names:
                fail(f"the header of '{path}' ({', '.join(header or []) or 'empty'}) does not match "
                     f"the columns in schema.json ({', '.join(names)})")
            width = len(names)
            add_row, add_line = rows.append, lines.append
            for cells in reader:
                if len(cells) != width:
                    if not cells or (len(cells) == 1 and cells[0] == ""):
                        continue  # blank line
                    fail(f"'{path}' line {reader.line_num} has {len(cells)} fields, expected {width}")
                add_row(cells)
                add_line(reader.line_num)
    except UnicodeDecodeError:
        fail(_not_utf8(path))
    except csv.Error as e:
        fail(f"'{path}' is not valid CSV: {e}")
    except OSError as e:
        fail(f"cannot read '{path}': {e.strerror}")

    data = [list(column) for column in zip(*rows)] if rows else [[] for _ in names]
    del rows
    series = {}
    for column, cells in zip(columns, data):
        series[column["name"]] = _convert(column["type"], cells, lines, column["name"], path)
    df = pd.DataFrame(series, columns=names)
    meta = {"label": label, "categorical": categorical, "columns": columns}
    return df, meta


def _object_kind(values):
    kinds = set()
    for v in values:
        if isinstance(v, bool) or type(v).__name__ == "bool_":
            kinds.add("boolean")
        elif isinstance(v, int) or type(v).__name__.startswith(("int", "uint")):
            kinds.add("integer")
        elif isinstance(v, float) or type(v).__name__.startswith("float"):
            kinds.add("number")
        else:
            return "string"
    if not kinds:
        return "string"
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"integer", "number"}:
        return "number"
    return "string"


def column_type(series):
    """The mltable type of a pandas column: integer, number, boolean or string."""
    import pandas as pd
    from pandas.api import types as t

    dtype = series.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return column_type(pd.Series(dtype.categories)) if len(dtype.categories) else "string"
    if t.is_bool_dtype(dtype):
        return "boolean"
    if t.is_integer_dtype(dtype):
        return "integer"
    if t.is_float_dtype(dtype):
        return "number"
    if t.is_object_dtype(dtype):
        return _object_kind(v for v in series if not _missing(v))
    return "string"


def _missing(value):
    if value is None:
        return True
    try:
        import pandas as pd
        result = pd.isna(value)
        return bool(result) if not hasattr(result, "__len__") else False
    except (TypeError, ValueError):
        return False


def _format_number(value):
    number = float(value)
    if math.isnan(number):
        return ""
    if math.isinf(number):
        return "inf" if number > 0 else "-inf"
    return repr(number)


def _cells(series, kind):
    out = []
    try:
        missing = series.isna().tolist()
    except (TypeError, ValueError):
        missing = [_missing(v) for v in series.tolist()]
    for v, absent in zip(series.tolist(), missing):
        if absent:
            out.append("")
        elif kind == "integer":
            out.append(str(int(v)))
        elif kind == "number":
            out.append(_format_number(v))
        elif kind == "boolean":
            out.append("true" if v else "false")
        elif hasattr(v, "isoformat"):
            out.append(v.isoformat())
        else:
            out.append(str(v))
    return out


def write_table(folder, df, label=None, categorical=None):
    """Writes df as an mltable folder: data.csv, then schema.json (each
    atomically; schema.json last, so its presence means the table is
    complete). Column types are inferred from the dtypes; the index is not
    written. label and categorical name columns of df (others are dropped
    from categorical silently if they are no longer in df)."""
    names = [str(c) for c in df.columns]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        fail(f"the output table would have the column name '{twice[0]}' twice")
    if not names:
        fail("the output table would have no columns")
    if label is not None and label not in names:
        fail(f"label column '{label}' is not in the output table (its columns: {', '.join(names)})")
    categorical = [c for c in (categorical or []) if c in names]
    categorical = list(dict.fromkeys(categorical))

    kinds = []
    columns = []
    for i, name in enumerate(names):
        series = df.iloc[:, i]
        kind = column_type(series)
        kinds.append(kind)
        columns.append(_cells(series, kind))

    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        fail(f"cannot create output table folder '{folder}': {e.strerror}")

    import io
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(names)
    writer.writerows(zip(*columns))
    write_atomic(os.path.join(folder, "data.csv"), buffer.getvalue())
    schema = {"columns": [{"name": n, "type": k} for n, k in zip(names, kinds)],
              "label": label, "categorical": categorical}
    write_atomic(os.path.join(folder, "schema.json"), json_text(schema))


# ---------------------------------------------------------------- columns

def _column_list(df):
    names = [str(c) for c in df.columns]
    text = ", ".join(names[:30])
    return text + (f", … ({len(names)} in all)" if len(names) > 30 else "")


def require_columns(df, names, role):
    """Fails "ROLE column 'x' is not in the table (its columns: a, b, c)"
    for the first name that is not a column of df."""
    if isinstance(names, str):
        names = [names]
    for name in names:
        if name not in df.columns:
            fail(f"{role} column '{name}' is not in the table (its columns: {_column_list(df)})")


def require_numeric(df, name, role):
    """Fails unless name is an integer or number column of df."""
    require_columns(df, [name], role)
    kind = column_type(df[name])
    if kind not in ("integer", "number"):
        fail(f"{role} column '{name}' is {kind}; it must be an integer or number column")


def parse_columns(text, df, role):
    """The column names in a comma-separated list ("a, b,c"; spaces around
    names are ignored; "all" or "*" means every column). Fails for an empty
    list, a name given twice or a name that is not a column."""
    if text is None:
        fail(f"no {role} columns given")
    text = str(text).strip()
    if text.lower() in ("all", "*"):
        return [str(c) for c in df.columns]
    if text == "":
        fail(f"no {role} columns given; give a comma-separated list of column names or 'all'")
    names = []
    for part in text.split(","):
        name = part.strip()
        if name == "":
            fail(f"the {role} column list '{text}' has an empty name; separate names with single commas")
        if name not in df.columns:
            # a column whose real name has surrounding spaces
            if part in df.columns:
                name = part
            else:
                require_columns(df, [name], role)
        if name in names:
            fail(f"{role} column '{name}' is given twice")
        names.append(name)
    return names


# ---------------------------------------------------------------- models

def library_versions():
    """Versions of the libraries a model depends on, read from the installed
    packages' metadata: importing sklearn and pandas only to ask would cost
    about a second per step."""
    import importlib.metadata
    versions = {"python": platform.python_version()}
    for distribution, key in (("scikit-learn", "sklearn"), ("pandas", "pandas"), ("numpy", "numpy")):
        try:
            versions[key] = importlib.metadata.version(distribution)
        except importlib.metadata.PackageNotFoundError:
            versions[key] = None
    return versions


def save_model(folder, estimator, meta):
    """Writes a custom_model folder: model.pkl (pickle of estimator), then
    model.json (meta, completed with defaults and library_versions), each
    atomically. meta needs "algorithm" and "task"."""
    meta = dict(meta or {})
    task = meta.get("task")
    if task not in TASKS:
        fail(f"internal error: model task {task!r} is not one of {', '.join(TASKS)}")
    info = {
        "untrained": bool(meta.pop("untrained", False)),
        "algorithm": meta.pop("algorithm", type(estimator).__name__),
        "task": meta.pop("task"),
        "params": meta.pop("params", {}),
        "features": list(meta.pop("features", [])),
        "target": meta.pop("target", None),
        "classes": list(meta.pop("classes", None) or []),
        "library_versions": library_versions(),
    }
    meta.pop("library_versions", None)
    info.update(meta)  # anything else the caller wants to keep
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        fail(f"cannot create model folder '{folder}': {e.strerror}")
    write_atomic(os.path.join(folder, "model.pkl"),
                 pickle.dumps(estimator, protocol=pickle.HIGHEST_PROTOCOL))
    write_json(os.path.join(folder, "model.json"), info)


def load_model(folder):
    """Reads a custom_model folder written by save_model: (estimator, meta)."""
    if not os.path.exists(folder):
        fail(f"model '{folder}' does not exist")
    if not os.path.isdir(folder):
        fail(f"model '{folder}' is a file; a model is a folder with model.pkl and model.json")
    json_path = os.path.join(folder, "model.json")
    pkl_path = os.path.join(folder, "model.pkl")
    if not os.path.isfile(json_path):
        fail(f"'{folder}' is not a Sluice model: model.json is missing")
    try:
        with open(json_path, encoding="utf-8") as f:
            meta = json.load(f)
    except (UnicodeDecodeError, ValueError) as e:
        fail(f"model description '{json_path}' is corrupt: {e}")
    except OSError as e:
        fail(f"cannot read '{json_path}': {e.strerror}")
    if not isinstance(meta, dict) or meta.get("task") not in TASKS:
        fail(f"model description '{json_path}' is corrupt: it needs \"task\" "
             f"({', '.join(TASKS)})")
    meta.setdefault("untrained", False)
    meta.setdefault("params", {})
    meta.setdefault("features", [])
    meta.setdefault("target", None)
    meta.setdefault("classes", [])
    meta.setdefault("library_versions", {})
    if not os.path.isfile(pkl_path):
        fail(f"'{folder}' is not a complete Sluice model: model.pkl is missing")
    try:
        with open(pkl_path, "rb") as f:
            estimator = pickle.load(f)
    except OSError as e:
        fail(f"cannot read '{pkl_path}': {e.strerror}")
    except ImportError:
        raise  # main() names the missing module and its Debian package
    except Exception as e:  # noqa: BLE001 -- unpickling can raise anything
        wrote = meta.get("library_versions") or {}
        now = library_versions()
        parts = [f"{k} {wrote.get(k)}" for k in ("sklearn", "pandas", "numpy", "python") if wrote.get(k)]
        written = (f"; it was written with {', '.join(parts)}, this is "
                   f"sklearn {now['sklearn']}, pandas {now['pandas']}, numpy {now['numpy']}, "
                   f"python {now['python']}") if parts else ""
        fail(f"cannot load the model in '{folder}' ({type(e).__name__}: {e}){written}")
    return estimator, meta


# ---------------------------------------------------------------- typing

def infer_kind(cells):
    """The narrowest mltable type all non-empty text cells fit, as Import
    CSV infers it: integer, number, boolean, else string."""
    kinds = ["integer", "number", "boolean"]
    for cell in cells:
        text = cell.strip()
        if text == "":
            continue
        if "integer" in kinds and not _INTEGER.fullmatch(text):
            kinds.remove("integer")
        if "number" in kinds and not _NUMBER.fullmatch(text):
            kinds.remove("number")
        if "boolean" in kinds and text.lower() not in _BOOLEANS:
            kinds.remove("boolean")
        if not kinds:
            return "string"
    return kinds[0] if kinds else "string"


def frame_from_text(names, rows, where):
    """A DataFrame from text rows (lists of cells; row i is line lines[i])
    with a type inferred for every column. rows = [(line, cells)]."""
    import pandas as pd

    lines = [line for line, _ in rows]
    series = {}
    for i, name in enumerate(names):
        cells = [cells[i] for _, cells in rows]
        kind = infer_kind(cells)
        if kind == "integer" and any(not -2 ** 63 <= int(c) < 2 ** 63 for c in cells if c.strip()):
            kind = "number"
        series[name] = _convert(kind, cells, lines, name, where)
    return pd.DataFrame(series, columns=names)


def convert_series(series, kind, name):
    """Converts a column to the pandas dtype of an mltable type (integer ->
    Int64, number -> float64, string -> string, boolean -> boolean); fails
    naming the first value that does not convert (row numbers from 1)."""
    import pandas as pd

    current = column_type(series)
    if current == kind:
        return series.astype({"integer": "Int64", "number": "float64",
                              "string": "string", "boolean": "boolean"}[kind])
    values = series.tolist()
    missing = series.isna().tolist()
    texts = _cells(series, current)
    out = []
    for row, (v, absent, text) in enumerate(zip(values, missing, texts), 1):
        if absent:
            out.append(None if kind != "number" else math.nan)
            continue
        text = text.strip()
        try:
            if kind == "string":
                out.append(text)
            elif kind == "number":
                if current == "boolean":
                    out.append(1.0 if v else 0.0)
                elif _NUMBER.fullmatch(text):
                    out.append(float(text))
                else:
                    raise ValueError
            elif kind == "integer":
                if current == "boolean":
                    out.append(1 if v else 0)
                elif _INTEGER.fullmatch(text):
                    out.append(int(text))
                elif _NUMBER.fullmatch(text) and math.isfinite(float(text)) and float(text).is_integer():
                    out.append(int(float(text)))
                else:
                    raise ValueError
            else:  # boolean
                low = text.lower()
                if low in _BOOLEANS:
                    out.append(_BOOLEANS[low])
                elif low in ("1", "0", "1.0", "0.0"):
                    out.append(low.startswith("1"))
                else:
                    raise ValueError
        except ValueError:
            article = "an" if kind == "integer" else "a"
            fail(f"column '{name}' cannot be converted to {kind}: row {row} has '{text}', "
                 f"which is not {article} {kind}")
    dtype = {"integer": "Int64", "number": "float64", "string": "string", "boolean": "boolean"}[kind]
    return pd.Series(pd.array(out, dtype=dtype), index=series.index, name=series.name)
