"""The terminal view of ``vendorrisk score``: a table of the scored contracts and a progress bar.

Both use rich (the ``report`` extra) when it is installed. Without it the table is plain aligned
text and the progress is the one-line counter of :mod:`vendorrisk.cli.score`: scoring never needs
rich, only the look does.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Final

import pyarrow as pa

from vendorrisk.batch import Summary
from vendorrisk.io import BATCH_BYTES

#: ``--output-format`` value that asks for the table.
TABLE: Final = "table"
#: The table shows at most this many contracts (in file order); the rest are counted.
MAX_ROWS: Final = 200
COLUMNS: Final = ("contract_id", "buyer_name", "buyer_country", "vendor_name", "score", "score_low", "score_high", "band", "gate", "reasons", "error")
BAND_STYLES: Final = {"low": "green", "medium": "yellow", "high": "red", "critical": "bold white on red"}
GATE_STYLES: Final = {"pass": "", "warn": "yellow", "block": "bold red"}


@dataclass
class Rows:
    """A sink for :func:`vendorrisk.batch.score_stream` keeping the first :data:`MAX_ROWS` rows' shown columns."""

    limit: int = MAX_ROWS
    kept: list[dict[str, Any]] = field(default_factory=list)
    total: int = 0

    def write(self, table: pa.Table) -> None:
        self.total += table.num_rows
        room = self.limit - len(self.kept)
        if room > 0:
            names = [name for name in COLUMNS if name in table.column_names]
            self.kept.extend(table.slice(0, room).select(names).to_pylist())


def _cells(row: dict[str, Any]) -> tuple[str, str, str, str, str, str, str]:
    buyer = row.get("buyer_name") or ""
    country = row.get("buyer_country") or ""
    buyer_text = f"{buyer} ({country})" if buyer and country else buyer or country
    if row.get("error"):
        return (str(row.get("contract_id") or ""), buyer_text, row.get("vendor_name") or "", "", "invalid", "", str(row["error"]))
    score, low, high = (row.get(name) for name in ("score", "score_low", "score_high"))
    score_text = "" if score is None else f"{score:.1f} [{low:.1f}-{high:.1f}]"
    top = (row.get("reasons") or "").split(";")[0]
    return (str(row.get("contract_id") or ""), buyer_text, row.get("vendor_name") or "", score_text, row.get("band") or "", row.get("gate") or "", top)


HEADERS: Final = ("contract", "buyer", "vendor", "score (range)", "band", "gate", "top reason")
#: Width of the table when it goes to a file or pipe (``--output-format table``), where no terminal says.
WIDE: Final = 180
WIDTHS: Final = (None, None, None, 18, 8, 5, None)
RATIOS: Final = (2, 3, 2, None, None, None, 3)
PLAIN_WIDTHS: Final = (28, 34, 26, 18, 8, 5, 52)


def render(rows: Rows) -> str:
    """The table as text for the terminal: coloured by band with rich, plain aligned text without it."""
    more = rows.total - len(rows.kept)
    footer = f"... {more} more contracts not shown; write them all with -o FILE" if more > 0 else ""
    try:
        from rich.console import Console
        from rich.table import Table
        from rich.text import Text
    except ImportError:
        return _plain(rows, footer)
    table = Table(show_lines=False, header_style="bold", expand=True)
    for header, width, ratio in zip(HEADERS, WIDTHS, RATIOS):
        # One line per contract: long names are cut with an ellipsis (the full text is in -o output);
        # score, band and gate have fixed widths, the text columns share what is left.
        table.add_column(
            header, justify="right" if header.startswith("score") else "left",
            no_wrap=True, overflow="ellipsis", width=width, ratio=ratio,
        )
    for row in rows.kept:
        cells = _cells(row)
        band_style = BAND_STYLES.get(cells[4], "magenta")
        # Text, not strings: a cell's own brackets are shown, never read as rich markup.
        table.add_row(
            Text(cells[0]), Text(cells[1]), Text(cells[2]), Text(cells[3], style=band_style), Text(cells[4], style=band_style),
            Text(cells[5], style=GATE_STYLES.get(cells[5], "")), Text(cells[6]),
        )
    terminal = sys.stdout.isatty()
    console = Console(force_terminal=terminal, highlight=False, width=None if terminal else WIDE)
    with console.capture() as capture:
        console.print(table)
        if footer:
            console.print(footer)
    return capture.get()


def _plain(rows: Rows, footer: str) -> str:
    cells = [HEADERS, *(_cells(row) for row in rows.kept)]
    widths = [min(limit, max(len(line[i]) for line in cells)) for i, limit in enumerate(PLAIN_WIDTHS)]
    lines = ["  ".join(cell[:width].ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([*lines, footer] if footer else lines) + "\n"


class RichProgress:
    """A rich progress bar on stderr: rows, rows per second and, for CSV, the share of the file read."""

    def __init__(self, size: int | None) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

        self.expected = None if size is None else max(1, -(-size // BATCH_BYTES))
        self.started = time.monotonic()
        self.progress = Progress(
            TextColumn("vendorrisk"), BarColumn(), TextColumn("{task.fields[rows]:,} contracts, {task.fields[rate]:,.0f}/s"),
            TimeRemainingColumn(), console=Console(stderr=True), transient=True,
        )
        self.task = self.progress.add_task("score", total=self.expected, rows=0, rate=0.0)
        self.progress.start()

    def __call__(self, summary: Summary) -> None:
        elapsed = time.monotonic() - self.started
        self.progress.update(self.task, advance=1, rows=summary.rows, rate=summary.rows / elapsed if elapsed else 0.0)

    def finish(self) -> None:
        if self.expected is not None:
            self.progress.update(self.task, completed=self.expected)
        self.progress.stop()


def rich_progress(size: int | None) -> RichProgress | None:
    """A :class:`RichProgress`, or None when rich is not installed (the caller falls back)."""
    try:
        return RichProgress(size)
    except ImportError:
        return None
