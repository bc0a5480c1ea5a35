"""Tests of :mod:`vendorrisk.report`: concentration per foreign state, the HTML report, ``vendorrisk
report``, and the report in a real browser (headless Chromium; skipped with the reason where absent).

Default-pack scores change as the model is refined, so exact scores are never pinned here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

import vendorrisk
from vendorrisk import score_table
from vendorrisk.cli import EXIT_OK, EXIT_USAGE, main
from vendorrisk.errors import DependencyError, InputError
from vendorrisk.report import concentration
from vendorrisk.report.concentration import HHI_MAX, NO_FOREIGN_STATE, hhi

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "contracts.csv"
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)>"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on PATH (Debian: apt-get install chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def scored() -> pa.Table:
    table = pacsv.read_csv(EXAMPLES, convert_options=pacsv.ConvertOptions(strings_can_be_null=True))
    hostile = pa.table({name: pa.array([None], table.schema.field(name).type) for name in table.column_names})
    hostile = hostile.set_column(0, "contract_id", pa.array([HOSTILE], table.schema.field("contract_id").type))
    hostile = hostile.set_column(hostile.column_names.index("buyer_country"), "buyer_country", pa.array(["PG"], table.schema.field("buyer_country").type))
    hostile = hostile.set_column(hostile.column_names.index("buyer_name"), "buyer_name", pa.array([HOSTILE], table.schema.field("buyer_name").type))
    hostile = hostile.set_column(hostile.column_names.index("vendor_name"), "vendor_name", pa.array(["Huawei"], table.schema.field("vendor_name").type))
    return score_table(pa.concat_tables([table, hostile]))


def test_hhi_formula() -> None:
    """HHI = sum of squared percentage shares: 10,000 for one holder, 10,000 / n for n equal ones."""
    assert hhi(pa.array([5.0]).to_numpy()) == HHI_MAX
    assert hhi(pa.array([1.0, 1.0, 1.0, 1.0]).to_numpy()) == pytest.approx(HHI_MAX / 4)
    assert hhi(pa.array([3.0, 1.0]).to_numpy()) == pytest.approx(75.0**2 + 25.0**2)
    assert hhi(pa.array([], pa.float64()).to_numpy()) == 0.0


def test_concentration_adds_up(scored: pa.Table) -> None:
    spread = concentration(scored)
    scores = [s for s in scored.column("score").to_pylist() if s is not None]
    assert spread.contracts == len(scores) and spread.invalid == 0
    assert sum(s.contracts for s in spread.states) == spread.contracts
    assert sum(s.exposure for s in spread.states) == pytest.approx(sum(scores))
    assert sum(s.share for s in spread.states) == pytest.approx(1.0)
    foreign = [s.exposure for s in spread.states if s.state != NO_FOREIGN_STATE]
    assert spread.hhi_states == pytest.approx(sum((100 * e / sum(foreign)) ** 2 for e in foreign))
    assert 0 < spread.hhi_states <= HHI_MAX and 0 < spread.hhi_vendors <= HHI_MAX
    assert "CN" in {s.state for s in spread.states}  # the example portfolio is mostly Chinese-financed deals
    signed = [s for s, d in zip(scored.column("score").to_pylist(), scored.column("signed").to_pylist()) if s is not None and d]
    assert sum(sum(year.values()) for year in spread.by_year.values()) == pytest.approx(sum(signed))  # undated rows left out


def test_one_reaching_state_is_fully_concentrated() -> None:
    rows = [{"contract_id": str(i), "buyer_country": country, "vendor_name": "Huawei", "records": "1000", "value_usd": "10"}
            for i, country in enumerate(("PG", "KE", "KE"))]
    spread = concentration(score_table(rows))
    (state,) = spread.states
    assert (state.state, state.contracts, state.buyer_countries, state.records, state.value_usd) == ("CN", 3, 2, 3000, 30.0)
    assert spread.hhi_states == HHI_MAX and spread.hhi_vendors == HHI_MAX and spread.effective_states == 1.0


def test_concentration_counts_invalid_rows_apart() -> None:
    spread = concentration(score_table([{"contract_id": "a", "buyer_country": "PG", "vendor_name": "Huawei"},
                                        {"contract_id": "b", "buyer_country": "ZZ"}]))
    assert (spread.contracts, spread.invalid) == (1, 1)


def test_concentration_refuses_results_of_another_pack(scored: pa.Table, tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[pack]\nname = "other"\nextends = "default"\n[bands]\nmedium = 20.0\n', encoding="utf-8")
    with pytest.raises(InputError, match="the results were scored with pack sha256:.*pass that pack as rules"):
        concentration(scored, vendorrisk.load_rules(other))
    with pytest.raises(InputError, match="the table has no score column"):
        concentration(pa.table({"contract_id": ["a"], "buyer_country": ["PG"]}))


def _report(scored: pa.Table) -> str:
    from vendorrisk.report.html import render_report

    return render_report(scored)


def test_report_is_self_contained_and_escaped(scored: pa.Table) -> None:
    html = _report(scored)
    assert html.count("<svg") >= 3
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "&lt;script&gt;alert(" in html  # the hostile name is shown as text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//""", html), "a remote reference"
    assert not re.search(r"url\((?!#)", html) and "@import" not in html  # url(#id): the SVG's own clip paths
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids repeat across the inline charts"
    assert "default-src 'none'" in html
    assert vendorrisk.load_rules().fingerprint in html


def test_report_needs_the_report_extra(scored: pa.Table, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "jinja2", None)
    with pytest.raises(DependencyError, match=re.escape("pip install 'vendorrisk[report]'")):
        _report(scored)


def test_report_cli_writes_the_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    assert main(["report", str(EXAMPLES), "-o", str(target), "--top", "5"]) == EXIT_OK
    html = target.read_text(encoding="utf-8")
    assert html.count("<svg") >= 3 and "Top 5 contracts" in html
    assert main(["report", str(EXAMPLES), "-o", str(tmp_path / "no" / "r.html")]) == EXIT_USAGE
    assert "cannot write the report there" in capsys.readouterr().err


def _chromium(page: Path, *extra: str) -> tuple[str, str]:
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--enable-logging=stderr", "--v=0",
         "--hide-scrollbars", *extra, page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    return done.stdout, done.stderr


def _console(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if ":CONSOLE" in line]


@needs_chromium
def test_console_detection_works(tmp_path: Path) -> None:
    """Control: the check below does see console messages (a blocked remote image, a script error)."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
        "<img src=\"https://example.invalid/x.png\"><p>x</p>", encoding="utf-8",
    )
    _, stderr = _chromium(page, "--dump-dom")
    assert _console(stderr), stderr[-2000:]


@needs_chromium
def test_report_loads_in_chromium_without_console_errors_and_shows_charts(scored: pa.Table, tmp_path: Path) -> None:
    from PIL import Image

    from vendorrisk.report.charts import BAND_COLOURS

    page = tmp_path / "report.html"
    page.write_text(_report(scored), encoding="utf-8")
    dom, stderr = _chromium(page, "--dump-dom")
    assert not _console(stderr), _console(stderr)
    assert dom.count("<svg") >= 3 and "Exposure by foreign state over time" in dom
    shot = tmp_path / "shot.png"
    _, stderr = _chromium(page, f"--screenshot={shot}", "--window-size=1280,1600")
    assert not _console(stderr), _console(stderr)
    image = Image.open(shot).convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 20) or []}
    drawn = [band for band, hex_colour in BAND_COLOURS.items() if tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)) in colours]
    assert len(drawn) >= 3, f"band colours on screen: {drawn}"  # the SVG charts were painted
