# SPDX-License-Identifier: GPL-3.0-or-later
"""Export CSV: writes a table as a delimited UTF-8 text file."""

import csv
import io
import os

import sluice_ml as ml

DELIMITERS = {",": ",", ";": ";", "\t": "\t", "|": "|", "\\t": "\t", "tab": "\t"}


def run():
    p = ml.parser("Write an mltable as a CSV file.")
    p.add_argument("--data", required=True)
    p.add_argument("--delimiter", default=",")
    p.add_argument("--header", type=ml.boolean, default=True)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    if a.delimiter not in DELIMITERS:
        ml.fail(f"delimiter {a.delimiter!r} is not supported; use ',', ';', '|' or a tab")
    delimiter = DELIMITERS[a.delimiter]

    ml.read_table(a.data)  # checks every cell against the schema
    # The table's data.csv is already canonical; only the delimiter changes.
    with open(os.path.join(a.data, "data.csv"), encoding="utf-8", newline="") as f:
        rows = [cells for cells in csv.reader(f) if cells]
    if rows and rows[0] and rows[0][0].startswith("\ufeff"):
        rows[0][0] = rows[0][0][1:]
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerows(rows if a.header else rows[1:])
    ml.write_atomic(a.output, buffer.getvalue())
    ml.metric("rows", len(rows) - 1)
    print(f"wrote {len(rows) - 1} rows")


if __name__ == "__main__":
    ml.main(run)
