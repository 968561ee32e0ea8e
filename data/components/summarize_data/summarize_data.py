# SPDX-License-Identifier: GPL-3.0-or-later
"""Summarize Data: reads an mltable folder (data.csv + schema.json) and
writes a CSV with one row per column of the table:

    name,type,count,missing,mean,std,min,max,unique

count is the number of non-missing cells, missing the number of empty ones,
unique the number of distinct non-missing values. mean, std (sample
standard deviation), min and max are given for integer and number columns;
for boolean columns mean is the share of true values and min/max are
false/true. Statistics that do not apply, or need more values than there
are, are left empty.

Python 3 standard library only. Every error is one line on stderr and exit
status 1.
"""

import argparse
import csv
import json
import math
import os
import statistics
import sys
import tempfile

PROG = "summarize_data"
COLUMN_TYPES = ("integer", "number", "boolean", "string")
SUMMARY_HEADER = ["name", "type", "count", "missing", "mean", "std", "min", "max", "unique"]

csv.field_size_limit(16 * 1024 * 1024)


def fail(message):
    print(f"{PROG}: error: {message}", file=sys.stderr)
    sys.exit(1)


class Parser(argparse.ArgumentParser):
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


def parse_args(argv):
    parser = Parser(prog=PROG, description="Summarize every column of an mltable folder.")
    parser.add_argument("--data", required=True, help="input mltable folder")
    parser.add_argument("--summary", required=True, help="output CSV file")
    return parser.parse_args(argv)


def read_schema(folder):
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
    return result


def read_rows(folder, columns):
    """Yields (line_number, cells) for every data row of data.csv, after
    checking that its header matches schema.json."""
    path = os.path.join(folder, "data.csv")
    if not os.path.isfile(path):
        fail(f"input table '{folder}' is not an mltable: data.csv is missing")
    names = [name for name, _ in columns]
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
                yield reader.line_num, cells
    except UnicodeDecodeError:
        fail(not_utf8(path))
    except csv.Error as e:
        fail(f"'{path}' is not valid CSV: {e}")
    except OSError as e:
        fail(f"cannot read '{path}': {e.strerror}")


def parse_value(kind, text, name, path, line):
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            value = float(text)
            if math.isfinite(value):
                return value
            raise ValueError
        if kind == "boolean":
            return {"true": True, "false": False}[text.lower()]
    except (ValueError, KeyError):
        fail(f"'{path}' line {line}: '{text}' in column '{name}' is not {'an' if kind == 'integer' else 'a'} "
             f"{kind}, as schema.json says")
    return text


def number_text(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return format(value, ".10g")


def summarize(folder):
    columns = read_schema(folder)
    path = os.path.join(folder, "data.csv")
    values = [[] for _ in columns]
    missing = [0] * len(columns)
    n_rows = 0

    for line, cells in read_rows(folder, columns):
        n_rows += 1
        for i, ((name, kind), cell) in enumerate(zip(columns, cells)):
            if cell.strip() == "":
                missing[i] += 1
            else:
                values[i].append(parse_value(kind, cell.strip() if kind != "string" else cell, name, path, line))

    rows = []
    for (name, kind), vals, miss in zip(columns, values, missing):
        row = {"name": name, "type": kind, "count": len(vals), "missing": miss,
               "mean": "", "std": "", "min": "", "max": "", "unique": len(set(vals))}
        if vals and kind in ("integer", "number", "boolean"):
            numbers = [float(v) for v in vals]
            row["mean"] = number_text(statistics.fmean(numbers))
            if len(numbers) >= 2:
                row["std"] = number_text(statistics.stdev(numbers))
            row["min"] = number_text(min(vals)) if kind != "number" else repr(min(vals))
            row["max"] = number_text(max(vals)) if kind != "number" else repr(max(vals))
        rows.append(row)
    return rows, n_rows


def write_atomic(path, write):
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


def write_summary(path, rows):
    if os.path.isdir(path):
        fail(f"output '{path}' is a folder; the summary is a file")

    def write(f):
        writer = csv.DictWriter(f, fieldnames=SUMMARY_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)

    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        write_atomic(path, write)
    except OSError as e:
        fail(f"cannot write summary '{path}': {e.strerror}")


def emit_metrics(pairs):
    path = os.environ.get("SLUICE_METRICS")
    if not path:
        return
    try:
        with open(path, "a", encoding="utf-8") as f:
            for name, value in pairs:
                f.write(f"{name} {value}\n")
    except OSError as e:
        fail(f"cannot write metrics to '{path}': {e.strerror}")


def main(argv):
    args = parse_args(argv)
    rows, n_rows = summarize(args.data)
    write_summary(args.summary, rows)
    emit_metrics([("rows", n_rows), ("columns", len(rows))])
    print(f"summarized {len(rows)} columns over {n_rows} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
