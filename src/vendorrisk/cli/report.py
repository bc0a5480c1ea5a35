"""``vendorrisk report``: score a file of contracts and write the portfolio report as one HTML file."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa

from vendorrisk.batch import score_stream
from vendorrisk.cli._base import EXIT_INVALID_ROWS, EXIT_OK, STDIO, add_pack_options, add_reading_options
from vendorrisk.errors import InputError
from vendorrisk.io import open_batches
from vendorrisk.mapping import load_mapping
from vendorrisk.rules.loader import load_rules


def add(commands: Any) -> None:
    parser = commands.add_parser("report", help="write a self-contained HTML report of a file of contracts")
    parser.add_argument("input", help="CSV, Parquet or JSON Lines file in the canonical columns (as for score; vendorrisk score --help lists them)")
    parser.add_argument("-o", "--output", required=True, help="the HTML file to write ('-': stdout)")
    parser.add_argument("--title", default="vendorrisk portfolio report", help="the report's heading")
    parser.add_argument("--top", type=int, default=20, help="contracts listed with reasons and best mitigation (default 20)")
    add_pack_options(parser)
    add_reading_options(parser)
    parser.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from vendorrisk.report.html import render_report  # needs the report extra; DependencyError says how to get it

    output = None if args.output == STDIO else Path(args.output)
    if output is not None and (output.is_dir() or not output.parent.is_dir()):
        raise InputError(f"{output}: cannot write the report there; give -o a file in an existing folder")
    if args.top < 0:
        raise InputError(f"--top {args.top}: give 0 or more contracts")
    pack = load_rules(args.rules)
    batches = open_batches(args.input, format=args.format, delimiter=args.delimiter, encoding=args.encoding, mapping=load_mapping(args.map, args.map_file))
    pieces: list[pa.Table] = []
    summary = score_stream(batches, pieces.append, pack, args.as_of)
    if not pieces:
        raise InputError(f"{args.input}: no contracts to report on")
    html = render_report(pa.concat_tables(pieces), pack, title=args.title, top=args.top, generated=dt.date.today())
    if output is None:
        sys.stdout.write(html)
    else:
        output.write_text(html, encoding="utf-8")
    if not args.quiet:
        where = "stdout" if output is None else str(output)
        print(f"vendorrisk: {args.input}: {summary.rows} contracts; report written to {where}", file=sys.stderr)
    return EXIT_INVALID_ROWS if summary.invalid else EXIT_OK
