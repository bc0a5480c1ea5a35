"""What every subcommand shares: exit codes, the argument parser that exits 2, argument types."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from typing import Final, NoReturn

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
    """An argument in YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None
