# SPDX-License-Identifier: GPL-3.0-or-later
"""Small helpers shared by the example components: reading and writing
mltable folders (data.csv + schema.json), atomic writes, metrics and
one-line errors. Python 3 standard library only.

An mltable is a folder holding data.csv (comma separated, header row,
UTF-8, empty cell = missing value) and schema.json:
{"columns": [{"name": ..., "type": "integer|number|string|boolean"}], "label": null}
"""

import argparse
import csv
import json
import math
import os
import sys
import tempfile

COLUMN_TYPES = ("integer", "number", "boolean", "string")

csv.field_size_limit(16 * 1024 * 1024)

_prog = os.path.splitext(os.path.basename(sys.argv[0]))[0] or "component"


def fail(message):
    """Prints one line to stderr and exits with status 1."""
    print(f"{_prog}: error: {message}", file=sys.stderr)
    sys.exit(1)


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with usage errors as one line and exit status 1."""

    def error(self, message):
        fail(message)


def first_bad_utf8_line(path):
    """The 1-based line number of the first line that is not UTF-8."""
    try:
        with open(path, "rb") as f:
            for number, line in enumerate(f, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    return number
    except OSError:
        pass
    return None


def not_utf8(path):
    line = first_bad_utf8_line(path)
    where = f" (line {line})" if line else ""
    return f"'{path}' is not UTF-8 text{where}; save it as UTF-8"


class Table:
    def __init__(self, folder, columns, label, rows):
        self.folder = folder
        self.columns = columns      # [(name, type)]
        self.label = label
        self.rows = rows            # [(line_number, [cells])]

    @property
    def names(self):
        return [name for name, _ in self.columns]

    def column_type(self, name):
        for column, kind in self.columns:
            if column == name:
                return kind
        return None

    def require_numeric_column(self, name, role):
        kind = self.column_type(name)
        if kind is None:
            fail(f"{role} column '{name}' is not in table '{self.folder}' (its columns: {', '.join(self.names)})")
        if kind not in ("integer", "number"):
            fail(f"{role} column '{name}' is {kind}; it must be an integer or number column")
        return self.names.index(name)

    def numbers(self, index):
        """The non-missing values of a numeric column, as floats."""
        path = os.path.join(self.folder, "data.csv")
        name = self.columns[index][0]
        result = []
        for line, cells in self.rows:
            text = cells[index].strip()
            if text == "":
                continue
            try:
                value = float(text)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                fail(f"'{path}' line {line}: '{text}' in column '{name}' is not a number")
            result.append(value)
        return result


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
    except (OSError, UnicodeDecodeError, ValueError) as e:
        fail(f"cannot read '{path}': {e}")

    columns = schema.get("columns") if isinstance(schema, dict) else None
    if not isinstance(columns, list) or not columns:
        fail(f"'{path}' must have a non-empty list \"columns\"")
    result = []
    for i, column in enumerate(columns):
        if (not isinstance(column, dict) or not isinstance(column.get("name"), str)
                or column.get("type") not in COLUMN_TYPES):
            fail(f"'{path}': column {i + 1} must be {{\"name\": ..., \"type\": integer|number|boolean|string}}")
        result.append((column["name"], column["type"]))
    label = schema.get("label")
    return result, label if isinstance(label, str) else None


def read_table(folder):
    """Reads a whole mltable folder; fails with a clear message if it is not one."""
    columns, label = _read_schema(folder)
    names = [name for name, _ in columns]
    path = os.path.join(folder, "data.csv")
    if not os.path.isfile(path):
        fail(f"input table '{folder}' is not an mltable: data.csv is missing")
    rows = []
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header != names:
                fail(f"the header of '{path}' ({', '.join(header or []) or 'empty'}) does not match "
                     f"the columns in schema.json ({', '.join(names)})")
            for cells in reader:
                if not cells:
                    continue
                if len(cells) != len(names):
                    fail(f"'{path}' line {reader.line_num} has {len(cells)} fields, expected {len(names)}")
                rows.append((reader.line_num, cells))
    except UnicodeDecodeError:
        fail(not_utf8(path))
    except csv.Error as e:
        fail(f"'{path}' is not valid CSV: {e}")
    except OSError as e:
        fail(f"cannot read '{path}': {e.strerror}")
    return Table(folder, columns, label, rows)


def write_atomic(path, write):
    """Writes a text file through a temporary file and a rename, so that
    the file is either complete or absent."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def make_folder(folder, what):
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as e:
        fail(f"cannot create {what} folder '{folder}': {e.strerror}")


def write_json(path, value, what):
    def write(f):
        json.dump(value, f, indent=2, ensure_ascii=False)
        f.write("\n")

    if os.path.isdir(path):
        fail(f"{what} '{path}' is a folder; it must be a file")
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        write_atomic(path, write)
    except OSError as e:
        fail(f"cannot write {what} '{path}': {e.strerror}")


def write_table(folder, columns, label, rows):
    """Writes an mltable folder; schema.json is written last, so its
    presence means the table is complete."""
    make_folder(folder, "output table")

    def write_data(f):
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([name for name, _ in columns])
        writer.writerows(rows)

    try:
        write_atomic(os.path.join(folder, "data.csv"), write_data)
    except OSError as e:
        fail(f"cannot write output table '{folder}': {e.strerror}")
    schema = {"columns": [{"name": n, "type": t} for n, t in columns], "label": label}
    write_json(os.path.join(folder, "schema.json"), schema, "schema")


def emit_metrics(pairs):
    """Appends "name value" lines to the file named by SLUICE_METRICS, if any."""
    path = os.environ.get("SLUICE_METRICS")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            for name, value in pairs:
                f.write(f"{name} {value}\n")
    except OSError as e:
        fail(f"cannot write metrics to '{path}': {e.strerror}")


def format_number(value):
    """Shortest text that reads back as the same float."""
    return repr(float(value))
