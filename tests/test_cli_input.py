"""``vendorrisk score`` on inputs that used to change scores silently, lose rows or abort (issue 14):
unknown columns, standard input and pipes, folders, unknown output extensions, future dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from vendorrisk.cli import EXIT_INVALID_ROWS, EXIT_OK, EXIT_USAGE, main
from vendorrisk.validate import FUTURE_TOLERANCE_DAYS

GOOD = "contract_id,buyer_country,vendor_name,data_categories\nP-1,PG,Huawei,identity;tax\nP-2,DE,,health\n"


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_misspelt_headers_are_named_on_stderr_with_a_did_you_mean(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "c.csv", "contract_id,buyer_country,vendor_nmae,data_categries,Records ,note\nA,PG,Huawei,health,5,x\n")
    assert main(["score", str(source), "-q"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == (
        f"vendorrisk: warning: {source}: 4 columns are not canonical and are passed through unscored: "
        "'vendor_nmae' (did you mean 'vendor_name'?), 'data_categries' (did you mean 'data_categories'?), "
        "'Records ' (did you mean 'records'?), 'note'; map a misspelt header with --map CANONICAL=HEADER, "
        "or give --strict-columns to refuse unknown columns\n"
    )
    (row,) = parse(captured.out)
    assert row["note"] == "x" and row["error"] == ""


def test_strict_columns_refuses_them_and_a_mapping_makes_them_known(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "c.csv", "contract_id,buyer_country,vendor_nmae\nA,PG,Huawei\n")
    assert main(["score", str(source), "--strict-columns"]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"vendorrisk: error: {source}: 1 column is not canonical and is passed through unscored: "
        "'vendor_nmae' (did you mean 'vendor_name'?) (--strict-columns)\n"
    )
    assert main(["score", str(source), "--strict-columns", "-q", "--map", "vendor_name=vendor_nmae"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == "" and parse(captured.out)[0]["vendor_name"] == "Huawei"


def test_canonical_headers_give_no_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(write(tmp_path / "c.csv", GOOD)), "-q", "--strict-columns"]) == EXIT_OK
    assert capsys.readouterr().err == ""


def test_dash_reads_standard_input(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(GOOD.encode())))
    assert main(["score", "-", "-q"]) == EXIT_OK
    rows = parse(capsys.readouterr().out)
    assert [row["contract_id"] for row in rows] == ["P-1", "P-2"] and all(row["score"] for row in rows)


def test_dash_reads_json_lines_from_standard_input_with_format(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    lines = b'{"contract_id": "J-1", "buyer_country": "PG"}\n{"contract_id": "J-2", "buyer_country": "NA"}\n'
    monkeypatch.setattr(sys, "stdin", SimpleNamespace(buffer=io.BytesIO(lines)))
    assert main(["score", "-", "--format", "jsonl", "-q"]) == EXIT_OK
    assert [row["buyer_country"] for row in parse(capsys.readouterr().out)] == ["PG", "NA"]


@pytest.mark.skipif(shutil.which("bash") is None or not Path("/dev/stdin").exists(), reason="needs bash and /dev/stdin")
def test_pipes_dev_stdin_and_process_substitution(tmp_path: Path) -> None:
    source = write(tmp_path / "c.csv", GOOD)
    command = f"{sys.executable} -m vendorrisk score"
    scripts = {
        "dash": f"cat {source} | {command} - -q",
        "dev-stdin": f"cat {source} | {command} /dev/stdin -q",
        "process-substitution": f"{command} <(cat {source}) -q",
    }
    for name, script in scripts.items():
        done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120, check=False)
        assert done.returncode == 0, (name, done.stderr)
        assert "Traceback" not in done.stderr
        assert [row["contract_id"] for row in parse(done.stdout)] == ["P-1", "P-2"], name


def test_a_directory_is_a_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(tmp_path)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"vendorrisk: error: {tmp_path}: is a directory\n"


@pytest.mark.parametrize("name", ["out.xlsx", "out.json", "out.csv.gz"])
def test_an_unknown_output_extension_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str) -> None:
    source = write(tmp_path / "c.csv", GOOD)
    out = tmp_path / name
    assert main(["score", str(source), "-o", str(out)]) == EXIT_USAGE
    suffix = Path(name).suffix
    assert capsys.readouterr().err == (
        f"vendorrisk: error: {out}: unknown output extension {suffix!r} (known: .csv, .tsv, .parquet, .pq, .jsonl, .ndjson); "
        "give --output-format to write this name anyway\n"
    )
    assert not out.exists()
    assert main(["score", str(source), "-o", str(out), "--output-format", "jsonl", "-q"]) == EXIT_OK
    assert out.read_text(encoding="utf-8").startswith('{"contract_id":"P-1"')


def test_no_extension_is_still_csv(tmp_path: Path) -> None:
    out = tmp_path / "scores"
    assert main(["score", str(write(tmp_path / "c.csv", GOOD)), "-o", str(out), "-q"]) == EXIT_OK
    assert [row["contract_id"] for row in parse(out.read_text(encoding="utf-8"))] == ["P-1", "P-2"]


def test_as_of_after_today_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "c.csv", GOOD)
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(SystemExit) as exit_:
        main(["score", str(source), "--as-of", tomorrow.isoformat()])
    assert exit_.value.code == EXIT_USAGE
    assert f"argument --as-of: {tomorrow.isoformat()} is after today ({dt.date.today().isoformat()})" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["score", str(source), "--as-of", "20210101"])
    assert "'20210101' is not a date (use YYYY-MM-DD)" in capsys.readouterr().err
    assert main(["score", str(source), "--as-of", dt.date.today().isoformat(), "-q"]) == EXIT_OK


def test_future_signed_dates_are_row_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    soon = dt.date.today() + dt.timedelta(days=FUTURE_TOLERANCE_DAYS)
    source = write(tmp_path / "c.csv", f"contract_id,buyer_country,signed\nF-1,PG,2099-01-01\nF-2,PG,9999-12-31\nF-3,PG,{soon}\nF-4,PG,20210101\n")
    assert main(["score", str(source), "-q"]) == EXIT_INVALID_ROWS
    rows = parse(capsys.readouterr().out)
    assert [row["contract_id"] for row in rows] == ["F-1", "F-2", "F-3", "F-4"]
    assert rows[0]["error"].startswith("signed: 2099-01-01 is more than 31 days after the run date")
    assert rows[1]["error"].startswith("signed: 9999-12-31 is more than")
    assert rows[2]["error"] == "" and rows[2]["score"]
    assert rows[3]["error"] == "signed: '20210101' is not a date (use YYYY-MM-DD)"


def test_one_bad_byte_deep_in_a_large_file_flags_one_row_and_scores_the_rest(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from vendorrisk.io import BATCH_BYTES, ENCODING_HINT, NOT_UTF8

    line = b"C%07d,PG,Huawei,identity;tax,Minist\xc3\xa8re de la Sant\xc3\xa9\n"
    count = BATCH_BYTES // len(line % 0) + 5_000  # more than one read block
    rows = [line % i for i in range(count)]
    rows[count - 3] = rows[count - 3].replace(b"\xc3\xa8", b"\xe8")  # one latin-1 byte near the end
    source = tmp_path / "big.csv"
    source.write_bytes(b"contract_id,buyer_country,vendor_name,data_categories,buyer_name\n" + b"".join(rows))
    out = tmp_path / "out.csv"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_INVALID_ROWS
    err = capsys.readouterr().err
    assert f"{count} contracts" in err and "invalid 1" in err
    assert f"vendorrisk: 1 row had {NOT_UTF8} (not scored; see the error column): is the file in another encoding?" in err
    scored = parse(out.read_text(encoding="utf-8"))
    assert len(scored) == count and scored[count - 3]["contract_id"] == f"C{count - 3:07d}"
    assert scored[count - 3]["error"] == (
        f"record: {NOT_UTF8} at row {count - 1} of the file (the header is row 1; blank lines are not counted), "
        f"shown as U+FFFD ({ENCODING_HINT})"
    )
    assert scored[count - 3]["buyer_name"] == "Minist\ufffdre de la Santé"
    assert sum(1 for row in scored if row["error"]) == 1 and all(row["score"] for row in scored if not row["error"])


def test_a_bad_byte_just_after_the_header_is_not_a_header_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "c.csv"
    source.write_bytes(b"contract_id,buyer_country,buyer_name\nA,CI,Minist\xe8re\nB,CI,ok\n")
    assert main(["score", str(source), "-q"]) == EXIT_INVALID_ROWS
    rows = parse(capsys.readouterr().out)
    assert [row["contract_id"] for row in rows] == ["A", "B"]
    assert rows[0]["error"].startswith("record: bytes that are not UTF-8 text at row 2") and rows[1]["error"] == ""
    assert main(["score", str(source), "-q", "--encoding", "latin-1"]) == EXIT_OK
    assert parse(capsys.readouterr().out)[0]["buyer_name"] == "Ministère"


def test_a_ragged_line_keeps_its_id_and_its_whole_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    long_note = "n" * 300
    source = write(tmp_path / "c.csv", f"contract_id,buyer_country,source\nR-1,PG,ok\nR-2,PG,{long_note},extra\nR-3,\nR-4,PG,\n")
    assert main(["score", str(source), "-q"]) == EXIT_INVALID_ROWS
    rows = parse(capsys.readouterr().out)
    assert [row["contract_id"] for row in rows] == ["R-1", "R-2", "R-3", "R-4"]
    assert rows[1]["error"].endswith(repr(f"R-2,PG,{long_note},extra"))  # in full
    assert rows[1]["error"].startswith("record: 4 fields where the header has 3, at row 3 of the file")
    assert rows[2]["error"].startswith("record: 2 fields where the header has 3, at row 4")
    assert rows[0]["error"] == rows[3]["error"] == ""
