"""Reference lookups: vendor names, as-of boundaries of ratings and incidents, links through ownership."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import vendorrisk
from vendorrisk.reference import COUNTRY_INDEX, normalise_name


@pytest.fixture(scope="module")
def pack() -> vendorrisk.RulePack:
    return vendorrisk.load_rules()


@pytest.mark.parametrize(
    "name",
    ["Huawei", "Huawei Technologies Co., Ltd.", "HUAWEI TECHNOLOGIES CO LTD", "huawei technologies co. ltd", "  Huawei  "],
)
def test_huawei_spellings_match_one_registry_entry(pack: vendorrisk.RulePack, name: str) -> None:
    index = pack.reference.match_vendor(name)
    assert index >= 0
    assert pack.model.vendors[index].name == "Huawei"


@pytest.mark.parametrize("name", ["", "Unlisted Systems Ltd", "Huawai Consulting Group", "Kenya Data Networks"])
def test_unmatched_names_give_minus_one(pack: vendorrisk.RulePack, name: str) -> None:
    assert pack.reference.match_vendor(name) == -1


def test_normalise_drops_case_punctuation_and_legal_suffixes() -> None:
    assert normalise_name("ZTE Corporation") == normalise_name("zte corp.") == "zte"
    assert normalise_name("Rostelecom PJSC") == "rostelecom"


def test_unmatched_vendor_never_fails_a_row_and_falls_back_to_vendor_country() -> None:
    base = {"contract_id": "x", "buyer_country": "KE", "vendor_name": "Unlisted Systems Ltd", "signed": "2020-01-01"}
    with_country = vendorrisk.score({**base, "vendor_country": "CN"})
    assert with_country.error == ""
    assert with_country.legal_reach == pytest.approx(0.95)
    assert with_country.details["reach_text"].startswith("via CN (seat)")


def _governance(pack: vendorrisk.RulePack, country: str, day: str) -> tuple[float, int, int]:
    total, status, edition = pack.reference.governance_rating(
        np.array([COUNTRY_INDEX[country]], dtype=np.int16), np.array([day], dtype="datetime64[D]"), max_age_years=5
    )
    return float(total[0]), int(status[0]), int(edition[0])


def test_edition_n_is_used_from_april_first_of_year_n(pack: vendorrisk.RulePack) -> None:
    assert pack.model.governance_meta.available_from == "04-01"
    assert _governance(pack, "PG", "2024-03-31")[2] == 2023
    assert _governance(pack, "PG", "2024-04-01")[2] == 2024
    total, status, _ = _governance(pack, "PG", "2024-04-01")
    entry = pack.model.governance["PG"]
    assert total == entry.total[2024]
    assert status == ("F", "PF", "NF").index(entry.status[2024])


def test_before_the_first_edition_there_is_no_rating(pack: vendorrisk.RulePack) -> None:
    assert _governance(pack, "US", "1960-01-01")[1] == -1


def test_a_rating_older_than_max_age_is_not_used(pack: vendorrisk.RulePack) -> None:
    last = max(pack.model.governance["PR"].status)  # Puerto Rico stopped being rated
    assert _governance(pack, "PR", f"{last + 5}-06-01")[2] == last
    assert _governance(pack, "PR", f"{last + 7}-06-01")[1] == -1


def test_output_names_the_governance_edition_used() -> None:
    out = vendorrisk.score_table([{"contract_id": "a", "buyer_country": "PG", "signed": "2012-03-31"}])
    assert out.column("governance_edition").to_pylist() == [2011]


def _huawei(as_of: str) -> vendorrisk.Result:
    contract = {"contract_id": "PG", "buyer_country": "PG", "vendor_name": "Huawei", "service_type": "data_center"}
    return vendorrisk.score(contract, as_of=as_of)


def test_incidents_count_only_from_the_day_they_were_public(pack: vendorrisk.RulePack) -> None:
    png = next(i for i in pack.model.incidents if i.id == "2020-08-11-huawei-pg")
    before = _huawei((png.date - dt.timedelta(days=1)).isoformat())
    on_the_day = _huawei(png.date.isoformat())
    assert on_the_day.incidents > before.incidents


def test_huawei_scored_as_of_2012_ignores_the_2018_and_2020_reports(pack: vendorrisk.RulePack) -> None:
    first = min(i.date for i in pack.model.incidents if "Huawei" in i.vendors)
    assert first > dt.date(2012, 12, 31)
    assert _huawei("2012-06-01").incidents == 0.0
    assert _huawei("2024-06-01").incidents > 0.5


def test_explicit_as_of_wins_over_the_signed_date() -> None:
    contract = {"contract_id": "x", "buyer_country": "PG", "vendor_name": "Huawei", "signed": "2010-01-01"}
    assert vendorrisk.score(contract).as_of == dt.date(2010, 1, 1)
    assert vendorrisk.score(contract, as_of="2024-06-01").as_of == dt.date(2024, 6, 1)


def test_local_subsidiary_is_reached_through_its_groups_seat() -> None:
    """A Huawei subsidiary incorporated in the buyer's country is still reachable by China."""
    result = vendorrisk.score(
        {"contract_id": "x", "buyer_country": "KE", "vendor_name": "Huawei", "vendor_country": "KE",
         "vendor_parent_country": "none", "financing_country": "none", "signed": "2020-01-01"}
    )
    assert result.legal_reach == pytest.approx(0.95)
    assert "group" in result.details["reach_text"]


def test_a_state_is_never_foreign_to_itself() -> None:
    result = vendorrisk.score(
        {"contract_id": "x", "buyer_country": "CN", "vendor_name": "Huawei", "financing_country": "none", "signed": "2020-01-01"}
    )
    assert result.legal_reach == 0.0


def test_controlling_shareholders_follow_the_thresholds(pack: vendorrisk.RulePack) -> None:
    holders = pack.reference.holders
    controlled = [
        vendor.name for index, vendor in enumerate(pack.model.vendors) if (holders[index] < len(COUNTRY_INDEX)).any()
    ]
    for index, vendor in enumerate(pack.model.vendors):
        single = max((h.share for h in vendor.shareholders), default=0.0)
        if single >= pack.model.parameters.legal_reach.control_single:
            assert vendor.name in controlled
        if not vendor.shareholders:
            assert vendor.name not in controlled


def test_accents_do_not_matter(pack: vendorrisk.RulePack) -> None:
    assert pack.reference.match_vendor("Turk Telekom") == pack.reference.match_vendor("Türk Telekom") >= 0


def test_a_loose_name_shared_by_two_vendors_matches_neither(pack: vendorrisk.RulePack) -> None:
    """Without generic words both CEC and CETC read 'china electronics': such a name is ambiguous."""
    assert pack.reference.match_vendor("China Electronics Technology Corp") == -1
    cec = pack.reference.match_vendor("China Electronics Corporation")
    assert cec >= 0 and pack.model.vendors[cec].name.startswith("China Electronics Corporation")


def test_no_foreign_state_is_a_known_none_for_rules_on_reach_country(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A fully known domestic contract: a raising rule on reach_country cannot fire at the high end."""
    pack_file = tmp_path / "pack.toml"
    pack_file.write_text(
        '[pack]\nname = "t"\nextends = "default"\n\n[[rules]]\nid = "reached_by_the_us"\nsummary = "s"\n'
        'rationale = "r"\nwhen = "reach_country == \'US\'"\neffect = { kind = "add", points = 10.0 }\n',
        encoding="utf-8",
    )
    contract = {
        "contract_id": "x", "buyer_country": "DE", "vendor_name": "Unlisted Systems GmbH", "vendor_country": "DE",
        "vendor_parent_country": "none", "financing_country": "none", "service_type": "software",
        "data_categories": "tax", "records": 1000, "hosting": "customer_premises", "operator": "customer",
        "vendor_remote_access": False, "customer_held_keys": True, "audit_rights": True, "signed": "2024-06-01",
    }
    result = vendorrisk.score(contract, rules=vendorrisk.load_rules(pack_file))
    assert result.score_low == result.score == result.score_high == 0.0


# Every way a name resolves, pinned whole (index, kind, the text it matched, similarity, reason and
# warning): the reasons and warnings are what explain() and the warning column show.
from vendorrisk.reference import VendorMatch  # noqa: E402

RESOLUTIONS: list[tuple[str, VendorMatch]] = [
    ('Huawei', VendorMatch(index=0, kind='exact', via='Huawei', score=100.0, reason="exact match: 'Huawei' and the registry name 'Huawei' both read 'huawei' after dropping case, punctuation and legal forms", warning='')),
    ('huawei technologies co., ltd.', VendorMatch(index=0, kind='alias', via='Huawei Technologies Co., Ltd.', score=100.0, reason="alias match: 'huawei technologies co., ltd.' and the alias 'Huawei Technologies Co., Ltd.' both read 'huawei technologies' after dropping case, punctuation and legal forms", warning='')),
    ('Huawei Technologies (Kenya) Co., Ltd.', VendorMatch(index=0, kind='alias', via='Huawei Technologies Co., Ltd.', score=100.0, reason="alias match: 'Huawei Technologies (Kenya) Co., Ltd.' and the alias 'Huawei Technologies Co., Ltd.' both read 'huawei technologies' after dropping case, punctuation and legal forms and the country qualifier 'kenya'", warning='')),
    ('Huawei Cloud Kenya', VendorMatch(index=0, kind='alias', via='Huawei Cloud', score=100.0, reason="alias match: 'Huawei Cloud Kenya' and the alias 'Huawei Cloud' both read 'huawei cloud' after dropping case, punctuation and legal forms and the country qualifier 'kenya'", warning='')),
    ('Hangzhou Hikvision Digitall Technology', VendorMatch(index=3, kind='fuzzy', via='Hangzhou Hikvision Digital Technology Co., Ltd.', score=98.66666666666667, reason="fuzzy match: 'hangzhou hikvision digitall technology' is 99% similar to 'Hangzhou Hikvision Digital Technology Co., Ltd.' (rapidfuzz token_sort_ratio on normalised names; 92% needed)", warning='')),
    ('Hikvisio', VendorMatch(index=3, kind='fuzzy', via='Hikvision', score=94.11764705882352, reason="fuzzy match: 'hikvisio' is 94% similar to 'Hikvision' (rapidfuzz token_sort_ratio on normalised names; 92% needed)", warning='')),
    ('Hikvi', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning='')),
    ('Hikvision Digital Technolgy', VendorMatch(index=-1, kind='none', via='Hangzhou Hikvision Digital Technology Co., Ltd.', score=84.375, reason='', warning="vendor_name: 'Hikvision Digital Technolgy' is 84% similar to registry vendor 'Hikvision' ('Hangzhou Hikvision Digital Technology Co., Ltd.'), below the 92% needed to match; scored as a vendor outside the registry")),
    ('Alibaba Clowd', VendorMatch(index=8, kind='fuzzy', via='Alibaba Cloud', score=92.3076923076923, reason="fuzzy match: 'alibaba clowd' is 92% similar to 'Alibaba Cloud' (rapidfuzz token_sort_ratio on normalised names; 92% needed)", warning='')),
    ('CloudWalk IBM', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning="vendor_name: 'CloudWalk IBM' matches registry vendors 'CloudWalk' and 'IBM' equally; scored as a vendor outside the registry")),
    ('Crypto Technologies', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning="vendor_name: 'Crypto Technologies' matches registry vendors 'Crypto AG (historic)' and 'Crypto International' equally; scored as a vendor outside the registry")),
    ('China Electronics Technology Corp', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning="vendor_name: 'China Electronics Technology Corp' matches registry vendors 'CETC' and 'China Electronics Corporation (CEC)' equally; scored as a vendor outside the registry")),
    ('Microsoft Azure Cloud', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning='')),
    ('Z', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning='')),
    ('', VendorMatch(index=-1, kind='none', via='', score=0.0, reason='', warning='')),
]


@pytest.mark.parametrize(("name", "expected"), RESOLUTIONS, ids=[name or "empty" for name, _ in RESOLUTIONS])
def test_each_way_a_name_resolves_is_pinned_whole(name: str, expected: VendorMatch) -> None:
    reference = vendorrisk.load_rules().reference
    reference.forget_memos()  # resolve afresh, not from the memo
    assert reference.resolve_vendor(name) == expected


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Procter & Gamble Co.", "procter and gamble"),  # & reads "and"; a legal suffix goes
        ("S.A. Holdings", "sa holdings"),  # dots go, not the letters
        ("AT&T", "at and t"),
        ("Acme Ltd", "acme"),
        ("Ltd", "ltd"),  # a name that is only a legal form keeps it
        ("PT", "pt"),
        ("PT Telkom", "telkom"),  # a leading legal form goes from two words on
    ],
)
def test_normalised_names(name: str, key: str) -> None:
    assert normalise_name(name) == key


def test_a_population_outside_its_years_is_the_nearest_year() -> None:
    from vendorrisk.reference import PopulationEntry

    entry = PopulationEntry(name="X", first_year=2000, count=[10, 20, 30])
    assert [entry.in_year(year) for year in (1990, 2000, 2001, 2002, 2003, 2100)] == [10, 10, 20, 30, 30, 30]


def test_forgetting_the_memos_resolves_and_tabulates_afresh() -> None:
    reference = vendorrisk.load_rules().reference
    match, ratings = reference.resolve_vendor("Huawei"), reference.usable_ratings(5)
    assert reference.resolve_vendor("Huawei") is match and reference.usable_ratings(5) is ratings  # memoised
    reference.forget_memos()
    again, fresh = reference.resolve_vendor("Huawei"), reference.usable_ratings(5)
    assert again == match and again is not match
    assert fresh is not ratings and all(np.array_equal(a, b, equal_nan=True) for a, b in zip(fresh[1:], ratings[1:]))
