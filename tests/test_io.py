"""Tests of the readers and sinks (``vendorrisk.io``) and of the column mapping (``vendorrisk.mapping``).

Batch sizes are tiny here (a CSV block of 64 bytes, two Parquet rows or JSON lines per batch)
so that every file really splits into several batches.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vendorrisk.errors import InputError
from vendorrisk.io import (
    ENCODING_HINT,
    JSON_COLUMNS_KEY,
    NOT_UTF8,
    PARSE_ERROR_COLUMN,
    CsvSink,
    JsonlSink,
    ParquetSink,
    format_of,
    open_batches,
    open_sink,
    read_csv_batches,
    read_jsonl_batches,
    read_parquet_batches,
    to_csv_text,
)
from vendorrisk.mapping import MappingError, check_mapping, load_file, load_mapping, parse_options, renamed

SMALL_BLOCK = 64  # bytes: a CSV block holds two or three of the rows below
ROWS_PER_BATCH = 2  # Parquet rows, JSON lines


def table_of(batches: Iterator[pa.RecordBatch]) -> tuple[pa.Table, list[int]]:
    """The batches as one table, and the size of each batch."""
    listed = list(batches)
    assert listed, "a reader always yields at least one batch"
    schemas = {batch.schema for batch in listed}
    assert len(schemas) == 1, "every batch of a file has the same schema"
    return pa.Table.from_batches(listed), [batch.num_rows for batch in listed]


def contracts(n: int) -> list[dict[str, str]]:
    return [{"contract_id": f"C{i:03d}", "buyer_country": "PG", "vendor_name": "Huawei", "note": f"n{i}"} for i in range(n)]


def write_csv(path: Path, rows: list[dict[str, str]], *, delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


# --- choosing the format ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "given", "expected"),
    [
        ("a.csv", None, "csv"),
        ("a.TSV", None, "csv"),
        ("a.parquet", None, "parquet"),
        ("a.pq", None, "parquet"),
        ("a.jsonl", None, "jsonl"),
        ("a.ndjson", None, "jsonl"),
        ("a.txt", None, "csv"),
        (None, None, "csv"),
        ("a.csv", "parquet", "parquet"),
    ],
)
def test_format_from_extension_or_name(path: str | None, given: str | None, expected: str) -> None:
    assert format_of(path, given) == expected


def test_unknown_format_name_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"unknown format 'xlsx' \(use csv, parquet, jsonl\)"):
        format_of("a.csv", "xlsx")


# --- CSV -------------------------------------------------------------------------------------


def test_csv_splits_into_batches_and_keeps_every_row_in_order(tmp_path: Path) -> None:
    rows = contracts(25)
    path = write_csv(tmp_path / "c.csv", rows)
    table, sizes = table_of(read_csv_batches(path, block_size=SMALL_BLOCK))
    assert len(sizes) > 5 and sum(sizes) == 25
    assert table.column_names == [*rows[0], PARSE_ERROR_COLUMN]
    assert all(pa.types.is_string(kind) for kind in table.schema.types)
    assert table.select(list(rows[0])).to_pylist() == rows
    assert table.column(PARSE_ERROR_COLUMN).null_count == 25


def test_csv_empty_cells_are_null_and_na_is_text(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('contract_id,buyer_country,note\nA,NA,""\nB,, \n', encoding="utf-8")
    table, _ = table_of(read_csv_batches(path))
    assert table.column("buyer_country").to_pylist() == ["NA", None]
    assert table.column("note").to_pylist() == [None, " "]


def test_csv_utf8_bom_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfcontract_id,buyer_country\n007,PG\n")
    table, _ = table_of(read_csv_batches(path))
    assert table.column_names[0] == "contract_id"
    assert table.column("contract_id").to_pylist() == ["007"]  # text: the leading zeros stay


@pytest.mark.parametrize("encoding", ["utf-8-sig", "UTF8"])
def test_csv_utf8_spellings_are_all_accepted(tmp_path: Path, encoding: str) -> None:
    path = write_csv(tmp_path / "c.csv", contracts(3), encoding="utf-8-sig")
    table, _ = table_of(read_csv_batches(path, encoding=encoding))
    assert table.column_names[0] == "contract_id" and table.num_rows == 3


def test_csv_latin1_is_transcoded(tmp_path: Path) -> None:
    rows = [{"contract_id": "L-1", "buyer_country": "CI", "buyer_name": "Ministère de la Santé"}] * 40
    path = write_csv(tmp_path / "latin.csv", rows, encoding="latin-1")
    table, sizes = table_of(read_csv_batches(path, encoding="latin-1", block_size=SMALL_BLOCK))
    assert len(sizes) > 1
    assert set(table.column("buyer_name").to_pylist()) == {"Ministère de la Santé"}


def test_csv_latin1_read_as_utf8_flags_the_rows_with_bad_bytes(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "latin.csv", [{"contract_id": "é", "buyer_country": "CI"}, {"contract_id": "e", "buyer_country": "CI"}],
                     encoding="latin-1")
    table, _ = table_of(read_csv_batches(path))
    assert table.column("contract_id").to_pylist() == ["\ufffd", "e"]
    assert table.column(PARSE_ERROR_COLUMN).to_pylist() == [
        f"{NOT_UTF8} at row 2 of the file (the header is row 1; blank lines are not counted), shown as U+FFFD ({ENCODING_HINT})", None
    ]


def test_csv_header_with_bad_bytes_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "latin.csv"
    path.write_bytes(b"contract_id,buyer_country,nom_\xe9\nA,PG,x\n")
    with pytest.raises(InputError, match=re.escape(f"latin.csv: the header has {NOT_UTF8}; {ENCODING_HINT}")):
        read_csv_batches(path)


def test_unknown_encoding_is_an_input_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", contracts(1))
    with pytest.raises(InputError, match="unknown encoding 'klingon'"):
        read_csv_batches(path, encoding="klingon")


def test_tsv_extension_means_tab(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.tsv", [{"contract_id": "T,1", "buyer_country": "PG"}], delimiter="\t")
    table, _ = table_of(open_batches(path))
    assert table.column("contract_id").to_pylist() == ["T,1"]


@pytest.mark.parametrize("spelling", ["\t", "\\t", "tab"])
def test_tab_delimiter_spellings(tmp_path: Path, spelling: str) -> None:
    path = write_csv(tmp_path / "c.txt", [{"contract_id": "T;1", "buyer_country": "PG"}], delimiter="\t")
    table, _ = table_of(open_batches(path, delimiter=spelling))
    assert table.column_names[:2] == ["contract_id", "buyer_country"]


@pytest.mark.parametrize("delimiter", ["", ";;", '"', "\n"])
def test_bad_delimiter_is_an_input_error(tmp_path: Path, delimiter: str) -> None:
    path = write_csv(tmp_path / "c.csv", contracts(1))
    with pytest.raises(InputError, match="the delimiter must be one character"):
        read_csv_batches(path, delimiter=delimiter)


def test_csv_quoted_newlines_across_batches(tmp_path: Path) -> None:
    rows = [{"contract_id": f"Q{i}", "buyer_country": "PG", "note": f"line one\nline two {i}\r\nthree"} for i in range(20)]
    path = write_csv(tmp_path / "q.csv", rows)
    table, sizes = table_of(read_csv_batches(path, block_size=SMALL_BLOCK))
    assert len(sizes) > 3
    assert table.select(["contract_id", "buyer_country", "note"]).to_pylist() == rows


def test_csv_header_only_gives_one_empty_batch(tmp_path: Path) -> None:
    for text in ("contract_id,buyer_country\n", "contract_id,buyer_country", "contract_id,buyer_country\r\n\r\n"):
        path = tmp_path / "h.csv"
        path.write_text(text, encoding="utf-8")
        table, sizes = table_of(read_csv_batches(path))
        assert sizes == [0] and table.column_names == ["contract_id", "buyer_country", PARSE_ERROR_COLUMN]


def test_csv_empty_file_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="the file is empty"):
        read_csv_batches(path)


def test_missing_file_is_an_input_error_before_the_first_batch(tmp_path: Path) -> None:
    for kind in ("csv", "parquet", "jsonl"):
        with pytest.raises(InputError, match="no such file"):
            open_batches(tmp_path / "nope", format=kind)


def test_repeated_and_reserved_columns_are_input_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("contract_id,buyer_country,contract_id\n", encoding="utf-8")
    with pytest.raises(InputError, match="the header repeats column 'contract_id'"):
        read_csv_batches(path)
    path.write_text(f"contract_id,{PARSE_ERROR_COLUMN}\n", encoding="utf-8")
    with pytest.raises(InputError, match="is reserved for vendorrisk"):
        read_csv_batches(path)


# --- malformed CSV lines ---------------------------------------------------------------------

MALFORMED = (
    "contract_id,buyer_country,note\n"
    "A,PG,ok\n"
    "B,PG\n"  # too few fields
    'C,PG,"quoted\nnewline"\n'  # a good row over two lines
    "\n"  # a blank line is not a record
    "D,PG,x,extra\n"  # too many fields
    'E,PG,"has, a comma"\n'
    'F,"bad\nquoted",1,2\n'  # a malformed row over two lines
    "G,PG,last\n"
)


@pytest.mark.parametrize("block_size", [16, SMALL_BLOCK, 100, 1 << 20])
def test_malformed_lines_are_kept_once_in_input_order(tmp_path: Path, block_size: int) -> None:
    path = tmp_path / "m.csv"
    path.write_text(MALFORMED, encoding="utf-8")
    table, _ = table_of(read_csv_batches(path, block_size=block_size))
    assert table.column("contract_id").to_pylist() == ["A", "B", "C", "D", "E", "F", "G"]  # recovered from the malformed lines
    assert table.column("note").to_pylist() == ["ok", None, "quoted\nnewline", None, "has, a comma", None, "last"]
    errors = table.column(PARSE_ERROR_COLUMN).to_pylist()
    assert errors[0] is None and errors[2] is None and errors[4] is None and errors[6] is None
    assert errors[1] == (
        "2 fields where the header has 3, at row 3 of the file (the header is row 1; blank lines are not counted): 'B,PG'"
    )
    assert errors[3].startswith("4 fields where the header has 3, at row 5 of the file") and errors[3].endswith("'D,PG,x,extra'")
    assert errors[5].startswith("4 fields where the header has 3, at row 7 of the file")
    assert errors[5].endswith(repr('F,"bad\nquoted",1,2'))


@pytest.mark.parametrize("block_size", [16, SMALL_BLOCK, 1 << 20])
def test_malformed_lines_first_last_and_all(tmp_path: Path, block_size: int) -> None:
    path = tmp_path / "m.csv"
    path.write_text("contract_id,buyer_country\nX\nA,PG\nY,PG,1\nZ", encoding="utf-8")
    table, _ = table_of(read_csv_batches(path, block_size=block_size))
    assert table.column("contract_id").to_pylist() == ["X", "A", "Y", "Z"]
    assert [e is None for e in table.column(PARSE_ERROR_COLUMN).to_pylist()] == [False, True, False, False]
    path.write_text("contract_id,buyer_country\nX\nY,PG,1\n", encoding="utf-8")
    table, _ = table_of(read_csv_batches(path, block_size=block_size))
    assert table.num_rows == 2 and table.column(PARSE_ERROR_COLUMN).null_count == 0


def test_malformed_line_text_is_kept_in_full(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    line = "ID-" + "x" * 500 + ",PG,extra"
    path.write_text("contract_id,buyer_country\n" + line + "\n", encoding="utf-8")
    table, _ = table_of(read_csv_batches(path))
    (error,) = table.column(PARSE_ERROR_COLUMN).to_pylist()
    assert error.startswith("3 fields where the header has 2") and error.endswith(repr(line))
    assert table.column("contract_id").to_pylist() == ["ID-" + "x" * 500]


def test_a_mapped_contract_id_is_recovered_from_its_own_field(tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text('country;ref;note\nPG;"R;1";a\nPG;R2;b;extra\nFR\n', encoding="utf-8")
    table, _ = table_of(read_csv_batches(path, delimiter=";", mapping={"contract_id": "ref", "buyer_country": "country"}))
    assert table.column("contract_id").to_pylist() == ["R;1", "R2", None]
    assert table.column("buyer_country").to_pylist() == ["PG", None, None]


_CELL = st.one_of(
    st.sampled_from(["", "x", "NA", "déjà"]),
    st.text(alphabet='ab,"\n ', min_size=1, max_size=6).map(lambda text: '"' + text.replace('"', '""') + '"'),
)


@st.composite
def _csv_files(draw: st.DrawFn) -> tuple[str, list[tuple[str | None, bool]]]:
    """A CSV text of three columns with good, short, long and blank lines, and what each record should give."""
    lines = ["id,a,b"]
    expected: list[tuple[str | None, bool]] = []
    for index in range(draw(st.integers(0, 25))):
        width = draw(st.sampled_from([3, 3, 3, 1, 2, 4, 0]))
        if width == 0:
            lines.append("")
            continue
        lines.append(",".join([f"r{index}", *(draw(_CELL) for _ in range(width - 1))]))
        expected.append((f"r{index}", True) if width == 3 else (None, False))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending])), expected


@settings(max_examples=150, deadline=None)
@given(_csv_files(), st.sampled_from([32, 64, 128, 1 << 20]))
def test_every_record_comes_out_once_in_order_whatever_the_block_size(case: tuple[str, list[tuple[str | None, bool]]], block_size: int) -> None:
    """Invariant: the reader yields one row per non-blank CSV record, in file order; a record
    with the header's number of fields is a good row, any other is a row with a parse error."""
    text, expected = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.csv"
        path.write_text(text, encoding="utf-8", newline="")
        table, _ = table_of(read_csv_batches(path, block_size=block_size))
    got = list(zip(table.column("id").to_pylist(), (error is None for error in table.column(PARSE_ERROR_COLUMN).to_pylist())))
    assert got == expected


# --- Parquet ---------------------------------------------------------------------------------


def typed_table() -> pa.Table:
    return pa.table(
        {
            "contract_id": [f"P{i}" for i in range(5)],
            "buyer_country": ["PG", "FR", None, "CN", "US"],
            "records": pa.array([5, None, 7, 0, 1], pa.int64()),
            "value_usd": [1.5, None, 2.0, 3.0, 4.0],
            "vendor_remote_access": [True, None, False, True, False],
            "signed": pa.array([dt.date(2021, 1, 2), None, dt.date(2020, 1, 1), dt.date(2019, 5, 5), None]),
            "data_categories": pa.array([["health", "tax"], None, [], ["identity"], ["public"]]),
            "source": pa.nulls(5),
            "tags": pa.array([[1, 2], None, [3], [], [4]]),
            "note": ["a", "b", None, "d", "e"],
        }
    )


def test_parquet_batches_keep_types_and_join_category_lists(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(typed_table(), path)
    table, sizes = table_of(read_parquet_batches(path, batch_rows=ROWS_PER_BATCH))
    assert sizes == [2, 2, 1]
    assert table.schema.field("records").type == pa.int64()
    assert table.schema.field("vendor_remote_access").type == pa.bool_()
    assert table.schema.field("signed").type == pa.date32()
    assert table.column("data_categories").to_pylist() == ["health;tax", None, "", "identity", "public"]
    assert table.schema.field("source").type == pa.string()  # an all-null canonical column becomes text
    assert table.column("tags").to_pylist() == typed_table().column("tags").to_pylist()  # passes through
    assert table.column("contract_id").to_pylist() == ["P0", "P1", "P2", "P3", "P4"]
    assert table.column(PARSE_ERROR_COLUMN).null_count == 5


def test_parquet_pandas_metadata_is_not_carried(tmp_path: Path) -> None:
    pandas = pytest.importorskip("pandas")
    path = tmp_path / "p.parquet"
    pandas.DataFrame({"contract_id": ["A"], "buyer_country": ["PG"]}).to_parquet(path)
    table, _ = table_of(read_parquet_batches(path))
    assert b"pandas" not in (table.schema.metadata or {})


def test_parquet_canonical_struct_column_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(pa.table({"contract_id": ["A"], "buyer_country": pa.array([{"code": "PG"}])}), path)
    with pytest.raises(InputError, match=r"column 'buyer_country' is struct<code: string>, which cannot be read as a contract field"):
        read_parquet_batches(path)


def test_not_parquet_is_an_input_error(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.parquet", contracts(2))
    with pytest.raises(InputError, match="cannot read it as Parquet"):
        open_batches(path)


def test_delimiter_and_encoding_are_for_text_formats(tmp_path: Path) -> None:
    path = tmp_path / "p.parquet"
    pq.write_table(typed_table(), path)
    with pytest.raises(InputError, match="--delimiter applies to CSV only, and this is read as parquet"):
        open_batches(path, delimiter=";")
    with pytest.raises(InputError, match="--encoding applies to CSV and JSON Lines, not Parquet"):
        open_batches(path, encoding="latin-1")


# --- JSON Lines ------------------------------------------------------------------------------


def write_lines(path: Path, lines: list[str], *, encoding: str = "utf-8") -> Path:
    path.write_text("\n".join(lines) + "\n", encoding=encoding)
    return path


def test_jsonl_one_schema_for_all_batches(tmp_path: Path) -> None:
    lines = [
        '{"contract_id": "J1", "buyer_country": "PG", "records": 5, "signed": "2021-06-30", "n": 1, "flag": true}',
        '{"contract_id": "J2", "buyer_country": "FR", "records": "1e6", "n": 2.5}',
        '{"contract_id": "J3", "buyer_country": "CN", "late": "appears late", "signed": "2021-13-01"}',
        '{"contract_id": 4, "buyer_country": null, "flag": false}',
        '{"contract_id": "J5", "buyer_country": "US", "data_categories": ["health", "tax"]}',
    ]
    table, sizes = table_of(read_jsonl_batches(write_lines(tmp_path / "j.jsonl", lines), batch_rows=ROWS_PER_BATCH))
    assert sizes == [2, 2, 1]
    assert table.column_names == ["contract_id", "buyer_country", "records", "signed", "n", "flag", "late", "data_categories", PARSE_ERROR_COLUMN]
    assert table.column("contract_id").to_pylist() == ["J1", "J2", "J3", "4", "J5"]  # mixed: text
    assert table.column("records").to_pylist() == ["5", "1e6", None, None, None]
    assert table.column("signed").to_pylist() == ["2021-06-30", None, "2021-13-01", None, None]  # text, not timestamps
    assert table.schema.field("n").type == pa.float64() and table.column("n").to_pylist() == [1.0, 2.5, None, None, None]
    assert table.schema.field("flag").type == pa.bool_()
    assert table.column("late").to_pylist() == [None, None, "appears late", None, None]
    assert table.column("data_categories").to_pylist() == [None, None, None, None, "health;tax"]
    assert table.column(PARSE_ERROR_COLUMN).null_count == 5


def test_jsonl_nested_pass_through_is_json_text_marked_in_the_schema(tmp_path: Path) -> None:
    lines = ['{"contract_id": "J1", "meta": {"k": [1, 2], "when": "2021-01-01"}}', '{"contract_id": "J2", "meta": null}']
    table, _ = table_of(read_jsonl_batches(write_lines(tmp_path / "j.jsonl", lines)))
    assert table.column("meta").to_pylist() == ['{"k": [1, 2], "when": "2021-01-01"}', None]
    assert json.loads(table.schema.metadata[JSON_COLUMNS_KEY]) == ["meta"]


@pytest.mark.parametrize("batch_rows", [1, ROWS_PER_BATCH, 3, 1000])
def test_malformed_json_lines_are_kept_in_place(tmp_path: Path, batch_rows: int) -> None:
    lines = [
        '{"contract_id": "J1", "buyer_country": "PG"}',
        "not json",
        "",
        '{"contract_id": "J2", "buyer_country": "FR"}',
        "[1, 2]",
        '{"contract_id": "J3"} {"contract_id": "J4"}',
        '{"contract_id": "J5", "buyer_country": "CN"}',
    ]
    table, _ = table_of(read_jsonl_batches(write_lines(tmp_path / "j.jsonl", lines), batch_rows=batch_rows))
    assert table.column("contract_id").to_pylist() == ["J1", None, "J2", None, "J3", "J5"]  # J3 recovered from a line that does not parse
    errors = table.column(PARSE_ERROR_COLUMN).to_pylist()
    assert errors[1] == "line 2 of the file: not valid JSON (Expecting value at column 1): 'not json'"
    assert errors[3] == "line 5 of the file: a JSON list where an object was expected: '[1, 2]'"
    assert errors[4].startswith("line 6 of the file: not valid JSON (Extra data at column 23)")
    assert [errors[i] for i in (0, 2, 5)] == [None, None, None]


_JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=2) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=4,
)


@st.composite
def _jsonl_files(draw: st.DrawFn) -> tuple[list[str], list[tuple[str | None, bool]]]:
    """JSON lines: objects with an ``id`` and a ``v`` of any JSON type, bad lines and blank lines."""
    lines: list[str] = []
    expected: list[tuple[str | None, bool]] = []
    for index in range(draw(st.integers(0, 12))):
        kind = draw(st.sampled_from(["object", "object", "object", "bad", "array", "blank"]))
        if kind == "blank":
            lines.append("  ")
            continue
        if kind == "object":
            lines.append(json.dumps({"id": f"j{index}", "v": draw(_JSON_VALUE)}))
            expected.append((f"j{index}", True))
        else:
            lines.append("{oops" if kind == "bad" else "[1, 2]")
            expected.append((None, False))
    return lines, expected


@settings(max_examples=100, deadline=None)
@given(_jsonl_files(), st.sampled_from([1, 2, 3, 1000]))
def test_every_json_line_comes_out_once_in_order(case: tuple[list[str], list[tuple[str | None, bool]]], batch_rows: int) -> None:
    """Invariant: one row per non-blank line, in file order, with one schema for all batches; a line
    that is not a JSON object is a row with a parse error."""
    lines, expected = case
    with tempfile.TemporaryDirectory() as folder:
        path = write_lines(Path(folder) / "p.jsonl", lines)
        table, _ = table_of(read_jsonl_batches(path, batch_rows=batch_rows))
    ids = table.column("id").to_pylist() if "id" in table.column_names else [None] * table.num_rows
    assert list(zip(ids, (error is None for error in table.column(PARSE_ERROR_COLUMN).to_pylist()))) == expected


def test_jsonl_bom_and_latin1(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"contract_id": "B1", "buyer_country": "PG"}\n')
    table, _ = table_of(read_jsonl_batches(path))
    assert table.column("contract_id").to_pylist() == ["B1"] and table.column(PARSE_ERROR_COLUMN).null_count == 1
    latin = write_lines(tmp_path / "l.jsonl", ['{"contract_id": "L1", "buyer_name": "Ministère"}'], encoding="latin-1")
    table, _ = table_of(read_jsonl_batches(latin, encoding="latin-1"))
    assert table.column("buyer_name").to_pylist() == ["Ministère"]


def test_jsonl_lone_surrogate_and_huge_integer(tmp_path: Path) -> None:
    lines = ['{"id": "a", "v": "\\ud800", "big": 123456789012345678901234567890}', "bad", '{"id": "b", "v": [1], "big": 5}']
    table, _ = table_of(read_jsonl_batches(write_lines(tmp_path / "j.jsonl", lines)))
    assert table.column("v").to_pylist() == ["\ufffd", None, "[1]"]
    assert table.column("big").to_pylist() == [1.2345678901234568e29, None, 5.0]


def test_jsonl_empty_file_gives_an_empty_batch(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_bytes(b"")
    table, sizes = table_of(read_jsonl_batches(path))
    assert sizes == [0] and table.column_names == [PARSE_ERROR_COLUMN]


# --- sinks -----------------------------------------------------------------------------------


def sample() -> pa.Table:
    return pa.table(
        {
            "contract_id": ["A", 'q"b', None],
            "band": pa.array(["low", "high", None]).dictionary_encode(),
            "score": [1.5, float("nan"), None],
            "as_of": pa.array([dt.date(2021, 6, 30), None, dt.date(2020, 1, 1)]),
            "tags": pa.array([[1, 2], None, []]),
        }
    )


def test_csv_sink_writes_the_header_once_and_nested_values_as_json(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    with CsvSink(path) as sink:
        sink.write(sample())
        sink.write(sample().slice(0, 1))
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    assert rows[0] == ["contract_id", "band", "score", "as_of", "tags"]
    assert rows[1] == ["A", "low", "1.5", "2021-06-30", "[1, 2]"]
    assert rows[3][4] == "[]" and len(rows) == 5


def test_tsv_sink_uses_tabs(tmp_path: Path) -> None:
    path = tmp_path / "o.tsv"
    with open_sink(path) as sink:
        sink.write(pa.table({"a": ["x,y"], "b": ["z"]}))
    assert path.read_text(encoding="utf-8").splitlines()[1] == '"x,y"\t"z"'


def test_parquet_sink_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "o.parquet"
    with open_sink(path) as sink:
        assert isinstance(sink, ParquetSink)
        sink.write(sample())
        sink.write(sample())
    back = pq.read_table(path)
    assert back.num_rows == 6
    assert back.column("band").to_pylist() == ["low", "high", None] * 2  # plain text, not dictionaries
    assert back.column("tags").to_pylist() == [[1, 2], None, []] * 2


def test_jsonl_sink_writes_one_valid_object_per_row(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    with open_sink(path) as sink:
        assert isinstance(sink, JsonlSink)
        sink.write(sample())
        sink.write(sample().slice(0, 0))
    objects = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")[:-1]]
    assert objects == [
        {"contract_id": "A", "band": "low", "score": 1.5, "as_of": "2021-06-30", "tags": [1, 2]},
        {"contract_id": 'q"b', "band": "high", "score": None, "as_of": None, "tags": None},  # NaN -> null
        {"contract_id": None, "band": None, "score": None, "as_of": "2020-01-01", "tags": []},
    ]


def test_jsonl_sink_escapes_text_in_long_and_short_columns() -> None:
    values = ['plain', 'q"uote', "back\\slash", "tab\there", "new\nline", "déjà \u2028", "\x01", None] * 200
    buffer = io.BytesIO()
    with JsonlSink(buffer) as sink:
        sink.write(pa.table({"many": values, "few": [f"v{i % 3}" for i in range(len(values))]}))
    objects = [json.loads(line) for line in buffer.getvalue().decode("utf-8").split("\n")[:-1]]
    assert [o["many"] for o in objects] == values


def test_jsonl_sink_restores_json_text_columns(tmp_path: Path) -> None:
    source = write_lines(tmp_path / "j.jsonl", ['{"contract_id": "J1", "meta": {"k": [1, 2]}}', '{"contract_id": "J2"}'])
    table, _ = table_of(read_jsonl_batches(source))
    buffer = io.BytesIO()
    with JsonlSink(buffer) as sink:
        sink.write(table.drop_columns([PARSE_ERROR_COLUMN]))
    assert [json.loads(line) for line in buffer.getvalue().decode().splitlines()] == [
        {"contract_id": "J1", "meta": {"k": [1, 2]}},
        {"contract_id": "J2", "meta": None},
    ]


def test_sinks_open_no_file_when_nothing_is_written(tmp_path: Path) -> None:
    for name in ("o.csv", "o.parquet", "o.jsonl"):
        with open_sink(tmp_path / name):
            pass
        assert not (tmp_path / name).exists()


def test_to_csv_text() -> None:
    assert to_csv_text(pa.table({"a": ["x"], "b": pa.array(["y"]).dictionary_encode()})) == '"a","b"\n"x","y"\n'


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
def test_each_format_round_trips_through_its_reader(tmp_path: Path, kind: str) -> None:
    """What a sink writes, the reader of the same format reads back, row for row."""
    original = pa.table({"contract_id": [f"R{i}" for i in range(7)], "buyer_country": ["PG"] * 7, "note": ["a,b", "c\nd", None, "é", "", "x", "y"]})
    path = tmp_path / f"r.{kind}"
    with open_sink(path) as sink:
        sink.write(original.slice(0, 3))
        sink.write(original.slice(3))
    table, sizes = table_of(open_batches(path, block_size=SMALL_BLOCK, batch_rows=ROWS_PER_BATCH))
    assert len(sizes) > 1
    expected = original.to_pylist()
    if kind == "csv":  # an empty CSV cell is unknown
        expected[4]["note"] = None
    assert table.drop_columns([PARSE_ERROR_COLUMN]).to_pylist() == expected


# --- column mapping --------------------------------------------------------------------------


def test_map_options_parse_and_check() -> None:
    assert parse_options(["contract_id=ocid", "buyer_country=Buyer = country"]) == {
        "contract_id": "ocid",
        "buyer_country": "Buyer = country",
    }


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (["contract_id"], r"--map: 'contract_id' is not canonical=header"),
        (["=x"], r"--map: '=x' is not canonical=header"),
        (["buyer_cntry=Country"], r"--map: buyer_cntry: not a canonical column; did you mean 'buyer_country'\?"),
        (["zzz=Country"], r"--map: zzz: not a canonical column$"),
        (["contract_id=a", "contract_id=b"], r"--map: contract_id: given twice \('a' and 'b'\)"),
        (["contract_id="], r"--map: contract_id: the header is empty"),
        (["contract_id=x", "source=x"], r"--map: source: header 'x' is already mapped to 'contract_id'"),
    ],
)
def test_bad_map_options(items: list[str], message: str) -> None:
    with pytest.raises(MappingError, match=message):
        parse_options(items)


def test_every_mapping_problem_is_reported_together() -> None:
    with pytest.raises(MappingError) as info:
        check_mapping({"buyer_cntry": "a", "vendor_nam": "b"})
    assert str(info.value).splitlines() == [
        "--map: buyer_cntry: not a canonical column; did you mean 'buyer_country'?",
        "--map: vendor_nam: not a canonical column; did you mean 'vendor_name'?",
    ]


def test_mapping_file(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text('[columns]\ncontract_id = "ocid"\n"buyer_country" = "buyer.address.countryName"\n', encoding="utf-8")
    assert load_file(path) == {"contract_id": "ocid", "buyer_country": "buyer.address.countryName"}
    # an option wins over the file for its column
    assert load_mapping(["contract_id=id"], path) == {"contract_id": "id", "buyer_country": "buyer.address.countryName"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[columns]\nbuyer_cntry = "x"\n', r"m.toml: columns.buyer_cntry: not a canonical column; did you mean 'buyer_country'\?"),
        ('[colums]\ncontract_id = "x"\n', r"m.toml: columns: a \[columns\] table is required\n.*m.toml: colums: extra inputs are not permitted"),
        ("[columns]\ncontract_id = 3\n", r"m.toml: columns.contract_id: input should be a valid string"),
        ("[columns\n", r"m.toml: not valid TOML"),
        ('[columns]\ncontract_id = "x"\nsource = "x"\n', r"m.toml: columns.source: header 'x' is already mapped to 'contract_id'"),
    ],
)
def test_bad_mapping_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "m.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_file(path)


def test_missing_mapping_file(tmp_path: Path) -> None:
    with pytest.raises(MappingError, match=r"nope.toml: no such file"):
        load_mapping([], tmp_path / "nope.toml")


def test_renaming_rules() -> None:
    assert renamed(["ocid", "country", "note"], {"contract_id": "ocid", "buyer_country": "country"}, source="f") == [
        "contract_id", "buyer_country", "note",
    ]
    # two columns may swap names
    assert renamed(["vendor_country", "buyer_country"], {"buyer_country": "vendor_country", "vendor_country": "buyer_country"}, source="f") == [
        "buyer_country", "vendor_country",
    ]
    assert renamed(["contract_id"], {"contract_id": "contract_id"}, source="f") == ["contract_id"]
    with pytest.raises(MappingError, match=r"^f: the file has no column 'Ocid' \(mapped to 'contract_id'\); did you mean 'ocid'\?$"):
        renamed(["ocid"], {"contract_id": "Ocid"}, source="f")
    with pytest.raises(MappingError, match=r"^f: the file has both a 'contract_id' column and 'ocid', which is mapped to 'contract_id'"):
        renamed(["contract_id", "ocid"], {"contract_id": "ocid"}, source="f")


def ocds_like() -> list[dict[str, Any]]:
    return [{"ocid": f"ocds-{i}", "Buyer Country": "PG", "supplier": "Huawei", "amount": str(i)} for i in range(9)]


MAPPING = {"contract_id": "ocid", "buyer_country": "Buyer Country", "vendor_name": "supplier"}


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
def test_each_reader_renames_batch_by_batch(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"o.{kind}"
    with open_sink(path) as sink:
        sink.write(pa.Table.from_pylist(ocds_like()))
    table, sizes = table_of(open_batches(path, mapping=MAPPING, block_size=SMALL_BLOCK, batch_rows=ROWS_PER_BATCH))
    assert len(sizes) > 2
    assert table.column_names == ["contract_id", "buyer_country", "vendor_name", "amount", PARSE_ERROR_COLUMN]
    assert table.column("contract_id").to_pylist() == [row["ocid"] for row in ocds_like()]


@pytest.mark.parametrize("kind", ["csv", "parquet", "jsonl"])
def test_each_reader_checks_the_mapping_against_its_columns(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"o.{kind}"
    with open_sink(path) as sink:
        sink.write(pa.Table.from_pylist(ocds_like()))
    with pytest.raises(MappingError, match=r"the file has no column 'buyer' \(mapped to 'buyer_name'\)"):
        open_batches(path, mapping={**MAPPING, "buyer_name": "buyer"})
