"""The incident ledger separates what an incident is evidence of, and only use of an access path,
an exposed path and (weighted lower) compromises by third parties enter the incident factor.

Legal statements are legal reach (the jurisdiction table scores them); restrictions are a state's
verdict, not an access event; neither may raise the incident factor (issue 13, item 4).
"""

from __future__ import annotations

import math
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

import vendorrisk
from vendorrisk.errors import PackErrors
from vendorrisk.reference import COUNTED_KINDS, INCIDENT_KINDS

REPO_ROOT = Path(__file__).resolve().parents[1]
INCIDENTS = REPO_ROOT / "rules" / "default" / "incidents.toml"
# Wording the ledger itself uses for events that show no access to anyone's data.
NO_ACCESS_WORDS = re.compile(r"no access event|not data access|not an? (access )?incident|no incident|not as data access")


@pytest.fixture(scope="module")
def incidents() -> list[dict[str, Any]]:
    with INCIDENTS.open("rb") as f:
        entries: list[dict[str, Any]] = tomllib.load(f)["incidents"]
    return entries


def _contract(vendor: str, **extra: object) -> dict[str, object]:
    return {"contract_id": "k", "buyer_country": "KE", "vendor_name": vendor, "service_type": "cloud_hosting",
            "data_categories": "health", "records": 1_000_000, **extra}


# --- the ledger ------------------------------------------------------------------------------


def test_every_incident_has_a_kind_and_a_review(incidents: list[dict[str, Any]]) -> None:
    for inc in incidents:
        assert inc["kind"] in INCIDENT_KINDS, inc["id"]
        assert inc["review"].strip(), inc["id"]


def test_events_the_ledger_calls_no_access_event_do_not_count(incidents: list[dict[str, Any]]) -> None:
    """A grade of 'confirmed' for a testimony or a plea must not read as confirmed access."""
    flagged = [inc for inc in incidents if NO_ACCESS_WORDS.search(" ".join((inc["summary"], inc.get("attribution", ""))))]
    assert len(flagged) >= 6
    assert [inc["id"] for inc in flagged if inc["kind"] in COUNTED_KINDS] == []
    confirmed = {inc["id"] for inc in incidents if inc["grade"] == "confirmed" and inc["kind"] not in COUNTED_KINDS}
    assert confirmed == {"2017-03-07-zte-us", "2025-06-10-microsoft-fr"}


def test_restrictions_and_legal_statements_are_kinds_of_their_own(incidents: list[dict[str, Any]]) -> None:
    kind = {inc["id"]: inc["kind"] for inc in incidents}
    assert kind["2025-06-10-microsoft-fr"] == "legal_exposure"  # sworn testimony on the CLOUD Act
    assert kind["2019-06-04-yandex-ru"] == "legal_exposure"  # a key demand under Russian law
    assert kind["2022-11-25-hikvision-us"] == kind["2024-06-20-kaspersky-us"] == kind["2020-07-14-huawei-gb"] == "restriction"
    assert kind["2020-12-solarwinds-us"] == kind["2024-04-02-microsoft-us"] == "third_party_compromise"
    assert kind["2017-10-10-kaspersky-ru"] == "access_used"


def test_vendor_part_in_salt_typhoon_is_graded_as_reported(incidents: list[dict[str, Any]]) -> None:
    """The intrusions are confirmed; Cisco devices were the way in only 'likely' in one case."""
    cisco = next(inc for inc in incidents if inc["id"] == "2024-11-13-cisco-us")
    assert cisco["grade"] == "reported"
    assert "likely" in cisco["review"]


def test_african_union_camera_report_of_2020_ships(incidents: list[dict[str, Any]]) -> None:
    au = next(inc for inc in incidents if inc["id"] == "2020-12-16-unattributed-et")
    assert au["vendors"] == [] and au["states"] == ["CN"] and au["countries"] == ["ET"]
    assert (au["kind"], au["grade"]) == ("third_party_compromise", "reported")
    assert "Bronze President" in au["attribution"]
    assert all(url.startswith("https://") for url in au["sources"])


# --- the incident factor ---------------------------------------------------------------------


def test_a_restriction_alone_gives_no_incident_factor() -> None:
    """Hytera's only ledger entry is the FCC Covered-List order (2022-11-25): a restriction."""
    result = vendorrisk.score(_contract("Hytera"), as_of="2023-06-01")
    assert result.incidents == 0.0


def test_sworn_testimony_on_home_law_adds_nothing() -> None:
    """Microsoft France's testimony of 2025-06-10 is legal reach, not an incident."""
    before = vendorrisk.score(_contract("Microsoft"), as_of="2025-06-09")
    after = vendorrisk.score(_contract("Microsoft"), as_of="2025-06-10")
    assert after.incidents == pytest.approx(before.incidents, abs=1e-3)  # one day's decay, nothing added


def _pack_with_incidents(tmp_path: Path, weights: str = "") -> Path:
    vendors = "\n".join(
        f'[[vendors]]\nname = "{name}"\nseat = "US"\nsources = ["https://example.org/{name}"]\n' for name in ("Used", "Victim", "Said")
    )
    incidents = "\n".join(
        f'[[incidents]]\nid = "2024-01-01-{name.lower()}"\ndate = "2024-01-01"\nvendors = ["{name}"]\nkind = "{kind}"\n'
        f'grade = "confirmed"\nsummary = "test"\nsources = ["https://example.org/i"]\n'
        for name, kind in (("Used", "access_used"), ("Victim", "third_party_compromise"), ("Said", "legal_exposure"))
    )
    path = tmp_path / "pack.toml"
    path.write_text(f'schema_version = 1\n[pack]\nname = "kinds"\nextends = "default"\n{weights}\n{vendors}\n{incidents}', encoding="utf-8")
    return path


def test_being_attacked_weighs_less_than_being_the_way_in(tmp_path: Path) -> None:
    """Same grade, same day: use of the access path > compromise by a third party > legal statement (0)."""
    pack = vendorrisk.load_rules(_pack_with_incidents(tmp_path))
    h = {name: vendorrisk.score(_contract(name), rules=pack, as_of="2024-01-01").incidents for name in ("Used", "Victim", "Said")}
    assert h["Used"] > h["Victim"] > h["Said"] == 0.0
    weights = pack.model.parameters.incidents.kind_weights
    assert h["Victim"] == pytest.approx(1 - math.exp(-weights["third_party_compromise"]), abs=1e-3)


def test_pack_rejects_a_victim_weighing_more_than_use(tmp_path: Path) -> None:
    weights = "[parameters.incidents.kind_weights]\naccess_used = 0.2\nexposed_path = 0.1\nthird_party_compromise = 0.5\n"
    with pytest.raises(PackErrors, match=r"kind_weights of third_party_compromise must not exceed access_used's"):
        vendorrisk.load_rules(_pack_with_incidents(tmp_path, weights))


def test_pack_rejects_an_incident_without_a_kind(tmp_path: Path) -> None:
    path = tmp_path / "pack.toml"
    path.write_text(
        'schema_version = 1\n[pack]\nname = "nokind"\nextends = "default"\n[[incidents]]\nid = "2024-01-01-x"\n'
        'date = "2024-01-01"\nvendors = ["Huawei"]\ngrade = "alleged"\nsummary = "s"\nsources = ["https://example.org/i"]\n',
        encoding="utf-8",
    )
    with pytest.raises(PackErrors, match=r"incidents\.2024-01-01-x\.kind: Field required|incidents\[\d+\]\.kind: Field required"):
        vendorrisk.load_rules(path)
