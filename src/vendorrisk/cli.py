"""The ``vendorrisk`` command. Parses argv, calls the library, renders; exit codes are decided here.

Exit codes: 0 every row scored; 1 ``--fail-on`` band reached; 2 usage, input or rule-pack error;
3 some rows invalid (the output is still complete and each bad row has its ``error``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from vendorrisk import __version__
from vendorrisk.batch import Summary, score_stream
from vendorrisk.errors import InputError, VendorRiskError
from vendorrisk.io import BATCH_BYTES, FORMATS, format_of, open_batches, open_sink
from vendorrisk.mapping import load_mapping
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import BANDS

EXIT_OK: Final = 0
EXIT_FAIL_ON: Final = 1
EXIT_USAGE: Final = 2
EXIT_INVALID_ROWS: Final = 3
EXIT_INTERRUPTED: Final = 130  # 128 + SIGINT, as shells report a command stopped by Ctrl-C
STDIO: Final = "-"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="vendorrisk", description="Score sovereign-data exposure of procurement contracts.")
    parser.add_argument("--version", action="version", version=f"vendorrisk {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    score = commands.add_parser("score", help="score a file of contracts (CSV, Parquet or JSON Lines)")
    score.add_argument("input", help="CSV, Parquet or JSON Lines file in the canonical columns (see docs/cli.md)")
    score.add_argument("-o", "--output", help="write the scores here (default, or '-': CSV on stdout)")
    score.add_argument("--rules", help="rule pack folder or file (default: the shipped default pack)")
    score.add_argument("--as-of", type=_date, help="read reference data as of this date for every row (default: each row's signed date)")
    score.add_argument("--fail-on", choices=BANDS, help="exit 1 when any contract reaches this band or above")
    score.add_argument("--format", choices=FORMATS, help="input format (default: from the extension, else csv)")
    score.add_argument("--output-format", choices=FORMATS, help="output format (default: from the -o extension, else csv)")
    score.add_argument("--delimiter", help="CSV delimiter (default ',', or tab for .tsv)")
    score.add_argument("--encoding", default="utf-8", help="input encoding of CSV or JSON Lines (default utf-8; a BOM is skipped)")
    score.add_argument(
        "--map", action="append", default=[], metavar="CANONICAL=HEADER",
        help="read the canonical column CANONICAL from the file's column HEADER (repeatable)",
    )
    score.add_argument("--map-file", metavar="FILE", help="TOML file with a [columns] table of canonical = \"header\"")
    score.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    sources = commands.add_parser("sources", help="list the reference tables of a rule pack with their editions")
    sources.add_argument("--rules", help="rule pack folder or file (default: the shipped default pack)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "sources":
            return _sources(load_rules(args.rules))
        return _score(args)
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


def _score(args: argparse.Namespace) -> int:
    output = None if args.output in (None, STDIO) else Path(args.output)
    output_format = format_of(output, args.output_format)
    if output_format == "parquet" and output is None:
        raise InputError("Parquet cannot be written to stdout; give -o FILE.parquet")
    if output is not None:
        _check_writable(output)  # before scoring: a typo in -o should not cost the whole run
    mapping = load_mapping(args.map, args.map_file)
    batches = open_batches(args.input, format=args.format, delimiter=args.delimiter, encoding=args.encoding, mapping=mapping)
    progress = None
    if not args.quiet and sys.stderr.isatty():
        # Each CSV batch is one read block, which gives an ETA; other formats show the rate only.
        size = Path(args.input).stat().st_size if format_of(args.input, args.format) == "csv" else None
        progress = _Progress(size)
    with open_sink(output or sys.stdout.buffer, format=output_format) as sink:
        summary = score_stream(batches, sink.write, args.rules, args.as_of, progress)  # loads the pack as reading starts
    if progress is not None:
        progress.finish()
    if not args.quiet:
        _summary(args.input, summary, load_rules(args.rules))  # loaded once already: from the cache
    if summary.invalid:
        return EXIT_INVALID_ROWS
    if args.fail_on and any(summary.bands[band] for band in BANDS[BANDS.index(args.fail_on):]):
        print(f"vendorrisk: --fail-on {args.fail_on}: at least one contract reached it", file=sys.stderr)
        return EXIT_FAIL_ON
    return EXIT_OK


def _check_writable(path: Path) -> None:
    """Refuse an output path that cannot be a file (the file itself is created on the first write)."""
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give -o a file name")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{path}: cannot write it: no folder {str(folder)!r}")


class _Progress:
    """Rows per second and an ETA on one terminal line (each CSV batch is one read block)."""

    def __init__(self, size: int | None) -> None:
        self.started = time.monotonic()
        self.expected_batches = None if size is None else max(1, -(-size // BATCH_BYTES))
        self.batches = 0

    def __call__(self, summary: Summary) -> None:
        self.batches += 1
        elapsed = time.monotonic() - self.started
        rate = summary.rows / elapsed if elapsed else 0.0
        eta = ""
        if self.expected_batches is not None:
            eta = f", about {max(0.0, elapsed / self.batches * (self.expected_batches - self.batches)):.0f} s left"
        print(f"\rvendorrisk: {summary.rows:,} contracts, {rate:,.0f}/s{eta} ", end="", file=sys.stderr, flush=True)

    def finish(self) -> None:
        print(file=sys.stderr)


def _summary(path: str, summary: Summary, pack: RulePack) -> None:
    counts = ", ".join(f"{band} {summary.bands[band]}" for band in BANDS)
    print(f"vendorrisk: {path}: {_count(summary.rows, 'contract')}; {counts}; invalid {summary.invalid}", file=sys.stderr)
    print(f"vendorrisk: pack {pack.name} {pack.model.pack.version} {pack.fingerprint}", file=sys.stderr)
    if summary.duplicates:
        repeat = "repeats" if summary.duplicates == 1 else "repeat"
        print(f"vendorrisk: {_count(summary.duplicates, 'row')} {repeat} an earlier contract_id (scored; see the warning column)", file=sys.stderr)
    if summary.invalid:
        detail = ", ".join(f"{column} {count}" for column, count in summary.problems.most_common())
        print(f"vendorrisk: {_count(summary.invalid, 'row')} invalid (problems by column: {detail}); see the error column", file=sys.stderr)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _sources(pack: RulePack) -> int:
    model = pack.model
    print(f"pack {model.pack.name} {model.pack.version} ({pack.source})")
    print(f"fingerprint {pack.fingerprint}")
    for meta, count in (
        (model.jurisdictions_meta, len(model.jurisdictions)),
        (model.vendors_meta, len(model.vendors)),
        (model.incidents_meta, len(model.incidents)),
        (model.governance_meta, len(model.governance)),
    ):
        print(f"{meta.table}: {count} entries; edition {meta.edition}; published {meta.published}")
        print(f"  source: {meta.source}")
        if meta.attribution:
            print(f"  attribution: {meta.attribution}")
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
