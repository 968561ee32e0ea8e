# SPDX-License-Identifier: GPL-3.0-or-later
"""Import CSV: reads a delimited UTF-8 text file and writes it as an mltable
folder, data.csv (comma separated, header row) plus schema.json, with a type
inferred for every column.

Types, from the non-empty cells of a column: integer if all are whole
numbers, number if all are numbers, boolean if all are true/false (any
case), string otherwise. Empty cells are missing values. Integer and boolean
cells are written back normalized ("+7" -> "7", "TRUE" -> "true"); other
cells are written as read.

Python 3 standard library only. Every error is one line on stderr and exit
status 1.
"""

import argparse
import csv
import itertools
import json
import os
import re
import sys
import tempfile

PROG = "import_csv"

# The enum of the component, plus spellings of tab that survive a terminal.
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "|": "|", "\\t": "\t", "tab": "\t"}
DELIMITER_NAMES = {",": "','", ";": "';'", "\t": "tab", "|": "'|'"}

INTEGER = re.compile(r"[+-]?[0-9]+")
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
BOOLEANS = {"true": "true", "false": "false"}

# Narrowest first: a column takes the first type all its cells fit.
# (Boolean is not wider than number; "1" and "true" together are strings.)
TYPES = ("integer", "number", "boolean", "string")

csv.field_size_limit(16 * 1024 * 1024)


class InputError(Exception):
    pass


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


def parse_bool(text):
    value = text.strip().lower()
    if value not in BOOLEANS:
        raise argparse.ArgumentTypeError(f"expected true or false, got '{text}'")
    return value == "true"


def parse_args(argv):
    parser = Parser(prog=PROG, description="Import a CSV file as an mltable folder.")
    parser.add_argument("--path", required=True, help="CSV file to read")
    parser.add_argument("--delimiter", default=",", help="one of , ; | or tab")
    parser.add_argument("--has-header", type=parse_bool, default=True, help="true or false")
    parser.add_argument("--max-rows", type=int, default=None, help="read at most this many data rows")
    parser.add_argument("--data", required=True, help="output mltable folder")
    args = parser.parse_args(argv)

    if args.delimiter not in DELIMITERS:
        fail(f"delimiter {args.delimiter!r} is not supported; use ',', ';', '|' or a tab")
    args.delimiter = DELIMITERS[args.delimiter]
    if args.max_rows is not None and args.max_rows < 1:
        fail(f"max_rows must be at least 1, got {args.max_rows}")
    return args


def fits(kind, value):
    if kind == "integer":
        return INTEGER.fullmatch(value) is not None
    if kind == "number":
        return NUMBER.fullmatch(value) is not None
    if kind == "boolean":
        return value.lower() in BOOLEANS
    return True


def normalize(kind, cell):
    value = cell.strip()
    if value == "":
        return ""
    if kind == "integer":
        return str(int(value))
    if kind == "boolean":
        return BOOLEANS[value.lower()]
    if kind == "number":
        return value
    return cell


def check_input_file(path):
    if not os.path.exists(path):
        fail(f"input file '{path}' does not exist")
    if os.path.isdir(path):
        fail(f"input '{path}' is a folder; give a CSV file")
    if not os.access(path, os.R_OK):
        fail(f"input file '{path}' cannot be read (permission denied)")
    if os.path.getsize(path) == 0:
        fail(f"input file '{path}' is empty")


def read_table(args):
    """Yields (line_number, cells) for every non-blank row: the header row
    (if any) first, then at most max_rows data rows."""
    limit = None if args.max_rows is None else args.max_rows + (1 if args.has_header else 0)
    try:
        with open(args.path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f, delimiter=args.delimiter)
            count = 0
            for cells in reader:
                if not cells or (len(cells) == 1 and cells[0].strip() == ""):
                    continue  # blank line
                if limit is not None and count >= limit:
                    return
                if any("\0" in cell for cell in cells):
                    fail(f"input file '{args.path}' has a NUL byte on line {reader.line_num}; "
                         "it may be UTF-16 or binary, save it as UTF-8 text")
                count += 1
                yield reader.line_num, cells
    except UnicodeDecodeError:
        fail(f"input file {not_utf8(args.path)}")
    except csv.Error as e:
        fail(f"input file '{args.path}' is not valid CSV: {e}")
    except OSError as e:
        fail(f"cannot read input file '{args.path}': {e.strerror}")


def column_names(args, first_cells):
    if not args.has_header:
        return [f"column_{i + 1}" for i in range(len(first_cells))]

    names = []
    seen = {}
    for i, cell in enumerate(first_cells):
        name = cell.strip() or f"column_{i + 1}"
        if name in seen:
            fail(f"column name '{name}' appears twice in the header row "
                 f"(columns {seen[name] + 1} and {i + 1})")
        seen[name] = i
        names.append(name)
    return names


def check_delimiter(args, first_cells):
    """A file read with the wrong delimiter comes out as one wide column."""
    if len(first_cells) != 1:
        return
    for other in (",", ";", "\t", "|"):
        if other != args.delimiter and other in first_cells[0]:
            fail(f"the first line has a single column when split on {DELIMITER_NAMES[args.delimiter]} "
                 f"but contains {DELIMITER_NAMES[other]}; set delimiter to {DELIMITER_NAMES[other]}")


def infer_types(args):
    rows = read_table(args)
    try:
        first_line, first_cells = next(rows)
    except StopIteration:
        fail(f"input file '{args.path}' is empty")

    check_delimiter(args, first_cells)
    names = column_names(args, first_cells)
    # The types each column's cells all fit so far; string fits anything.
    candidates = [list(TYPES) for _ in names]
    n_rows = 0

    data_rows = rows if args.has_header else itertools.chain([(first_line, first_cells)], rows)
    reference = "the header row has" if args.has_header else "the first row has"

    for line, cells in data_rows:
        if len(cells) != len(names):
            fail(f"line {line} has {len(cells)} fields but {reference} {len(names)}; "
                 "check the delimiter and the quoting")
        for i, cell in enumerate(cells):
            value = cell.strip()
            if value == "":
                continue
            if len(candidates[i]) > 1:
                candidates[i] = [kind for kind in candidates[i] if fits(kind, value)]
        n_rows += 1

    if n_rows == 0:
        fail(f"input file '{args.path}' has a header row but no data rows")

    return names, [kinds[0] for kinds in candidates], n_rows


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


def write_mltable(args, names, types):
    try:
        os.makedirs(args.data, exist_ok=True)
    except OSError as e:
        fail(f"cannot create output folder '{args.data}': {e.strerror}")

    def write_data(f):
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(names)
        rows = read_table(args)
        if args.has_header:
            next(rows)
        for _, cells in rows:
            writer.writerow([normalize(t, c) for t, c in zip(types, cells)])

    def write_schema(f):
        schema = {"columns": [{"name": n, "type": t} for n, t in zip(names, types)], "label": None}
        json.dump(schema, f, indent=2, ensure_ascii=False)
        f.write("\n")

    try:
        # schema.json last: its presence means the table is complete.
        write_atomic(os.path.join(args.data, "data.csv"), write_data)
        write_atomic(os.path.join(args.data, "schema.json"), write_schema)
    except OSError as e:
        fail(f"cannot write to output folder '{args.data}': {e.strerror}")


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
    check_input_file(args.path)
    names, types, n_rows = infer_types(args)
    write_mltable(args, names, types)
    emit_metrics([("rows", n_rows), ("columns", len(names))])
    print(f"imported {n_rows} rows and {len(names)} columns: "
          + ", ".join(f"{n} ({t})" for n, t in zip(names, types)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
