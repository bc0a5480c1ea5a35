"""Tests of ``vendorrisk score``'s terminal view (``vendorrisk.cli._view``): a table on a terminal or
with ``--output-format table``, CSV into a pipe, plain text without rich."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from vendorrisk.cli import EXIT_OK, EXIT_USAGE, main
from vendorrisk.cli import _view
from vendorrisk.io import FORMATS
from vendorrisk.schema import BANDS

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "contracts.csv"


def test_output_format_table_prints_one_line_per_contract(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "--output-format", "table"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "score (range)" in out and '"contract_id"' not in out
    ids = [line.split()[0] for line in EXAMPLES.read_text(encoding="utf-8").splitlines()[1:]]
    body = [line for line in out.splitlines() if "PG-2010-IGIS" in line]
    assert len(body) == 1 and any(f" {band} " in body[0] for band in BANDS)  # band shown on the contract's one line
    assert sum(1 for line in out.splitlines() if line.startswith("│")) == len(ids)
    assert "35 contracts" in err  # the summary still goes to stderr
    assert "\x1b[" not in out  # not a terminal: no colour codes


def test_table_refuses_an_output_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["score", str(EXAMPLES), "-o", str(tmp_path / "x.csv"), "--output-format", "table"]) == EXIT_USAGE
    assert f"--output-format {_view.TABLE} is for the terminal; -o writes {', '.join(FORMATS)}" in capsys.readouterr().err


def _run(stdout_tty: bool) -> str:
    env = {**os.environ, "COLUMNS": "160", "PYTHONPATH": str(REPO / "src")}
    command = [sys.executable, "-m", "vendorrisk", "score", str(EXAMPLES), "-q"]
    if not stdout_tty:
        return subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    leader, follower = pty.openpty()
    try:
        process = subprocess.run(command, stdout=follower, stderr=subprocess.DEVNULL, env=env, check=True, timeout=60)
        assert process.returncode == 0
        os.close(follower)
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:
                break
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks).decode("utf-8", "replace")
    finally:
        os.close(leader)


def test_a_terminal_gets_the_table_and_a_pipe_gets_csv() -> None:
    assert _run(stdout_tty=False).startswith('"contract_id","buyer_country"')
    shown = _run(stdout_tty=True)
    assert "score (range)" in shown and '"contract_id"' not in shown
    assert "\x1b[" in shown  # coloured by band on a terminal


def test_without_rich_the_table_is_plain_text(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "rich.console", None)  # import rich.console now raises ImportError
    assert _view.rich_progress(None) is None
    assert main(["score", str(EXAMPLES), "--output-format", "table"]) == EXIT_OK
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["contract", "buyer"] and set(lines[1]) <= {"-", " "}
    assert len(lines) == 2 + 35


def test_long_files_are_cut_with_a_count() -> None:
    rows = _view.Rows(limit=3)
    import pyarrow.csv as pacsv

    from vendorrisk import score_table

    rows.write(score_table(pacsv.read_csv(EXAMPLES)))
    text = _view.render(rows)
    assert "32 more contracts not shown; write them all with -o FILE" in text


def test_cells_are_text_not_markup(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "x.csv"
    path.write_text("contract_id,buyer_country,buyer_name\n[bold]x[/bold],PG,[red]Ministry\n", encoding="utf-8")
    assert main(["score", str(path), "--output-format", "table"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "[bold]x[/bold]" in out and "[red]Ministry" in out
