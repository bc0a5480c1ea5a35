"""Tests of the ``vendorrisk`` command (``vendorrisk.cli``): in-process through ``main`` and,
for what reaches the terminal, once more as a subprocess.

Exit codes: 0 every row scored; 1 ``--fail-on`` band reached; 2 usage, input or pack error;
3 some rows invalid.
"""

from __future__ import annotations

import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import vendorrisk
from vendorrisk.cli import EXIT_FAIL_ON, EXIT_INTERRUPTED, EXIT_INVALID_ROWS, EXIT_OK, EXIT_USAGE, main
from vendorrisk.rules.loader import load_rules
from vendorrisk.schema import OUTPUT_COLUMNS

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "contracts.csv"
PACKS = Path(__file__).resolve().parent / "data" / "packs"
# The output columns the CLI documents, in order (docs/cli.md); OUTPUT_COLUMNS may add to them.
DOCUMENTED_OUTPUT = (
    "score", "band", "score_low", "score_high", "gate", "sensitivity", "legal_reach", "access",
    "incidents", "governance", "reasons", "vector", "as_of", "fingerprint", "error",
)
HEADER = (
    "contract_id,buyer_country,buyer_name,vendor_name,vendor_country,vendor_parent_country,service_type,"
    "data_categories,records,hosting,operator,vendor_remote_access,customer_held_keys,audit_rights,"
    "financing_country,value_usd,signed,source"
)


def read_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        return list(csv.reader(handle))


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def write(path: Path, text: str, *, bom: bool = False) -> Path:
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def is_subsequence(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    remaining = iter(long)
    return all(item in remaining for item in short)


# --- scoring to a file and to stdout ---------------------------------------------------------


def test_output_columns_keep_the_documented_order() -> None:
    assert OUTPUT_COLUMNS[:5] == DOCUMENTED_OUTPUT[:5]
    assert OUTPUT_COLUMNS[-1] == "error"
    assert is_subsequence(DOCUMENTED_OUTPUT, OUTPUT_COLUMNS)


def test_score_examples_to_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scored.csv"
    assert main(["score", str(EXAMPLES), "-o", str(out)]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.out == ""  # the scores went to the file
    assert "35 contracts" in captured.err and "invalid 0" in captured.err
    assert "Traceback" not in captured.err

    source = read_rows(EXAMPLES)
    scored = read_rows(out)
    assert len(source) == 36  # header + 35 contracts
    header, rows = scored[0], scored[1:]
    assert header == source[0] + list(OUTPUT_COLUMNS)
    assert header[: len(source[0])] == HEADER.split(",")
    # every input row, in order, with its cells unchanged
    assert len(rows) == len(source) - 1
    width = len(source[0])
    for original, row in zip(source[1:], rows):
        assert row[:width] == original
    by_name = [dict(zip(header, row)) for row in rows]
    fingerprint = load_rules().fingerprint
    for cells in by_name:
        assert cells["error"] == ""
        assert cells["band"] in ("low", "medium", "high", "critical")
        assert cells["gate"] in ("pass", "warn", "block")
        assert 0.0 <= float(cells["score_low"]) <= float(cells["score"]) <= float(cells["score_high"]) <= 100.0
        assert cells["fingerprint"] == fingerprint
        assert cells["vector"].startswith("VRX:1/")
    assert f"pack default {load_rules().model.pack.version} {fingerprint}" in captured.err


def test_score_to_stdout_without_output_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["score", str(EXAMPLES), "--quiet"]) == EXIT_OK
    captured = capsys.readouterr()
    assert captured.err == ""  # --quiet: no summary
    rows = parse(captured.out)
    assert [row["contract_id"] for row in rows] == [row[0] for row in read_rows(EXAMPLES)[1:]]
    assert list(rows[0]) == HEADER.split(",") + list(OUTPUT_COLUMNS)
    # the same bytes as to a file
    out = tmp_path / "scored.csv"
    assert main(["score", str(EXAMPLES), "--quiet", "-o", str(out)]) == EXIT_OK
    assert out.read_text(encoding="utf-8") == captured.out


def test_rules_option_changes_the_fingerprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = PACKS / "valid" / "disable_rule.toml"
    out = tmp_path / "scored.csv"
    assert main(["score", str(EXAMPLES), "-q", "--rules", str(pack), "-o", str(out)]) == EXIT_OK
    rows = parse(out.read_text(encoding="utf-8"))
    assert {row["fingerprint"] for row in rows} == {load_rules(pack).fingerprint}
    assert all("vendor_remote_access_without_audit" not in row["reasons"] for row in rows)


def test_as_of_applies_to_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "-q", "--as-of", "2024-06-30"]) == EXIT_OK
    rows = parse(capsys.readouterr().out)
    assert {row["as_of"] for row in rows} == {"2024-06-30"}


# --- bad rows --------------------------------------------------------------------------------

BAD_ROWS = f"""{HEADER}
OK-1,DE,,SAP,DE,none,software,tax,1000,customer_premises,customer,false,true,true,none,100,2021-04-01,
BAD-COUNTRY,UK,,SAP,DE,none,software,tax,1000,customer_premises,customer,false,true,true,none,100,2021-04-01,
BAD-OPERATOR,DE,,SAP,DE,none,software,tax,1000,customer_premises,vendr,false,true,true,none,100,2021-04-01,
BAD-RECORDS,DE,,SAP,DE,none,software,tax,-5,customer_premises,customer,false,true,true,none,100,2021-04-01,
,DE,,SAP,DE,none,software,tax,1000,customer_premises,customer,false,true,true,none,100,2021-04-01,
OK-2,PG,,Huawei,CN,CN,data_center,identity;tax,2000000,in_country,vendor,true,false,false,CN,1000000,2019-01-01,
BAD-TWO,PG,,Huawei,CN,CN,data_centre,identity;taxes,2000000,in_country,vendor,maybe,false,false,CN,1000000,2019-13-01,
"""


def test_bad_rows_exit_3_and_name_the_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bad.csv", BAD_ROWS)
    out = tmp_path / "scored.csv"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_INVALID_ROWS
    err = capsys.readouterr().err
    assert "7 contracts" in err and "invalid 5" in err
    assert "5 rows invalid (problems by column: " in err and "see the error column" in err
    rows = parse(out.read_text(encoding="utf-8"))
    # every row is still there, in order
    assert [row["contract_id"] for row in rows] == ["OK-1", "BAD-COUNTRY", "BAD-OPERATOR", "BAD-RECORDS", "", "OK-2", "BAD-TWO"]
    errors = {index: row["error"] for index, row in enumerate(rows)}
    assert errors[0] == "" and errors[5] == ""
    assert errors[1].startswith("buyer_country: 'UK' is not an ISO 3166-1 alpha-2 country code; did you mean 'GB'?")
    assert errors[2].startswith("operator: 'vendr' is not one of customer, third_party, joint, vendor; did you mean 'vendor'?")
    assert errors[3] == "records: must be >= 0"
    assert errors[4] == "contract_id: missing (required)"
    for column in ("service_type", "data_categories", "vendor_remote_access", "signed"):
        assert f"{column}: " in errors[6]
    assert len(errors[6].split("; ")) >= 4
    # invalid rows carry no score; valid ones do
    for index, row in enumerate(rows):
        if errors[index]:
            assert row["score"] == "" and row["band"] == "" and row["gate"] == ""
        else:
            assert row["score"] != "" and row["band"] != ""


def test_bad_rows_summary_counts_problems_by_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The summary names each problem column once with its count (messages holding '; ' must not split)."""
    source = write(tmp_path / "bad.csv", BAD_ROWS)
    assert main(["score", str(source), "-o", str(tmp_path / "scored.csv")]) == EXIT_INVALID_ROWS
    err = capsys.readouterr().err
    detail = re.search(r"5 rows invalid \(problems by column: (.*)\); see the error column", err)
    assert detail, err
    by_column = dict(item.rsplit(" ", 1) for item in detail[1].split(", "))
    assert by_column == {
        column: "1"
        for column in ("buyer_country", "operator", "records", "contract_id", "service_type", "data_categories",
                       "vendor_remote_access", "signed")
    }


def test_bad_rows_take_precedence_over_fail_on(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bad.csv", BAD_ROWS)
    assert main(["score", str(source), "-q", "--fail-on", "low"]) == EXIT_INVALID_ROWS


# --- errors that stop the run ----------------------------------------------------------------


def test_missing_file_exits_2_with_a_clean_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.csv"
    assert main(["score", str(missing)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"vendorrisk: error: {missing}: no such file\n"


@pytest.mark.parametrize(("header", "hint"), [
    (" contract_id ,Buyer_Country", "; the columns ' contract_id ', 'Buyer_Country' look like them: rename them, or map them "
                                   "(--map contract_id=' contract_id ' --map buyer_country='Buyer_Country')"),
    ("Contract-ID,buyer_country", "; the column 'Contract-ID' looks like it: rename it, or map it (--map contract_id='Contract-ID')"),
    ("contract_id;buyer_country", "; the only column is 'contract_id;buyer_country': are the fields separated by ';'? (--delimiter ';')"),
    ("contract_id\tbuyer_country", "; the only column is 'contract_id\\tbuyer_country': are the fields separated by tab? (--delimiter tab)"),
])
def test_a_missing_required_column_points_at_its_likely_spelling(header: str, hint: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "odd.csv", f"{header}\nA,PG\n")
    assert main(["score", str(source), "-q"]) == EXIT_USAGE
    missing = "'contract_id' column" if header.startswith("Contract-ID") else "'contract_id', 'buyer_country' columns"
    assert capsys.readouterr().err == f"vendorrisk: error: the input has no {missing} (required){hint}\n"


def test_an_output_in_a_missing_folder_exits_2_before_scoring(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "no" / "such" / "out.csv"
    assert main(["score", str(EXAMPLES), "-o", str(target)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"vendorrisk: error: {target}: cannot write it: no folder {str(target.parent)!r}\n"
    assert not target.parent.exists()


def test_an_output_that_is_a_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "-o", str(tmp_path)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"vendorrisk: error: {tmp_path}: is a folder; give -o a file name\n"


def test_the_summary_counts_one_row_in_the_singular(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "one.csv", "contract_id,buyer_country\nA,PG\nA,Papua\n")
    assert main(["score", str(source), "-o", str(tmp_path / "out.csv")]) == EXIT_INVALID_ROWS
    err = capsys.readouterr().err
    assert "vendorrisk: 1 row repeats an earlier contract_id" in err
    assert "vendorrisk: 1 row invalid (problems by column: buyer_country 1)" in err


def test_dash_as_output_is_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["score", str(EXAMPLES), "-o", "-", "-q"]) == EXIT_OK
    assert len(parse(capsys.readouterr().out)) == 35
    assert not (tmp_path / "-").exists()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
def test_a_full_disk_exits_2_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "-o", "/dev/full", "-q"]) == EXIT_USAGE
    assert capsys.readouterr().err == "vendorrisk: error: No space left on device\n"


def test_missing_required_column_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "no_buyer.csv", "contract_id,vendor_name\nX-1,Huawei\n")
    assert main(["score", str(source), "-o", str(tmp_path / "out.csv")]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("vendorrisk: error: ")
    assert "'buyer_country'" in err and "required" in err


def test_bad_pack_exits_2_naming_file_and_key(capsys: pytest.CaptureFixture[str]) -> None:
    pack = PACKS / "invalid" / "misspelt_field_in_condition.toml"
    assert main(["score", str(EXAMPLES), "--rules", str(pack)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"vendorrisk: error: {pack}: rules.uses_misspelt_field.when: unknown field 'oprator'; did you mean 'operator'?\n"
    )


@pytest.mark.parametrize("case", ["deep", "chain"])
def test_packs_that_overflowed_the_stack_exit_2(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """50,000-deep arrays and a chain of 1,200 extending packs ended in a RecursionError traceback."""
    if case == "deep":
        pack = tmp_path / "deep.toml"
        pack.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    else:
        for index in range(1200):
            (tmp_path / f"p{index}.toml").write_text(f'[pack]\nname = "p{index}"\nextends = "p{index + 1}.toml"\n')
        pack = tmp_path / "p0.toml"
    assert main(["score", str(EXAMPLES), "--rules", str(pack)]) == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"vendorrisk: error: {tmp_path}/")
    assert "nest too deeply" in captured.err if case == "deep" else "packs extend each other in a chain" in captured.err


def test_missing_pack_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = tmp_path / "nope.toml"
    assert main(["score", str(EXAMPLES), "--rules", str(pack)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"vendorrisk: error: {pack}: no such file or folder\n"


@pytest.mark.parametrize(("band", "expected"), [("low", EXIT_FAIL_ON), ("high", EXIT_FAIL_ON), ("critical", EXIT_FAIL_ON)])
def test_fail_on_examples(band: str, expected: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "scored.csv"
    assert main(["score", str(EXAMPLES), "--fail-on", band, "-o", str(out)]) == expected
    err = capsys.readouterr().err
    assert f"vendorrisk: --fail-on {band}: at least one contract reached it" in err
    assert len(parse(out.read_text(encoding="utf-8"))) == 35  # the output is still complete


def test_fail_on_not_reached_exits_0(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    low_only = [row for row in read_rows(EXAMPLES) if row[0] in ("contract_id", "JP-2023-CITY-FUJITSU", "EE-2021-TAX-SAP")]
    assert len(low_only) == 3
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(low_only)
    source = write(tmp_path / "low.csv", buffer.getvalue())
    assert main(["score", str(source), "--fail-on", "high", "-q"]) == EXIT_OK
    rows = parse(capsys.readouterr().out)
    assert {row["band"] for row in rows} == {"low"}


@pytest.mark.parametrize("value", ["2024-13-01", "yesterday", "2024/01/01", ""])
def test_bad_as_of_exits_2(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["score", str(EXAMPLES), "--as-of", value])
    assert info.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"argument --as-of: {value!r} is not a date (use YYYY-MM-DD)" in captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["score", str(EXAMPLES), "--no-such-option"],
        ["score"],
        ["frobnicate"],
        [],
        ["score", str(EXAMPLES), "--fail-on", "severe"],
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == EXIT_USAGE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "usage: vendorrisk" in captured.err and "error:" in captured.err


# --- unusual but valid files -----------------------------------------------------------------


def test_header_only_csv_gives_header_only_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "empty.csv", HEADER + "\n")
    out = tmp_path / "scored.csv"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_OK
    assert "0 contracts" in capsys.readouterr().err
    assert read_rows(out) == [HEADER.split(",") + list(OUTPUT_COLUMNS)]


def test_empty_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "empty.csv", "")
    assert main(["score", str(source)]) == EXIT_USAGE
    assert capsys.readouterr().err == f"vendorrisk: error: {source}: the file is empty\n"


def test_utf8_bom_is_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "bom.csv", "contract_id,buyer_country,vendor_name\nBOM-1,PG,Huawei\n", bom=True)
    assert source.read_bytes().startswith(b"\xef\xbb\xbfcontract_id")
    out = tmp_path / "scored.csv"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_OK
    data = out.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    (row,) = parse(data.decode("utf-8"))
    assert list(row)[:3] == ["contract_id", "buyer_country", "vendor_name"]
    assert row["contract_id"] == "BOM-1" and row["error"] == "" and row["score"] != ""


def test_namibia_is_not_null(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (
        "contract_id,buyer_country,vendor_country,financing_country,data_categories\n"
        "NA-1,NA,CN,NA,health\n"
        "NA-2,\"NA\",NA,none,health\n"
    )
    source = write(tmp_path / "namibia.csv", text)
    out = tmp_path / "scored.csv"
    assert main(["score", str(source), "-o", str(out)]) == EXIT_OK
    rows = parse(out.read_text(encoding="utf-8"))
    assert [row["buyer_country"] for row in rows] == ["NA", "NA"]
    assert rows[0]["financing_country"] == "NA" and rows[1]["vendor_country"] == "NA"
    for row in rows:
        assert row["error"] == ""
        assert row["vector"].endswith(("GV:F", "GV:PF", "GV:NF"))  # Namibia's rating was found
    # a Chinese vendor reaches into Namibia; a Namibian vendor does not reach its own buyer
    assert float(rows[0]["legal_reach"]) > 0.5
    assert float(rows[1]["legal_reach"]) == 0.0


def test_other_delimiter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = write(tmp_path / "semi.csv", "contract_id;buyer_country;data_categories\nS-1;PG;health\n")
    assert main(["score", str(source), "--delimiter", ";", "-q"]) == EXIT_OK
    (row,) = parse(capsys.readouterr().out)
    assert row["contract_id"] == "S-1" and row["error"] == ""


# --- sources ---------------------------------------------------------------------------------


def test_sources_lists_the_six_tables(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources"]) == EXIT_OK
    captured = capsys.readouterr()
    pack = load_rules()
    lines = captured.out.splitlines()
    assert lines[0].startswith(f"pack default {pack.model.pack.version} (")
    assert lines[1] == f"fingerprint {pack.fingerprint}"
    tables = [line.split(":")[0] for line in lines if not line.startswith((" ", "pack ", "fingerprint "))]
    assert tables == ["jurisdictions", "vendors", "incidents", "governance", "restrictions", "population"]
    model = pack.model
    assert f"vendors: {len(model.vendors)} entries; edition {model.vendors_meta.edition}" in captured.out
    assert f"governance: {len(model.governance)} entries" in captured.out
    assert model.restrictions_meta is not None
    assert f"restrictions: {len(model.restrictions)} entries; edition {model.restrictions_meta.edition}" in captured.out
    assert captured.out.count("  source: ") == 6
    assert captured.err == ""


@pytest.mark.parametrize("table", ["vendors", "incidents"])
def test_sources_counts_agree_with_the_source_lines(table: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`incidents: 44 entries` sat over a source line saying 46: the source now says how many of its rows ship."""
    assert main(["sources"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    at = next(index for index, line in enumerate(lines) if line.startswith(f"{table}: "))
    count = int(lines[at].split()[1])
    source = lines[at + 1]
    assert source.startswith("  source: ")
    assert int(re.findall(r"\d+", source)[0]) == count, source  # the first number in the source is what ships


def test_sources_with_a_bad_pack_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    pack = PACKS / "invalid" / "bands_not_increasing.toml"
    assert main(["sources", "--rules", str(pack)]) == EXIT_USAGE
    assert "bands: band thresholds must increase" in capsys.readouterr().err


# --- as a subprocess -------------------------------------------------------------------------


def _run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run(
        [sys.executable, "-m", "vendorrisk", *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120, check=False
    )


def test_subprocess_scores_and_reports_errors_without_tracebacks(tmp_path: Path) -> None:
    ok = _run("score", str(EXAMPLES), "-o", str(tmp_path / "out.csv"), cwd=tmp_path)
    assert ok.returncode == EXIT_OK, ok.stderr
    assert ok.stdout == "" and "35 contracts" in ok.stderr
    assert len(read_rows(tmp_path / "out.csv")) == 36

    to_stdout = _run("score", str(EXAMPLES), "-q", cwd=tmp_path)
    assert to_stdout.returncode == EXIT_OK and to_stdout.stderr == ""
    assert len(parse(to_stdout.stdout)) == 35

    cases = [
        (("score", str(tmp_path / "missing.csv")), EXIT_USAGE),
        (("score", str(write(tmp_path / "bad.csv", BAD_ROWS)), "-o", str(tmp_path / "bad_out.csv")), EXIT_INVALID_ROWS),
        (("score", str(EXAMPLES), "--rules", str(PACKS / "invalid" / "toml_syntax_error.toml")), EXIT_USAGE),
        (("score", str(EXAMPLES), "--as-of", "someday"), EXIT_USAGE),
        (("score", str(EXAMPLES), "--fail-on", "high", "-o", str(tmp_path / "f.csv")), EXIT_FAIL_ON),
        (("--bogus",), EXIT_USAGE),
    ]
    for args, code in cases:
        result = _run(*args, cwd=tmp_path)
        assert result.returncode == code, (args, result.stderr)
        assert "Traceback" not in result.stderr, (args, result.stderr)
        assert result.stderr.strip(), args


@pytest.mark.parametrize("name", [
    "huge_number_literal.toml", "function_call.toml", "duplicate_rule_id.toml", "latin1.toml", "extends_integer.toml", "rule_id_table.toml",
])
def test_subprocess_bad_pack_never_shows_a_traceback(name: str, tmp_path: Path) -> None:
    result = _run("score", str(EXAMPLES), "--rules", str(PACKS / "invalid" / name), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode == EXIT_USAGE
    assert result.stderr.startswith(f"vendorrisk: error: {PACKS / 'invalid' / name}: ")
    assert result.stdout == ""


def test_subprocess_ctrl_c_exits_130_without_a_traceback(tmp_path: Path) -> None:
    source = tmp_path / "many.csv"
    rows = "".join(f"C{i},PG,,Huawei,,,data_center,health;tax,{i},,vendor\n" for i in range(600_000))
    source.write_text("contract_id,buyer_country,buyer_name,vendor_name,vendor_country,vendor_parent_country,"
                      "service_type,data_categories,records,hosting,operator\n" + rows)
    target = tmp_path / "out.csv"
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    child = subprocess.Popen(
        [sys.executable, "-m", "vendorrisk", "score", str(source), "-o", str(target), "-q"],
        stderr=subprocess.PIPE, text=True, env=env,
    )
    deadline = time.monotonic() + 60
    while not target.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)  # the output is created by the first write: scoring has started
    child.send_signal(signal.SIGINT)
    _, err = child.communicate(timeout=60)
    assert child.returncode == EXIT_INTERRUPTED, err
    assert err == "\nvendorrisk: interrupted; the output is incomplete\n"


# --- help and python -m ---------------------------------------------------------------------


def test_score_help_lists_the_columns_instead_of_a_docs_file(capsys: pytest.CaptureFixture[str]) -> None:
    """An installed package has no docs/cli.md: the help itself names every column and value."""
    from vendorrisk.schema import FIELDS

    with pytest.raises(SystemExit) as info:
        main(["score", "--help"])
    assert info.value.code == EXIT_OK
    out = capsys.readouterr().out
    assert "docs/cli.md" not in out
    for spec in FIELDS:
        assert re.search(rf"^  {spec.name}( \(required\))?: ", out, re.MULTILINE), spec.name
        assert (" (required)" in out.split(f"  {spec.name}")[1].split(":")[0]) == spec.required
        for value in spec.values:
            assert re.search(rf"\b{value}\b", out), value
    assert f"{EXIT_INVALID_ROWS} some rows invalid" in out


def test_python_dash_m_vendorrisk_runs_the_command(tmp_path: Path) -> None:
    version = _run("--version", cwd=tmp_path)
    assert (version.returncode, version.stdout.strip()) == (EXIT_OK, f"vendorrisk {vendorrisk.__version__}")
    helped = _run("score", "--help", cwd=tmp_path)
    assert helped.returncode == EXIT_OK and helped.stdout.startswith("usage: vendorrisk score ")
