# SPDX-License-Identifier: GPL-3.0-or-later
"""Split Rows: shuffles the rows of a table with a seed and writes the first
round(fraction × rows) of them to train and the rest to test. Each output
keeps the rows in their original order and the input's schema."""

import math
import random
import sys

from mltable_io import ArgumentParser, emit_metrics, fail, read_table, write_table


def main(argv):
    parser = ArgumentParser(description="Split a table's rows into a train and a test table.")
    parser.add_argument("--data", required=True, help="input mltable folder")
    parser.add_argument("--fraction", type=float, default=0.8, help="share of rows for train, 0 to 1")
    parser.add_argument("--seed", type=int, default=42, help="seed of the shuffle")
    parser.add_argument("--train", required=True, help="output mltable folder for train rows")
    parser.add_argument("--test", required=True, help="output mltable folder for test rows")
    args = parser.parse_args(argv)

    if not 0.0 <= args.fraction <= 1.0:
        fail(f"fraction must be between 0 and 1, got {args.fraction}")

    table = read_table(args.data)
    n = len(table.rows)
    order = list(range(n))
    random.Random(args.seed).shuffle(order)
    n_train = math.floor(n * args.fraction + 0.5)
    in_train = set(order[:n_train])

    train = [cells for i, (_, cells) in enumerate(table.rows) if i in in_train]
    test = [cells for i, (_, cells) in enumerate(table.rows) if i not in in_train]
    write_table(args.train, table.columns, table.label, train)
    write_table(args.test, table.columns, table.label, test)

    emit_metrics([("train_rows", len(train)), ("test_rows", len(test))])
    print(f"split {n} rows: {len(train)} train, {len(test)} test (seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
