"""Score a stream of record batches with bounded memory, reading, scoring and writing at once.

A reader thread pulls batches from the source into a short queue, a small pool of scoring
threads scores them, and a writer thread drains a second short queue into the sink. The file
readers and writers of pyarrow, its compute kernels and numpy's array loops release the GIL, so
the stages overlap on several cores; at most a few batches are in memory at any time, whatever
the size of the file; and batches come out in the order they went in. Contract ids repeated
from an earlier batch are flagged in that order too, by the calling thread.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from vendorrisk._arrays import SeenHashes
from vendorrisk.engine import IdHashes, Rules, as_of_date, pack_of, scored_table, split_warnings, warning_column
from vendorrisk.schema import CANONICAL_COLUMNS, DUPLICATE_WARNING
from vendorrisk.io import NOT_UTF8
from vendorrisk.validate import RECORD

QUEUE_DEPTH: Final = 2
#: Scoring threads: one per core, at most four (each batch in flight holds its temporaries).
SCORERS: Final = max(1, min(4, os.cpu_count() or 1))
_NAMED: Final = (*CANONICAL_COLUMNS, RECORD)  # what an error can name: a column, or the whole record
_BAD_BYTES: Final = f"{RECORD}: {NOT_UTF8}"  # how the error of a row with bad bytes starts
_DONE: Final = object()
#: A contract that reaches every stage of the engine, scored once while the first batches are
#: read, so that the first batch does not wait for what runs only once: the pack's lookup
#: tables, and pyarrow's first conversion to numpy (which imports pandas when it is installed).
_WARM_UP: Final = {
    "contract_id": "warm-up", "buyer_country": "PG", "vendor_name": "Huawei", "vendor_country": "CN",
    "vendor_parent_country": "CN", "service_type": "data_center", "data_categories": "identity;tax",
    "records": "1000", "hosting": "in_country", "operator": "vendor", "vendor_remote_access": "true",
    "customer_held_keys": "false", "audit_rights": "false", "financing_country": "CN", "signed": "2020-01-01",
}


@dataclass
class Summary:
    """Counts over everything scored so far."""

    rows: int = 0
    invalid: int = 0
    duplicates: int = 0
    bands: collections.Counter[str] = field(default_factory=collections.Counter)
    gates: collections.Counter[str] = field(default_factory=collections.Counter)  # "pass", "warn", "block"
    problems: collections.Counter[str] = field(default_factory=collections.Counter)
    #: Rows with bytes that are not text in the file's encoding (the readers flag them, see :data:`vendorrisk.io.NOT_UTF8`).
    bad_bytes: int = 0

    def add(self, scored: pa.Table) -> None:
        self.rows += scored.num_rows
        for counter, column in ((self.bands, "band"), (self.gates, "gate")):
            for entry in pc.value_counts(scored.column(column)).to_pylist():
                if entry["values"] is not None:
                    counter[entry["values"]] += entry["counts"]
        self.duplicates += pc.sum(pc.starts_with(scored.column("warning").cast(pa.string()), DUPLICATE_WARNING)).as_py() or 0
        error = scored.column("error")
        errors = pc.filter(error, pc.not_equal(error, ""))
        self.invalid += len(errors)
        for text in errors.to_pylist():
            self.problems.update(name for name in _NAMED if text.startswith(f"{name}: ") or f"; {name}: " in text)
            self.bad_bytes += text.startswith(_BAD_BYTES)


class _Worker(threading.Thread):
    """A daemon thread whose exception :meth:`check` re-raises in the calling thread."""

    def __init__(self, work: Callable[[], None], name: str) -> None:
        super().__init__(daemon=True, name=name)
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
    as_of: dt.date | str | None = None,
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
    date = as_of_date(as_of)  # before any work, as a bad pack is
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

    def finish(done: Future[tuple[pa.Table, IdHashes | None]]) -> None:
        scored, ids = done.result()
        if ids is not None:
            scored = flag_repeats(scored, ids, seen)
        summary.add(scored)
        _hand(outbox, scored, writer)
        if progress is not None:
            progress(summary)

    reader, writer = _Worker(read, "vendorrisk-read"), _Worker(drain_to_sink, "vendorrisk-write")
    reader.start()  # the first batches are read while the pack loads
    writer.start()
    try:
        pack = pack_of(rules)
        scored_table(pa.table({name: [value] for name, value in _WARM_UP.items()}), pack, date)
        with ThreadPoolExecutor(SCORERS, thread_name_prefix="vendorrisk-score") as scorers:
            pending: collections.deque[Future[tuple[pa.Table, IdHashes | None]]] = collections.deque()
            for batch in _take(inbox, reader):
                assert isinstance(batch, pa.RecordBatch)
                pending.append(scorers.submit(scored_table, pa.Table.from_batches([batch]), pack, date, True))
                if len(pending) > SCORERS:  # bounded: the oldest is finished before more are read
                    finish(pending.popleft())
            while pending:
                finish(pending.popleft())
    finally:
        stop.set()  # a reader still running stops at its next batch; wait for it, so that no
        reader.join()  # thread is still inside pyarrow when the interpreter exits
        if writer.is_alive():
            _hand(outbox, _DONE, writer)
            writer.join()
    writer.check()
    return summary


def flag_repeats(scored: pa.Table, ids: IdHashes, seen: SeenHashes) -> pa.Table:
    """``scored`` with the rows whose contract id was in an earlier batch flagged in ``warning``; ``seen`` takes this batch's ids."""
    earlier = np.append(seen.add(ids.hashes), False)[ids.rows]  # row -1 (no id) reads the appended False
    if not earlier.any():
        return scored
    duplicate, others = split_warnings(scored.column("warning"))
    warning = warning_column(earlier | duplicate, others).to_arrow()
    return scored.set_column(scored.schema.get_field_index("warning"), scored.schema.field("warning"), warning)
