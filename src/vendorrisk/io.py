"""Read contracts and write scores in record batches, so memory stays flat however large the file.

Three formats, chosen by extension or by name: CSV (``.csv``, ``.tsv``), Parquet (``.parquet``,
``.pq``) and JSON Lines (``.jsonl``, ``.ndjson``). :func:`open_batches` reads any of them and
:func:`open_sink` writes any of them.

Every reader yields batches with one schema for the whole file: the file's columns (renamed by
the column mapping, see :mod:`vendorrisk.mapping`) followed by :data:`PARSE_ERROR_COLUMN`.
Canonical columns come as text, or typed where the file types them (numbers, booleans, dates);
other columns pass through unchanged.

CSV cells are read as text (empty = unknown; "NA" is Namibia, not a null), so that validation
sees exactly what the file says and pass-through columns come out unchanged. A malformed CSV
line (too few or too many fields) or JSON line (not a JSON object) is kept, in its place, as a
row whose cells are empty and whose :data:`PARSE_ERROR_COLUMN` says what is wrong.
"""

from __future__ import annotations

import base64
import codecs
import csv
import datetime as dt
import decimal
import heapq
import io
import itertools
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal, Protocol, Self, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from vendorrisk.errors import InputError
from vendorrisk.mapping import renamed
from vendorrisk.schema import CANONICAL_COLUMNS, PARSE_ERROR_COLUMN

__all__ = [
    "BATCH_BYTES",
    "BATCH_ROWS",
    "FORMATS",
    "PARSE_ERROR_COLUMN",
    "SUFFIXES",
    "CsvSink",
    "JsonlSink",
    "ParquetSink",
    "Sink",
    "format_of",
    "open_batches",
    "open_sink",
    "read_csv_batches",
    "read_jsonl_batches",
    "read_parquet_batches",
    "readable",
    "spool",
    "to_csv_text",
]

Format: TypeAlias = Literal["csv", "parquet", "jsonl"]
FORMATS: Final[tuple[Format, ...]] = ("csv", "parquet", "jsonl")
#: CSV is read in blocks of this many bytes (one batch per block).
BATCH_BYTES: Final = 8 << 20
#: Parquet is read, and JSON Lines parsed, this many rows (lines) at a time.
BATCH_ROWS: Final = 65_536
#: Schema metadata key: columns that hold JSON text of nested values (JSON Lines input), as a JSON list.
JSON_COLUMNS_KEY: Final = b"vendorrisk.json_columns"

_SUFFIXES: Final[dict[str, Format]] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
#: Every file extension with a format of its own.
SUFFIXES: Final = tuple(_SUFFIXES)
_SHOWN: Final = 100  # characters of a line quoted in an error about the file as a whole
#: The column a malformed record's contract id is recovered into.
ID_COLUMN: Final = "contract_id"
#: What a row whose bytes are not text in the file's encoding is told (and what the CLI counts).
NOT_UTF8: Final = "bytes that are not UTF-8 text"
ENCODING_HINT: Final = "is the file in another encoding? give it with --encoding, e.g. latin-1"
REPLACEMENT: Final = "\ufffd"


def format_of(path: str | Path | None, format: str | None = None) -> Format:
    """The format named by ``format``, else by the extension of ``path``, else CSV.

    Examples
    --------
    >>> format_of("contracts.parquet"), format_of("x.NDJSON"), format_of("x.txt"), format_of("x.csv", "jsonl")
    ('parquet', 'jsonl', 'csv', 'jsonl')
    """
    if format is not None:
        if format not in FORMATS:
            raise InputError(f"unknown format {format!r} (use {', '.join(FORMATS)})")
        return format
    if path is None:
        return "csv"
    return _SUFFIXES.get(Path(path).suffix.lower(), "csv")


def _default_delimiter(path: str | Path | None) -> str:
    return "\t" if path is not None and Path(path).suffix.lower() == ".tsv" else ","


def open_batches(
    path: str | Path,
    *,
    format: str | None = None,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    block_size: int = BATCH_BYTES,
    batch_rows: int = BATCH_ROWS,
) -> Iterator[pa.RecordBatch]:
    """Open a file of contracts and return an iterator of its record batches, in file order.

    Parameters
    ----------
    path : the file.
    format : ``csv``, ``parquet`` or ``jsonl``; default from the extension (:func:`format_of`).
    delimiter : CSV only; default tab for ``.tsv``, else ``,``.
    encoding : CSV and JSON Lines; a UTF-8 byte-order mark is skipped.
    mapping : canonical column -> the file's header for it (:func:`vendorrisk.mapping.renamed`).
    block_size : CSV bytes per batch.
    batch_rows : Parquet rows, JSON lines, per batch.

    Everything that concerns the file as a whole (missing file, header, mapping, options) is
    checked here and raises :class:`~vendorrisk.errors.InputError` before the first batch.
    """
    kind = format_of(path, format)
    if kind != "csv" and delimiter is not None:
        raise InputError(f"{path}: --delimiter applies to CSV only, and this is read as {kind}")
    if kind == "csv":
        return read_csv_batches(
            path, delimiter=_default_delimiter(path) if delimiter is None else delimiter,
            encoding=encoding, mapping=mapping, block_size=block_size,
        )
    if kind == "parquet":
        if _codec(encoding) != "utf-8":
            raise InputError(f"{path}: --encoding applies to CSV and JSON Lines, not Parquet")
        return read_parquet_batches(path, mapping=mapping, batch_rows=batch_rows)
    return read_jsonl_batches(path, encoding=encoding, mapping=mapping, batch_rows=batch_rows)


# --- shared ----------------------------------------------------------------------------------


def _existing(path: str | Path) -> Path:
    path = Path(path)
    if path.is_dir():
        raise InputError(f"{path}: is a directory")
    if not path.exists():
        raise InputError(f"{path}: no such file")
    if not path.is_file():  # a pipe, a device: read twice (JSON Lines) or reopened (long CSV records) it cannot be
        raise InputError(f"{path}: not a regular file (a pipe or a device); copy it to a file first (see spool)")
    return path


def spool(source: BinaryIO, folder: str | Path, name: str = "input") -> Path:
    """Copy ``source`` (standard input, a pipe) to the file ``folder/name`` and return its path.

    The readers read a file more than once (the CSV header first, JSON Lines twice) and need
    its size, so a stream is first copied to disk, in chunks: memory stays flat.
    """
    path = Path(folder) / name
    with path.open("wb") as target:
        while chunk := source.read(1 << 20):
            target.write(chunk)
    return path


def _codec(encoding: str) -> str:
    """The codec's canonical name (``utf-8-sig`` counts as ``utf-8``: a BOM is always skipped)."""
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"unknown encoding {encoding!r}") from None
    return "utf-8" if name in ("utf-8", "utf-8-sig") else name


def _check_names(names: Sequence[str], path: Path) -> None:
    duplicated = sorted({name for name in names if names.count(name) > 1})
    if duplicated:
        raise InputError(f"{path}: the header repeats column {', '.join(map(repr, duplicated))}")
    if PARSE_ERROR_COLUMN in names:
        raise InputError(f"{path}: the column name {PARSE_ERROR_COLUMN!r} is reserved for vendorrisk")


def _with_parse_errors(schema: pa.Schema) -> pa.Schema:
    return schema.append(pa.field(PARSE_ERROR_COLUMN, pa.string()))


def _shown(text: str) -> str:
    return repr(text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "...")


def _malformed_rows(schema: pa.Schema, problems: Sequence[tuple[str, str | None]]) -> pa.RecordBatch:
    """One row per ``(problem, contract id)``: every cell empty but the contract id recovered from
    the record (if any), the problem in :data:`PARSE_ERROR_COLUMN`."""
    n = len(problems)
    arrays = [
        pa.array([known for _, known in problems], field.type) if field.name == ID_COLUMN else pa.nulls(n, field.type)
        for field in schema if field.name != PARSE_ERROR_COLUMN
    ]
    return pa.RecordBatch.from_arrays([*arrays, pa.array([problem for problem, _ in problems], pa.string())], schema=schema)


def _row_place(number: int) -> str:
    return f"row {number} of the file (the header is row 1; blank lines are not counted)"


def _good_rows(batch: pa.RecordBatch, schema: pa.Schema, first: int, stream: _Utf8Stream | None) -> pa.RecordBatch:
    """``batch`` (the file's columns, its first row numbered ``first``) under ``schema``: renamed,
    with a parse-error column that names the rows whose bytes were not UTF-8 (if the file has any)."""
    problems = pa.nulls(batch.num_rows, pa.string())
    if stream is not None and stream.replaced:
        damaged = None
        for column in batch.columns:
            found = pc.match_substring(column, REPLACEMENT).fill_null(False)
            damaged = found if damaged is None else pc.or_(damaged, found)
        if damaged is not None and pc.any(damaged).as_py():
            rows = np.flatnonzero(damaged.to_numpy(zero_copy_only=False))
            texts = np.full(batch.num_rows, None, dtype=object)
            texts[rows] = [f"{NOT_UTF8} at {_row_place(first + int(row))}, shown as U+FFFD ({ENCODING_HINT})" for row in rows]
            problems = pa.array(texts, pa.string())
    return pa.RecordBatch.from_arrays([*batch.columns, problems], schema=schema)


class _Utf8Stream(io.RawIOBase):
    """A UTF-8 file as pyarrow reads it, with each byte that is not UTF-8 replaced by U+FFFD.

    A block that decodes (the usual case) passes through as it is; only a block that does not
    is decoded with replacement and encoded again, and :attr:`replaced` counts those blocks, so
    that rows holding U+FFFD are flagged only in files that had bad bytes. A character cut by the
    end of a block is carried to the next one.
    """

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._file = path.open("rb")
        self._carry = b""  # the start of a character cut by the end of the last block
        self._out = b""  # checked bytes not yet given
        self.replaced = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        """``size`` bytes (all the rest if ``size`` is negative), fewer only at the end of the file:
        pyarrow's reader can drop the last record of a file read in short blocks."""
        if size is None or size < 0:
            rest, self._out = self._out + self._checked(self._carry + self._file.read()), b""
            self._carry = b""
            return rest
        while len(self._out) < size:
            raw = self._file.read(max(size - len(self._out), 1 << 16))  # a block, or what completes one
            if not raw:
                self._out += self._checked(self._carry)
                self._carry = b""
                break
            data = self._carry + raw
            cut = _whole_characters(data) or len(data)
            data, self._carry = data[:cut], data[cut:]
            self._out += self._checked(data)
        given, self._out = self._out[:size], self._out[size:]
        return given

    def _checked(self, data: bytes) -> bytes:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            self.replaced += 1
            return data.decode("utf-8", "replace").encode("utf-8")
        return data

    def close(self) -> None:
        self._file.close()
        super().close()


def _whole_characters(data: bytes) -> int:
    """Where ``data`` ends if the UTF-8 character its last bytes begin is left for the next block."""
    for back in range(1, min(4, len(data)) + 1):
        byte = data[-back]
        if byte & 0xC0 != 0x80:  # a character's first byte (or ASCII)
            length = 1 if byte < 0xC0 else 2 if byte < 0xE0 else 3 if byte < 0xF0 else 4
            return len(data) if length <= back else len(data) - back
    return len(data)


def _concat(pieces: Sequence[pa.RecordBatch], schema: pa.Schema) -> pa.RecordBatch:
    if len(pieces) == 1:
        return pieces[0]
    combined = pa.Table.from_batches(pieces, schema=schema).combine_chunks().to_batches()
    return combined[0] if combined else pa.RecordBatch.from_pylist([], schema=schema)


# --- CSV -------------------------------------------------------------------------------------


def _header(path: Path, encoding: str, delimiter: str) -> tuple[list[str], bool]:
    """The header's names, and whether anything but blank lines follows it.

    Bytes that are not text in ``encoding`` matter here only in the header (the rows they are
    in are flagged as the file is read)."""
    with path.open("r", encoding=encoding, newline="", errors="surrogateescape") as handle:
        try:
            reader = csv.reader(handle, delimiter=delimiter)
            names = next(reader)
        except StopIteration:
            raise InputError(f"{path}: the file is empty") from None
        except csv.Error as exc:
            raise InputError(f"{path}: cannot read the header: {exc}") from None
        try:
            "".join(names).encode("utf-8")
        except UnicodeEncodeError:  # an escaped bad byte
            bad = NOT_UTF8 if _codec(encoding) == "utf-8" else NOT_UTF8.replace("UTF-8", encoding)
            raise InputError(f"{path}: the header has {bad}; {ENCODING_HINT}") from None
        while chunk := handle.read(1 << 16):
            if chunk.strip("\r\n"):
                return names, True
        return names, False


def _one_character(delimiter: str) -> str:
    if delimiter in ("\\t", "tab", "TAB"):  # what a shell passes for a tab
        return "\t"
    if len(delimiter) != 1 or delimiter in ('"', "\n", "\r"):
        raise InputError(f"the delimiter must be one character other than a quote or a line break, not {delimiter!r}")
    return delimiter


class _InvalidRows:
    """``invalid_row_handler`` for pyarrow: keeps every malformed row, by its number, and skips it.

    With ``use_threads=False`` pyarrow numbers rows as it parses them: the header is row 1,
    a value with quoted line breaks does not start a new row and blank lines are not rows.
    That number places the row back among the good ones. The row's contract id (its field
    ``id_index``, where it has one) is kept, and its text is quoted in full in the problem.
    """

    def __init__(self, delimiter: str, id_index: int | None, stream: _Utf8Stream | None) -> None:
        self.pending: list[tuple[int, str, str | None]] = []  # heap of (row number, problem, contract id)
        self.delimiter = delimiter
        self.id_index = id_index
        self.stream = stream

    def __call__(self, row: pacsv.InvalidRow) -> str:
        if row.number is None:  # only with use_threads=True, which the reader never sets
            raise InputError(f"a malformed line could not be placed (pyarrow gave no row number): {_shown(row.text)}")
        problem = f"{row.actual_columns} fields where the header has {row.expected_columns}, at {_row_place(row.number)}: {row.text!r}"
        if self.stream is not None and self.stream.replaced and REPLACEMENT in row.text:
            problem = f"{NOT_UTF8}, shown as U+FFFD ({ENCODING_HINT}), and {problem}"
        heapq.heappush(self.pending, (row.number, problem, self._field(row.text)))
        return "skip"

    def _field(self, text: str) -> str | None:
        if self.id_index is None:
            return None
        try:
            fields = next(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter), [])
        except csv.Error:
            return None
        return fields[self.id_index] or None if self.id_index < len(fields) else None

    def take(self, number: int) -> tuple[str, str | None] | None:
        """The problem and contract id of row ``number`` if it is malformed (and next in line)."""
        if self.pending and self.pending[0][0] == number:
            _, problem, known = heapq.heappop(self.pending)
            return problem, known
        return None

    def next_number(self) -> int | None:
        return self.pending[0][0] if self.pending else None


def read_csv_batches(
    path: str | Path,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    mapping: Mapping[str, str] | None = None,
    block_size: int = BATCH_BYTES,
) -> Iterator[pa.RecordBatch]:
    """Record batches of a CSV file, every column as text, malformed lines kept in their place.

    A UTF-8 byte-order mark is skipped; other encodings (e.g. ``latin-1``) are transcoded.
    Quoted values may hold line breaks; blank lines are skipped. Raises :class:`InputError` if
    the file cannot be opened, its header read or the mapping applied.
    """
    path = _existing(path)
    delimiter = _one_character(delimiter)
    codec = _codec(encoding)
    names, has_rows = _header(path, "utf-8-sig" if codec == "utf-8" else encoding, delimiter)
    _check_names(names, path)
    schema = _with_parse_errors(pa.schema([pa.field(name, pa.string()) for name in renamed(names, mapping, source=path)]))
    if not has_rows:  # a header-only file still gives a header-only output (pyarrow refuses one without a line break)
        return iter([pa.RecordBatch.from_pylist([], schema=schema)])
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True)
    convert = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in names},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    size = path.stat().st_size * (3 if codec == "utf-8" else 1)  # U+FFFD takes 3 bytes where a bad byte took 1

    renamed_names = schema.names
    id_index = renamed_names.index(ID_COLUMN) if ID_COLUMN in renamed_names else None

    def open_reader(block_size: int) -> tuple[pacsv.CSVStreamingReader, _InvalidRows, int]:
        """A reader whose first block holds the whole header (grown until it does)."""
        while True:
            # UTF-8 goes through a stream that replaces bad bytes (pyarrow would stop at the first);
            # other encodings are transcoded by pyarrow
            stream = _Utf8Stream(path) if codec == "utf-8" else None
            invalid = _InvalidRows(delimiter, id_index, stream)
            parse.invalid_row_handler = invalid
            read = pacsv.ReadOptions(encoding="utf8" if codec == "utf-8" else encoding, block_size=block_size, use_threads=False)
            try:
                source = path if stream is None else stream
                return pacsv.open_csv(source, read_options=read, parse_options=parse, convert_options=convert), invalid, block_size
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
                if stream is not None:
                    stream.close()
                if block_size >= size or not isinstance(exc, pa.ArrowInvalid):
                    raise InputError(f"{path}: {exc}") from None
                block_size *= 2

    opened = open_reader(block_size)  # errors in the header show before the first batch
    return _csv_batches(opened, open_reader, schema, path, size)


_Opened: TypeAlias = "tuple[pacsv.CSVStreamingReader, _InvalidRows, int]"


def _csv_batches(
    opened: _Opened, reopen: Callable[[int], _Opened], schema: pa.Schema, path: Path, size: int
) -> Iterator[pa.RecordBatch]:
    """Good rows from pyarrow, malformed rows put back where their row number says.

    Rows are numbered from 2 (the header is 1). The pyarrow parser numbers the malformed
    rows of a block before the block's good rows come out, so when a batch arrives every
    malformed row up to its last good row is known: walk the numbers, taking a malformed
    row where one has the next number and a run of good rows otherwise.

    pyarrow cannot read a record longer than its block. Then the file is read again with
    blocks four times larger, and the rows already given are skipped by their numbers.
    """
    done = 2  # rows numbered below this have been yielded
    reader, invalid, block_size = opened
    while True:
        try:
            number = 2
            for batch in reader:
                pieces: list[pa.RecordBatch] = []
                bad: list[tuple[str, str | None]] = []
                offset = 0
                while True:
                    problem = invalid.take(number)
                    if problem is not None:
                        if number >= done:
                            bad.append(problem)
                        number += 1
                        continue
                    if bad:
                        pieces.append(_malformed_rows(schema, bad))
                        bad = []
                    if offset >= batch.num_rows:
                        break
                    upcoming = invalid.next_number()
                    run = batch.num_rows - offset if upcoming is None else min(batch.num_rows - offset, upcoming - number)
                    if run <= 0:
                        raise InputError(
                            f"{path}: a malformed line was reported out of order (row {upcoming}); the output would not keep the input order"
                        )
                    skip = min(run, max(0, done - number))
                    if skip < run:
                        pieces.append(_good_rows(batch.slice(offset + skip, run - skip), schema, number + skip, invalid.stream))
                    offset += run
                    number += run
                if pieces:
                    yield _concat(pieces, schema)
                done = max(done, number)
            break
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if "straddl" not in str(exc) or block_size >= size:
                raise InputError(f"{path}: {exc}") from None
            if invalid.stream is not None:
                invalid.stream.close()
            reader, invalid, block_size = reopen(block_size * 4)
    if invalid.stream is not None:
        invalid.stream.close()
    rest: list[tuple[str, str | None]] = []
    while (problem := invalid.take(number)) is not None:
        rest.append(problem)
        number += 1
    if invalid.pending:
        raise InputError(f"{path}: a malformed line was reported at row {invalid.next_number()}, after the last row {number - 1}")
    if rest or done == 2:  # a header-only file still gives a header-only output
        yield _malformed_rows(schema, rest)


class Sink(Protocol):
    """Where scored tables go: ``write`` each table in order, then ``close`` (or use ``with``)."""

    def write(self, table: pa.Table) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Sink: ...

    def __exit__(self, *exc: object) -> None: ...


class _FileSink:
    """Opens its target on the first write (no file at all if nothing is written), closes it once."""

    def __init__(self, target: str | Path | BinaryIO) -> None:
        self._target = target
        self._handle: BinaryIO | None = None
        self._writer: Any = None  # the format's writer, made on the first write

    def _sink(self) -> BinaryIO:
        if isinstance(self._target, (str, Path)):
            if self._handle is None:
                self._handle = open(self._target, "wb")  # noqa: SIM115 - closed in close()
            return self._handle
        return self._target

    def _close_handle(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        self._close_handle()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class CsvSink(_FileSink):
    """Write tables to a CSV file (or a binary stream such as stdout), header once.

    Nested values (lists, structs from Parquet or JSON input) are written as JSON text.
    """

    def __init__(self, target: str | Path | BinaryIO, *, delimiter: str = ",") -> None:
        super().__init__(target)
        self._options = pacsv.WriteOptions(delimiter=delimiter)

    def write(self, table: pa.Table) -> None:
        table = _flat(_csv_cells(table))
        if self._writer is None:
            self._writer = pacsv.CSVWriter(self._sink(), table.schema, write_options=self._options)
        self._writer.write_table(table)


class ParquetSink(_FileSink):
    """Write tables to one Parquet file (row group per table); the schema is the first table's.

    Needs a file or a seekable stream: Parquet cannot go to a pipe such as stdout.
    """

    def __init__(self, target: str | Path | BinaryIO) -> None:
        super().__init__(target)
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        import pyarrow.parquet as pq

        table = _plain(table)
        if self._writer is None:
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self._sink(), table.schema)
        elif not table.schema.equals(self._schema, check_metadata=False):
            table = table.cast(self._schema)  # e.g. a column all null in this batch
        self._writer.write_table(table)


class JsonlSink(_FileSink):
    """Write tables as JSON Lines: one object per row, keys in column order.

    Dates are ISO 8601 strings, NaN and infinities are null, decimals are strings, and
    columns marked as JSON text (nested values read from JSON Lines) are written as the values
    they hold. Each value is turned into JSON a column at a time, in Arrow; only nested,
    time-of-day, binary and timestamp columns, and strings that need escaping, go through Python.
    """

    def write(self, table: pa.Table) -> None:
        sink = self._sink()  # an empty input still gives an (empty) file
        table = _plain(table)
        if not table.num_rows:
            return
        as_json = _json_columns(table.schema)
        parts: list[pa.Array | str] = []
        for index, (name, column) in enumerate(zip(table.column_names, table.columns)):
            parts.append(("{" if index == 0 else ",") + json.dumps(name, ensure_ascii=False) + ":")
            parts.append(_json_array(column.combine_chunks(), name in as_json))
        parts.append("}\n")
        lines = pc.binary_join_element_wise(*parts, "")
        if isinstance(lines, pa.ChunkedArray):  # pragma: no cover - one chunk after combine_chunks
            lines = lines.combine_chunks()
        sink.write(_string_bytes(lines))


_NEEDS_ESCAPE: Final = r'["\\\x00-\x1f]'


def _json_array(array: pa.Array, as_json: bool) -> pa.Array:
    """Each value of ``array`` as JSON text; a null as ``null``."""
    kind = array.type
    if as_json:  # already JSON text
        return array.cast(pa.string()).fill_null("null")
    if pa.types.is_null(kind):
        return pa.array(["null"] * len(array), pa.string())
    if pa.types.is_boolean(kind) or pa.types.is_integer(kind):
        return array.cast(pa.string()).fill_null("null")
    if pa.types.is_floating(kind):
        finite = pc.if_else(pc.is_finite(array), array, pa.scalar(None, kind))
        return finite.cast(pa.string()).fill_null("null")
    if pa.types.is_date(kind) or pa.types.is_decimal(kind):
        return _quoted(array.cast(pa.string()))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return _quoted(array.cast(pa.string()))
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_json_default, allow_nan=False).encode
    return pa.array(["null" if value is None else encode(_finite(value)) for value in array.to_pylist()], pa.string())


def _quoted(text: pa.Array) -> pa.Array:
    """Text as JSON strings; the few values with a quote, backslash or control character are escaped in Python."""
    if len(text) > 1024:  # most columns repeat a few values: quote each distinct value once
        encoded = pc.dictionary_encode(text)
        if len(encoded.dictionary) <= len(text) // 4:
            return pc.take(_quoted(encoded.dictionary), encoded.indices).fill_null("null")
    quoted = pc.binary_join_element_wise('"', text, '"', "")
    needs = pc.match_substring_regex(text, _NEEDS_ESCAPE).fill_null(False)
    if pc.any(needs).as_py():
        escaped = [json.dumps(value, ensure_ascii=False) for value in text.filter(needs).to_pylist()]
        quoted = pc.replace_with_mask(quoted, needs, pa.array(escaped, pa.string()))
    return quoted.fill_null("null")


def _string_bytes(array: pa.Array) -> memoryview:
    """The concatenated values of a string array without nulls, straight from its data buffer."""
    import numpy as np

    _, offsets, data = array.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    return memoryview(data)[int(bounds[0]) : int(bounds[-1])]


def open_sink(target: str | Path | BinaryIO, *, format: str | None = None) -> CsvSink | ParquetSink | JsonlSink:
    """A sink for ``target`` (a path or a binary stream) in ``format``, default from the extension.

    A ``.tsv`` path gets a tab-separated CSV. Parquet needs a path (or a seekable stream).
    """
    path = target if isinstance(target, (str, Path)) else None
    kind = format_of(path, format)
    if kind == "parquet":
        return ParquetSink(target)
    if kind == "jsonl":
        return JsonlSink(target)
    return CsvSink(target, delimiter=_default_delimiter(path))


def _converted(table: pa.Table, matches: Callable[[pa.DataType], bool], convert: Callable[[Any], Any]) -> pa.Table:
    """``table`` with ``convert`` applied to the columns whose type ``matches`` (names and metadata kept)."""
    if not any(matches(column.type) for column in table.columns):
        return table
    columns = [convert(column) if matches(column.type) else column for column in table.columns]
    return pa.Table.from_arrays(columns, names=table.column_names).replace_schema_metadata(table.schema.metadata)


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns as their values (the CSV writer does not take dictionaries)."""
    return _converted(table, pa.types.is_dictionary, lambda column: column.cast(column.type.value_type))


def _is_formatted_once(kind: pa.DataType) -> bool:
    return bool(pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_date32(kind))


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Numbers and dates as the text the CSV writer would give them, each distinct value formatted once.

    Scores, factors and dates take few distinct values, and formatting a float is what costs
    most in writing one. The text is pyarrow's own cast to string, so the values are the ones
    the writer would give; being text, they are quoted like every other value.
    """
    encoded = pc.dictionary_encode(column)
    return pa.chunked_array(
        [chunk.dictionary.cast(pa.string()).take(chunk.indices) for chunk in encoded.chunks], pa.string()
    )


def _csv_cells(table: pa.Table) -> pa.Table:
    """Every column as text, ready for the CSV writer (dictionaries decoded, numbers formatted once)."""
    return _converted(_plain(table), _is_formatted_once, _as_text)


def _is_nested(kind: pa.DataType) -> bool:
    return bool(pa.types.is_nested(kind))


def _flat(table: pa.Table) -> pa.Table:
    """Nested columns as JSON text, for CSV."""
    return _converted(table, _is_nested, _json_text)


def _json_text(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    encode = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    return pa.array([None if value is None else encode(_finite(value)) for value in column.to_pylist()], pa.string())


def _json_default(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    raise TypeError(f"cannot write a {type(value).__name__} as JSON")


def _finite(value: Any) -> Any:
    """Non-finite floats (which JSON cannot hold) as None, inside lists and objects too."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value


def _json_columns(schema: pa.Schema) -> set[str]:
    text = (schema.metadata or {}).get(JSON_COLUMNS_KEY)
    return set(json.loads(text)) if text else set()


def to_csv_text(table: pa.Table) -> str:
    """The table as CSV text (for small tables, tests and examples)."""
    buffer = io.BytesIO()
    with CsvSink(buffer) as sink:
        sink.write(table)
    return buffer.getvalue().decode("utf-8")


# --- Parquet ---------------------------------------------------------------------------------


def _is_scalar_readable(kind: pa.DataType) -> bool:
    """Types the validator reads as they are (see :mod:`vendorrisk.validate`)."""
    return bool(
        pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_integer(kind)
        or pa.types.is_floating(kind) or pa.types.is_decimal(kind) or pa.types.is_boolean(kind)
        or pa.types.is_date(kind) or pa.types.is_timestamp(kind)
        or (pa.types.is_dictionary(kind) and (pa.types.is_string(kind.value_type) or pa.types.is_large_string(kind.value_type)))
    )


def _canonical_converter(name: str, kind: pa.DataType, path: Path | str) -> Callable[[pa.Array], pa.Array] | None:
    """How a typed canonical column becomes one the validator reads; None when it already is one.

    A list (``data_categories`` as a list of categories) is joined with ``;``, as in CSV;
    other types are cast to text.
    """
    if _is_scalar_readable(kind):
        return None
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        text_list = pa.list_(pa.string())
        return lambda array: pc.binary_join(array.cast(text_list), ";")
    try:
        pa.array([], kind).cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        raise InputError(f"{path}: column {name!r} is {kind}, which cannot be read as a contract field (use text)") from None
    return lambda array: array.cast(pa.string())


def readable(table: pa.Table, source: str) -> pa.Table:
    """``table`` with its typed canonical columns converted as the Parquet reader converts them
    (a list of categories joined with ``;``, other unread types cast to text), for tables given
    from Python. ``source`` names the table in an :class:`InputError`."""
    converters = {
        index: converter
        for index, field in enumerate(table.schema)
        if field.name in CANONICAL_COLUMNS and (converter := _canonical_converter(field.name, field.type, source)) is not None
    }
    if not converters:
        return table
    try:
        columns = [converters[i](column) if i in converters else column for i, column in enumerate(table.columns)]
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise InputError(f"{source}: {exc}") from None
    return pa.Table.from_arrays(columns, names=table.column_names).replace_schema_metadata(table.schema.metadata)


def read_parquet_batches(
    path: str | Path, *, mapping: Mapping[str, str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Record batches of a Parquet file, ``batch_rows`` rows at a time.

    Typed canonical columns stay typed where the validator reads them (numbers, booleans,
    dates, text); a list column is joined with ``;``; other columns pass through as they are.
    """
    import pyarrow.parquet as pq

    path = _existing(path)
    try:
        file = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: cannot read it as Parquet: {exc}") from None
    source = file.schema_arrow
    _check_names(source.names, path)
    names = renamed(source.names, mapping, source=path)
    converters = {
        index: converter
        for index, (name, field) in enumerate(zip(names, source))
        if name in CANONICAL_COLUMNS and (converter := _canonical_converter(name, field.type, path)) is not None
    }
    fields = [
        pa.field(name, pa.string() if index in converters else field.type)
        for index, (name, field) in enumerate(zip(names, source))
    ]
    # pandas' metadata describes the input's columns only; it would mislead about the output's
    metadata = {key: value for key, value in (source.metadata or {}).items() if key != b"pandas"}
    schema = _with_parse_errors(pa.schema(fields, metadata=metadata or None))
    return _parquet_batches(file, converters, schema, batch_rows, path)


def _parquet_batches(
    file: Any, converters: dict[int, Callable[[pa.Array], pa.Array]], schema: pa.Schema, batch_rows: int, path: Path
) -> Iterator[pa.RecordBatch]:
    yielded = False
    try:
        for batch in file.iter_batches(batch_size=batch_rows, use_threads=True):
            if not batch.num_rows:
                continue
            arrays = [converters[i](column) if i in converters else column for i, column in enumerate(batch.columns)]
            yielded = True
            yield pa.RecordBatch.from_arrays([*arrays, pa.nulls(batch.num_rows, pa.string())], schema=schema)
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputError(f"{path}: {exc}") from None
    finally:
        file.close()
    if not yielded:
        yield pa.RecordBatch.from_pylist([], schema=schema)


# --- JSON Lines ------------------------------------------------------------------------------
#
# pyarrow.json.read_json reads a whole file, infers types per block (a date-like string becomes
# a timestamp, a column can change type between blocks) and fails a whole block on one bad line.
# So the file is read in chunks of lines, twice: a first pass finds every key and the JSON types
# it takes anywhere in the file, which fixes one schema for all batches; the second parses each
# chunk with pyarrow and conforms it to that schema, or, when pyarrow refuses the chunk (a bad
# line, a key that changes type within the chunk), parses its lines one by one in Python.

_Kinds: TypeAlias = "dict[str, set[str]]"


def _jsonl_chunks(path: Path, codec: str, encoding: str, lines: int) -> Iterator[tuple[int, list[bytes]]]:
    """``(number of the first line, the lines as UTF-8)`` for each run of ``lines`` lines."""
    with path.open("rb") if codec == "utf-8" else path.open("r", encoding=encoding, newline=None) as handle:
        iterator: Iterator[bytes] = (
            handle if isinstance(handle, io.BufferedIOBase) else (str(line).encode("utf-8") for line in handle)
        )
        first = 1
        try:
            while chunk := list(itertools.islice(iterator, lines)):
                if first == 1 and chunk[0].startswith(codecs.BOM_UTF8):
                    chunk[0] = chunk[0][len(codecs.BOM_UTF8):]
                yield first, chunk
                first += len(chunk)
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not {encoding} text: {exc}") from None


def _arrow_kind(kind: pa.DataType) -> str:
    if pa.types.is_null(kind):
        return "null"
    if pa.types.is_boolean(kind):
        return "bool"
    if pa.types.is_integer(kind):
        return "int"
    if pa.types.is_floating(kind):
        return "float"
    if pa.types.is_nested(kind):
        return "nested"
    return "string"  # strings, and the timestamps pyarrow infers from strings


def _python_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int" if -(1 << 63) <= value < (1 << 63) else "float"  # as pyarrow reads a huge integer
    if isinstance(value, float):
        return "float"
    if isinstance(value, (list, dict)):
        return "nested"
    return "string"


def _read_json(lines: Sequence[bytes], explicit: pa.Schema | None = None) -> pa.Table | None:
    """The chunk through pyarrow, one row per non-blank line; None when pyarrow refuses it.

    (Then the chunk is read line by line.) Every line but the file's last ends with a line break.
    """
    import pyarrow.json as pajson

    data = b"".join(lines)
    if not data.endswith(b"\n"):
        data += b"\n"
    try:  # pyarrow would take bytes that are not UTF-8 into its strings: such a chunk is read line by line
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    read = pajson.ReadOptions(block_size=max(1 << 20, 2 * max(map(len, lines))))
    parse = pajson.ParseOptions(explicit_schema=explicit, unexpected_field_behavior="infer")
    try:
        table = pajson.read_json(io.BytesIO(data), read_options=read, parse_options=parse)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != sum(1 for line in lines if not line.isspace()):
        return None  # e.g. two objects on one line
    return table


def _parse_line(line: bytes) -> tuple[dict[str, Any] | None, str | None]:
    """One line as an object (or None) and what is wrong with it (or None); (None, None) for a blank line.

    A line with bytes that are not UTF-8 is read with those bytes as U+FFFD, and its problem says so.
    """
    if not line.strip():
        return None, None
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        value, problem = _parse_json(line.decode("utf-8", "replace"))
        return value, f"{NOT_UTF8}, shown as U+FFFD ({ENCODING_HINT})" + (f", and {problem}" if problem else "")
    return _parse_json(text)


def _parse_json(text: str) -> tuple[dict[str, Any] | None, str | None]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"not valid JSON ({exc.msg} at column {exc.colno})"
    except RecursionError:
        return None, "nested too deeply"
    if not isinstance(value, dict):
        return None, f"a JSON {type(value).__name__} where an object was expected"
    return value, None


def _id_pattern(key: str) -> re.Pattern[str]:
    """The key's value (a JSON string or number) where it is written in a line that does not parse."""
    return re.compile(re.escape(json.dumps(key)) + r'\s*:\s*("(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)')


def _scan_kinds(chunks: Iterable[tuple[int, list[bytes]]]) -> _Kinds:
    """Every key of the file, in order of first appearance, with the JSON types it takes."""
    kinds: _Kinds = {}
    for _, lines in chunks:
        table = _read_json(lines)
        if table is not None:
            for field in table.schema:
                kinds.setdefault(field.name, set()).add(_arrow_kind(field.type))
            continue
        for line in lines:
            row, _ = _parse_line(line)
            for key, value in (row or {}).items():
                kinds.setdefault(key, set()).add(_python_kind(value))
    return kinds


def _target(kinds: set[str]) -> pa.DataType:
    """One Arrow type for every value of a key: its JSON type where it has one, else text."""
    seen = kinds - {"null"}
    if seen == {"bool"}:
        return pa.bool_()
    if seen == {"int"}:
        return pa.int64()
    if seen and seen <= {"int", "float"}:
        return pa.float64()
    return pa.string()


class _JsonConformer:
    """Turns a chunk (parsed by pyarrow, or line by line) into a batch of the file's one schema."""

    def __init__(self, kinds: _Kinds, names: Sequence[str], path: Path) -> None:
        self.keys = list(kinds)
        self.path = path
        self.canonical = {key for key, name in zip(self.keys, names) if name in CANONICAL_COLUMNS}
        self.types = {key: _target(kinds[key]) for key in self.keys}
        json_text = [name for key, name in zip(self.keys, names) if key not in self.canonical and kinds[key] - {"null"} == {"nested"}]
        fields = [pa.field(name, self.types[key]) for key, name in zip(self.keys, names)]
        metadata = {JSON_COLUMNS_KEY: json.dumps(json_text).encode()} if json_text else None
        self.schema = _with_parse_errors(pa.schema(fields, metadata=metadata))
        # Keys that hold strings are read as strings (no timestamps inferred); nested values
        # are read line by line, so that they come out exactly as written.
        self.by_line = any("nested" in kinds[key] for key in self.keys)
        self.explicit = pa.schema([pa.field(key, pa.string()) for key in self.keys if "string" in kinds[key]])
        # the file's key for the contract id, to recover it from lines that do not parse
        self.id_key = next((key for key, name in zip(self.keys, names) if name == ID_COLUMN), "")
        self.id_pattern = _id_pattern(self.id_key) if self.id_key else None

    def conform(self, lines: list[bytes], first: int) -> pa.RecordBatch:
        if not self.by_line:
            table = _read_json(lines, self.explicit)
            if table is not None:
                batch = self._from_arrow(table)
                if batch is not None:
                    return batch
        return self._from_lines(lines, first)

    def _from_arrow(self, table: pa.Table) -> pa.RecordBatch | None:
        arrays = []
        for key in self.keys:
            target = self.types[key]
            if key not in table.column_names:
                arrays.append(pa.nulls(table.num_rows, target))
                continue
            column = table.column(key).combine_chunks()
            if column.type == target:
                arrays.append(column)
            elif pa.types.is_null(column.type) or (pa.types.is_integer(column.type) and pa.types.is_floating(target)):
                arrays.append(column.cast(target))
            elif target == pa.string() and _arrow_kind(column.type) in ("bool", "int", "float"):
                arrays.append(column.cast(target))
            else:
                return None  # not what the scan saw: read the chunk line by line
        return pa.RecordBatch.from_arrays([*arrays, pa.nulls(table.num_rows, pa.string())], schema=self.schema)

    def _from_lines(self, lines: list[bytes], first: int) -> pa.RecordBatch:
        rows: list[dict[str, Any]] = []
        problems: list[str | None] = []
        for number, line in enumerate(lines, start=first):
            row, problem = _parse_line(line)
            if row is None and problem is None:
                continue  # a blank line is not a record
            if problem is not None:  # the whole line, so that nothing of it is lost
                text = line.decode("utf-8", "replace").rstrip("\r\n")
                place = f"line {number} of the file"
                problem = (
                    problem.replace(NOT_UTF8, f"{NOT_UTF8} at {place}", 1) if problem.startswith(NOT_UTF8) else f"{place}: {problem}"
                ) + f": {text!r}"
                if row is None:
                    row = self._recovered_id(text)
            unexpected = sorted(set(row or {}) - set(self.types))
            if unexpected:  # the file changed between the two passes
                raise InputError(f"{self.path}: line {number}: key {unexpected[0]!r} was not in the file when it was first read")
            rows.append(row or {})
            problems.append(problem)
        arrays = [self._column(key, [row.get(key) for row in rows]) for key in self.keys]
        return pa.RecordBatch.from_arrays([*arrays, pa.array(problems, pa.string())], schema=self.schema)

    def _recovered_id(self, text: str) -> dict[str, Any] | None:
        """The contract id of a line that does not parse, where the line writes it (and its type fits the column's)."""
        if self.id_pattern is None or not (found := self.id_pattern.search(text)):
            return None
        try:
            value = json.loads(found.group(1))
        except json.JSONDecodeError:
            return None
        kind, target = _python_kind(value), self.types[self.id_key]
        fits = target == pa.string() or (kind == "int" and pa.types.is_integer(target)) or (kind in ("int", "float") and pa.types.is_floating(target))
        return {self.id_key: value} if fits else None

    def _column(self, key: str, values: list[Any]) -> pa.Array:
        target = self.types[key]
        if pa.types.is_floating(target):  # a huge integer too
            return pa.array([None if value is None else float(value) for value in values], target)
        if target != pa.string():
            return pa.array(values, target)
        canonical = key in self.canonical
        texts = [_text(value, canonical) for value in values]
        try:
            return pa.array(texts, pa.string())
        except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON) has no UTF-8: U+FFFD instead
            return pa.array([_replace_surrogates(text) for text in texts], pa.string())


def _replace_surrogates(text: str | None) -> str | None:
    return None if text is None else text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _text(value: Any, canonical: bool) -> str | None:
    """A JSON value as text: strings as they are, a list of categories joined by ``;``, the rest as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if canonical and isinstance(value, list) and all(not isinstance(item, (list, dict)) for item in value):
        return ";".join("" if item is None else str(item) for item in value)
    return json.dumps(value, ensure_ascii=False)


def read_jsonl_batches(
    path: str | Path, *, encoding: str = "utf-8", mapping: Mapping[str, str] | None = None, batch_rows: int = BATCH_ROWS
) -> Iterator[pa.RecordBatch]:
    """Record batches of a JSON Lines file, ``batch_rows`` lines at a time.

    Each line is one JSON object. A key's values are typed where the key has one JSON type in
    the whole file (numbers, booleans), else text; nested values of other columns are kept as
    JSON text and written back as JSON by :class:`JsonlSink`. A line that is not a JSON object
    is kept, in its place, as a row with a parse error. Blank lines are skipped. The file is
    read twice (the first time to fix the columns), never whole.
    """
    path = _existing(path)
    codec = _codec(encoding)
    kinds = _scan_kinds(_jsonl_chunks(path, codec, encoding, batch_rows))
    _check_names(list(kinds), path)
    names = renamed(list(kinds), mapping, source=path)
    conformer = _JsonConformer(kinds, names, path)
    return _jsonl_batches(path, codec, encoding, batch_rows, conformer)


def _jsonl_batches(path: Path, codec: str, encoding: str, batch_rows: int, conformer: _JsonConformer) -> Iterator[pa.RecordBatch]:
    yielded = False
    for first, lines in _jsonl_chunks(path, codec, encoding, batch_rows):
        batch = conformer.conform(lines, first)
        if batch.num_rows:
            yielded = True
            yield batch
    if not yielded:
        yield pa.RecordBatch.from_pylist([], schema=conformer.schema)
