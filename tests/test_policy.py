"""Tests of policy testing: pack ``[[tests]]`` and their runner, ``vendorrisk test``, the pytest
plugin, ``vendorrisk.strategies``, ``vendorrisk lint`` and ``vendorrisk diff``.

Lint fixtures are the packs in ``tests/data/packs/lint``; each starts with ``# lint: KIND KEY``,
the finding lint must report for it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import vendorrisk
from vendorrisk.cli import EXIT_FAIL_ON, EXIT_OK, EXIT_USAGE, main
from vendorrisk.policy import cases, diff_packs, lint_pack, run_tests
from vendorrisk.policy.cases import Actual, check
from vendorrisk.policy.lint import KINDS
from vendorrisk.rules.loader import default_pack_path
from vendorrisk.rules.model import Expectation
from vendorrisk.strategies import WORSENABLE, contracts, worsenings

ROOT = Path(__file__).resolve().parents[1]
LINT = sorted((ROOT / "tests" / "data" / "packs" / "lint").glob("*.toml"))
EXAMPLES = ROOT / "examples" / "contracts.csv"
HEADER = re.compile(r"^# lint: (?P<kind>\w+) (?P<key>\S+)$")
# An overlay whose one test expects the PNG data centre to be low: it must fail, saying what came out.
WRONG = """\
[pack]
name = "wrong-expectation"
extends = "default"

[[tests]]
name = "png_is_low"
contract = { buyer_country = "PG", vendor_name = "Huawei", service_type = "data_center", data_categories = ["identity", "tax"], records = 2_000_000, financing_country = "CN", signed = 2018-06-01 }
expect = { band = "low" }
"""
RAISED = """\
[pack]
name = "raised"
extends = "default"

[[rules]]
id = "vendor_remote_access_without_audit"
effect = { kind = "add", points = 8.0 }
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the default pack's own tests ----------------------------------------------------------------


def test_default_pack_tests_pass_and_cover_every_rule_and_band() -> None:
    report = run_tests()
    assert report.passed, [(o.name, o.problems) for o in report.outcomes if o.status == "fail"]
    assert report.counts["pass"] >= 10
    assert report.uncovered_rules == ()
    assert report.unreached_bands == ()
    gates = {c.rule.id for c in report.pack.rules if c.rule.effect.kind == "gate"}
    assert gates and not gates & set(report.uncovered_rules)


def test_cli_test_default_pack_prints_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "PASS png_2010_national_data_centre" in out
    assert re.search(r"coverage: (\d+) of \1 rules fire in some test\n", out)
    assert "bands reached: low, medium, high, critical\n" in out


def test_tests_run_as_one_engine_batch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[int] = []
    real = cases.engine_run

    def counted(table: Any, pack: Any, as_of: Any) -> Any:
        calls.append(len(table["contract_id"]))
        return real(table, pack, as_of)

    monkeypatch.setattr(cases, "engine_run", counted)
    report = run_tests()
    dates = {test.as_of for test in report.pack.model.tests if test.skip is None}
    assert len(calls) == len(dates)  # one batch per distinct as_of, not one call per test
    assert sum(calls) == sum(o.status != "skip" for o in report.outcomes)
    calls.clear()
    dated = WRONG + '\n[[tests]]\nname = "dated"\nas_of = 2020-01-01\ncontract = { buyer_country = "PG" }\nexpect = { gate = "pass" }\n'
    run_tests(_write(tmp_path, "dated.toml", dated))
    assert len(calls) == len(dates | {dt.date(2020, 1, 1)})


def test_wrong_expectation_fails_and_says_what_came_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = _write(tmp_path, "overlay.toml", WRONG)
    assert main(["test", str(pack)]) == EXIT_FAIL_ON
    out = capsys.readouterr().out
    assert "FAIL png_is_low" in out
    assert "band: expected low, got high" in out
    assert re.search(r"came out: score 74\.5 \(high\), gate pass, fired: .*vendor_can_read_sensitive_data_in_clear", out)
    assert re.search(r"\d+ passed, 1 failed, 0 skipped", out)  # the inherited default tests pass


def test_json_and_junit_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = _write(tmp_path, "overlay.toml", WRONG)
    junit = tmp_path / "report.xml"
    assert main(["test", str(pack), "--format", "json", "--junit-xml", str(junit)]) == EXIT_FAIL_ON
    (report,) = json.loads(capsys.readouterr().out)
    failed = [test for test in report["tests"] if test["status"] == "fail"]
    assert [test["name"] for test in failed] == ["png_is_low"]
    assert failed[0]["actual"]["band"] == "high" and failed[0]["file"] == str(pack)
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "1"
    case = suite.find("testcase[@name='png_is_low']")
    assert case is not None and "band: expected low, got high" in (case.find("failure").get("message") or "")  # type: ignore[union-attr]


def test_pack_that_does_not_load_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = _write(tmp_path, "bad.toml", WRONG.replace("expect = {", "expected = {"))
    assert main(["test", str(pack)]) == EXIT_USAGE
    assert "tests.png_is_low.expected: unknown key; did you mean 'expect'?" in capsys.readouterr().err


def test_selecting_a_test_that_does_not_exist_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["test", "-k", "png_2010_national_data_centre", "-k", "no_such_test"]) == EXIT_USAGE
    assert re.search(r"no test named 'no_such_test' in pack default", capsys.readouterr().err)
    assert main(["test", "-k", "png_2010_national_data_centre"]) == EXIT_OK
    assert "1 passed, 0 failed, 0 skipped" in capsys.readouterr().out


def test_inherited_tests_are_replaced_by_name_and_skipped_visibly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    overlay = WRONG + """
[[tests]]
name = "au_headquarters_network"
skip = "our policy scores the AU network elsewhere"

[[tests]]
name = "domestic_vendor_public_data"
expect = { band = "medium" }
"""
    report = run_tests(_write(tmp_path, "overlay.toml", overlay))
    by_name = {o.name: o for o in report.outcomes}
    assert by_name["au_headquarters_network"].status == "skip"
    assert by_name["domestic_vendor_public_data"].problems == ("band: expected medium, got low",)
    assert main(["test", str(tmp_path / "overlay.toml")]) == EXIT_FAIL_ON
    assert "SKIP au_headquarters_network: our policy scores the AU network elsewhere" in capsys.readouterr().out


def test_tests_do_not_count_in_the_fingerprint(tmp_path: Path) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(default_pack_path(), copy)
    (copy / "tests.toml").unlink()
    untested = vendorrisk.load_rules(copy)
    assert not untested.model.tests
    assert untested.fingerprint == vendorrisk.load_rules().fingerprint


def test_disabled_rule_named_by_inherited_test_loads_and_fails_clearly() -> None:
    report = run_tests(ROOT / "tests" / "data" / "packs" / "valid" / "disable_rule.toml")
    problems = [p for o in report.outcomes for p in o.problems if "disabled in this pack" in p]
    assert problems and all("vendor_remote_access_without_audit" in p for p in problems)


@pytest.mark.parametrize(
    ("expect", "actual", "problem"),
    [
        ({"score": 50.0}, Actual(50.04, "high", "pass", (), ""), None),
        ({"score": 50.0}, Actual(50.1, "high", "pass", (), ""), "score: expected 50, got 50.1"),
        ({"score_min": 60.0}, Actual(50.0, "high", "pass", (), ""), "score_min: expected at least 60, got 50.0"),
        ({"score_max": 40.0}, Actual(50.0, "high", "pass", (), ""), "score_max: expected at most 40, got 50.0"),
        ({"gate": "block"}, Actual(50.0, "high", "warn", (), ""), "gate: expected block, got warn"),
        ({"fires": ["a_rule"]}, Actual(50.0, "high", "pass", ("b_rule",), ""), "fires: expected a_rule to fire; fired: b_rule"),
        ({"not_fires": ["b_rule"]}, Actual(50.0, "high", "pass", ("b_rule",), ""), "not_fires: expected b_rule not to fire, but it fired"),
        ({"invalid": True}, Actual(50.0, "high", "pass", (), ""), "invalid: expected the contract to be refused, got score 50.0"),
        ({"invalid": "records"}, Actual(None, "", "", (), "buyer_country: bad"), "invalid: expected an error containing 'records'"),
        ({"band": "low"}, Actual(None, "", "", (), "buyer_country: bad"), "expected a scored contract, got refused: buyer_country: bad"),
    ],
)
def test_check_names_each_unmet_expectation(expect: dict[str, Any], actual: Actual, problem: str | None) -> None:
    problems = check(Expectation.model_validate(expect), actual)
    if problem is None:
        assert problems == ()
    else:
        assert len(problems) == 1 and problems[0].startswith(problem)


# --- the pytest plugin ---------------------------------------------------------------------------


def test_plugin_runs_pack_tests_as_items(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", test_overlay=WRONG)
    pytester.makefile(".toml", test_not_a_pack="[tool]\nname = 'x'\n")  # no [[tests]]: not collected
    pytester.makefile(".toml", overlay_not_named_test=WRONG)  # not test_*.toml: not collected
    result = pytester.runpytest("-p", "no:cacheprovider")
    n_default = len(vendorrisk.load_rules().model.tests)
    result.assert_outcomes(passed=n_default, failed=1)
    result.stdout.fnmatch_lines([
        "*vendorrisk pack test 'png_is_low' failed*",
        "*band: expected low, got high*",
        "*came out: score 74.5 (high), gate pass*",
        "FAILED test_overlay.toml::png_is_low*",
    ])
    assert "Traceback" not in result.stdout.str() and "pytest_plugin.py" not in result.stdout.str()


def test_plugin_items_work_with_last_failed(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", test_overlay=WRONG)
    pytester.runpytest().assert_outcomes(passed=len(vendorrisk.load_rules().model.tests), failed=1)
    result = pytester.runpytest("--lf", "-x")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["FAILED test_overlay.toml::png_is_low*"])


def test_plugin_selects_with_k_and_reads_the_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini(f"[pytest]\nvendorrisk_packs =\n    {default_pack_path()}\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "png_2010 or refused")
    result.assert_outcomes(passed=3)
    result = pytester.runpytest("-p", "no:cacheprovider", "--collect-only", "-q")
    assert "png_2010_national_data_centre" in result.stdout.str()


def test_plugin_reports_a_pack_that_does_not_load(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", test_broken=WRONG.replace("band = \"low\"", "band = \"lowest\""))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*rule pack does not load*", "*tests.png_is_low.expect.band*"])


# --- vendorrisk.strategies -----------------------------------------------------------------------


def test_strategies_without_hypothesis_say_what_to_install() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import vendorrisk.strategies\nexcept ImportError as e:\n    print(type(e).__name__, e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "DependencyError hypothesis is not installed: pip install 'vendorrisk[strategies]'"


@settings(max_examples=30, deadline=None)
@given(contracts(buyer_country="PG", records=st.integers(10, 20), hosting=None))
def test_contracts_pin_values_and_strategies(contract: dict[str, Any]) -> None:
    assert contract["buyer_country"] == "PG" and 10 <= contract["records"] <= 20 and contract["hosting"] is None


def test_contracts_refuse_an_unknown_pin() -> None:
    @given(contracts(buyer_contry="PG"))
    def draw(contract: dict[str, Any]) -> None:
        raise AssertionError("never drawn")

    with pytest.raises(InvalidArgument, match="'buyer_contry' is not a canonical column"):
        draw()


@settings(max_examples=40, deadline=None)
@given(worsenings())
def test_default_pack_is_monotone_under_worsenings(pair: tuple[dict[str, Any], dict[str, Any]]) -> None:
    """A worse contract (one input worse in the pack's risk order) never scores lower or gates less."""
    better, worse = pair
    changed = [name for name in worse if worse[name] != better[name]]
    assert len(changed) == 1 and changed[0] in WORSENABLE
    old, new = vendorrisk.score_table([better, worse]).to_pylist()
    assert old["error"] == new["error"] == ""
    assert new["score"] >= old["score"]
    assert ("pass", "warn", "block").index(new["gate"]) >= ("pass", "warn", "block").index(old["gate"])


# --- vendorrisk lint -----------------------------------------------------------------------------


def test_lint_fixture_for_every_kind() -> None:
    kinds = {HEADER.match(path.read_text(encoding="utf-8").splitlines()[0])["kind"] for path in LINT}  # type: ignore[index]
    assert kinds == set(KINDS)


@pytest.mark.parametrize("path", LINT, ids=[path.stem for path in LINT])
def test_lint_reports_each_finding_kind(path: Path) -> None:
    match = HEADER.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, f"{path.name} must start with '# lint: KIND KEY'"
    budget = 0.1 if match["kind"] == "not_monotone" else 0.0  # one round of the search, whatever the machine
    findings = lint_pack(path, budget=budget, sample=4000)
    assert (match["kind"], match["key"]) in {(f.kind, f.key) for f in findings}
    assert all(f.file for f in findings)


def test_default_pack_lints_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--budget", "1"]) == EXIT_OK
    assert capsys.readouterr().out.endswith("0 findings; monotonicity search 1 s (seed 0)\n")


def test_lint_cli_names_the_non_monotone_rule_with_a_failing_test_case(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pack = ROOT / "tests" / "data" / "packs" / "lint" / "not_monotone.toml"
    assert main(["lint", str(pack), "--budget", "0.1", "--format", "json"]) == EXIT_FAIL_ON
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["kind"] == "not_monotone" and finding["key"] == "rules.managed_services_discount"
    assert re.match(r"making service_type worse \('\w+' -> 'managed_services'\) lowers the score", finding["message"])
    assert 'service_type = "managed_services"' in finding["example"]
    # The counterexample, pasted into the pack, is a test that fails until the rule is fixed.
    pasted = _write(tmp_path, "pasted.toml", pack.read_text(encoding="utf-8") + "\n" + finding["example"] + "\n")
    report = run_tests(pasted, names=[re.search(r'name = "(\w+)"', finding["example"])[1]])  # type: ignore[index]
    assert [o.status for o in report.outcomes] == ["fail"]


def test_lint_cli_exits_1_on_a_gate_that_cannot_fire(capsys: pytest.CaptureFixture[str]) -> None:
    pack = ROOT / "tests" / "data" / "packs" / "lint" / "unreachable_gate.toml"
    assert main(["lint", str(pack), "--budget", "0", "--sample", "4000"]) == EXIT_FAIL_ON
    assert re.search(r"rules\.reach_above_what_links_allow: \[unreachable\] no contract of 4000 sampled \(seed 0\) makes this gate fire", capsys.readouterr().out)


# --- vendorrisk diff -----------------------------------------------------------------------------


def test_diff_reports_band_changes_of_a_raised_weight(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    raised = _write(tmp_path, "raised.toml", RAISED)
    assert main(["diff", str(EXAMPLES), "--rules", str(raised)]) == EXIT_OK
    out = capsys.readouterr().out
    assert vendorrisk.load_rules().fingerprint in out and vendorrisk.load_rules(raised).fingerprint in out
    assert re.search(r"35 contracts \(0 invalid, not compared\): [1-9]\d* change band, 0 change gate", out)
    assert re.search(r"ET-2012-AUHQ-ICT: \d+\.\d \w+ -> \d+\.\d \w+ \(\+5\.0\): ~vendor_remote_access_without_audit \+3\.0->\+8\.0", out)
    assert main(["diff", str(EXAMPLES), "--rules", str(raised), "--format", "csv"]) == EXIT_OK
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "contract_id,score_old,score_new,delta,band_old,band_new,gate_old,gate_new,explanation"
    assert any(re.match(r"ET-2012-AUHQ-ICT,[\d.]+,[\d.]+,5\.0,\w+,\w+,", row) for row in rows)


def test_diff_of_identical_packs_reports_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", str(EXAMPLES), "--rules", str(default_pack_path()), "--format", "json"]) == EXIT_OK
    report = json.loads(capsys.readouterr().out)
    assert report["identical"] and report["changes"] == [] and report["band_changed"] == 0
    table = vendorrisk.api.to_arrow([{"contract_id": "x", "buyer_country": "PG"}])
    assert diff_packs(table, new=None).changes == []


def test_diff_counts_transitions_and_leaves_invalid_rows_out(tmp_path: Path) -> None:
    raised = _write(tmp_path, "raised.toml", RAISED)
    table = vendorrisk.api.to_arrow([
        {"contract_id": "ok", "buyer_country": "ET", "vendor_country": "CN", "service_type": "network", "signed": "2012-01-28"},
        {"contract_id": "bad", "buyer_country": "XX"},
    ])
    result = diff_packs(table, new=raised)
    assert result.rows == 2 and result.invalid == 1
    assert int(result.transitions.sum()) == 1
    assert [change.contract_id for change in result.changes] == ["ok"]
