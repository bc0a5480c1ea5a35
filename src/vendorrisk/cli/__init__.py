"""The ``vendorrisk`` command. Parses argv, calls the library, renders; exit codes are decided here.

One module per subcommand; each has ``add(commands)``, which registers its parser with
``run=`` its entry point, and that ``run(args) -> int``. Library errors and OS errors are
turned into messages and exit codes in :func:`main` alone.

Exit codes: 0 every row scored; 1 ``--fail-on`` band reached (``test``: a test failed; ``lint``:
findings); 2 usage, input or rule-pack error; 3 some rows invalid (the output is still complete and
each bad row has its ``error``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from vendorrisk import __version__
from vendorrisk.cli import calibrate, diff, explain, lint, report, score, sources, test
from vendorrisk.cli._base import EXIT_FAIL_ON, EXIT_INTERRUPTED, EXIT_INVALID_ROWS, EXIT_OK, EXIT_USAGE, Parser
from vendorrisk.errors import VendorRiskError

__all__ = ["EXIT_FAIL_ON", "EXIT_INTERRUPTED", "EXIT_INVALID_ROWS", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

#: The subcommands, in the order ``--help`` lists them.
COMMANDS = (score, explain, report, calibrate, test, lint, diff, sources)


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="vendorrisk", description="Score sovereign-data exposure of procurement contracts.")
    parser.add_argument("--version", action="version", version=f"vendorrisk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.run(args)
        return code
    except VendorRiskError as exc:
        print(f"vendorrisk: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # e.g. `vendorrisk score big.csv | head`
        sys.stderr.close()
        return EXIT_OK
    except OSError as exc:  # e.g. the output cannot be created, or the disk is full
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"vendorrisk: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nvendorrisk: interrupted; the output is incomplete", file=sys.stderr)
        return EXIT_INTERRUPTED
