"""What every subcommand shares: exit codes, the argument parser that exits 2, argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Final, NoReturn

from vendorrisk.errors import InputError
from vendorrisk.validate import DATE_FORMAT, check_as_of, parse_date

EXIT_OK: Final = 0
EXIT_FAIL_ON: Final = 1
EXIT_USAGE: Final = 2
EXIT_INVALID_ROWS: Final = 3
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
STDIO: Final = "-"


class Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors exit with :data:`EXIT_USAGE`."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def date(text: str) -> dt.date:
    """An argument in YYYY-MM-DD (exactly: not ``20210101``, not ``2024-W01-1``)."""
    parsed = parse_date(text)
    if parsed is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use {DATE_FORMAT})")
    return parsed


def past_date(text: str) -> dt.date:
    """An argument in YYYY-MM-DD, not after today (an ``--as-of`` date)."""
    parsed = date(text)
    try:
        check_as_of(parsed)
    except InputError as exc:
        raise argparse.ArgumentTypeError(str(exc).removeprefix("as_of ")) from None
    return parsed


def add_pack_options(parser: argparse.ArgumentParser) -> None:
    """``--rules`` and ``--as-of``, worded alike for every subcommand that scores."""
    parser.add_argument("--rules", help="rule pack folder or file (default: the shipped default pack)")
    parser.add_argument(
        "--as-of", type=past_date,
        help="read reference data as of this date (YYYY-MM-DD, not after today) for every row (default: each row's signed date)",
    )


def add_reading_options(parser: argparse.ArgumentParser, format_flag: str = "--format") -> None:
    """How a contracts file is read: its format (``format_flag``: ``--input-format`` where
    ``--format`` names the output), delimiter, encoding and column mapping; as ``score`` reads it."""
    from vendorrisk.io import FORMATS  # the readers' formats (the CLI alone imports both)

    parser.add_argument(format_flag, dest="format", choices=FORMATS, help="input format (default: from the extension, else csv)")
    parser.add_argument("--delimiter", help="CSV delimiter (default ',', or tab for .tsv)")
    parser.add_argument("--encoding", default="utf-8", help="input encoding of CSV or JSON Lines (default utf-8; a BOM is skipped)")
    parser.add_argument(
        "--map", action="append", default=[], metavar="CANONICAL=HEADER",
        help="read the canonical column CANONICAL from the file's column HEADER (repeatable)",
    )
    parser.add_argument("--map-file", metavar="FILE", help="TOML file with a [columns] table of canonical = \"header\"")
