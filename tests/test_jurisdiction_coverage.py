"""Every EU/EEA member state and every state with an EU adequacy decision is assessed, so the
conservative default strength applies only to states nobody assessed (issue 13, item 6)."""

from __future__ import annotations

from pathlib import Path

import pytest

import vendorrisk
from vendorrisk.errors import PackErrors

# Council of the EU / EEA Agreement membership, 2026.
EU: frozenset[str] = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE".split()
)
EEA_EFTA: frozenset[str] = frozenset({"IS", "LI", "NO"})
# European Commission, "Adequacy decisions" (GDPR art. 45), as listed in the research fact sheet:
# https://commission.europa.eu/law/law-topic/data-protection/international-dimension-data-protection/adequacy-decisions_en
ADEQUACY: frozenset[str] = frozenset("AD AR CA FO GG IL IM JP JE NZ KR CH GB US UY".split())


def _strengths() -> dict[str, float]:
    return {j.code: j.strength for j in vendorrisk.load_rules().model.jurisdictions}


def _reach(vendor_country: str, buyer: str = "KE") -> vendorrisk.Result:
    contract = {"contract_id": f"x-{vendor_country}", "buyer_country": buyer, "vendor_name": "Nordic Example Data Services",
                "vendor_country": vendor_country, "vendor_parent_country": "none", "financing_country": "none",
                "service_type": "cloud_hosting", "data_categories": "tax", "records": 500_000, "hosting": "foreign",
                "operator": "vendor", "vendor_remote_access": True, "customer_held_keys": False, "audit_rights": False}
    return vendorrisk.score(contract, as_of="2026-01-01")


def test_every_eu_eea_and_adequacy_state_is_assessed() -> None:
    missing = sorted((EU | EEA_EFTA | ADEQUACY) - set(_strengths()))
    assert missing == []


@pytest.mark.parametrize("state", ["BE", "DK"])
def test_belgian_or_danish_vendor_does_not_score_worse_than_french_or_german(state: str) -> None:
    """Same contract, seat moved: a small EU state's vendor was unassessed (0.5) and scored above FR and DE."""
    scores = {country: _reach(country).score for country in (state, "FR", "DE")}
    assert scores[state] <= scores["FR"], scores
    assert _reach(state).legal_reach == pytest.approx(_strengths()[state])


def test_unassessed_default_is_conservative_only_for_states_nobody_assessed() -> None:
    pack = vendorrisk.load_rules()
    unassessed = pack.model.parameters.legal_reach.unassessed_strength
    strengths = _strengths()
    assert "KE" not in strengths
    assert unassessed >= max(strengths[code] for code in EU | EEA_EFTA | ADEQUACY)
    assert _reach("KE", buyer="TZ").legal_reach == pytest.approx(unassessed)
    # An assessed small state keeps its own strength, however low.
    assert _reach("IS").legal_reach == pytest.approx(strengths["IS"])
    assert strengths["IS"] < unassessed


def test_unused_jurisdiction_keys_are_refused(tmp_path: Path) -> None:
    """EEG grades and the adequacy flag fed no formula; they are gone, and a pack giving them is told so."""
    path = tmp_path / "pack.toml"
    path.write_text(
        'schema_version = 1\n[pack]\nname = "eeg"\nextends = "default"\n[[jurisdictions]]\ncode = "KE"\nname = "Kenya"\n'
        'strength = 0.7\nrationale = "r"\neu_adequacy = "no"\nsources = ["https://example.org/ke"]\n'
        '[[jurisdictions.laws]]\nname = "l"\nyear = 2018\nsummary = "s"\nsource = "https://example.org/l"\n',
        encoding="utf-8",
    )
    with pytest.raises(PackErrors, match=r"jurisdictions\.KE\.eu_adequacy: unknown key"):
        vendorrisk.load_rules(path)
