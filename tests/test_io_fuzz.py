"""The CSV and JSON Lines readers fuzzed with ragged lines, bad bytes and quotes (issue 14).

Invariant, for every generated file: the output has one row per input record, in file order,
each with its ``contract_id`` where the record has one; a record that is well formed and all
UTF-8 is a good row, any other has a parse error. Through the CLI: exit 0 or 3, never a
traceback, and the same rows in the output file.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vendorrisk.cli import EXIT_INVALID_ROWS, EXIT_OK, main
from vendorrisk.io import NOT_UTF8, PARSE_ERROR_COLUMN, read_csv_batches, read_jsonl_batches

#: Bytes that are not UTF-8: a latin-1 letter, stray continuation bytes, a cut character, a never-valid byte.
_BAD: tuple[bytes, ...] = (b"\xe9", b"caf\xe9", b"\x80\x80", b"\xe2\x82", b"\xff", b"\xc3")

_TEXT = st.text(alphabet='ab,"\n é', min_size=1, max_size=6)
_CELL = st.one_of(
    st.sampled_from([b"", b"x", b"NA", "déjà".encode()]),
    _TEXT.map(lambda text: ('"' + text.replace('"', '""') + '"').encode()),  # quoted: commas, quotes, line breaks
    st.sampled_from(_BAD),
    st.tuples(_TEXT, st.sampled_from(_BAD)).map(lambda pair: b'"' + pair[0].replace('"', '""').encode() + pair[1] + b'"'),
)


def _has_bad_bytes(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[bytes, list[tuple[str, bool]], int]:
    """A CSV file of three columns (contract_id first) with good, short, long and blank lines,
    cells with quotes and bad bytes; per record, its contract id and whether it is good; and
    how many records have bad bytes."""
    lines = [b"contract_id,buyer_country,b"]
    expected: list[tuple[str, bool]] = []
    bad = 0
    for index in range(draw(st.integers(0, 20))):
        width = draw(st.sampled_from([3, 3, 3, 1, 2, 4, 0]))
        if width == 0:
            lines.append(b"")
            continue
        ident = f"r{index}".encode()
        if draw(st.booleans()):
            ident = b'"' + ident + b'"'
        cells = [draw(_CELL) for _ in range(width - 1)]
        line = b",".join([ident, *cells])
        lines.append(line)
        expected.append((f"r{index}", width == 3 and not _has_bad_bytes(line)))
        bad += _has_bad_bytes(line)
    ending = draw(st.sampled_from([b"\n", b"\r\n"]))
    return ending.join(lines) + draw(st.sampled_from([b"", ending])), expected, bad


@st.composite
def jsonl_files(draw: st.DrawFn) -> tuple[bytes, list[tuple[str | None, bool]]]:
    """JSON lines: objects, objects with bad bytes in a string, cut objects, arrays and blank lines."""
    lines: list[bytes] = []
    expected: list[tuple[str | None, bool]] = []
    for index in range(draw(st.integers(0, 15))):
        kind = draw(st.sampled_from(["object", "object", "bad bytes", "cut", "array", "blank"]))
        ident = f"j{index}"
        whole = json.dumps({"contract_id": ident, "buyer_country": "PG", "note": draw(st.text(alphabet='a"\\é', max_size=4))}).encode()
        if kind == "blank":
            lines.append(b"  ")
            continue
        if kind == "object":
            lines.append(whole)
        elif kind == "bad bytes":
            lines.append(whole.replace(b'"PG"', b'"P' + draw(st.sampled_from(_BAD)) + b'"'))
        elif kind == "cut":
            lines.append(whole[: draw(st.integers(len(json.dumps({"contract_id": ident})) - 1, len(whole) - 1))])
        else:
            lines.append(b"[1, 2]")
        expected.append((None if kind == "array" else ident, kind == "object"))
    return b"\n".join(lines) + draw(st.sampled_from([b"", b"\n"])), expected


def _rows(table: pa.Table) -> list[tuple[str | None, bool]]:
    return list(zip(table.column("contract_id").to_pylist(), (error is None for error in table.column(PARSE_ERROR_COLUMN).to_pylist())))


@settings(max_examples=150, deadline=None)
@given(csv_files(), st.sampled_from([16, 64, 128, 1 << 20]))
def test_csv_every_record_once_in_order_with_its_id(case: tuple[bytes, list[tuple[str, bool]], int], block_size: int) -> None:
    """Invariant: one row per non-blank CSV record, in order, with its contract id; good iff well
    formed and UTF-8; each record with bad bytes says so."""
    data, expected, bad_records = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(data)
        table = pa.Table.from_batches(list(read_csv_batches(path, block_size=block_size)))
    assert _rows(table) == expected
    bad = [error for error in table.column(PARSE_ERROR_COLUMN).to_pylist() if error and error.startswith(NOT_UTF8)]
    assert len(bad) == bad_records


@settings(max_examples=100, deadline=None)
@given(jsonl_files(), st.sampled_from([1, 2, 3, 1000]))
def test_jsonl_every_line_once_in_order_with_its_id(case: tuple[bytes, list[tuple[str | None, bool]]], batch_rows: int) -> None:
    """Invariant: one row per non-blank line, in order, with its contract id where the line writes one."""
    data, expected = case
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.jsonl"
        path.write_bytes(data)
        table = pa.Table.from_batches(list(read_jsonl_batches(path, batch_rows=batch_rows)))
    if table.num_rows and "contract_id" in table.column_names:
        assert _rows(table) == expected
    else:  # no line wrote a contract id that the first pass could read
        assert table.num_rows == len(expected) and all(ident is None or not good for ident, good in expected)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(csv_files().map(lambda case: ("csv", case[:2])), jsonl_files().map(lambda case: ("jsonl", case))))
def test_the_cli_never_loses_a_record_or_shows_a_traceback(capsys: pytest.CaptureFixture[str], kind_case: tuple[str, tuple[bytes, list[tuple[str | None, bool]]]]) -> None:
    """Invariant: ``vendorrisk score`` exits 0 or 3 (or 2 with a message when no line names a
    column), and its output has one row per record, in order, each with its contract id."""
    kind, (data, expected) = kind_case
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / f"f.{kind}", Path(folder) / "out.csv"
        source.write_bytes(data)
        code = main(["score", str(source), "-o", str(out), "-q"])
        captured = capsys.readouterr()
        assert "Traceback" not in captured.err
        if kind == "jsonl" and not any(good for _, good in expected) and code == 2:
            assert captured.err.startswith("vendorrisk: error: ")  # no line gave the required columns
            return
        assert code in (EXIT_OK, EXIT_INVALID_ROWS), captured.err
        rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8")))) if out.exists() else []
    assert [row["contract_id"] or None for row in rows] == [ident for ident, _ in expected]
    if not all(good for _, good in expected):  # (a good record may still be invalid: an empty buyer_country)
        assert code == EXIT_INVALID_ROWS
