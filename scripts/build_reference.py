#!/usr/bin/env python3
"""Build rules/default/vendors.toml and rules/default/incidents.toml from the research fact sheets.

Run from anywhere (paths default relative to the repository root):

    python scripts/build_reference.py [--shared ../shared] [--out-dir rules/default]

Inputs (under ``<shared>``):

* ``research/vendors.csv`` -- vendor registry fact sheet (87 rows).
* ``research/incidents.csv`` -- evidence-graded incident list (46 rows).
* ``data/incidents/CISSM-export_from-RData.csv`` -- the CISSM Cyber Attacks Database
  export. Some vendor rows cite "CISSM Cyber Attacks Database row '<org>' <YYYY-MM>"
  instead of a URL; the build resolves such a citation to that row's ``source_url``.
* ``data/countries/country-codes.csv`` -- valid ISO 3166-1 alpha-2 codes.

And, from this repository, ``scripts/data/vendor_sources.csv`` (``--vendor-sources``):
public sources found later for vendor rows that have none (see ``scripts/data/README.md``).

Stdlib only. Deterministic: the same inputs give byte-identical output. What the build
leaves out (vendors, incidents, vendor names in incidents, country markers) is printed
on stderr.

What ships, and what does not
-----------------------------
The fact sheets mark claims with no source found as ``[unverified]``. None of those
claims ships:

* aliases, parents and state-control clauses that carry the mark are dropped; a
  parenthesis carrying the mark is cut from its clause;
* a vendor row ships only if at least one source URL remains (the research found no
  source at all for ~26 rows, mostly "general knowledge"); rows whose seat is not a
  valid alpha-2 code are skipped;
* a row with no usable source (no URL, or listed in ``EXCLUDED_VENDORS``) ships after all
  when ``scripts/data/vendor_sources.csv`` gives sources for it. It then ships only what
  ``SUPPLEMENTED`` records those sources to support: the seat (checked against the row),
  the parent, the state control with a note written from the sources, state shareholdings
  with a sourced percentage, and the row's aliases minus any the sources contradict. Nothing
  else of the row ships, marked unverified or not; where the sources say nothing on state
  holdings, ``state_control`` is ``unknown``;
* a vendor's ``state_control`` falls back to ``unknown`` when every clause supporting
  it was unverified, or when the row's source says its ownership is unverified;
* incidents without any source URL are skipped, and so are incidents whose vendor
  field names no vendor of the registry, unless ``INCIDENT_EXTRAS`` records an honest
  attribution for them (the African Union headquarters cases);
* ``scripts/data/incident_additions.csv`` (``--incident-additions``) adds incidents the fact
  sheet misses, in its columns and through the same checks;
* every shipped incident gets a ``kind`` (what it is evidence of) and a ``review`` (why that
  kind, and why the grade where it differs from the fact sheet's) from ``INCIDENT_REVIEW``;
  an incident without a review stops the build.

Incident summaries are written anew in ``SUMMARIES`` (at most 400 characters) from the
fact sheet's longer text; a new incident row stops the build until it has one.
"""

from __future__ import annotations

import argparse
import calendar
import csv
import hashlib
import re
import sys
import unicodedata
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[1]

VENDOR_SOURCES_CSV = REPO_ROOT / "scripts" / "data" / "vendor_sources.csv"
INCIDENT_ADDITIONS_CSV = REPO_ROOT / "scripts" / "data" / "incident_additions.csv"
VENDORS_CSV = Path("research/vendors.csv")
INCIDENTS_CSV = Path("research/incidents.csv")
CISSM_CSV = Path("data/incidents/CISSM-export_from-RData.csv")
COUNTRY_CODES_CSV = Path("data/countries/country-codes.csv")

EDITION = "2026-04"
PUBLISHED = "2026-04-30"
SCHEMA_VERSION = 1
UNVERIFIED = "[unverified]"
MAX_SUMMARY = 400
# Latin-script aliases of one or two characters ("PT", "Mi") would match unrelated
# supplier names (Indonesian "PT ..." companies, for one), so they are not shipped.
# Native-script names such as 华为 are kept whatever their length.
MIN_ALIAS_LEN = 3

GRADES = ("alleged", "reported", "denied", "audited", "confirmed")
# What an incident is evidence of (docs/methodology.md, "Incidents H"). Only the first three
# enter the incident factor; legal statements are legal reach, restrictions are restrictions.
KINDS = ("access_used", "exposed_path", "third_party_compromise", "legal_exposure", "restriction", "conduct")

# CSV state_control keyword -> shipped enum. The CSV scale (vendors-incidents.md) has
# none / minority / majority / controlled / unknown. "majority" means state bodies hold
# more than half the equity, i.e. the vendor is state-owned; the rest map one to one.
STATE_CONTROL = {
    "none": "none",
    "minority": "minority",
    "controlled": "controlled",
    "majority": "state_owned",
    "unknown": "unknown",
}
NO_SOURCED_OWNERSHIP = "No sourced statement on ownership."

# Rows left out although a URL remains, with the reason.
EXCLUDED_VENDORS = {
    "Idemia": (
        "its only URL describes IN Groupe; the sale of IDEMIA Smart Identity to IN Groupe "
        "and IDEMIA's owner are unverified, so no shipped fact about IDEMIA has a source"
    ),
}

# state_control where clause-dropping alone would leave a claim the remaining text does
# not support: name -> (enum, note).
STATE_CONTROL_OVERRIDES = {
    # "minority" rested on a golden share whose conclusion is unverified.
    "Tencent Cloud": (
        "unknown",
        "Privately held and listed; a state 'golden share' in a mainland Tencent unit was "
        "reported as under discussion in 2023, but not whether it was concluded.",
    ),
    # "minority" rests on e& being state-controlled: sourced in registry_fixes.csv (REGISTRY_FIXES).
    "Vodafone": (
        "minority",
        "UAE operator e&, 60% owned by the UAE federal government's Emirates Investment Authority, became "
        "the largest shareholder, with about 14% by 2023.",
    ),
}

# Parent fixes: name -> (parent, parent_country); None drops the key.
PARENT_OVERRIDES: dict[str, tuple[str | None, str | None]] = {
    # "SASAC" is the same claim as the state control, which is unverified.
    "China Electronics Corporation (CEC)": (None, None),
    # CSV parent_country is "US; DE": the CIA and the BND; the BND left about 1993 and
    # the CIA stayed owner until the 2018 sale. One code is kept: the last owner's.
    "Crypto AG (historic)": (
        "CIA and BND (covert owners through a Liechtenstein foundation; BND left about 1993)",
        "US",
    ),
}

# Shareholders that are states, state bodies or parents, where the CSV documents a
# percentage: name -> [(holder country, percentage text as in the CSV, holder)].
# The percentage text must appear in the vendor's state_control text after unverified
# clauses are removed (checked), so no unverified percentage can ship. Where the CSV gives
# several years, the latest is used; a range gives its lower bound.
SHAREHOLDERS = {
    "ZTE": [("CN", "20%", "Zhongxingxin Telecom (largest shareholder)")],
    "Hikvision": [("CN", "38.88%", "CETC via CETHIK")],
    "Dahua": [("CN", "8.8%", "China Mobile (state-owned), via China Mobile Capital")],
    "Thales": [("FR", "25-27%", "French state")],
    "T-Systems": [("DE", "28%", "German federal government and KfW, in parent Deutsche Telekom")],
    "Orange Business": [
        ("FR", "13.4%", "French state (APE), in parent Orange SA"),
        ("FR", "9.6%", "Bpifrance, in parent Orange SA"),
    ],
    "Telefonica Tech": [
        ("ES", "10%", "SEPI (Spanish state holding company), in parent Telefónica SA"),
        ("SA", "4.9%", "stc (majority-owned by Saudi PIF), in parent Telefónica SA"),
    ],
    "Rostelecom": [
        ("RU", "48.71%", "Rosimushchestvo (Federal Agency for State Property Management)"),
        ("RU", "4.29%", "VEB (state development corporation)"),
    ],
    "NTT Data": [("JP", "34%", "Japan Ministry of Finance, in parent NTT")],
    "Aselsan": [("TR", "74.2%", "Turkish Armed Forces Foundation (TSKGV)")],
    "Türk Telekom": [("TR", "55%", "Turkey Wealth Fund")],
    "Turkcell": [("TR", "26.2%", "Turkey Wealth Fund")],
    "stc": [("SA", "62%", "Public Investment Fund (PIF)")],
}

class Supplement(NamedTuple):
    """What the sources in ``scripts/data/vendor_sources.csv`` support for one vendor.

    seat: must equal the row's seat. parent: (name, country) or None for no parent; the
    country must equal the row's parent_country. state_control: (shipped enum, note written
    from the sources). shareholders: as ``SHAREHOLDERS``, each percentage must appear in the
    note. drop_aliases: row aliases the sources contradict.
    """

    seat: str
    parent: tuple[str, str] | None
    state_control: tuple[str, str]
    shareholders: tuple[tuple[str, str, str], ...] = ()
    drop_aliases: tuple[str, ...] = ()


NO_STATE_SOURCE = "no sourced statement on state holdings"

# Rows of vendors.csv without a usable source, for which scripts/data/vendor_sources.csv
# gives public sources (researched 2026-11-28). Only what those sources support ships; the
# CSV's note column says, vendor by vendor, what they do and do not support.
SUPPLEMENTED: dict[str, Supplement] = {
    "StarTimes": Supplement(
        "CN",
        None,
        (
            "unknown",
            "Presented as private: founder Pang Xinxing was reported (2023) to hold 82.5%; its "
            "African business has had easy credit from China's state Export-Import Bank",
        ),
    ),
    "Amazon Web Services": Supplement(
        "US",
        ("Amazon.com, Inc.", "US"),
        (
            "unknown",
            "Wholly owned by the listed Amazon.com, Inc., in which founder Jeff Bezos holds 8.92%; "
            + NO_STATE_SOURCE,
        ),
    ),
    "Google": Supplement(
        "US",
        ("Alphabet Inc.", "US"),
        (
            "none",
            "Co-founders Larry Page and Sergey Brin control a majority of Alphabet's votes through high-vote shares",
        ),
    ),
    "Oracle": Supplement(
        "US",
        ("Oracle Corporation", "US"),
        ("none", "Founder Larry Ellison is the largest shareholder, with about 41% (2025)"),
    ),
    "Dell Technologies": Supplement(
        "US",
        ("Dell Technologies Inc.", "US"),
        (
            "none",
            "Founder Michael Dell held a majority of the equity on the 2018 return to the stock "
            "market and controls the company through high-vote stock",
        ),
    ),
    "Salesforce": Supplement(
        "US",
        ("Salesforce, Inc.", "US"),
        ("unknown", "Listed; institutions held about 81% of the shares in 2023; " + NO_STATE_SOURCE),
    ),
    "Palantir": Supplement(
        "US",
        ("Palantir Technologies Inc.", "US"),
        (
            "none",
            "Co-founders Peter Thiel, Alex Karp and Stephen Cohen hold 49.99% of the votes through "
            "Class F shares; the CIA's venture fund In-Q-Tel was an early investor",
        ),
    ),
    "Nokia": Supplement(
        "FI",
        None,
        (
            "minority",
            "Solidium, wholly owned by the Finnish state, bought 3.3% in 2018 and held 5.01% in September 2020",
        ),
        shareholders=(("FI", "5.01%", "Solidium (wholly owned by the Finnish state)"),),
    ),
    "OVHcloud": Supplement(
        "FR",
        None,
        (
            "none",
            "Founder Octave Klaba and his family said they would remain majority shareholders after "
            "the 2021 listing; KKR and TowerBrook became shareholders in 2016",
        ),
    ),
    "SAP": Supplement(
        "DE",
        None,
        ("unknown", "Listed; the Dietmar Hopp foundation group held 5.04% at end-2020; " + NO_STATE_SOURCE),
    ),
    "Siemens": Supplement(
        "DE",
        None,
        ("unknown", "Listed; the Siemens family holds 6.9%; " + NO_STATE_SOURCE),
    ),
    "Leonardo": Supplement(
        "IT",
        None,
        (
            "minority",
            "The Ministry of Economy and Finance is the largest shareholder with 30.2% (2024); the "
            "bylaws cap other holders' votes at 3%",
        ),
        shareholders=(("IT", "30.2%", "Italian Ministry of Economy and Finance"),),
    ),
    "Indra": Supplement(
        "ES",
        None,
        (
            "minority",
            "State holding company SEPI was authorised in 2022 to raise its stake from 18.75% to 28%, "
            "and reached 28%",
        ),
        shareholders=(("ES", "28%", "SEPI (Spanish state industrial holding company)"),),
    ),
    "Airbus": Supplement(
        "NL",
        None,
        (
            "minority",
            "Under their shareholder agreement the French and German states hold about 11% each and "
            "Spain about 4%, through SOGEPA, KfW/GZBV and SEPI",
        ),
        shareholders=(
            ("FR", "11%", "French state (SOGEPA)"),
            ("DE", "11%", "German state (KfW and other public entities, via GZBV)"),
            ("ES", "4%", "Spanish state (SEPI)"),
        ),
    ),
    "Intellexa": Supplement(
        "GR",
        None,
        (
            "unknown",
            "Alliance led by founder Tal Dilian, run from Greece, with an Irish parent company "
            "(Thalestris); " + NO_STATE_SOURCE,
        ),
    ),
    "NEC": Supplement(
        "JP",
        None,
        ("unknown", "Listed; a member of the Sumitomo Group; " + NO_STATE_SOURCE),
    ),
    "Hitachi": Supplement(
        "JP",
        None,
        ("unknown", "Listed on the Tokyo Stock Exchange; " + NO_STATE_SOURCE),
    ),
    "Samsung SDS": Supplement(
        "KR",
        ("Samsung Group", "KR"),
        (
            "none",
            "Controlled by Samsung Group companies and the owner family: Samsung Electronics 22.58%, "
            "Samsung C&T 17.08%, Lee Jae-yong 9.2%",
        ),
    ),
    "KT": Supplement(
        "KR",
        None,
        (
            "none",
            "Privatised in 2002; the National Pension Service, a public pension fund, was the largest "
            "shareholder from 2003 to 2024 and held 7.05% in 2026",
        ),
    ),
    "LG CNS": Supplement(
        "KR",
        ("LG Corp.", "KR"),
        ("none", "LG Corp. held 49.95% and a Macquarie private-equity fund 35% before the 2025 listing"),
    ),
    "Cellebrite": Supplement(
        "IL",
        None,
        (
            "none",
            "Owned by Japan's Sun Corporation from 2007; still its subsidiary when it moved to list on "
            "Nasdaq in 2021",
        ),
    ),
    "Check Point": Supplement(
        "IL",
        None,
        ("unknown", "Listed since 1996; " + NO_STATE_SOURCE),
    ),
    "Elbit Systems": Supplement(
        "IL",
        None,
        ("none", "Chairman Michael Federmann is the controlling shareholder, with nearly half the shares"),
    ),
    "Infosys": Supplement(
        "IN",
        None,
        ("unknown", "Listed; " + NO_STATE_SOURCE),
    ),
    "Wipro": Supplement(
        "IN",
        None,
        ("none", "Founder Azim Premji and promoter entities held 73.04% after the 2021 buy-back"),
    ),
    "Core42": Supplement(
        "AE",
        ("G42", "AE"),
        (
            "controlled",
            "Subsidiary of G42, which is chaired by UAE national security adviser Sheikh Tahnoon bin "
            "Zayed and is part of his state-linked business empire",
        ),
    ),
    # The CSV's "none" is contradicted: Bpifrance, a state bank, is also a shareholder.
    "Idemia": Supplement(
        "FR",
        ("Advent International", "US"),
        (
            "minority",
            "Majority-owned by US private-equity firm Advent International, with French state bank "
            "Bpifrance also a shareholder (2022); its Smart Identity unit was sold in 2025 to the "
            "state-owned IN Groupe",
        ),
        drop_aliases=("IDEMIA Smart Identity",),
    ),
}

REGISTRY_FIXES_CSV = REPO_ROOT / "scripts" / "data" / "registry_fixes.csv"


class Fix(NamedTuple):
    """A sourced correction to a shipped vendor row (sources and note in registry_fixes.csv).

    drop_aliases: aliases that name another company. state_control, parent, shareholders: as in
    ``Supplement``, replacing the row's (each shareholder percentage must appear in the note).
    """

    drop_aliases: tuple[str, ...] = ()
    state_control: tuple[str, str] | None = None
    parent: tuple[str, str] | None = None
    shareholders: tuple[tuple[str, str, str], ...] = ()


# Registry errors found in spot checks (issue 13 item 10), researched 2026-12-04.
REGISTRY_FIXES: dict[str, Fix] = {
    # NS2 is a US corporation: it ships as its own vendor (ADDED_VENDORS).
    "SAP": Fix(drop_aliases=("SAP National Security Services (NS2)",)),
    # The 2018 successors are other companies with other owners (ADDED_VENDORS).
    "Crypto AG (historic)": Fix(drop_aliases=("Crypto International", "CyOne Security")),
    "e&": Fix(
        state_control=(
            "state_owned",
            "The Emirates Investment Authority, a UAE federal government fund, owns 60%; the government "
            "keeps a special share with vetoes over mergers, large holdings and its stake falling below 51%",
        ),
        parent=("Emirates Investment Authority", "AE"),
        shareholders=(("AE", "60%", "Emirates Investment Authority (UAE federal government)"),),
    ),
}

# Vendors the fact sheet lacks or folds into another row, each with its sources in
# registry_fixes.csv (keyed by the row they were split from, or by their own name).
ADDED_VENDORS: list[tuple[str, dict[str, object]]] = [
    (
        "SAP",
        {
            "name": "SAP NS2",
            "aliases": ["SAP National Security Services", "SAP National Security Services, Inc."],
            "seat": "US",
            "parent": "SAP SE",
            "parent_country": "DE",
            "state_control": "unknown",
            "state_control_note": "A US corporation (Newtown Square, Pennsylvania) serving US national-security customers "
            "as part of the SAP group; " + NO_STATE_SOURCE + ".",
            "sectors": "ERP and cloud services for US government and national-security customers",
        },
    ),
    (
        "Crypto AG (historic)",
        {
            "name": "Crypto International",
            "aliases": ["Crypto International AG"],
            "seat": "CH",
            "state_control": "none",
            "state_control_note": "Took over Crypto AG's international business in 2018; owned since then by Swedish "
            "entrepreneur Andreas Linde (with Emma Linde).",
            "sectors": "encryption and cyber-security products",
        },
    ),
    (
        "Crypto AG (historic)",
        {
            "name": "CyOne Security",
            "aliases": ["CyOne Security AG", "Crypto Schweiz AG"],
            "seat": "CH",
            "parent": "RUAG (Swiss state-owned armaments group), since 2023",
            "parent_country": "CH",
            "state_control": "state_owned",
            "state_control_note": "Took over Crypto AG's Swiss business in 2018 (first as Crypto Schweiz AG); bought in "
            "2023 by the state-owned Swiss armaments group RUAG.",
            "sectors": "encryption products for Swiss government customers",
        },
    ),
    (
        "Alcatel-Lucent Enterprise",
        {
            "name": "Alcatel-Lucent Enterprise",
            "aliases": [],
            "seat": "FR",
            "parent": "China Huaxin Post & Telecommunication Economy Development Center",
            "parent_country": "CN",
            "state_control": "unknown",
            "state_control_note": "China Huaxin bought 85% in 2014, Alcatel-Lucent keeping 15%; China Huaxin's own "
            "owners are not sourced.",
            "shareholders": [{"country": "CN", "share": Decimal("0.85"), "holder": "China Huaxin Post & Telecommunication Economy Development Center (parent)"}],
            "sectors": "enterprise communications and networking",
        },
    ),
]


def load_registry_fixes(path: Path | None) -> dict[str, list[str]]:
    """name -> source URLs from scripts/data/registry_fixes.csv; empty when the file is absent."""
    if path is None or not path.is_file():
        return {}
    fixes: dict[str, list[str]] = {}
    for r in read_csv(path):
        name = r["name"].strip()
        if name in fixes or not r["note"].strip():
            die(f"{path.name}: {name!r} is given twice or has no note")
        urls = [u.strip() for u in r["sources"].split(" ; ")]
        if not urls or any(not re.fullmatch(r"https?://\S+", u) for u in urls):
            die(f"{path.name}: {name!r} sources are not ' ; '-separated URLs")
        fixes[name] = urls
    wanted = set(REGISTRY_FIXES) | {key for key, _ in ADDED_VENDORS}
    if set(fixes) != wanted:
        die(f"{path.name}: names {sorted(fixes)} differ from REGISTRY_FIXES and ADDED_VENDORS {sorted(wanted)}")
    return fixes


def apply_fixes(vendors: list[dict[str, object]], fixes: dict[str, list[str]], alpha2: set[str], report: list[str]) -> None:
    """Apply REGISTRY_FIXES in place and append ADDED_VENDORS, each citing its registry_fixes.csv sources."""
    if not fixes:
        return
    by_name = {str(v["name"]): v for v in vendors}
    for name, fix in REGISTRY_FIXES.items():
        entry = by_name.get(name) or die(f"REGISTRY_FIXES names {name!r}, which does not ship")  # type: ignore[func-returns-value]
        assert entry is not None
        aliases = list(entry["aliases"])  # type: ignore[call-overload]
        for alias in fix.drop_aliases:
            if alias not in aliases:
                die(f"REGISTRY_FIXES {name}: alias {alias!r} to drop is not shipped")
            aliases.remove(alias)
            report.append(f"vendor {name}: alias {alias!r} not shipped (another company; see registry_fixes.csv)")
        entry["aliases"] = aliases
        if fix.parent is not None:
            entry["parent"], entry["parent_country"] = fix.parent
        if fix.state_control is not None:
            control, note = fix.state_control
            entry["state_control"], entry["state_control_note"] = control, sentence(note)
        if fix.shareholders:
            entry["shareholders"] = shareholder_entries(name, fix.shareholders, str(entry["state_control_note"]), alpha2)
        ordered = {k: entry[k] for k in ("name", "aliases", "seat", "parent", "parent_country", "state_control",
                                          "state_control_note", "shareholders", "sectors", "sources") if k in entry}
        ordered["sources"] = [*entry["sources"], *(u for u in fixes[name] if u not in entry["sources"])]  # type: ignore[union-attr, operator]
        entry.clear()
        entry.update(ordered)
    for key, added in ADDED_VENDORS:
        if added["name"] in by_name:
            die(f"ADDED_VENDORS {added['name']!r} already ships")
        if added["seat"] not in alpha2 or added.get("parent_country", "US") not in alpha2:
            die(f"ADDED_VENDORS {added['name']!r}: seat or parent country is not alpha-2")
        vendors.append({**added, "sources": list(fixes[key])})
        report.append(f"vendor {added['name']}: added from registry_fixes.csv")


# Incident vendor names (after removing parentheses) that differ from every registry
# name and alias.
INCIDENT_VENDOR_NAMES = {
    "China Telecom": "China Telecom Global",  # row names the group and its US arm CTA
}

# Optional keys per incident id. `states`: the states whose agencies are said to have
# accessed the data (for host-state rows, the buying state itself). `attribution`: who
# did what, where the vendor list alone would mislead.
HOST_STATE = "host-state surveillance with vendor staff or systems; no foreign-state access shown"
INCIDENT_EXTRAS: dict[str, dict[str, object]] = {
    "2018-01-26-unattributed-et": {
        "attribution": "Chinese-supplied ICT in a China-built building; no vendor named in the sources",
        "states": ["CN"],
    },
    "2020-12-16-unattributed-et": {
        "attribution": "suspected Chinese hacking group 'Bronze President', per an AU memo; the camera supplier is not named",
        "states": ["CN"],
    },
    "2019-08-14-huawei-ug": {"attribution": HOST_STATE, "states": ["UG", "ZM"]},
    "2019-04-24-ceiec-ec": {"attribution": HOST_STATE, "states": ["EC"]},
    "2018-11-14-zte-ve": {"attribution": HOST_STATE, "states": ["VE"]},
    "2020-11-30-ceiec-ve": {"attribution": HOST_STATE, "states": ["VE"]},
    "2017-10-05-kaspersky-us": {
        "attribution": "Russian state hackers, per unnamed US officials; the vendor denies helping any government",
        "states": ["RU"],
    },
    "2017-10-10-kaspersky-ru": {
        "attribution": "Russian government hackers, per Israeli intelligence officers who had hacked the vendor",
        "states": ["RU"],
    },
    "2024-11-13-cisco-us": {
        "attribution": "PRC-affiliated actors (Salt Typhoon), per FBI and CISA; the vendor's devices were exploited",
        "states": ["CN"],
    },
    "2024-04-02-microsoft-us": {
        "attribution": "China-linked actor Storm-0558, per the US Cyber Safety Review Board",
        "states": ["CN"],
    },
    "2018-12-hewlett-packard-enterprise-world": {
        "attribution": "APT10, charged by the US as working with China's Ministry of State Security; the providers were victims",
        "states": ["CN"],
    },
    "2018-10-china-telecom-global-us": {
        "attribution": "researchers argued the diversions through China were deliberate; the motive is unconfirmed",
        "states": ["CN"],
    },
    "2020-12-solarwinds-us": {
        "attribution": "attributed to Russia's foreign intelligence service (SVR); the vendors were compromised",
        "states": ["RU"],
    },
    "2020-02-11-crypto-ag-historic-world": {
        "attribution": "the vendor was covertly owned by US and West German intelligence",
        "states": ["US", "DE"],
    },
    "2015-02-19-thales-world": {
        "attribution": "NSA and GCHQ hacked Gemalto (now Thales); the vendor was the victim",
        "states": ["US", "GB"],
    },
    "2006-02-02-ericsson-gr": {
        "attribution": "perpetrators never officially identified; the vendors' lawful-intercept functions were abused",
    },
    "2022-05-02-nso-group-es": {
        "attribution": "spyware sold to governments; the Spanish government named no culprit",
    },
    "2025-05-15-microsoft-nl": {
        "attribution": "US sanctions led to loss of service; a cut-off, not data access",
    },
    "2025-06-10-microsoft-fr": {
        "attribution": "legal exposure to US orders under the CLOUD Act; no access event",
    },
}


# The ledger review (2026-12): what each incident is evidence of, and the grade where the fact
# sheet's grade describes the event rather than the vendor's part in it. Kinds:
#   access_used             the vendor's products, staff or systems were used to reach data
#                           without the data holder's consent (by the vendor, its state or its clients)
#   exposed_path            an audit or disclosure found a way into customers' data outside their
#                           control (backdoor-like flaw, undeclared remote service, uncontrolled
#                           staff access, vendor staff inside a surveillance service); no use shown
#   third_party_compromise  an outside attacker compromised the vendor or exploited its products
#   legal_exposure          testimony, a legal demand or a sanctions-driven cut-off: evidence of
#                           the home state's legal reach, which legal reach C already scores
#   restriction             a state's ban, exclusion, warning or designation: evidence, not an incident
#   conduct                 the vendor's record on matters that are no access path (sanctions breaches)
INCIDENT_REVIEW: dict[str, dict[str, str]] = {
    "2006-02-02-ericsson-gr": {
        "kind": "third_party_compromise",
        "review": "Unknown attackers installed rogue software that switched on the exchanges' lawful-intercept functions; the vendors were compromised, not shown to act.",
    },
    "2013-07-27-lenovo-au": {
        "kind": "restriction",
        "review": "A reported exclusion from classified networks; the back doors said to justify it were never published.",
    },
    "2014-02-06-huawei-in": {
        "kind": "access_used",
        "review": "An allegation that the vendor itself hacked its customer's network; no finding was published.",
    },
    "2015-02-19-thales-world": {
        "kind": "third_party_compromise",
        "review": "NSA and GCHQ hacked Gemalto and stole SIM keys; the vendor was the victim.",
    },
    "2017-03-05-dahua-world": {
        "kind": "exposed_path",
        "review": "A disclosed flaw handing out credentials that gave administrator access; intent and use were not shown.",
    },
    "2017-03-07-zte-us": {
        "kind": "conduct",
        "review": "A guilty plea for sanctions breaches and obstruction; confirmed, but no access to anyone's data.",
    },
    "2017-09-13-kaspersky-us": {
        "kind": "restriction",
        "review": "A US federal removal order resting on Russian law and staff ties; no technical finding was published.",
    },
    "2017-10-05-kaspersky-us": {
        "kind": "access_used",
        "review": "Reported use of the vendor's antivirus uploads to find and take classified files for the vendor's home state.",
    },
    "2017-10-10-kaspersky-ru": {
        "kind": "access_used",
        "review": "Reported use of the vendor's software by its home state's hackers to search customers' computers.",
    },
    "2018-01-26-unattributed-et": {
        "kind": "access_used",
        "review": "Nightly copies of the building's data to Shanghai through its supplied ICT, as reported and denied; no vendor is named, so it scores nothing.",
    },
    "2018-07-19-huawei-gb": {
        "kind": "exposed_path",
        "review": "The oversight board found engineering shortcomings that created new risks; no access event.",
    },
    "2018-08-23-huawei-au": {
        "kind": "restriction",
        "review": "5G security guidance that in effect excluded the vendors, on the legal environment alone.",
    },
    "2018-10-china-telecom-global-us": {
        "kind": "access_used",
        "review": "Customers' traffic was routed through China over the vendor's network; whether on purpose is not confirmed.",
    },
    "2018-11-14-zte-ve": {
        "kind": "exposed_path",
        "review": "Vendor staff worked inside the host state's surveillance database; this shows hands-on vendor access, not use against the customer or by a foreign state.",
    },
    "2018-12-17-huawei-cz": {
        "kind": "restriction",
        "review": "A national security agency's warning resting on Chinese law; no incident.",
    },
    "2018-12-hewlett-packard-enterprise-world": {
        "kind": "third_party_compromise",
        "review": "APT10 broke into the managed-service providers and reached their clients; the providers were victims.",
    },
    "2019-03-28-huawei-gb": {
        "kind": "exposed_path",
        "review": "The oversight board found serious software-engineering defects that raised risk; no access event.",
    },
    "2019-04-24-ceiec-ec": {
        "kind": "exposed_path",
        "review": "The vendors' camera system also fed the host state's intelligence agency; hands-on access for the customer's state, not a foreign one.",
    },
    "2019-04-30-huawei-it": {
        "kind": "exposed_path",
        "review": "An undeclared telnet service remained in home routers after the vendor said it was gone; no unauthorised access was found.",
    },
    "2019-06-04-yandex-ru": {
        "kind": "legal_exposure",
        "review": "A security service demanded decryption keys under Russian law; that is the legal reach the jurisdiction table scores.",
    },
    "2019-08-14-huawei-ug": {
        "kind": "exposed_path",
        "review": "Vendor technicians reportedly helped host-state police break into opponents' accounts; hands-on vendor access, used for the customer's state.",
    },
    "2020-02-11-crypto-ag-historic-world": {
        "kind": "access_used",
        "review": "The vendor, owned by two intelligence services, sold weakened machines so they could read customers' traffic.",
    },
    "2020-07-14-huawei-gb": {
        "kind": "restriction",
        "review": "A 5G ban after US export rules made oversight of the vendor's products unworkable; no incident.",
    },
    "2020-08-11-huawei-pg": {
        "kind": "exposed_path",
        "review": "An audit found broken encryption, end-of-life firewalls and switches outside them so that remote access would go unseen; no use was shown.",
    },
    "2020-09-huawei-gb": {
        "kind": "exposed_path",
        "review": "The oversight board still found worrying defects in the vendor's engineering; no access event.",
    },
    "2020-11-30-ceiec-ve": {
        "kind": "restriction",
        "review": "A unilateral US sanctions designation for helping the host state's surveillance.",
    },
    "2020-12-16-unattributed-et": {
        "kind": "third_party_compromise",
        "review": "Suspected Chinese hackers rigged servers to siphon the headquarters' camera footage; the supplier is not named, so it scores nothing.",
    },
    "2020-12-solarwinds-us": {
        "kind": "third_party_compromise",
        "review": "The SVR compromised the vendor's updates and, through them, its customers; the vendors were victims.",
    },
    "2021-02-17-nuctech-lt": {
        "kind": "restriction",
        "review": "A government blocked a contract on classified advice; no incident was described.",
    },
    "2021-04-huawei-nl": {
        "kind": "exposed_path",
        "review": "An audit found that vendor staff could listen in on calls without the operator's control; no unauthorised access was shown.",
    },
    "2021-09-18-hikvision-world": {
        "kind": "third_party_compromise",
        "review": "A critical flaw in the vendor's cameras was exploited by botnets; no state actor was named.",
    },
    "2021-09-21-xiaomi-lt": {
        "kind": "exposed_path",
        "review": "A national audit found a remotely switchable censorship list and usage data sent abroad; no access to users' data by a state was shown.",
    },
    "2022-03-15-kaspersky-de": {
        "kind": "restriction",
        "review": "A formal warning to replace the product, without a technical finding.",
    },
    "2022-05-02-nso-group-es": {
        "kind": "access_used",
        "review": "The vendor's product is itself the access tool; it was used to take data from a government's phones.",
    },
    "2022-11-14-pushwoosh-us": {
        "kind": "legal_exposure",
        "review": "A vendor that presented itself as American is registered in Russia; no misuse of data was found, and its Russian seat is what legal reach scores.",
    },
    "2022-11-24-hikvision-gb": {
        "kind": "restriction",
        "review": "A government order on sensitive sites resting on China's National Intelligence Law; no incident.",
    },
    "2022-11-25-hikvision-us": {
        "kind": "restriction",
        "review": "Covered-List equipment bans on a national-security risk finding; no incident.",
    },
    "2023-06-15-huawei-eu": {
        "kind": "restriction",
        "review": "The European Commission called member-state restrictions justified; no incident.",
    },
    "2024-04-02-microsoft-us": {
        "kind": "third_party_compromise",
        "review": "A China-linked actor used a stolen signing key of the vendor to read customers' mail; the review board blamed the vendor's security, but the vendor did not act.",
    },
    "2024-04-16-g42-ae": {
        "kind": "restriction",
        "review": "An investment deal under which the vendor dropped Chinese hardware at US request; no incident.",
    },
    "2024-06-20-kaspersky-us": {
        "kind": "restriction",
        "review": "A US ban on the vendor's products resting on Russian jurisdiction; no incident.",
    },
    "2024-11-13-cisco-us": {
        "kind": "third_party_compromise",
        "grade": "reported",
        "review": "The intrusions into telecom firms are confirmed, but the vendor's products were the way in only 'likely' in one case (most entries used stolen credentials), so the vendor's part is graded reported.",
    },
    "2025-05-15-microsoft-nl": {
        "kind": "legal_exposure",
        "review": "US sanctions made the vendor cancel an account: a cut-off under its home law, not access to data.",
    },
    "2025-06-10-microsoft-fr": {
        "kind": "legal_exposure",
        "review": "Sworn testimony that the vendor must obey valid US orders; the testimony is confirmed, but it is a legal statement, which legal reach already scores, and no access event.",
    },
    "2025-07-15-microsoft-us": {
        "kind": "exposed_path",
        "review": "Engineers in China maintained sensitive government cloud systems through escorts who typed their commands; no misuse was shown.",
    },
}

# Own-words summaries, at most 400 characters, keyed by incident id.
SUMMARIES = {
    "2018-01-26-unattributed-et": (
        "Le Monde Afrique, citing unnamed African Union staff, reported that data on servers in "
        "the China-built AU headquarters in Addis Ababa had been copied nightly to servers in "
        "Shanghai from 2012 to 2017, and that hidden microphones were found. China and the AU "
        "rejected the report; Chinese officials later said an AU audit found nothing to back it."
    ),
    "2020-12-16-unattributed-et": (
        "Reuters reported an African Union memo of January 2020: tipped off by Japanese "
        "researchers, AU staff found that suspected Chinese hackers had rigged servers in an "
        "annex of the Addis Ababa headquarters to siphon footage from the campus security "
        "cameras; the AU could not say how much was taken. China's mission denied involvement."
    ),
    "2020-08-11-huawei-pg": (
        "A 2019 review commissioned by PNG's National Cyber Security Centre and paid for by "
        "Australia found that the Huawei-built, China Exim-financed National Data Centre used "
        "broken 3DES encryption and end-of-life firewalls, with core switches outside the "
        "firewalls, so data flows could easily be intercepted. Huawei said it met the "
        "customer's requirements."
    ),
    "2019-08-14-huawei-ug": (
        "The Wall Street Journal, citing security officials and police documents, reported that "
        "Huawei technicians helped Ugandan police break into an opposition leader's WhatsApp "
        "chats in 2018 and helped Zambian authorities reach opposition bloggers' phones and "
        "pages. Huawei denied it."
    ),
    "2021-04-huawei-nl": (
        "De Volkskrant revealed a secret 2010 Capgemini report for KPN finding that Huawei staff "
        "in the Netherlands and China could listen in on KPN mobile calls, including the prime "
        "minister's, without control, and see which numbers were under lawful interception. "
        "KPN and Huawei said no unauthorised access took place."
    ),
    "2019-04-30-huawei-it": (
        "Bloomberg reported Vodafone Italy security documents from 2009 and 2011 showing an "
        "undeclared telnet service in Huawei home routers that remained after Huawei said it "
        "was removed, plus weaknesses in fixed-network equipment. Both firms called it a "
        "diagnostic function, fixed by 2012, with no sign of unauthorised access."
    ),
    "2018-07-19-huawei-gb": (
        "The fourth HCSEC Oversight Board report found that shortcomings in Huawei's "
        "engineering had created new risks in UK networks; only one of four products could be "
        "rebuilt reproducibly from source, so the board gave only limited assurance that the "
        "risks were mitigated."
    ),
    "2019-03-28-huawei-gb": (
        "The fifth HCSEC Oversight Board report found serious defects in Huawei's software "
        "engineering that significantly increased risk to UK operators, no material progress "
        "since 2018, and again gave only limited assurance. Huawei pointed to a US$2bn "
        "engineering overhaul."
    ),
    "2020-09-huawei-gb": (
        "The sixth HCSEC Oversight Board report found HCSEC's capability improved and its "
        "independence from Huawei sound, but still found worrying defects in Huawei's software "
        "development and could give only limited assurance for equipment in UK networks."
    ),
    "2017-09-13-kaspersky-us": (
        "DHS Binding Operational Directive 17-01 ordered US federal civilian agencies to find and "
        "remove Kaspersky products, citing the privileges of antivirus software, ties between "
        "some staff and Russian intelligence, and Russian laws that can compel assistance. No "
        "technical evidence was published; Kaspersky denied improper ties."
    ),
    "2017-10-05-kaspersky-us": (
        "The Wall Street Journal, citing unnamed officials, reported that Russian state hackers "
        "stole classified NSA material in 2015 from a contractor's home computer after spotting "
        "it through his Kaspersky antivirus. Kaspersky said its software had uploaded the files "
        "as suspected malware, that they were deleted, and denied helping any government."
    ),
    "2017-10-10-kaspersky-ru": (
        "The New York Times reported that Israeli intelligence officers who had hacked "
        "Kaspersky's network in 2014 told the US they had watched Russian government hackers "
        "use Kaspersky software to search computers for US intelligence material."
    ),
    "2024-06-20-kaspersky-us": (
        "The US Commerce Department's first final determination under EO 13873 barred Kaspersky "
        "from providing antivirus and security software and services to US persons, citing "
        "undue risk from Russian jurisdiction over the firm and its software's privileged "
        "access; Kaspersky entities were also added to the Entity List."
    ),
    "2022-11-25-hikvision-us": (
        "FCC order 22-84 barred new equipment authorisations for Covered List gear: all new "
        "Huawei and ZTE telecom equipment, and Hikvision, Dahua and Hytera surveillance and "
        "radio gear unless shown not to serve public-safety, government or critical-"
        "infrastructure uses. Based on a national-security risk finding, not an access incident."
    ),
    "2021-09-18-hikvision-world": (
        "Hikvision disclosed CVE-2021-36260, an unauthenticated command-injection flaw in over 80 "
        "camera models giving full remote control, reportedly present since 2016. CISA listed "
        "it as actively exploited and botnets used it; in 2022 over 80,000 cameras in more than "
        "100 countries were still unpatched. No state actor was named."
    ),
    "2017-03-05-dahua-world": (
        "A researcher disclosed that many Dahua cameras and recorders handed their user database "
        "with password hashes to anyone who asked, and that a hash alone gave administrator "
        "access; he called it a deliberate backdoor. Dahua patched 11 products the next day, "
        "many devices stayed exposed, and other experts saw a severe flaw, not proof of intent."
    ),
    "2017-03-07-zte-us": (
        "ZTE agreed to plead guilty to shipping US-origin items to Iran in breach of sanctions, "
        "to obstruction of justice and to a false statement, with US$1.19bn in combined US "
        "penalties; the plea said top management approved the scheme. Relevant as the vendor's "
        "record with regulators, not as data access."
    ),
    "2018-12-17-huawei-cz": (
        "The Czech cyber-security agency NÚKIB formally warned that Huawei and ZTE software and "
        "hardware are a security threat, citing Chinese laws that oblige firms to cooperate with "
        "intelligence services; operators of critical systems had to assess and address the "
        "risk. Huawei disputed the warning."
    ),
    "2021-09-21-xiaomi-lt": (
        "Lithuania's National Cyber Security Centre found that a Xiaomi phone downloaded a list "
        "of 449 politically sensitive terms for a censorship function that could be switched "
        "on remotely, and sent usage data to Singapore; it also reported security risks in a "
        "Huawei model. Huawei denied the findings."
    ),
    "2018-08-23-huawei-au": (
        "Australia's 5G security guidance said vendors likely to be subject to extrajudicial "
        "directions from a foreign government posed a risk no technical controls could reduce "
        "enough, which in effect excluded Huawei and ZTE from 5G. Based on legal-environment "
        "risk, not an incident."
    ),
    "2025-07-15-microsoft-us": (
        "ProPublica reported that for about a decade Microsoft had China-based engineers "
        "maintain US Defense Department cloud systems, including sensitive Azure Government "
        "data, through cleared US 'digital escorts' who typed in their commands. Microsoft said "
        "it had disclosed the model and stopped using China-based staff for DoD work."
    ),
    "2024-11-13-cisco-us": (
        "FBI and CISA stated that PRC-affiliated actors (Salt Typhoon) broke into several US "
        "telecom companies, took call records, read some officials' communications and copied "
        "data on lawful-intercept requests. Cisco Talos found entry mostly through stolen "
        "credentials, in one case likely through an old Cisco flaw, CVE-2018-0171."
    ),
    "2024-04-02-microsoft-us": (
        "The US Cyber Safety Review Board found that China-linked Storm-0558 used a stolen "
        "Microsoft signing key to forge tokens and read the Exchange Online and Outlook.com mail "
        "of 22 organisations and over 500 people in 2023, including senior US officials; it "
        "called the intrusion preventable and Microsoft's security culture inadequate."
    ),
    "2018-12-hewlett-packard-enterprise-world": (
        "'Cloud Hopper': the US charged two APT10 hackers linked to China's Ministry of State "
        "Security with breaking into managed IT service providers and using that access to "
        "reach their clients, including government bodies. The providers are victims as coded "
        "in the CISSM database from press reports. China denied involvement."
    ),
    "2014-02-06-huawei-in": (
        "India opened an inquiry after a media report alleged that Huawei had hacked a network "
        "of the state-owned carrier BSNL. Huawei denied it, and no public finding was located."
    ),
    "2018-10-china-telecom-global-us": (
        "Researchers described 2016-17 episodes in which internet traffic between networks in "
        "North America, Europe and Asia was routed through China via China Telecom's North "
        "American points of presence, and argued this was deliberate. An analyst confirmed the "
        "misroutes but not the motive; China Telecom Americas blamed routine errors."
    ),
    "2019-04-24-ceiec-ec": (
        "A New York Times investigation found that Ecuador's ECU-911 camera system, installed "
        "from 2011 by CEIEC and Huawei with Chinese loans and no public tender, also fed footage "
        "to the domestic intelligence agency that had harassed opponents. Huawei said it does "
        "not set policy on how its technology is used; CEIEC did not reply."
    ),
    "2018-11-14-zte-ve": (
        "Reuters reported that Venezuela hired ZTE to build the database behind the 'Fatherland "
        "Card', holding family, income, health, party and voting data, and that a ZTE team "
        "worked inside the state telecom unit running it; the data was used to check how state "
        "employees voted."
    ),
    "2020-11-30-ceiec-ve": (
        "The US Treasury sanctioned CEIEC for helping the Maduro government restrict the "
        "internet and run digital surveillance against opponents, saying it supplied the state "
        "telecom operator with internet-control technology, training and staff. A unilateral "
        "designation; no public rebuttal from CEIEC was found."
    ),
    "2022-05-02-nso-group-es": (
        "Spain's government said Pegasus spyware had infected the phones of Prime Minister Pedro "
        "Sánchez and the defence minister in 2021 and that data was taken; it called the "
        "intrusions illicit and external and named no culprit."
    ),
    "2022-11-14-pushwoosh-us": (
        "Reuters found that Pushwoosh, whose code sits in thousands of apps, presented itself as "
        "American but is registered in Novosibirsk, Russia; the CDC and the US Army removed apps "
        "containing it. Reuters found no evidence of data misuse, and the founder denied any "
        "Russian government link."
    ),
    "2013-07-27-lenovo-au": (
        "The Australian Financial Review reported that Five Eyes intelligence agencies had long "
        "barred Lenovo computers from their secret networks after tests allegedly found "
        "hardware and firmware back doors. Australia's Defence department denied a formal ban; "
        "the US State Department had limited Lenovo PCs to unclassified systems in 2006."
    ),
    "2021-02-17-nuctech-lt": (
        "Lithuania's government blocked its airports operator from signing a baggage-scanner "
        "contract won by Nuctech's Dutch subsidiary, citing classified national-security advice; "
        "a parliamentary committee chair said such equipment could pass passenger data to "
        "Chinese authorities. Nuctech said it did not understand the concern."
    ),
    "2022-11-24-hikvision-gb": (
        "The UK Cabinet Office told departments to stop installing, on sensitive sites, "
        "surveillance cameras from companies subject to China's National Intelligence Law, and "
        "not to connect existing ones to core networks. The order names no company; Hikvision "
        "and Dahua were named by MPs. A risk review, not an incident."
    ),
    "2019-06-04-yandex-ru": (
        "RBC reported that the FSB had asked Yandex for keys to decrypt Yandex.Mail and "
        "Yandex.Disk traffic under Russia's 2016 rules for information dissemination "
        "organisers, and that Yandex had not handed them over; a compromise on compliance was "
        "reported days later, on terms not made public."
    ),
    "2025-06-10-microsoft-fr": (
        "Under oath before a French Senate inquiry, Microsoft France's director of public and "
        "legal affairs said he could not guarantee that French data hosted in the EU would "
        "never be handed to US authorities without French consent, because Microsoft must obey "
        "valid US orders under the CLOUD Act; he said it had not happened so far."
    ),
    "2025-05-15-microsoft-nl": (
        "The AP reported, citing ICC staff, that after the US sanctioned International Criminal "
        "Court prosecutor Karim Khan in February 2025, Microsoft cancelled his email account and "
        "he moved to a Swiss provider; Microsoft did not comment."
    ),
    "2006-02-02-ericsson-gr": (
        "Greece disclosed that about 100 mobile numbers, including the prime minister's, were "
        "tapped on Vodafone Greece's network in 2004-05 by rogue software that switched on "
        "lawful-intercept functions in Ericsson exchanges without logs. The regulator fined "
        "Vodafone EUR 76m and Ericsson Hellas EUR 7.36m; both appealed."
    ),
    "2020-02-11-crypto-ag-historic-world": (
        "The Washington Post, ZDF and SRF revealed from CIA and BND documents that Crypto AG was "
        "secretly owned by the CIA and West Germany's BND from about 1970 and sold weakened "
        "cipher machines to governments in over 100 countries so the agencies could read their "
        "traffic; a Swiss parliamentary report confirmed the case in 2020."
    ),
    "2015-02-19-thales-world": (
        "The Intercept, using Snowden documents, reported that NSA and GCHQ hacked the network "
        "of Gemalto, the largest SIM-card maker and now part of Thales, around 2010-11 and stole "
        "SIM encryption keys in bulk, letting them decrypt mobile communications without the "
        "carriers' help. Gemalto said it was unaware and investigating."
    ),
    "2020-12-solarwinds-us": (
        "A supply-chain compromise of SolarWinds Orion updates, attributed to Russia's SVR, gave "
        "access to US federal networks including Treasury, Justice (whose Office 365 mail was "
        "read), Homeland Security, State and Energy, and to firms including Microsoft, which "
        "confirmed its own network was breached."
    ),
    "2022-03-15-kaspersky-de": (
        "Germany's BSI formally warned users to replace Kaspersky antivirus, reasoning that amid "
        "Russia's war and threats against the EU, NATO and Germany a Russian vendor could "
        "attack, be coerced, or be misused against its customers. No technical finding was "
        "cited; Kaspersky called the decision political."
    ),
    "2023-06-15-huawei-eu": (
        "In its second progress report on the EU 5G toolbox, the European Commission said Huawei "
        "and ZTE pose materially higher risks than other 5G suppliers, called member-state "
        "restrictions on them justified, and said it would avoid them in its own connectivity. "
        "An EU-level act."
    ),
    "2020-07-14-huawei-gb": (
        "After the NCSC advised that new US export rules would make oversight of Huawei "
        "products much harder or impossible, the UK barred new Huawei 5G equipment after 2020 "
        "and ordered all Huawei kit out of 5G networks by the end of 2027."
    ),
    "2024-04-16-g42-ae": (
        "Microsoft invested US$1.5bn in Abu Dhabi's G42, chaired by the UAE national security "
        "adviser, in a deal shaped with the US government: G42 agreed to drop Huawei and other "
        "Chinese hardware, after US concern that it could give China access to sensitive "
        "technology and data, and to run on Azure."
    ),
}

_CISSM_CITATION = re.compile(r"CISSM Cyber Attacks Database row '([^']+)' (\d{4}-\d{2})")
_URL = re.compile(r"https?://\S+")
_UNVERIFIED_PAREN = re.compile(r"\s*\([^()]*\[unverified\][^()]*\)")
_OWNERSHIP_UNVERIFIED = re.compile(r"ownership \[unverified\]|\[unverified\] ownership")
_ANNOTATION_PAREN = re.compile(r"\s*\([a-z][^()]*\)")  # "(acquired 2019)", not "(USA)"
_ANY_PAREN = re.compile(r"\s*\([^()]*\)")
_DATE_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATE_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DATE_YEAR = re.compile(r"^(\d{4})$")


def die(msg: str) -> None:
    print(f"build_reference: error: {msg}", file=sys.stderr)
    raise SystemExit(1)


def read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        die(f"input not found: {path}")
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --- TOML output -----------------------------------------------------------------------


def toml_str(s: str) -> str:
    """A TOML basic string; non-ASCII is written as UTF-8 (valid TOML), controls escaped."""
    out = ['"']
    for c in s:
        if c == '"':
            out.append('\\"')
        elif c == "\\":
            out.append("\\\\")
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04X}")
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def toml_value(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, Decimal):
        text = format(v, "f")
        return text if "." in text else text + ".0"
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def toml_table_entry(header: str, fields: dict[str, object]) -> list[str]:
    lines = [f"[[{header}]]"]
    for key, value in fields.items():
        if isinstance(value, list) and value:
            if len(f"{key} = {toml_value(value)}") <= 100:
                lines.append(f"{key} = {toml_value(value)}")
            else:
                lines.append(f"{key} = [")
                lines += [f"    {toml_value(x)}," for x in value]
                lines.append("]")
        else:
            lines.append(f"{key} = {toml_value(value)}")
    return lines


def toml_meta(name: str, meta: dict[str, str]) -> list[str]:
    return [f"[{name}]"] + [f"{k} = {toml_value(v)}" for k, v in meta.items()]


# --- shared helpers --------------------------------------------------------------------


def load_alpha2(path: Path) -> set[str]:
    codes = {r["ISO3166-1-Alpha-2"].strip() for r in read_csv(path)}
    return {c for c in codes if re.fullmatch(r"[A-Z]{2}", c)}


def load_cissm(path: Path) -> dict[tuple[str, str], list[str]]:
    index: dict[tuple[str, str], list[str]] = {}
    for r in read_csv(path):
        key = (r["organization"].strip(), r["year_month"].strip())
        url = r["source_url"].strip()
        if url and url not in index.setdefault(key, []):
            index[key].append(url)
    return index


def load_vendor_sources(path: Path | None) -> dict[str, list[str]]:
    """name -> source URLs from scripts/data/vendor_sources.csv; empty when the file is absent."""
    if path is None or not path.is_file():
        return {}
    supplied: dict[str, list[str]] = {}
    for r in read_csv(path):
        name = r["name"].strip()
        if name in supplied:
            die(f"{path.name}: duplicate name {name!r}")
        if name not in SUPPLEMENTED:
            die(f"{path.name}: {name!r} has no SUPPLEMENTED entry saying what its sources support")
        if not r["note"].strip():
            die(f"{path.name}: {name!r} has no note")
        urls = [u.strip() for u in r["sources"].split(" ; ")]
        if not urls or any(not re.fullmatch(r"https?://\S+", u) for u in urls):
            die(f"{path.name}: {name!r} sources are not ' ; '-separated URLs")
        supplied[name] = urls
    return supplied


def clean_url(url: str) -> str:
    url = url.rstrip(".,;")
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
    return url


def extract_sources(field: str, cissm: dict[tuple[str, str], list[str]], where: str) -> list[str]:
    """URLs of a ' ; '-separated source field, with CISSM row citations resolved."""
    out: list[str] = []
    for part in field.split(" ; "):
        found = [clean_url(u) for u in _URL.findall(part)]
        for m in _CISSM_CITATION.finditer(part):
            urls = cissm.get((m.group(1), m.group(2)))
            if not urls:
                die(f"{where}: CISSM row {m.group(1)!r} {m.group(2)} not found")
            found += urls
        for url in found:
            if url not in out:
                out.append(url)
    return out


def drop_unverified(text: str) -> str:
    """Remove parentheses and ';'-clauses that carry the unverified mark."""
    text = _UNVERIFIED_PAREN.sub("", text)
    clauses = [c.strip() for c in text.split(";")]
    kept = [c for c in clauses if c and UNVERIFIED not in c]
    return "; ".join(kept)


def sentence(text: str) -> str:
    text = text.strip().rstrip(".")
    return text[:1].upper() + text[1:] + "." if text else ""


def normalise(name: str) -> str:
    return " ".join(name.casefold().split())


def slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- vendors ---------------------------------------------------------------------------


def build_vendors(
    rows: list[dict[str, str]],
    alpha2: set[str],
    cissm: dict[tuple[str, str], list[str]],
    supplied: dict[str, list[str]],
    report: list[str],
) -> list[dict[str, object]]:
    vendors: list[dict[str, object]] = []
    seen: set[str] = set()
    for row in rows:
        name = row["name"].strip()
        if name in seen:
            die(f"vendors.csv: duplicate name {name!r}")
        seen.add(name)
        seat = row["seat"].strip()
        if seat not in alpha2:
            report.append(f"vendor left out: {name} (seat {seat!r} is not an ISO alpha-2 code)")
            continue
        sources = extract_sources(row["source"], cissm, f"vendors.csv {name}")
        if name in EXCLUDED_VENDORS or not sources:
            if name in supplied:
                entry = supplemented_vendor(row, SUPPLEMENTED[name], supplied[name], alpha2, report)
                vendors.append(entry)
                report.append(f"vendor {name}: sources from {VENDOR_SOURCES_CSV.name} (the row has no usable source)")
                continue
            if name in EXCLUDED_VENDORS:
                report.append(f"vendor left out: {name} ({EXCLUDED_VENDORS[name]})")
            else:
                report.append(f"vendor left out: {name} (no source URL: {row['source'].strip()!r})")
            continue
        if name in supplied:
            die(f"{VENDOR_SOURCES_CSV.name}: {name!r} already has sources in vendors.csv")

        aliases = row_aliases(row, name, report)

        ownership_unverified = bool(_OWNERSHIP_UNVERIFIED.search(row["source"]))
        parent: str | None = row["parent"].strip()
        parent_country: str | None = row["parent_country"].strip()
        if (
            not parent
            or parent.casefold().startswith("none")
            or UNVERIFIED in parent
            or ownership_unverified
        ):
            parent, parent_country = None, None
        if name in PARENT_OVERRIDES:
            parent, parent_country = PARENT_OVERRIDES[name]
        if parent is not None and parent_country not in alpha2:
            die(f"vendors.csv {name}: parent country {parent_country!r} is not alpha-2; add a PARENT_OVERRIDES entry")

        keyword, _, note_raw = row["state_control"].partition(":")
        if keyword.strip() not in STATE_CONTROL:
            die(f"vendors.csv {name}: state_control keyword {keyword.strip()!r} not in {sorted(STATE_CONTROL)}")
        state_control = STATE_CONTROL[keyword.strip()]
        note = drop_unverified(note_raw)
        if ownership_unverified or not note:
            state_control, note = "unknown", ""
        if name in STATE_CONTROL_OVERRIDES:
            state_control, note = STATE_CONTROL_OVERRIDES[name]
        note = sentence(note) or NO_SOURCED_OWNERSHIP

        shareholders = shareholder_entries(name, SHAREHOLDERS.get(name, []), note, alpha2)

        entry: dict[str, object] = {"name": name, "aliases": aliases, "seat": seat}
        if parent is not None:
            entry["parent"] = parent
            entry["parent_country"] = parent_country
        entry["state_control"] = state_control
        entry["state_control_note"] = note
        if shareholders:
            entry["shareholders"] = shareholders
        entry["sectors"] = row["sector"].strip()
        entry["sources"] = sources
        for key, value in entry.items():
            if UNVERIFIED in str(value):
                die(f"vendors.csv {name}: {key} still carries the unverified mark")
        vendors.append(entry)
    overrides = set(EXCLUDED_VENDORS) | set(STATE_CONTROL_OVERRIDES) | set(PARENT_OVERRIDES) | set(SHAREHOLDERS)
    for name in sorted(overrides | set(SUPPLEMENTED)):
        if name not in seen:
            die(f"override for {name!r}, which is not in vendors.csv")
    return vendors


def row_aliases(row: dict[str, str], name: str, report: list[str]) -> list[str]:
    aliases: list[str] = []
    for alias in row["aliases"].split(";"):
        alias = _ANNOTATION_PAREN.sub("", alias).strip()
        if alias.isascii() and len(alias) < MIN_ALIAS_LEN:
            report.append(f"vendor {name}: alias {alias!r} not shipped (too short to match safely)")
        elif UNVERIFIED not in alias and alias != name and alias not in aliases:
            aliases.append(alias)
    return aliases


def shareholder_entries(
    name: str, holders: list[tuple[str, str, str]] | tuple[tuple[str, str, str], ...], note: str, alpha2: set[str]
) -> list[dict[str, object]]:
    """Shareholder tables; each percentage text must appear in the shipped note."""
    out: list[dict[str, object]] = []
    for country, pct, holder in holders:
        if pct not in note or country not in alpha2:
            die(f"vendors.csv {name}: shareholder {pct} of {holder!r} is not in the verified note")
        low = pct.rstrip("%").split("-")[0]
        out.append({"country": country, "share": Decimal(low) / 100, "holder": holder})
    return out


def supplemented_vendor(
    row: dict[str, str],
    supplement: Supplement,
    sources: list[str],
    alpha2: set[str],
    report: list[str],
) -> dict[str, object]:
    """A row without a usable source, shipped with the facts its supplied sources support."""
    name = row["name"].strip()
    where = f"{VENDOR_SOURCES_CSV.name} {name}"
    seat = row["seat"].strip()
    if supplement.seat != seat:
        die(f"{where}: sources support seat {supplement.seat}, the row says {seat}")

    aliases = row_aliases(row, name, report)
    for alias in supplement.drop_aliases:
        if alias not in aliases:
            die(f"{where}: alias {alias!r} to drop is not among the row's aliases")
        aliases.remove(alias)
        report.append(f"vendor {name}: alias {alias!r} not shipped (contradicted by the supplied sources)")

    entry: dict[str, object] = {"name": name, "aliases": aliases, "seat": seat}
    if supplement.parent is not None:
        parent, parent_country = supplement.parent
        if parent_country != row["parent_country"].strip() or parent_country not in alpha2:
            die(f"{where}: parent country {parent_country} differs from the row or is not alpha-2")
        entry["parent"] = parent
        entry["parent_country"] = parent_country

    state_control, note = supplement.state_control
    if state_control not in STATE_CONTROL.values():
        die(f"{where}: state_control {state_control!r} not in {sorted(set(STATE_CONTROL.values()))}")
    note = sentence(note)
    entry["state_control"] = state_control
    entry["state_control_note"] = note
    shareholders = shareholder_entries(name, supplement.shareholders, note, alpha2)
    if shareholders:
        entry["shareholders"] = shareholders
    entry["sectors"] = row["sector"].strip()
    entry["sources"] = sources
    for key, value in entry.items():
        if UNVERIFIED in str(value):
            die(f"{where}: {key} still carries the unverified mark")
    return entry


def vendor_index(vendors: list[dict[str, object]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for v in vendors:
        name = str(v["name"])
        names = [name, *v["aliases"]]  # type: ignore[misc]
        for n in names:
            for key in {normalise(n), normalise(_ANY_PAREN.sub("", n))}:
                if index.setdefault(key, name) != name:
                    die(f"vendor name or alias {n!r} matches both {index[key]!r} and {name!r}")
    return index


# --- incidents -------------------------------------------------------------------------


def public_date(text: str) -> tuple[str, str]:
    """(ISO date, precision): a partial date becomes the LAST day it can mean."""
    if m := _DATE_DAY.match(text):
        y, mo, d = map(int, m.groups())
        calendar.monthrange(y, mo)  # validates the month
        if not 1 <= d <= calendar.monthrange(y, mo)[1]:
            die(f"incidents.csv: bad date {text!r}")
        return text, "day"
    if m := _DATE_MONTH.match(text):
        y, mo = map(int, m.groups())
        if not 1 <= mo <= 12:
            die(f"incidents.csv: bad date {text!r}")
        return f"{y:04d}-{mo:02d}-{calendar.monthrange(y, mo)[1]:02d}", "month"
    if m := _DATE_YEAR.match(text):
        return f"{m.group(1)}-12-31", "year"
    die(f"incidents.csv: bad date {text!r}")
    raise AssertionError


def build_incidents(
    rows: list[dict[str, str]],
    alpha2: set[str],
    index: dict[str, str],
    cissm: dict[tuple[str, str], list[str]],
    report: list[str],
) -> list[dict[str, object]]:
    incidents: list[dict[str, object]] = []
    used_ids: set[str] = set()
    for row in rows:
        raw_date = row["date"].strip()
        raw_vendor = row["vendor"].strip()
        label = f"{raw_date} {raw_vendor!r}"
        date, precision = public_date(raw_date)
        grade = row["evidence_grade"].strip()
        if grade not in GRADES:
            die(f"incidents.csv {label}: grade {grade!r} not in {GRADES}")

        vendors: list[str] = []
        for token in raw_vendor.split(";"):
            token = token.strip()
            if UNVERIFIED in token:
                report.append(f"incident {raw_date}: vendor {token!r} dropped (unverified)")
                continue
            bare = _ANY_PAREN.sub("", token).strip()
            bare = INCIDENT_VENDOR_NAMES.get(bare, bare)
            name = index.get(normalise(bare))
            if name is None:
                report.append(f"incident {raw_date}: vendor {token!r} dropped (not in the vendor registry)")
            elif name not in vendors:
                vendors.append(name)

        countries: list[str] = []
        markers: list[str] = []
        for code in (c.strip() for c in row["country_affected"].split(";")):
            if code in alpha2:
                countries.append(code)
            elif code in ("*", "EU"):
                markers.append(code)
            else:
                die(f"incidents.csv {label}: country {code!r} is not alpha-2, '*' or 'EU'")
        if countries:
            where = countries[0].lower()
        else:
            where = "world" if "*" in markers else "eu"

        inc_id = f"{raw_date}-{slug(vendors[0]) if vendors else 'unattributed'}-{where}"
        sources = extract_sources(row["source"], cissm, f"incidents.csv {label}")
        if not sources:
            report.append(f"incident left out: {inc_id} (no source URL: {row['source'].strip()!r})")
            continue
        extras = INCIDENT_EXTRAS.get(inc_id, {})
        if not vendors and "attribution" not in extras:
            report.append(f"incident left out: {inc_id} (names no vendor of the registry: {raw_vendor!r})")
            continue
        if inc_id in used_ids:
            die(f"incidents.csv: duplicate incident id {inc_id}")
        used_ids.add(inc_id)
        if markers:
            report.append(f"incident {inc_id}: country markers {markers} not shipped (not ISO alpha-2)")
        summary = SUMMARIES.get(inc_id)
        if summary is None:
            die(f"incident {inc_id} has no summary; write one in SUMMARIES")
        if len(summary) > MAX_SUMMARY or UNVERIFIED in summary:
            die(f"incident {inc_id}: summary longer than {MAX_SUMMARY} characters or unverified")

        review = INCIDENT_REVIEW.get(inc_id)
        if review is None or review.get("kind") not in KINDS:
            die(f"incident {inc_id} has no kind in {KINDS}; review it in INCIDENT_REVIEW")
        assert review is not None
        if review.get("grade", grade) not in GRADES:
            die(f"incident {inc_id}: reviewed grade {review['grade']!r} not in {GRADES}")
        entry: dict[str, object] = {
            "id": inc_id,
            "date": date,
            "date_precision": precision,
            "vendors": vendors,
            "countries": countries,
            "kind": review["kind"],
            "grade": review.get("grade", grade),
            "summary": summary,
            "review": review["review"],
        }
        if "attribution" in extras:
            entry["attribution"] = extras["attribution"]
        if "states" in extras:
            states = list(extras["states"])  # type: ignore[call-overload]
            if any(s not in alpha2 for s in states):
                die(f"incident {inc_id}: states {states} are not all alpha-2")
            entry["states"] = states
        entry["sources"] = sources
        incidents.append(entry)

    for key in sorted((set(SUMMARIES) | set(INCIDENT_EXTRAS) | set(INCIDENT_REVIEW)) - used_ids):
        die(f"SUMMARIES, INCIDENT_EXTRAS or INCIDENT_REVIEW has {key!r}, which matches no shipped incident")
    incidents.sort(key=lambda e: (str(e["date"]), str(e["id"])))
    return incidents


# --- assembly --------------------------------------------------------------------------


def build(
    shared: Path,
    vendor_sources: Path | None = VENDOR_SOURCES_CSV,
    registry_fixes: Path | None = REGISTRY_FIXES_CSV,
    incident_additions: Path | None = INCIDENT_ADDITIONS_CSV,
) -> tuple[str, str, list[str]]:
    vendors_csv = shared / VENDORS_CSV
    incidents_csv = shared / INCIDENTS_CSV
    vendor_rows = read_csv(vendors_csv)
    incident_rows = read_csv(incidents_csv)
    added_rows = read_csv(incident_additions) if incident_additions is not None and incident_additions.is_file() else []
    alpha2 = load_alpha2(shared / COUNTRY_CODES_CSV)
    cissm = load_cissm(shared / CISSM_CSV)
    supplied = load_vendor_sources(vendor_sources)
    report: list[str] = []

    vendors = build_vendors(vendor_rows, alpha2, cissm, supplied, report)
    fixes = load_registry_fixes(registry_fixes)
    apply_fixes(vendors, fixes, alpha2, report)
    incidents = build_incidents(incident_rows + added_rows, alpha2, vendor_index(vendors), cissm, report)
    n_supplied = sum(1 for v in vendors if v["name"] in supplied)

    supplement_lines = []
    supplement_source = ""
    if n_supplied:
        assert vendor_sources is not None
        supplement_lines = [
            f"# {n_supplied} rows the fact sheet leaves unsourced take their sources from scripts/data/vendor_sources.csv",
            "# (researched 2026-11-28) and ship only the facts those sources support (see scripts/data/README.md).",
            f"# Input: vendor_sources.csv sha256 {sha256(vendor_sources)}",
        ]
        supplement_source = f"; sources for {n_supplied} rows from scripts/data/vendor_sources.csv (2026-11-28)"
    if fixes:
        assert registry_fixes is not None
        supplement_lines += [
            f"# {len(REGISTRY_FIXES)} rows corrected and {len(ADDED_VENDORS)} vendors added from scripts/data/registry_fixes.csv",
            f"# (researched 2026-12-04; see scripts/data/README.md). Input: registry_fixes.csv sha256 {sha256(registry_fixes)}",
        ]
        supplement_source += f"; {len(REGISTRY_FIXES)} corrections and {len(ADDED_VENDORS)} added vendors from scripts/data/registry_fixes.csv (2026-12-04)"

    v_lines = [
        "# Vendor registry: who the vendors are, where they sit, who owns them, and how far a state controls them.",
        f"# Source: vendorrisk research fact sheet vendors.csv, edition {EDITION} (public sources to about April 2026);",
        "# citations of CISSM Cyber Attacks Database rows are resolved to those rows' source URLs.",
        "# Built by: python scripts/build_reference.py (do not edit by hand; fix the script or the fact sheet).",
        f"# Input: vendors.csv sha256 {sha256(vendors_csv)}",
        *supplement_lines,
        f"# Rows: {len(vendors) - len(ADDED_VENDORS if fixes else [])} of {len(vendor_rows)} ship; rows without any source URL are left out (listed on the build's stderr).",
        "# state_control: none | minority | controlled | state_owned | unknown (the fact sheet's 'majority' = state_owned);",
        "# it is 'unknown' where no source was found for the ownership. Claims the fact sheet marks as",
        "# unverified are not shipped. shareholders: state, state-body or parent holdings with a sourced percentage.",
        f"schema_version = {SCHEMA_VERSION}",
        "",
        *toml_meta(
            "vendors_meta",
            {
                "table": "vendors",
                "edition": EDITION,
                # The count that ships first, so that it agrees with the table (vendorrisk sources prints both).
                "source": f"{len(vendors)} vendors: vendorrisk research fact sheet vendors.csv ({len(vendor_rows)} rows; public sources to about April 2026){supplement_source}",
                "published": PUBLISHED,
            },
        ),
    ]
    for v in vendors:
        v_lines += ["", *toml_table_entry("vendors", v)]

    addition_lines = []
    if added_rows:
        assert incident_additions is not None
        addition_lines = [
            f"# {len(added_rows)} incident(s) the fact sheet misses come from scripts/data/incident_additions.csv (researched 2026-12-04).",
            f"# Input: incident_additions.csv sha256 {sha256(incident_additions)}",
        ]
    i_lines = [
        "# Incident ledger: dated, sourced, evidence-graded incidents tied to vendors of the registry (vendors.toml).",
        f"# Source: vendorrisk research incident list incidents.csv, edition {EDITION} (public sources to about April 2026).",
        "# Built by: python scripts/build_reference.py (do not edit by hand; fix the script or the fact sheet).",
        f"# Input: incidents.csv sha256 {sha256(incidents_csv)}",
        *addition_lines,
        f"# Rows: {len(incidents)} of {len(incident_rows) + len(added_rows)} ship; rows without a source URL or a registry vendor are left out.",
        "# date: when the incident became public; a month-only date is the month's last day (date_precision = \"month\"),",
        "# a year-only date is Dec 31 (\"year\"), so an as-of lookup never counts an incident before it was surely public.",
        "# kind: what the incident is evidence of (ledger review 2026-12; the build's INCIDENT_REVIEW): access_used |",
        "# exposed_path | third_party_compromise (these enter the incident factor, by parameters.incidents.kind_weights) |",
        "# legal_exposure (legal reach scores it) | restriction | conduct (neither enters the score). review: why that kind,",
        "# and why the grade where it differs from the fact sheet's.",
        "# grade: alleged | reported | denied | audited | confirmed: how well the event itself is established. countries:",
        "# affected ISO alpha-2 codes (EU-level and worldwide rows have none). states: states said to have accessed the",
        "# data (for host-state rows, the buyer).",
        f"schema_version = {SCHEMA_VERSION}",
        "",
        *toml_meta(
            "incidents_meta",
            {
                "table": "incidents",
                "edition": EDITION,
                # The count that ships first, so that it agrees with the table (vendorrisk sources prints both).
                "source": (
                    f"{len(incidents)} of {len(incident_rows) + len(added_rows)} incidents ship: vendorrisk research incident list"
                    f" (incidents.csv, {len(incident_rows)} evidence-graded incidents)"
                    + (f" and scripts/data/incident_additions.csv ({len(added_rows)}, 2026-12-04)" if added_rows else "")
                    + "; rows without a source URL or a registry vendor are left out"
                ),
                "published": PUBLISHED,
            },
        ),
    ]
    for inc in incidents:
        i_lines += ["", *toml_table_entry("incidents", inc)]

    report.insert(0, f"vendors: {len(vendors)} of {len(vendor_rows)}; incidents: {len(incidents)} of {len(incident_rows) + len(added_rows)}")
    return "\n".join(v_lines) + "\n", "\n".join(i_lines) + "\n", report


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument(
        "--shared",
        type=Path,
        default=REPO_ROOT / ".." / "shared",
        help="shared data directory (default: ../shared relative to the repo root)",
    )
    p.add_argument(
        "--vendor-sources",
        type=Path,
        default=VENDOR_SOURCES_CSV,
        help="public sources for unsourced vendor rows (default: scripts/data/vendor_sources.csv; skipped when absent)",
    )
    p.add_argument(
        "--incident-additions",
        type=Path,
        default=INCIDENT_ADDITIONS_CSV,
        help="incidents the fact sheet misses (default: scripts/data/incident_additions.csv; skipped when absent)",
    )
    p.add_argument(
        "--out-dir",
        type=Path,
        default=REPO_ROOT / "rules" / "default",
        help="output directory for vendors.toml and incidents.toml (default: rules/default)",
    )
    args = p.parse_args(argv)
    vendors_text, incidents_text, report = build(args.shared, args.vendor_sources, incident_additions=args.incident_additions)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    for filename, text in (("vendors.toml", vendors_text), ("incidents.toml", incidents_text)):
        with (args.out_dir / filename).open("w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    for line in report:
        print(line, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
