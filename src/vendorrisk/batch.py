"""Score a stream of record batches with bounded memory, reading, scoring and writing at once.

A reader thread pulls batches from the source into a short queue, the calling thread scores
them, and a writer thread drains a second short queue into the sink. The file readers and
writers of pyarrow and most of numpy release the GIL, so on two cores the three stages overlap;
at most a few batches are in memory at any time, whatever the size of the file; and batches
come out in the order they went in.
"""

from __future__ import annotations

import collections
import datetime as dt
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

from vendorrisk._arrays import SeenHashes
from vendorrisk.api import Rules, _pack, _score_arrow
from vendorrisk.schema import CANONICAL_COLUMNS
from vendorrisk.validate import RECORD

QUEUE_DEPTH: Final = 2
_NAMED: Final = (*CANONICAL_COLUMNS, RECORD)  # what an error can name: a column, or the whole record
_DONE: Final = object()


@dataclass
class Summary:
    """Counts over everything scored so far."""

    rows: int = 0
    invalid: int = 0
    duplicates: int = 0
    bands: collections.Counter[str] = field(default_factory=collections.Counter)
    problems: collections.Counter[str] = field(default_factory=collections.Counter)

    def add(self, scored: pa.Table) -> None:
        self.rows += scored.num_rows
        for entry in pc.value_counts(scored.column("band")).to_pylist():
            if entry["values"] is not None:
                self.bands[entry["values"]] += entry["counts"]
        self.duplicates += pc.sum(pc.not_equal(scored.column("warning"), "")).as_py() or 0
        error = scored.column("error")
        errors = pc.filter(error, pc.not_equal(error, ""))
        self.invalid += len(errors)
        for text in errors.to_pylist():
            self.problems.update(name for name in _NAMED if text.startswith(f"{name}: ") or f"; {name}: " in text)


class _Worker(threading.Thread):
    """A daemon thread whose exception :meth:`check` re-raises in the calling thread."""

    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self._work = work
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # noqa: BLE001 - handed to the caller by check()
            self.error = exc

    def check(self) -> None:
        if self.error is not None:
            raise self.error



def _offer(target: queue.Queue[object], item: object, stop: threading.Event) -> bool:
    """Put ``item`` unless ``stop`` is set first (the consumer has gone)."""
    while not stop.is_set():
        try:
            target.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _hand(target: queue.Queue[object], item: object, consumer: _Worker) -> None:
    """Put ``item`` while ``consumer`` lives; re-raise its error if it died."""
    while True:
        try:
            target.put(item, timeout=0.1)
            return
        except queue.Full:
            consumer.check()


def _take(source: queue.Queue[object], producer: _Worker) -> Iterator[object]:
    """Items until the producer's end marker; re-raise its error if it died."""
    while True:
        try:
            item = source.get(timeout=0.1)
        except queue.Empty:
            producer.check()
            continue
        if item is _DONE:
            producer.check()
            return
        yield item


def score_stream(
    batches: Iterable[pa.RecordBatch],
    write: Callable[[pa.Table], None],
    rules: Rules = None,
    as_of: dt.date | None = None,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Score every batch of ``batches`` and ``write`` each scored table, in input order.

    Parameters
    ----------
    batches : record batches in the canonical columns (e.g. from :func:`vendorrisk.io.read_csv_batches`).
    write : called once per scored batch, from a worker thread, in order.
    rules, as_of : as for :func:`vendorrisk.score_table`.
    progress : called with the running :class:`Summary` after each batch is scored.

    Returns the :class:`Summary` of the whole stream. An exception raised by the source or the
    writer is raised here.
    """
    pack = _pack(rules)
    summary = Summary()
    seen = SeenHashes()  # contract ids of earlier batches (as hashes), to flag duplicates across batches
    stop = threading.Event()
    inbox: queue.Queue[object] = queue.Queue(QUEUE_DEPTH)
    outbox: queue.Queue[object] = queue.Queue(QUEUE_DEPTH)

    def read() -> None:
        try:
            for batch in batches:
                if not _offer(inbox, batch, stop):
                    return
        finally:
            _offer(inbox, _DONE, stop)

    def drain_to_sink() -> None:
        while (item := outbox.get()) is not _DONE:
            write(item)

    reader, writer = _Worker(read), _Worker(drain_to_sink)
    reader.start()
    writer.start()
    try:
        for batch in _take(inbox, reader):
            assert isinstance(batch, pa.RecordBatch)
            scored = _score_arrow(pa.Table.from_batches([batch]), pack, as_of, seen)
            summary.add(scored)
            _hand(outbox, scored, writer)
            if progress is not None:
                progress(summary)
    finally:
        stop.set()  # a reader still running stops at its next batch
        if writer.is_alive():
            _hand(outbox, _DONE, writer)
            writer.join()
    writer.check()
    return summary
