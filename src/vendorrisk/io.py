"""Read contracts and write scores in record batches, so memory stays flat however large the file.

CSV cells are read as text (empty = unknown; "NA" is Namibia, not a null), so that validation
sees exactly what the file says and pass-through columns come out unchanged.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Final

import pyarrow as pa
import pyarrow.csv as pacsv

from vendorrisk.errors import InputError

BATCH_BYTES: Final = 16 << 20


def _header(path: Path, encoding: str, delimiter: str) -> list[str]:
    with path.open("r", encoding=encoding, newline="") as handle:
        try:
            return next(csv.reader(handle, delimiter=delimiter))
        except StopIteration:
            raise InputError(f"{path}: the file is empty") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise InputError(f"{path}: cannot read the header: {exc}") from None


def read_csv_batches(
    path: str | Path, *, delimiter: str = ",", encoding: str = "utf-8", block_size: int = BATCH_BYTES
) -> Iterator[pa.RecordBatch]:
    """Yield record batches of a CSV file, every column as text.

    A UTF-8 byte-order mark is skipped. Raises :class:`InputError` if the file cannot be opened
    or its header read.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if codecs.lookup(encoding).name == "utf-8":
        encoding = "utf-8-sig"  # tolerate a BOM
    names = _header(path, encoding, delimiter)
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: the header repeats column {', '.join(map(repr, duplicated))}")
    read = pacsv.ReadOptions(encoding="utf8" if encoding == "utf-8-sig" else encoding, block_size=block_size)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        empty = True
        for batch in reader:
            if batch.num_rows:
                empty = False
                yield _strip_bom(batch)
        if empty:  # a header-only file still gives a header-only output
            yield _strip_bom(pa.RecordBatch.from_pylist([], schema=reader.schema))
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: {exc}") from None


def _strip_bom(batch: pa.RecordBatch) -> pa.RecordBatch:
    first = batch.schema.names[0] if batch.schema.names else ""
    if first.startswith("\ufeff"):
        return batch.rename_columns([first.removeprefix("\ufeff"), *batch.schema.names[1:]])
    return batch


class CsvSink:
    """Write tables to a CSV file (or a binary stream such as stdout), header once."""

    def __init__(self, target: str | Path | BinaryIO) -> None:
        self._target = target
        self._writer: pacsv.CSVWriter | None = None
        self._handle: BinaryIO | None = None

    def write(self, table: pa.Table) -> None:
        table = _plain(table)
        if self._writer is None:
            if isinstance(self._target, (str, Path)):
                self._handle = open(self._target, "wb")  # noqa: SIM115 - closed in close()
                sink: BinaryIO = self._handle
            else:
                sink = self._target
            self._writer = pacsv.CSVWriter(sink, table.schema)
        self._writer.write_table(table)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        if self._handle is not None:
            self._handle.close()

    def __enter__(self) -> CsvSink:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (the CSV writer does not take dictionaries)."""
    columns = [
        column.cast(column.type.value_type) if pa.types.is_dictionary(column.type) else column
        for column in table.columns
    ]
    return pa.Table.from_arrays(columns, names=table.column_names)


def to_csv_text(table: pa.Table) -> str:
    """The table as CSV text (for small tables, tests and examples)."""
    buffer = io.BytesIO()
    with CsvSink(buffer) as sink:
        sink.write(table)
    return buffer.getvalue().decode("utf-8")
