# SPDX-License-Identifier: GPL-3.0-or-later
"""Enter Data Manually: turns CSV text typed into the pipeline into a table,
inferring a type for every column as Import CSV does."""

import csv
import io

import sluice_ml as ml

DELIMITERS = {",": ",", ";": ";", "\t": "\t", "|": "|", "\\t": "\t", "tab": "\t"}


def run():
    p = ml.parser("Turn CSV text into an mltable.")
    p.add_argument("--text", required=True)
    p.add_argument("--delimiter", default=",")
    p.add_argument("--has-header", type=ml.boolean, default=True)
    p.add_argument("--label", default=None)
    p.add_argument("--output", required=True)
    a = p.parse_args()
    if a.delimiter not in DELIMITERS:
        ml.fail(f"delimiter {a.delimiter!r} is not supported; use ',', ';', '|' or a tab")

    # Typed into a one-line text box, "\n" often arrives as two characters.
    text = a.text
    if "\n" not in text and "\\n" in text:
        text = text.replace("\\n", "\n")
    try:
        rows = [(line, cells) for line, cells in _rows(text, DELIMITERS[a.delimiter])]
    except csv.Error as e:
        ml.fail(f"the data is not valid CSV: {e}")
    if not rows:
        ml.fail("the data is empty; type CSV text, one row per line")

    if a.has_header:
        names = [c.strip() or f"column_{i + 1}" for i, c in enumerate(rows[0][1])]
        rows = rows[1:]
    else:
        names = [f"column_{i + 1}" for i in range(len(rows[0][1]))]
    seen = set()
    for name in names:
        if name in seen:
            ml.fail(f"column name '{name}' appears twice in the header row")
        seen.add(name)
    if not rows:
        ml.fail("the data has a header row but no data rows")
    for line, cells in rows:
        if len(cells) != len(names):
            ml.fail(f"line {line} of the data has {len(cells)} fields but the "
                    f"{'header row' if a.has_header else 'first row'} has {len(names)}")

    df = ml.frame_from_text(names, rows, "the data")
    label = a.label.strip() if a.label else None
    if label:
        ml.require_columns(df, [label], "label")
    ml.write_table(a.output, df, label=label or None)
    ml.metric("rows", len(df))
    ml.metric("columns", len(df.columns))
    print(f"entered {len(df)} rows and {len(df.columns)} columns")


def _rows(text, delimiter):
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter)
    for cells in reader:
        if not cells or (len(cells) == 1 and cells[0].strip() == ""):
            continue
        yield reader.line_num, cells


if __name__ == "__main__":
    ml.main(run)
