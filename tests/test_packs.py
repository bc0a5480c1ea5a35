"""Data-driven tests of the rule-pack loader (``vendorrisk.rules.loader``).

Every file in ``tests/data/packs/invalid`` is a one-file pack extending the default pack, and
starts with ``# expect: <regex>``: loading it must raise :class:`vendorrisk.PackError` whose
message matches the regex (file, key path and problem). Every file in
``tests/data/packs/valid`` must load.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tomllib
from pathlib import Path

import pytest

import vendorrisk
from vendorrisk.rules import loader, model
from vendorrisk.rules.loader import fingerprint, load_rules

DATA = Path(__file__).resolve().parent / "data" / "packs"
VALID = sorted((DATA / "valid").glob("*.toml"))
INVALID = sorted((DATA / "invalid").glob("*.toml"))
EXPECT = re.compile(r"^# expect: (?P<pattern>.+)$")
# Conditions in the refused fixtures that would create this file in the working folder if run.
SIDE_EFFECT_FILE = "vendorrisk_was_executed"

# A contract that fires the default rule `compelled_vendor_operates_special_category_or_security_data`.
BLOCKED_CONTRACT = {
    "contract_id": "T-BLOCK",
    "buyer_country": "PG",
    "vendor_country": "CN",
    "operator": "vendor",
    "customer_held_keys": False,
    "data_categories": "biometric",
    "signed": "2022-01-01",
}
# The same contract with the buyer in control: no gate fires under the default pack.
CONTROLLED_CONTRACT = {
    **BLOCKED_CONTRACT,
    "contract_id": "T-PASS",
    "operator": "customer",
    "customer_held_keys": True,
}


def _text(path: Path) -> str:
    """A fixture's text; some invalid fixtures are not UTF-8 on purpose (their first line is ASCII)."""
    return path.read_bytes().decode("utf-8", errors="replace")


def _expected(path: Path) -> str:
    first = _text(path).splitlines()[0]
    match = EXPECT.match(first)
    assert match, f"{path.name} must start with '# expect: <regex>'"
    return match["pattern"]


def _copy(source: Path, target: Path, text: str | None = None) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    if text is None:
        shutil.copyfile(source, target)
    else:
        target.write_text(text, encoding="utf-8")
    return target


def test_the_globs_found_fixtures() -> None:
    assert len(VALID) >= 4, VALID
    assert len(INVALID) >= 20, INVALID


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_pack_is_refused_with_its_expected_message(path: Path) -> None:
    pattern = _expected(path)
    with pytest.raises(vendorrisk.PackError, match=pattern) as info:
        load_rules(path)
    # The message names the file as given, not just a name that happens to match.
    assert str(path) in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("path", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_pack_runs_nothing(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """Loading a refused pack must not execute any part of its conditions."""
    monkeypatch.chdir(tmp_path)
    try:
        load_rules(path)
    except Exception:  # noqa: BLE001 - how it is refused is test_invalid_pack_is_refused_with_its_expected_message's job
        pass
    assert list(tmp_path.iterdir()) == []
    out, err = capfd.readouterr()
    assert "hi" not in out.split()
    assert out == ""


def _when(path: Path) -> str:
    document = tomllib.loads(path.read_text(encoding="utf-8"))
    return str(document["rules"][0]["when"])


REFUSED_WITH_SIDE_EFFECT = [p for p in INVALID if SIDE_EFFECT_FILE in _text(p)]


def test_some_refused_fixtures_would_create_a_file() -> None:
    assert len(REFUSED_WITH_SIDE_EFFECT) >= 3, REFUSED_WITH_SIDE_EFFECT


@pytest.mark.parametrize("path", REFUSED_WITH_SIDE_EFFECT, ids=[p.stem for p in REFUSED_WITH_SIDE_EFFECT])
def test_control_side_effect_fixture_would_create_the_file_if_executed(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control for test_invalid_pack_runs_nothing: naive evaluation of the condition does leave the file."""
    monkeypatch.chdir(tmp_path)
    value = eval(_when(path), {"true": True, "false": False})  # noqa: S307 - what a naive engine would do
    if callable(value):  # a lambda runs when called
        value = value()
    for handle in value if isinstance(value, list) else [value]:
        if hasattr(handle, "close"):
            handle.close()
    assert (tmp_path / SIDE_EFFECT_FILE).exists()


def test_function_call_fixture_is_the_os_system_call() -> None:
    assert _when(DATA / "invalid" / "function_call.toml") == "__import__('os').system('echo hi')"


# --- valid packs -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_pack_loads_with_its_own_fingerprint(path: Path, tmp_path: Path) -> None:
    pack = load_rules(path)
    default = load_rules()
    assert pack.fingerprint.startswith("sha256:")
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", pack.fingerprint)
    assert pack.fingerprint != default.fingerprint
    # Not only the name: the same [pack] header alone gives yet another fingerprint.
    header = tomllib.loads(path.read_text(encoding="utf-8"))["pack"]
    bare = _copy(path, tmp_path / "bare.toml", f'[pack]\nname = "{header["name"]}"\nextends = "default"\n')
    assert load_rules(bare).fingerprint != pack.fingerprint
    assert pack.name == header["name"]


def test_default_pack_loads_by_name_and_by_none() -> None:
    assert load_rules("default").fingerprint == load_rules(None).fingerprint == load_rules().fingerprint


def test_fingerprint_is_stable_across_loads(tmp_path: Path) -> None:
    source = DATA / "valid" / "override_parameter.toml"
    first = load_rules(_copy(source, tmp_path / "a" / "pack.toml"))
    second = load_rules(_copy(source, tmp_path / "b" / "pack.toml"))
    assert first is not second
    assert first.fingerprint == second.fingerprint
    assert fingerprint(first.model) == first.fingerprint


def test_fingerprint_changes_when_a_number_changes(tmp_path: Path) -> None:
    source = DATA / "valid" / "override_parameter.toml"
    text = source.read_text(encoding="utf-8")
    assert "governance_gain = 0.8\n" in text
    original = load_rules(_copy(source, tmp_path / "a" / "pack.toml"))
    changed = load_rules(_copy(source, tmp_path / "b" / "pack.toml", text.replace("governance_gain = 0.8", "governance_gain = 0.81")))
    assert changed.model.parameters.likelihood.governance_gain == 0.81
    assert changed.fingerprint != original.fingerprint


def test_override_parameter_changes_only_that_parameter() -> None:
    pack = load_rules(DATA / "valid" / "override_parameter.toml")
    default = load_rules()
    assert pack.model.parameters.likelihood.governance_gain == 0.8
    assert default.model.parameters.likelihood.governance_gain != 0.8
    assert pack.model.parameters.likelihood.incident_gain == default.model.parameters.likelihood.incident_gain
    assert pack.model.parameters.access == default.model.parameters.access
    assert [r.rule for r in pack.rules] == [r.rule for r in default.rules]


def test_override_parameter_changes_the_score() -> None:
    """A larger governance gain raises the likelihood, so a foreign-reach contract scores higher."""
    default = vendorrisk.score(BLOCKED_CONTRACT)
    raised = vendorrisk.score(BLOCKED_CONTRACT, rules=DATA / "valid" / "override_parameter.toml")
    assert default.score is not None and raised.score is not None
    assert raised.score > default.score


def test_disabled_rule_no_longer_appears() -> None:
    rule_id = "vendor_remote_access_without_audit"
    default = load_rules()
    pack = load_rules(DATA / "valid" / "disable_rule.toml")
    assert rule_id in [r.rule.id for r in default.rules]
    assert rule_id not in [r.rule.id for r in pack.rules]
    assert len(pack.rules) == len(default.rules) - 1
    # The model still holds it, switched off, with the base's text intact.
    (kept,) = [rule for rule in pack.model.rules if rule.id == rule_id]
    assert kept.enabled is False
    assert kept.summary == next(r.rule.summary for r in default.rules if r.rule.id == rule_id)


def test_disabled_rule_no_longer_fires() -> None:
    rule_id = "vendor_remote_access_without_audit"
    assert rule_id in vendorrisk.score(BLOCKED_CONTRACT).reasons
    assert rule_id not in vendorrisk.score(BLOCKED_CONTRACT, rules=DATA / "valid" / "disable_rule.toml").reasons


def test_default_pack_blocks_the_compelled_vendor_contract() -> None:
    blocked = vendorrisk.score(BLOCKED_CONTRACT)
    controlled = vendorrisk.score(CONTROLLED_CONTRACT)
    assert "compelled_vendor_operates_special_category_or_security_data" in blocked.reasons
    assert blocked.gate == "block"
    assert controlled.gate == "pass"


def test_warn_only_turns_block_into_warn() -> None:
    path = DATA / "valid" / "warn_only_gates.toml"
    assert load_rules(path).model.gates.warn_only is True
    result = vendorrisk.score(BLOCKED_CONTRACT, rules=path)
    assert "compelled_vendor_operates_special_category_or_security_data" in result.reasons
    assert result.gate == "warn"
    assert vendorrisk.score(CONTROLLED_CONTRACT, rules=path).gate == "pass"
    table = vendorrisk.score_table([BLOCKED_CONTRACT, CONTROLLED_CONTRACT], rules=path)
    assert table.column("gate").to_pylist() == ["warn", "pass"]


HEALTH_ABROAD = {
    "contract_id": "T-HEALTH",
    "buyer_country": "PG",
    "vendor_country": "CN",
    "hosting": "foreign",
    "operator": "customer",
    "customer_held_keys": True,
    "data_categories": "health",
    "signed": "2022-01-01",
}


def test_added_block_gate_fires() -> None:
    path = DATA / "valid" / "add_block_gate.toml"
    rule_id = "foreign_hosted_health_data_with_strong_reach"
    assert [r.rule.id for r in load_rules(path).rules][-1] == rule_id
    assert vendorrisk.score(HEALTH_ABROAD).gate == "pass"
    result = vendorrisk.score(HEALTH_ABROAD, rules=path)
    assert rule_id in result.reasons
    assert result.gate == "block"
    in_country = vendorrisk.score({**HEALTH_ABROAD, "hosting": "in_country"}, rules=path)
    assert rule_id not in in_country.reasons


def test_added_block_gate_fires_in_a_batch_whose_first_row_omits_hosting() -> None:
    """score_table over mappings must keep every key of every row, not only the first row's keys."""
    path = DATA / "valid" / "add_block_gate.toml"
    first = {"contract_id": "T-FIRST", "buyer_country": "PG"}
    table = vendorrisk.score_table([first, HEALTH_ABROAD], rules=path)
    assert "hosting" in table.column_names
    assert table.column("gate").to_pylist() == ["pass", "block"]


# --- packs that used to crash the loader (issue 14 item 10) -----------------------------------

HEADER = '[pack]\nname = "{name}"\nextends = "{extends}"\n'


def test_a_byte_order_mark_is_skipped(tmp_path: Path) -> None:
    """Editors on Windows save UTF-8 with a BOM; the pack is the same pack (as a CSV with a BOM is)."""
    source = DATA / "valid" / "override_parameter.toml"
    marked = tmp_path / "bom.toml"
    marked.write_bytes(b"\xef\xbb\xbf" + source.read_bytes())
    assert load_rules(marked).fingerprint == load_rules(source).fingerprint


def test_a_utf16_pack_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "utf16.toml"
    path.write_bytes(HEADER.format(name="utf16", extends="default").encode("utf-16"))
    with pytest.raises(vendorrisk.PackError, match=r"utf16\.toml: not UTF-8 text: it starts with a UTF-16 byte-order mark \(byte 0xff at line 1, column 1\)"):
        load_rules(path)


@pytest.mark.parametrize("depth", [50_000, loader.MAX_NESTING + 1])
def test_deeply_nested_arrays_are_refused(depth: int, tmp_path: Path) -> None:
    """50,000 levels overflow the TOML reader's recursion; a few more than the limit pass it and are refused after."""
    path = tmp_path / "deep.toml"
    path.write_text(HEADER.format(name="deep", extends="default") + "[parameters.volume]\nreferences = " + "[" * depth + "]" * depth + "\n")
    key = "" if depth > 1000 else "parameters: "
    with pytest.raises(vendorrisk.PackError, match=rf"deep\.toml: {key}arrays or tables nest .*{loader.MAX_NESTING} levels"):
        load_rules(path)


def test_nesting_up_to_the_limit_reaches_validation(tmp_path: Path) -> None:
    depth = loader.MAX_NESTING - 2  # under parameters.volume
    path = tmp_path / "nested.toml"
    path.write_text(HEADER.format(name="nested", extends="default") + "[parameters.volume]\nreferences = " + "[" * depth + "]" * depth + "\n")
    with pytest.raises(vendorrisk.PackError, match=r"parameters\.volume\.references\[0\]: Input should be a valid string"):
        load_rules(path)


def _chain(folder: Path, length: int) -> Path:
    """``p0.toml`` extends ``p1.toml`` ... extends the last, which extends the default pack."""
    folder.mkdir()
    for index in range(length):
        base = f"p{index + 1}.toml" if index < length - 1 else "default"
        (folder / f"p{index}.toml").write_text(HEADER.format(name=f"p{index}", extends=base))
    return folder / "p0.toml"


def test_a_chain_of_1200_extending_packs_is_refused(tmp_path: Path) -> None:
    first = _chain(tmp_path / "chain", 1200)
    limit = loader.MAX_EXTENDS
    with pytest.raises(vendorrisk.PackError, match=(
        rf"p{limit - 1}\.toml: pack\.extends: extends 'p{limit}\.toml': more than {limit} packs extend each other "
        rf"in a chain from .*p0\.toml; a chain holds at most {limit}$"
    )):
        load_rules(first)


def test_a_chain_as_long_as_the_limit_loads(tmp_path: Path) -> None:
    first = _chain(tmp_path / "chain", loader.MAX_EXTENDS - 1)  # and the default pack makes MAX_EXTENDS
    assert load_rules(first).name == "p0"


def test_a_missing_base_names_the_file_that_extends_it(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "a_rules.toml").write_text("rules = []\n")
    (folder / "pack.toml").write_text(HEADER.format(name="mine", extends="base"))
    with pytest.raises(vendorrisk.PackError, match=rf"^{re.escape(str(folder / 'pack.toml'))}: pack\.extends: extends 'base': no such pack file or folder {re.escape(str(tmp_path / 'base'))}$"):
        load_rules(folder)


def test_an_empty_base_folder_names_the_file_that_extends_it(tmp_path: Path) -> None:
    (tmp_path / "base").mkdir()
    path = tmp_path / "mine.toml"
    path.write_text(HEADER.format(name="mine", extends="base"))
    with pytest.raises(vendorrisk.PackError, match=rf"^{re.escape(str(path))}: pack\.extends: extends 'base': the folder .*base holds no \.toml files$"):
        load_rules(path)


def test_entries_without_an_id_are_reported_missing_not_duplicate(tmp_path: Path) -> None:
    path = tmp_path / "no_ids.toml"
    path.write_text(HEADER.format(name="no-ids", extends="default") + "[[rules]]\nenabled = false\n[[rules]]\nenabled = false\n")
    with pytest.raises(vendorrisk.PackError, match=r"rules\[\d+\]\.id: Field required") as info:
        load_rules(path)
    assert "duplicate" not in str(info.value)


@pytest.mark.parametrize("given", [5, b"default", ["default"], 1.5, "", " "])
def test_a_pack_argument_of_the_wrong_type_is_a_pack_error(given: object) -> None:
    with pytest.raises(vendorrisk.PackError, match=rf"^{re.escape(loader.PACK_ARGUMENT)}; got {type(given).__name__} "):
        load_rules(given)  # type: ignore[arg-type]


# --- parameters at their bounds score without numpy warnings --------------------------------


def test_parameters_at_their_bounds_score_without_runtime_warnings(tmp_path: Path) -> None:
    """pytest turns warnings into errors: at the largest gains and grade weights, the shortest
    half-life and the largest saturation, scoring prints no overflow warning (before the bounds,
    1.7e308 gains and 1e308 weights did, and so did a 5e-324-year half-life)."""
    grades = ", ".join(f"{grade} = {model.MAX_WEIGHT}" for grade in ("denied", "alleged", "reported", "audited", "confirmed"))
    path = tmp_path / "bounds.toml"
    path.write_text(
        HEADER.format(name="bounds", extends="default")
        + f"[parameters.likelihood]\ngovernance_gain = {model.MAX_WEIGHT}\nincident_gain = {model.MAX_WEIGHT}\n"
        + f"[parameters.incidents]\nhalf_life_years = {model.MIN_HALF_LIFE_YEARS}\ngrade_weights = {{ {grades} }}\n"
        + "[parameters.volume]\nsaturation_records = 1.7e308\n"
    )
    rows = [
        {"contract_id": f"C{index}", "buyer_country": "PG", "vendor_name": vendor, "records": records, "signed": signed, "data_categories": "health;tax"}
        for index, (vendor, records, signed) in enumerate(
            (vendor, records, signed)
            for vendor in ("Huawei", "ZTE", "Nobody", None)
            for records in (0, 1, 10**15, None)
            for signed in ("1990-01-01", "2014-02-09", "2024-06-30", None)
        )
    ]
    table = vendorrisk.score_table(rows, rules=path)
    assert table.column("error").to_pylist() == [""] * len(rows)
    assert all(0 <= score <= 100 for score in table.column("score").to_pylist())


def test_the_shortest_half_life_keeps_incidents_a_naive_sum_keeps(tmp_path: Path) -> None:
    """At the shortest half-life, a contract three days after a vendor's first incident gets the
    incident factor ``1 - exp(-sum)`` of the plain sum over its ledger (at a 0.005-year half-life it
    got 0 before: the ledger's sums, scaled to the vendor's last incident, underflowed)."""
    path = tmp_path / "short.toml"
    path.write_text(HEADER.format(name="short", extends="default") + f"[parameters.incidents]\nhalf_life_years = {model.MIN_HALF_LIFE_YEARS}\n")
    pack = load_rules(path)
    ledger = [incident for incident in pack.model.incidents if incident.vendors == ["Huawei"]]
    as_of = min(incident.date for incident in ledger) + dt.timedelta(days=3)
    weights = {str(grade): weight for grade, weight in pack.model.parameters.incidents.grade_weights.items()}
    days = 365.25 * model.MIN_HALF_LIFE_YEARS
    total = sum(weights[str(i.grade)] * 0.5 ** ((as_of - i.date).days / days) for i in ledger if i.date <= as_of)
    result = vendorrisk.score({"contract_id": "H", "buyer_country": "PG", "vendor_name": "Huawei"}, rules=pack, as_of=as_of)
    assert total > 0.01
    assert result.factors["incidents"] == pytest.approx(1 - math.exp(-total), abs=5e-4)


def test_an_incident_far_from_the_others_does_not_erase_the_vendors_ledger(tmp_path: Path) -> None:
    """An incident dated 9999-12-31 (a typo, say) made every earlier incident of its vendor count 0:
    the ledger's running sums were scaled to the vendor's last day and underflowed."""
    path = tmp_path / "far.toml"
    path.write_text(
        HEADER.format(name="far", extends="default")
        + '[[incidents]]\nid = "9999-12-31-huawei-typo"\ndate = 9999-12-31\nvendors = ["Huawei"]\ngrade = "denied"\nkind = "access_used"\nreview = "test entry"\n'
        + 'summary = "A test incident far in the future."\nsources = ["https://example.org/far"]\n'
    )
    contract = {"contract_id": "F", "buyer_country": "PG", "vendor_name": "Huawei"}
    for as_of in ("2016-01-01", "2020-06-30", "2025-12-31"):
        with_far = vendorrisk.score(contract, rules=path, as_of=as_of)
        without = vendorrisk.score(contract, as_of=as_of)
        assert without.factors["incidents"] > 0
        assert with_far.factors["incidents"] == without.factors["incidents"], as_of
