"""Tests of ``vendorrisk score`` with CSV, Parquet and JSON Lines in and out, column mapping,
malformed lines and the streaming path.

Exit codes: 0 every row scored; 2 usage, input or mapping error; 3 some rows invalid.
Tests named ``test_malformed_*`` rely on the scorer turning the readers' parse-error column
into the row's ``error`` (see ``vendorrisk.schema.PARSE_ERROR_COLUMN``).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import vendorrisk.cli.score
from vendorrisk.cli import EXIT_INVALID_ROWS, EXIT_OK, EXIT_USAGE, main
from vendorrisk.io import PARSE_ERROR_COLUMN, open_batches, open_sink
from vendorrisk.schema import OUTPUT_COLUMNS

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "contracts.csv"
FORMATS = ("csv", "parquet", "jsonl")
COMPARED = ("contract_id", "score", "band", "score_low", "score_high", "gate", "reasons", "vector", "error")


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the command read tiny batches, so that every file splits into many."""
    monkeypatch.setattr(vendorrisk.cli.score, "open_batches", functools.partial(open_batches, block_size=512, batch_rows=3))


def read_any(path: Path) -> list[dict[str, Any]]:
    """Rows of a scored file, values as text ('' for empty), whatever the format."""
    if path.suffix == ".parquet":
        rows = pq.read_table(path).to_pylist()
    elif path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n")[:-1]]
    else:
        return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    return [{key: _text(value) for key, value in row.items()} for row in rows]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _normal(rows: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [tuple(_text(row[name]) if not isinstance(row[name], str) else _num(row[name]) for name in COMPARED) for row in rows]


def _num(text: str) -> str:
    try:
        return f"{float(text):g}"
    except ValueError:
        return text


def convert(source: Path, target: Path) -> Path:
    """The same contracts in another format (read as text, written as text)."""
    table = pa.Table.from_batches(list(open_batches(source))).drop_columns([PARSE_ERROR_COLUMN])
    with open_sink(target) as sink:
        sink.write(table)
    return target


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[str, ...]]:
    """The examples scored CSV to CSV in one batch."""
    out = tmp_path_factory.mktemp("ref") / "scored.csv"
    assert main(["score", str(EXAMPLES), "-o", str(out), "-q"]) == EXIT_OK
    return _normal(read_any(out))


# --- every format in and out ------------------------------------------------------------------


@pytest.mark.parametrize("out_kind", FORMATS)
@pytest.mark.parametrize("in_kind", FORMATS)
def test_every_input_format_to_every_output_format(
    in_kind: str, out_kind: str, tmp_path: Path, reference: list[tuple[str, ...]], small_batches: None, capsys: pytest.CaptureFixture[str]
) -> None:
    source = EXAMPLES if in_kind == "csv" else convert(EXAMPLES, tmp_path / f"in.{in_kind}")
    out = tmp_path / f"out.{out_kind}"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_OK
    assert "35 contracts" in capsys.readouterr().err
    rows = read_any(out)
    assert list(rows[0])[-len(OUTPUT_COLUMNS):] == list(OUTPUT_COLUMNS)
    assert PARSE_ERROR_COLUMN not in rows[0]
    assert _normal(rows) == reference  # same rows, same order, same scores as CSV in one batch


def test_scores_survive_a_chain_of_formats(tmp_path: Path, reference: list[tuple[str, ...]], capsys: pytest.CaptureFixture[str]) -> None:
    """Scoring a scored file again replaces its output columns: CSV -> Parquet -> JSON Lines -> CSV."""
    parquet, jsonl, final = tmp_path / "a.parquet", tmp_path / "b.jsonl", tmp_path / "c.csv"
    assert main(["score", str(EXAMPLES), "-o", str(parquet), "-q"]) == EXIT_OK
    assert main(["score", str(parquet), "-o", str(jsonl), "-q"]) == EXIT_OK
    assert main(["score", str(jsonl), "-o", str(final), "-q"]) == EXIT_OK
    assert _normal(read_any(final)) == reference


def test_parquet_output_keeps_types(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.parquet"
    assert main(["score", str(EXAMPLES), "-o", str(out), "-q"]) == EXIT_OK
    schema = pq.read_schema(out)
    assert schema.field("score").type == pa.float64()
    assert schema.field("as_of").type == pa.date32()
    assert schema.field("band").type == pa.string()
    assert schema.metadata[b"vendorrisk.fingerprint"].startswith(b"sha256:")


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_output_format_overrides_the_extension(kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.dat"
    assert main(["score", str(EXAMPLES), "-o", str(out), "--output-format", kind, "-q"]) == EXIT_OK
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith('"contract_id"' if kind == "csv" else '{"contract_id":')


def test_input_format_overrides_the_extension(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = convert(EXAMPLES, tmp_path / "contracts.jsonl").rename(tmp_path / "contracts.txt")
    assert main(["score", str(source), "--format", "jsonl", "-q"]) == EXIT_OK
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == 35


def test_tsv_in_and_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.tsv"
    source.write_text("contract_id\tbuyer_country\tvendor_name\nT-1\tPG\tHuawei, Ltd.\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    assert main(["score", str(source), "-o", str(out), "-q"]) == EXIT_OK
    header, row = out.read_text(encoding="utf-8").splitlines()
    assert header.split("\t")[:3] == ['"contract_id"', '"buyer_country"', '"vendor_name"']
    assert row.split("\t")[:3] == ['"T-1"', '"PG"', '"Huawei, Ltd."']


# --- stdout ----------------------------------------------------------------------------------


def test_stdout_is_csv_by_default(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = convert(EXAMPLES, tmp_path / "in.parquet")
    assert main(["score", str(source), "-q"]) == EXIT_OK
    assert capsys.readouterr().out.startswith('"contract_id","buyer_country"')


def test_stdout_as_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--output-format", "jsonl", "-q"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 35 and json.loads(lines[0])["contract_id"] == "PG-2010-IGIS"


def test_parquet_to_stdout_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--output-format", "parquet"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "vendorrisk: error: Parquet cannot be written to stdout; give -o FILE.parquet\n"


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "vendorrisk", *args], capture_output=True, env=env, cwd=cwd, timeout=120, check=False)


def test_subprocess_stdout_formats(tmp_path: Path) -> None:
    as_jsonl = _run("score", str(EXAMPLES), "--output-format", "jsonl", "-q", cwd=tmp_path)
    assert as_jsonl.returncode == EXIT_OK and as_jsonl.stderr == b""
    assert len([json.loads(line) for line in as_jsonl.stdout.decode("utf-8").splitlines()]) == 35
    as_parquet = _run("score", str(EXAMPLES), "--output-format", "parquet", cwd=tmp_path)
    assert as_parquet.returncode == EXIT_USAGE and as_parquet.stdout == b""
    assert b"Traceback" not in as_parquet.stderr and b"Parquet cannot be written to stdout" in as_parquet.stderr


# --- encodings -------------------------------------------------------------------------------


def test_bom_and_latin1_through_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "contract_id,buyer_country,buyer_name\nCI-1,CI,Ministère de la Santé\n"
    bom, latin = tmp_path / "bom.csv", tmp_path / "latin.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    latin.write_bytes(text.encode("latin-1"))
    for source, extra in ((bom, []), (latin, ["--encoding", "latin-1"])):
        out = tmp_path / f"{source.stem}.jsonl"
        assert main(["score", str(source), "-o", str(out), "-q", *extra]) == EXIT_OK
        (row,) = read_any(out)
        assert list(row)[0] == "contract_id" and row["buyer_name"] == "Ministère de la Santé" and row["error"] == ""


def test_latin1_read_as_utf8_flags_the_row_and_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "latin.csv"
    source.write_bytes("contract_id,buyer_country\nCI-é,CI\n".encode("latin-1"))
    assert main(["score", str(source), "-q"]) == EXIT_INVALID_ROWS
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr().out))
    assert row["contract_id"] == "CI-\ufffd" and row["error"].startswith("record: bytes that are not UTF-8 text at row 2")


def test_latin1_header_read_as_utf8_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "latin.csv"
    source.write_bytes("contract_id,buyer_country,préfecture\nCI-1,CI,x\n".encode("latin-1"))
    assert main(["score", str(source), "-q"]) == EXIT_USAGE
    assert capsys.readouterr().err.startswith(f"vendorrisk: error: {source}: the header has bytes that are not UTF-8 text")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--delimiter", ";"], "--delimiter applies to CSV only, and this is read as parquet"),
        (["--encoding", "latin-1"], "--encoding applies to CSV and JSON Lines, not Parquet"),
    ],
)
def test_text_options_on_parquet_exit_2(argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = convert(EXAMPLES, tmp_path / "in.parquet")
    assert main(["score", str(source), *argv]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_unknown_format_name_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["score", str(EXAMPLES), "--format", "xlsx"])
    assert info.value.code == EXIT_USAGE
    assert "argument --format: invalid choice: 'xlsx'" in capsys.readouterr().err


# --- column mapping --------------------------------------------------------------------------

OCDS_HEADER = "ocid,tender/title,buyer/address/countryName,awards/suppliers/name,awards/value/amount"
OCDS_ROWS = [
    "ocds-1,National ID system,PG,Huawei,55000000",
    "ocds-2,Tax portal,FR,SAP,1000000",
    "ocds-3,Cloud,US,Microsoft,",
]
OCDS_MAP = {
    "contract_id": "ocid",
    "buyer_country": "buyer/address/countryName",
    "vendor_name": "awards/suppliers/name",
    "value_usd": "awards/value/amount",
}


def ocds_csv(tmp_path: Path) -> Path:
    path = tmp_path / "ocds.csv"
    path.write_text("\n".join([OCDS_HEADER, *OCDS_ROWS]) + "\n", encoding="utf-8")
    return path


def test_map_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.csv"
    flags = [item for canonical, header in OCDS_MAP.items() for item in ("--map", f"{canonical}={header}")]
    assert main(["score", str(ocds_csv(tmp_path)), "-o", str(out), "-q", *flags]) == EXIT_OK
    rows = read_any(out)
    assert list(rows[0])[:5] == ["contract_id", "tender/title", "buyer_country", "vendor_name", "value_usd"]
    assert [row["contract_id"] for row in rows] == ["ocds-1", "ocds-2", "ocds-3"]
    assert [row["tender/title"] for row in rows] == ["National ID system", "Tax portal", "Cloud"]  # passes through
    assert all(row["error"] == "" and row["score"] for row in rows)


def test_map_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mapping = tmp_path / "ocds.toml"
    mapping.write_text("[columns]\n" + "".join(f'{canonical} = "{header}"\n' for canonical, header in OCDS_MAP.items()), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["score", str(ocds_csv(tmp_path)), "-o", str(out), "-q", "--map-file", str(mapping)]) == EXIT_OK
    assert [row["contract_id"] for row in read_any(out)] == ["ocds-1", "ocds-2", "ocds-3"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--map", "contract_id=ocid", "--map", "buyer_cntry=buyer/address/countryName"],
         "vendorrisk: error: --map: buyer_cntry: not a canonical column; did you mean 'buyer_country'?\n"),
        (["--map", "contract_id=OCID", "--map", "buyer_country=buyer/address/countryName"],
         "the file has no column 'OCID' (mapped to 'contract_id'); did you mean 'ocid'?\n"),
        (["--map", "contract_id"], "vendorrisk: error: --map: 'contract_id' is not canonical=header\n"),
        (["--map-file", "nope.toml"], "nope.toml: no such file\n"),
    ],
)
def test_bad_mappings_exit_2(argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(ocds_csv(tmp_path)), *argv]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.endswith(message)


def test_canonical_and_mapped_header_together_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "both.csv"
    source.write_text("contract_id,ocid,buyer_country\nA,B,PG\n", encoding="utf-8")
    assert main(["score", str(source), "--map", "contract_id=ocid"]) == EXIT_USAGE
    assert capsys.readouterr().err == (
        f"vendorrisk: error: {source}: the file has both a 'contract_id' column and 'ocid', which is mapped to "
        "'contract_id'; drop the mapping or rename one of the columns\n"
    )


@pytest.mark.parametrize("kind", ["parquet", "jsonl"])
def test_mapping_applies_to_every_format(kind: str, tmp_path: Path, small_batches: None, capsys: pytest.CaptureFixture[str]) -> None:
    source = convert(ocds_csv(tmp_path), tmp_path / f"ocds.{kind}")
    out = tmp_path / "out.csv"
    flags = [item for canonical, header in OCDS_MAP.items() for item in ("--map", f"{canonical}={header}")]
    assert main(["score", str(source), "-o", str(out), "-q", *flags]) == EXIT_OK
    assert [row["contract_id"] for row in read_any(out)] == ["ocds-1", "ocds-2", "ocds-3"]


# --- streaming: count and order across batches -------------------------------------------------


@pytest.mark.parametrize("kind", FORMATS)
def test_many_batches_keep_count_and_order(kind: str, tmp_path: Path, small_batches: None, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [{"contract_id": f"S{i:04d}", "buyer_country": ["PG", "FR", "XX"][i % 3], "vendor_name": "Huawei", "note": f"n{i}"} for i in range(400)]
    source = tmp_path / f"in.{kind}"
    with open_sink(source) as sink:
        sink.write(pa.Table.from_pylist(rows))
    out = tmp_path / "out.csv"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_INVALID_ROWS  # every third country is XX
    scored = read_any(out)
    assert [row["contract_id"] for row in scored] == [row["contract_id"] for row in rows]
    assert [row["note"] for row in scored] == [row["note"] for row in rows]
    assert sum(1 for row in scored if row["error"]) == 133
    assert "400 contracts" in capsys.readouterr().err


# --- malformed lines (rely on the scorer reading the parse-error column) --------------------------

MALFORMED = (
    "contract_id,buyer_country,vendor_name,note\n"
    "A,PG,Huawei,ok\n"
    "B,PG\n"
    'C,PG,Huawei,"two\nlines"\n'
    "D,PG,Huawei,x,extra\n"
    "E,FR,SAP,ok\n"
)


@pytest.mark.parametrize("out_kind", FORMATS)
def test_malformed_lines_are_scored_rows_with_an_error(out_kind: str, tmp_path: Path, small_batches: None, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "m.csv"
    source.write_text(MALFORMED, encoding="utf-8")
    out = tmp_path / f"out.{out_kind}"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_INVALID_ROWS
    assert "5 contracts" in capsys.readouterr().err
    rows = read_any(out)
    assert [row["contract_id"] for row in rows] == ["A", "B", "C", "D", "E"]  # recovered from the malformed lines
    assert [row["note"] for row in rows] == ["ok", "", "two\nlines", "", "ok"]
    assert PARSE_ERROR_COLUMN not in rows[0]
    errors = [row["error"] for row in rows]
    assert errors[0] == errors[2] == errors[4] == ""
    assert "2 fields where the header has 4, at row 3 of the file" in errors[1] and "'B,PG'" in errors[1]
    assert "5 fields where the header has 4, at row 5 of the file" in errors[3] and "'D,PG,Huawei,x,extra'" in errors[3]


def test_malformed_json_lines_are_scored_rows_with_an_error(tmp_path: Path, small_batches: None, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "m.jsonl"
    source.write_text('{"contract_id": "A", "buyer_country": "PG"}\n{"contract_id": "B",\n\n{"contract_id": "C", "buyer_country": "FR"}\n', encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["score", str(source), "-o", str(out), "-q"]) == EXIT_INVALID_ROWS
    rows = read_any(out)
    assert [row["contract_id"] for row in rows] == ["A", "B", "C"]  # B recovered from the line that does not parse
    assert "line 2 of the file: not valid JSON" in rows[1]["error"]
