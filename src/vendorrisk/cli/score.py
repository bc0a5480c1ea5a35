"""``vendorrisk score``: score a file of contracts, write the scores, summarise on stderr.

Exit codes: 0 every row scored; 1 ``--fail-on`` band reached; 2 usage, input or rule-pack error;
3 some rows invalid (the output is still complete and each bad row has its ``error``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from vendorrisk.batch import Summary, score_stream
from vendorrisk.cli import _view
from vendorrisk.cli._base import EXIT_FAIL_ON, EXIT_INVALID_ROWS, EXIT_OK, STDIO, date
from vendorrisk.errors import InputError
from vendorrisk.io import BATCH_BYTES, FORMATS, format_of, open_batches, open_sink
from vendorrisk.mapping import load_mapping
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import BANDS


def add(commands: Any) -> None:
    score = commands.add_parser("score", help="score a file of contracts (CSV, Parquet or JSON Lines)")
    score.add_argument("input", help="CSV, Parquet or JSON Lines file in the canonical columns (see docs/cli.md)")
    score.add_argument("-o", "--output", help="write the scores here (default, or '-': CSV on stdout)")
    score.add_argument("--rules", help="rule pack folder or file (default: the shipped default pack)")
    score.add_argument("--as-of", type=date, help="read reference data as of this date for every row (default: each row's signed date)")
    score.add_argument("--fail-on", choices=BANDS, help="exit 1 when any contract reaches this band or above")
    score.add_argument("--format", choices=FORMATS, help="input format (default: from the extension, else csv)")
    score.add_argument(
        "--output-format", choices=(*FORMATS, _view.TABLE),
        help="output format (default: from the -o extension; without -o a table on a terminal, else csv)",
    )
    score.add_argument("--delimiter", help="CSV delimiter (default ',', or tab for .tsv)")
    score.add_argument("--encoding", default="utf-8", help="input encoding of CSV or JSON Lines (default utf-8; a BOM is skipped)")
    score.add_argument(
        "--map", action="append", default=[], metavar="CANONICAL=HEADER",
        help="read the canonical column CANONICAL from the file's column HEADER (repeatable)",
    )
    score.add_argument("--map-file", metavar="FILE", help="TOML file with a [columns] table of canonical = \"header\"")
    score.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    score.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = None if args.output in (None, STDIO) else Path(args.output)
    view = _table_view(args, output)
    output_format = format_of(output, None if view else args.output_format)
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
        progress = _view.rich_progress(size) or _Progress(size)
    if view is not None:
        summary = score_stream(batches, view.write, args.rules, args.as_of, progress)
    else:
        with open_sink(output or sys.stdout.buffer, format=output_format) as sink:
            summary = score_stream(batches, sink.write, args.rules, args.as_of, progress)  # loads the pack as reading starts
    if progress is not None:
        progress.finish()
    if view is not None:
        sys.stdout.write(_view.render(view))
    if not args.quiet:
        _summary(args.input, summary, load_rules(args.rules))  # loaded once already: from the cache
    if summary.invalid:
        return EXIT_INVALID_ROWS
    if args.fail_on and any(summary.bands[band] for band in BANDS[BANDS.index(args.fail_on):]):
        print(f"vendorrisk: --fail-on {args.fail_on}: at least one contract reached it", file=sys.stderr)
        return EXIT_FAIL_ON
    return EXIT_OK


def _table_view(args: argparse.Namespace, output: Path | None) -> _view.Rows | None:
    """The terminal table's sink when asked for (``--output-format table``) or when CSV would go to a terminal."""
    if args.output_format == _view.TABLE:
        if output is not None:
            raise InputError(f"--output-format {_view.TABLE} is for the terminal; -o writes {', '.join(FORMATS)}")
        return _view.Rows()
    if args.output is None and args.output_format is None and sys.stdout.isatty():
        return _view.Rows()
    return None


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
