"""``vendorrisk score``: score a file of contracts, write the scores, summarise on stderr.

Exit codes: 0 every row scored; 1 ``--fail-on`` reached (a contract in that band or above, a blocked
contract at any band, a warned one from :data:`WARN_FAILS_FROM` down); 2 usage, input or rule-pack error;
3 some rows invalid (the output is still complete and each bad row has its ``error``).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import sys
import tempfile
import textwrap
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

from vendorrisk.batch import Summary, score_stream
from vendorrisk.calibration import Calibration, load_calibration
from vendorrisk.cli import _view
from vendorrisk.cli._base import EXIT_FAIL_ON, EXIT_INVALID_ROWS, EXIT_OK, EXIT_USAGE, STDIO, add_pack_options, add_reading_options
from vendorrisk.errors import InputError, MissingColumnsError
from vendorrisk.io import BATCH_BYTES, FORMATS, NOT_UTF8, SUFFIXES, format_of, open_batches, open_sink, spool
from vendorrisk.mapping import load_mapping
from vendorrisk.rules.loader import RulePack, load_rules
from vendorrisk.schema import (
    BANDS,
    FIELDS,
    PARSE_ERROR_COLUMN,
    delimiter_name,
    lookalikes,
    missing_required,
    suspected_delimiter,
    unknown_columns_problem,
)


#: How ``score --help`` describes each kind of column: an installed package has no docs folder,
#: so the help itself lists the columns (from the schema, so that it cannot drift from it).
_KIND_TEXT: Final = {
    "id": "text", "text": "text", "country": "ISO 3166-1 alpha-2 code", "link_country": "ISO 3166-1 alpha-2 code, or none",
    "bool": "true/false, yes/no or 1/0", "count": "whole number >= 0", "amount": "number >= 0", "date": "YYYY-MM-DD",
}


def _epilog() -> str:
    """The input columns and exit codes, for ``vendorrisk score --help``."""
    lines = ["input columns (in any order; an empty cell is unknown; other columns pass through):"]
    for spec in FIELDS:
        values = ", ".join(spec.values)
        kind = values if spec.kind == "enum" else f"';'-separated: {values}" if spec.kind == "set" else _KIND_TEXT[spec.kind]
        text = f"{spec.name}{' (required)' if spec.required else ''}: {kind}"
        lines.append(textwrap.fill(text, width=79, initial_indent="  ", subsequent_indent="      ", break_on_hyphens=False))
    lines += [
        "",
        f"exit codes: {EXIT_OK} every row scored; {EXIT_FAIL_ON} --fail-on band reached; {EXIT_USAGE} usage,",
        f"  input or rule-pack error; {EXIT_INVALID_ROWS} some rows invalid (the output is complete; each",
        "  bad row has its error).",
        "",
        "The full documentation (cli.md, methodology.md, rule-packs.md) is in the docs",
        "folder of the vendorrisk sources.",
    ]
    return "\n".join(lines)


#: A warned contract fails ``--fail-on`` at this band and below (a blocked one at every band): a
#: gate is a verdict apart from the score, so a block must never pass a check the score alone passes.
WARN_FAILS_FROM: Final = "high"


def add(commands: Any) -> None:
    score = commands.add_parser(
        "score", help="score a file of contracts (CSV, Parquet or JSON Lines)",
        epilog=_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument("input", help="CSV, Parquet or JSON Lines file in the input columns listed below, or '-' for standard input")
    score.add_argument("-o", "--output", help="write the scores here (default, or '-': CSV on stdout)")
    add_pack_options(score)
    score.add_argument(
        "--fail-on", choices=BANDS,
        help=f"exit 1 when any contract reaches this band or above, is blocked by a gate, or (--fail-on {WARN_FAILS_FROM} or lower) is warned",
    )
    add_reading_options(score)
    score.add_argument(
        "--output-format", choices=(*FORMATS, _view.TABLE),
        help="output format (default: from the -o extension; without -o a table on a terminal, else csv)",
    )
    score.add_argument("--calibration", metavar="FILE", help="add a probability column from this artefact (vendorrisk calibrate)")
    score.add_argument("--strict", action="store_true", help="with --calibration: an artefact fitted with another rule pack is an error, not a warning")
    score.add_argument(
        "--strict-columns", action="store_true",
        help="refuse an input column that is neither canonical nor mapped (default: pass it through with a warning)",
    )
    score.add_argument("-q", "--quiet", action="store_true", help="no summary on stderr")
    score.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = None if args.output in (None, STDIO) else Path(args.output)
    view = _table_view(args, output)
    if output is not None and args.output_format is None and output.suffix and output.suffix.lower() not in SUFFIXES:
        raise InputError(
            f"{output}: unknown output extension {output.suffix!r} (known: {', '.join(SUFFIXES)}); "
            "give --output-format to write this name anyway"
        )
    output_format = format_of(output, None if view else args.output_format)
    if output_format == "parquet" and output is None:
        raise InputError("Parquet cannot be written to stdout; give -o FILE.parquet")
    if output is not None:
        _check_writable(output)  # before scoring: a typo in -o should not cost the whole run
    calibration = _calibration(args)
    mapping = load_mapping(args.map, args.map_file)
    with tempfile.TemporaryDirectory(prefix="vendorrisk-") as folder:
        source = _input_file(args.input, folder)
        kind = format_of(None if args.input == STDIO else args.input, args.format)
        batches = open_batches(source, format=kind, delimiter=args.delimiter, encoding=args.encoding, mapping=mapping)
        first = next(batches)  # every reader yields at least one batch, with the file's columns
        _check_columns(args.input, first.schema.names, args.strict_columns)
        batches = itertools.chain([first], batches)
        del first  # not held for the whole run
        progress = None
        if not args.quiet and sys.stderr.isatty():
            # Each CSV batch is one read block, which gives an ETA; other formats show the rate only.
            size = source.stat().st_size if kind == "csv" else None
            progress = _view.rich_progress(size) or _Progress(size)
        with contextlib.ExitStack() as stack:
            if view is not None:  # the terminal table
                sink = view.write
            else:
                opened = open_sink(output or sys.stdout.buffer, format=output_format)
                stack.enter_context(opened)
                sink = opened.write
            write = sink if calibration is None else (lambda table: sink(calibration.add_to(table)))
            try:  # loads the pack as reading starts
                summary = score_stream(batches, write, args.rules, args.as_of, progress)
            except MissingColumnsError as exc:
                raise InputError(f"{exc}{_advice(exc.columns)}") from None
    if progress is not None:
        progress.finish()
    if view is not None:
        sys.stdout.write(_view.render(view))
    if not args.quiet:
        _summary(args.input, summary, load_rules(args.rules))  # loaded once already: from the cache
    if summary.invalid:
        return EXIT_INVALID_ROWS
    causes = _fail_on_causes(args.fail_on, summary) if args.fail_on else []
    if causes:
        print(f"vendorrisk: --fail-on {args.fail_on}: at least one contract reached it ({', '.join(causes)})", file=sys.stderr)
        return EXIT_FAIL_ON
    return EXIT_OK


def _fail_on_causes(fail_on: str, summary: Summary) -> list[str]:
    """What makes ``--fail-on fail_on`` fail: contracts in that band or above, blocked contracts
    (at any band), warned contracts (when ``fail_on`` is :data:`WARN_FAILS_FROM` or lower)."""
    reached = sum(summary.bands[band] for band in BANDS[BANDS.index(fail_on):])
    counts = (
        (reached, f"{fail_on} or above"),
        (summary.gates["block"], "blocked"),
        (summary.gates["warn"] if BANDS.index(fail_on) <= BANDS.index(WARN_FAILS_FROM) else 0, "warned"),
    )
    return [f"{count} {what}" for count, what in counts if count]


def _calibration(args: argparse.Namespace) -> Calibration | None:
    """The ``--calibration`` artefact, checked against the pack (a warning, or with ``--strict`` an error)."""
    if args.calibration is None:
        if args.strict:
            raise InputError("--strict applies to --calibration; give --calibration FILE")
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        calibration = load_calibration(args.calibration, args.rules, strict=args.strict)
    for warning in caught:
        print(f"vendorrisk: warning: {warning.message}", file=sys.stderr)
    return calibration


def _advice(columns: Sequence[str]) -> str:
    """What to add to the library's message about missing required columns: the options that fix it."""
    near = lookalikes(columns)
    if near:
        them = "it" if len(near) == 1 else "them"
        return f", or map {them} ({' '.join(f'--map {name}={header!r}' for name, header in near)})"
    mark = suspected_delimiter(columns)
    return f" (--delimiter {delimiter_name(mark)})" if mark else ""


def _input_file(name: str, folder: str) -> Path:
    """The input as a regular file: standard input (``-``) and pipes (``/dev/stdin``, a process
    substitution) are first copied into ``folder``, since the readers read a file more than once."""
    if name == STDIO:
        return spool(sys.stdin.buffer, folder)
    path = Path(name)
    if path.exists() and not path.is_file() and not path.is_dir():
        with path.open("rb") as stream:
            return spool(stream, folder, "input" + path.suffix)
    return path


def _check_columns(name: str, names: list[str], strict: bool) -> None:
    """Tell about input columns that are neither canonical nor mapped; refuse them with ``--strict-columns``."""
    names = [column for column in names if column != PARSE_ERROR_COLUMN]
    problem = unknown_columns_problem(names)
    if problem is None or missing_required(names):  # then the input cannot be scored: that error says it all
        return
    if strict:
        raise InputError(f"{name}: {problem} (--strict-columns)")
    print(
        f"vendorrisk: warning: {name}: {problem}; map a misspelt header with --map CANONICAL=HEADER, "
        "or give --strict-columns to refuse unknown columns",
        file=sys.stderr,
    )


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
    gates = f"blocked {summary.gates['block']}, warned {summary.gates['warn']}"
    print(f"vendorrisk: {path}: {_count(summary.rows, 'contract')}; {counts}; {gates}; invalid {summary.invalid}", file=sys.stderr)
    print(f"vendorrisk: pack {pack.name} {pack.model.pack.version} {pack.fingerprint}", file=sys.stderr)
    if summary.duplicates:
        repeat = "repeats" if summary.duplicates == 1 else "repeat"
        print(f"vendorrisk: {_count(summary.duplicates, 'row')} {repeat} an earlier contract_id (scored; see the warning column)", file=sys.stderr)
    if summary.invalid:
        detail = ", ".join(f"{column} {count}" for column, count in summary.problems.most_common())
        print(f"vendorrisk: {_count(summary.invalid, 'row')} invalid (problems by column: {detail}); see the error column", file=sys.stderr)
    if summary.bad_bytes:
        print(
            f"vendorrisk: {_count(summary.bad_bytes, 'row')} had {NOT_UTF8} (not scored; see the error column): "
            f"is the file in another encoding? give it with --encoding, e.g. latin-1",
            file=sys.stderr,
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
