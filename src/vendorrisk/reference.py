"""Reference data: jurisdictions, vendors, incidents and governance ratings, with as-of lookups.

The tables live in the rule pack (``jurisdictions.toml``, ``vendors.toml``, ``incidents.toml``,
``governance.toml`` in ``rules/default``); this module defines their models and turns them into
arrays that the scoring engine indexes with integer codes. Lookups work on the few distinct keys
of a batch and broadcast back, so they cost little however many contracts there are.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Annotated, Final, Literal

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process

from pydantic import BaseModel, ConfigDict, Field, field_validator

from vendorrisk.schema import CountryCode, UnitFloat, country_names

Grade = Literal["alleged", "denied", "reported", "audited", "confirmed"]
GRADES: Final[tuple[Grade, ...]] = ("denied", "alleged", "reported", "audited", "confirmed")
#: What an incident is evidence of. Only the counted kinds enter the incident factor, each with
#: its pack weight: a legal statement is legal reach (scored by the jurisdiction table), a
#: restriction is a state's verdict, not an access event, and conduct is no access path.
CountedKind = Literal["access_used", "exposed_path", "third_party_compromise"]
IncidentKind = Literal["access_used", "exposed_path", "third_party_compromise", "legal_exposure", "restriction", "conduct"]
COUNTED_KINDS: Final[tuple[CountedKind, ...]] = ("access_used", "exposed_path", "third_party_compromise")
INCIDENT_KINDS: Final[tuple[IncidentKind, ...]] = (*COUNTED_KINDS, "legal_exposure", "restriction", "conduct")
StateControl = Literal["none", "minority", "majority", "controlled", "state_owned", "unknown"]
Url = Annotated[str, Field(pattern=r"^https?://\S+$")]

#: All country codes, sorted: a country column holds the index into this tuple, ``-1`` when
#: unknown, and ``NO_LINK_CODE`` for the literal ``none`` in link columns.
COUNTRY_CODES: Final = tuple(sorted(country_names()))
COUNTRY_INDEX: Final = {code: index for index, code in enumerate(COUNTRY_CODES)}
NO_LINK_CODE: Final = len(COUNTRY_CODES)
UNKNOWN: Final = -1


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TableMeta(_Table):
    """Provenance of one reference table: stamped on results and listed by ``vendorrisk sources``."""

    table: str
    edition: str
    source: str
    published: dt.date
    available_from: Annotated[str, Field(pattern=r"^\d\d-\d\d$")] | None = None
    attribution: str | None = None

    @field_validator("available_from")
    @classmethod
    def _a_day_of_every_year(cls, value: str | None) -> str | None:
        """``MM-DD`` must be a day that every year has (02-29 is not), since it starts each edition."""
        if value is not None:
            try:
                dt.date(2001, *map(int, value.split("-")))
            except ValueError:
                raise ValueError(f"{value!r} is not a day of every year (MM-DD, e.g. 03-01)") from None
        return value


class Law(_Table):
    name: str
    year: int
    articles: str | None = None
    summary: str
    source: Url


class Jurisdiction(_Table):
    """A state's compulsion strength with its reasons.

    Only ``strength`` enters the score. The EDPB European Essential Guarantees, the OECD
    Declaration, EU adequacy and extraterritorial reach are weighed in the ``rationale`` rather
    than stored as keys that no formula would read.
    """

    code: CountryCode
    name: str
    strength: UnitFloat
    rationale: Annotated[str, Field(min_length=1)]
    sources: Annotated[list[Url], Field(min_length=1)]
    laws: Annotated[list[Law], Field(min_length=1)]


class Shareholder(_Table):
    country: CountryCode
    share: UnitFloat
    holder: str


class Vendor(_Table):
    name: Annotated[str, Field(min_length=1)]
    aliases: list[str] = []
    seat: CountryCode
    parent: str | None = None
    parent_country: CountryCode | None = None
    state_control: StateControl = "unknown"
    state_control_note: str | None = None
    shareholders: list[Shareholder] = []
    sectors: str | None = None
    sources: Annotated[list[Url], Field(min_length=1)]


class Incident(_Table):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    date: dt.date
    date_precision: Literal["day", "month", "year"] = "day"
    vendors: list[str]
    countries: list[CountryCode] = []
    states: list[CountryCode] = []
    attribution: str | None = None
    kind: IncidentKind
    grade: Grade
    summary: str
    review: str | None = None
    sources: Annotated[list[Url], Field(min_length=1)]


RestrictionKind = Literal[
    "procurement_ban", "sales_ban", "network_exclusion", "export_control", "sanctions", "investment_ban",
    "military_company_list", "security_warning", "licence_revocation",
]


class Restriction(_Table):
    """One state's restriction list naming a vendor, from ``listed`` until ``delisted`` (exclusive)."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    vendor: str
    state: CountryCode
    measure: Annotated[str, Field(min_length=1)]
    kind: RestrictionKind
    listed: dt.date
    delisted: dt.date | None = None
    note: str = ""
    sources: Annotated[list[Url], Field(min_length=1)]


# Freedom House aggregate scores run from -4 to 100: the political-rights part (0-40) can lose up
# to 4 points on the discretionary question B (FIW methodology); Syria scored -1 in 2015-2018.
FreedomScore = Annotated[int, Field(ge=-4, le=100)]


#: Edition years the engine's calendar holds (as-of dates are clamped to 1900-01-01..2200-12-31).
EditionYear = Annotated[int, Field(ge=1900, le=2200)]


class GovernanceEntry(_Table):
    name: str
    kind: Literal["country", "territory"]
    status: dict[EditionYear, Literal["F", "PF", "NF"]]
    total: dict[EditionYear, FreedomScore] = {}


class PopulationEntry(_Table):
    """A country's population in consecutive years from ``first_year`` (World Bank SP.POP.TOTL in
    the default pack): ``count[i]`` is the population in year ``first_year + i``."""

    name: str
    first_year: Annotated[int, Field(ge=1900, le=2200)]
    count: Annotated[list[Annotated[int, Field(gt=0)]], Field(min_length=1)]

    def in_year(self, year: int) -> int:
        """The count of ``year``, clamped to the years the entry covers."""
        return self.count[min(max(year - self.first_year, 0), len(self.count) - 1)]


# --- vendor names ----------------------------------------------------------------------------

# Legal-form words dropped from the end of a name before matching ("Huawei Technologies Co., Ltd."
# and "HUAWEI TECHNOLOGIES CO LTD" both become "huawei technologies"); "PT" (Indonesia), "OOO",
# "AO" and the like also lead a name.
_LEGAL_SUFFIXES: Final = frozenset(
    "co company corp corporation inc incorporated ltd limited llc llp lp plc gmbh ag kg sa sas sarl "
    "spa srl nv bv ab asa as oy oyj kk pte pty jsc pjsc ojsc oao zao ooo sl sau se bhd sdn ulc tbk "
    "ltda sae".split()
)
_LEGAL_PREFIXES: Final = frozenset("pt ooo oao zao ao pjsc jsc".split())
# Generic words also dropped on a second try ("Inspur Group" -> "inspur").
_GENERIC_WORDS: Final = frozenset("group holding holdings international technologies technology".split())
_PUNCTUATION: Final = re.compile(r"[^\w]+")
_BRACKETED: Final = re.compile(r"[(\[]([^()\[\]]*)[)\]]")
_AMBIGUOUS: Final = -2
_DAY_1900: Final = int(np.datetime64("1900-01-01", "D").astype(np.int64))

MatchKind = Literal["none", "exact", "alias", "fuzzy"]
#: The ``match`` output column's values; a contract's code is the index in this tuple.
MATCH_KINDS: Final[tuple[MatchKind, ...]] = ("none", "exact", "alias", "fuzzy")
#: Fuzzy matching: rapidfuzz ``token_sort_ratio`` (0-100) between normalised names. A name
#: at least ``FUZZY_ACCEPT`` similar to one registry name or alias (and to no other vendor's
#: as much) matches it; one at least ``FUZZY_NEAR`` similar is a near miss: not matched, but
#: warned about. Names shorter than ``FUZZY_MIN_LENGTH`` characters are never matched fuzzily.
FUZZY_ACCEPT: Final = 92.0
FUZZY_NEAR: Final = 80.0
FUZZY_MIN_LENGTH: Final = 6
NEAR_MISS_WARNING: Final = (
    "vendor_name: {name!r} is {score:.0f}% similar to registry vendor {vendor!r} ({via!r}), below the "
    "{accept:g}% needed to match; scored as a vendor outside the registry"
)
AMBIGUOUS_WARNING: Final = "vendor_name: {name!r} matches registry vendors {vendors} equally; scored as a vendor outside the registry"


def _days(dates: NDArray[np.datetime64]) -> NDArray[np.int64]:
    """Days since 1970-01-01 (without a copy when the dates are already in days)."""
    days: NDArray[np.int64] = np.asarray(dates, dtype="datetime64[D]").view(np.int64)
    return days


@cache
def _country_words() -> frozenset[str]:
    """Normalised country names (and a few common short forms) that qualify a subsidiary's name."""
    names = {_plain_words(name) for name in country_names().values()}
    names |= {"uk", "usa", "us", "uae", "prc", "hong kong", "the netherlands", "south africa"}
    return frozenset(names)


@cache
def _country_codes() -> frozenset[str]:
    """Alpha-2 codes, case-folded: a bracketed code ("[KE]") qualifies a name too."""
    return frozenset(code.casefold() for code in country_names())


def _plain_words(text: str) -> str:
    """Case, accents and punctuation removed; words separated by one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    return " ".join(_PUNCTUATION.sub(" ", plain.replace("&", " and ").replace(".", "")).split())


def _strip_legal_forms(words: list[str]) -> list[str]:
    while len(words) > 1 and words[-1] in _LEGAL_SUFFIXES:
        words.pop()
    while len(words) > 1 and words[0] in _LEGAL_PREFIXES:
        words.pop(0)
    return words


def normalise_name(name: str) -> str:
    """A matching key for a company name: case, accents, punctuation and legal forms removed.

    Examples
    --------
    >>> normalise_name("Huawei Technologies Co., Ltd.") == normalise_name("HUAWEI TECHNOLOGIES CO LTD")
    True
    >>> normalise_name("Türk Telekom A.Ş.") == normalise_name("Turk Telekom AS")
    True
    """
    return " ".join(_strip_legal_forms(_plain_words(name).split()))


def subsidiary_key(name: str) -> tuple[str, str]:
    """The matching key of a local subsidiary's name without its country qualifier, and the qualifier.

    A qualifier is a country name (or code) in brackets anywhere in the name, or a country name
    ending it before the legal form: "Huawei Technologies (Kenya) Co., Ltd." and "Huawei
    Technologies Kenya Limited" both give ``("huawei technologies", "kenya")``. Without one,
    the qualifier is empty.

    Examples
    --------
    >>> subsidiary_key("Huawei Technologies (Kenya) Co., Ltd.")
    ('huawei technologies', 'kenya')
    >>> subsidiary_key("ZTE Corporation")
    ('zte', '')
    """
    countries, codes = _country_words(), _country_codes()
    qualifier = ""

    def drop(match: re.Match[str]) -> str:
        nonlocal qualifier
        inside = _plain_words(match.group(1))
        if inside in countries or inside in codes:
            qualifier = inside
            return " "
        return match.group(0)

    words = _strip_legal_forms(_plain_words(_BRACKETED.sub(drop, name)).split())
    if not qualifier:
        for size in (3, 2, 1):  # "south africa" before "africa"
            tail = " ".join(words[-size:])
            if len(words) > size and tail in countries:
                qualifier, words = tail, _strip_legal_forms(words[:-size])
                break
    return " ".join(words), qualifier


def _generic_key(key: str) -> str:
    words = [word for word in key.split() if word not in _GENERIC_WORDS]
    return " ".join(words) if words else key


@dataclass(frozen=True)
class VendorMatch:
    """How a contract's vendor name resolved in the registry.

    ``index`` is the registry index (-1 when unresolved), ``kind`` one of :data:`MATCH_KINDS`,
    ``via`` the registry name or alias it matched (or came nearest to), ``score`` the similarity
    in percent (100 for exact and alias matches), ``reason`` a sentence for explanations and
    ``warning`` the near-miss or ambiguity warning ("" when none).
    """

    index: int
    kind: MatchKind
    via: str = ""
    score: float = 0.0
    reason: str = ""
    warning: str = ""

    @property
    def code(self) -> int:
        """The index of ``kind`` in :data:`MATCH_KINDS`."""
        return MATCH_KINDS.index(self.kind)


# --- the resolved reference -------------------------------------------------------------------


@dataclass(frozen=True)
class Reference:
    """The pack's tables as lookup arrays.

    Attributes
    ----------
    strength : ``(n_countries + 1,)`` compulsion strength by country code; NaN where the
        jurisdiction is not assessed; the last slot (``none``) is 0.
    """

    jurisdictions: Sequence[Jurisdiction]
    vendors: Sequence[Vendor]
    incidents: Sequence[Incident]
    governance: Mapping[str, GovernanceEntry]
    governance_available_from: tuple[int, int]
    control: tuple[float, float]
    grade_weight: Mapping[str, float]
    kind_weight: Mapping[str, float]
    half_life_days: float
    restrictions: Sequence[Restriction] = ()
    population: Mapping[str, PopulationEntry] = field(default_factory=dict)

    @cached_property
    def strength(self) -> NDArray[np.float64]:
        strength = np.full(NO_LINK_CODE + 1, np.nan)
        for jurisdiction in self.jurisdictions:
            strength[COUNTRY_INDEX[jurisdiction.code]] = jurisdiction.strength
        strength[NO_LINK_CODE] = 0.0
        return strength

    @cached_property
    def vendor_names(self) -> tuple[str, ...]:
        return tuple(vendor.name for vendor in self.vendors)

    @cached_property
    def _vendor_keys(self) -> tuple[dict[str, tuple[int, str, bool]], dict[str, tuple[int, str, bool]], list[tuple[str, int, str]]]:
        """Lookup tables from the registry's names and aliases.

        ``exact``: normalised key -> (vendor index or ``_AMBIGUOUS``, the registry text, whether it
        is the vendor's own name); ``generic``: the same with generic words dropped; ``choices``:
        (key, vendor index, registry text) for fuzzy matching.
        """
        exact: dict[str, tuple[int, str, bool]] = {}
        generic: dict[str, tuple[int, str, bool]] = {}
        choices: list[tuple[str, int, str]] = []
        for index, vendor in enumerate(self.vendors):
            for own, name in ((True, vendor.name), *((False, alias) for alias in vendor.aliases)):
                key = normalise_name(name)
                choices.append((key, index, name))
                for table, k in ((exact, key), (generic, _generic_key(key))):
                    # A key shared by two vendors ("china electronics" for CEC and CETC) matches neither.
                    seen = table.get(k)
                    if seen is None or (seen[0] == index and own and not seen[2]):
                        table[k] = (index, name, own)
                    elif seen[0] != index:
                        table[k] = (_AMBIGUOUS, f"{seen[1]}\x00{name}", False)
        return exact, generic, choices

    @cached_property
    def _choice_keys(self) -> list[str]:
        return [candidate for candidate, _, _ in self._vendor_keys[2]]

    @cached_property
    def _matched(self) -> dict[str, VendorMatch]:
        return {}

    def forget_memos(self) -> None:
        """Forget the memoised vendor-name resolutions and rating tables (rebuilt on next use).
        For tests: a mutation run calls it as each test session starts (docs/testing.md)."""
        for memo in ("_matched", "_usable_by_age"):
            self.__dict__.pop(memo, None)

    def match_vendor(self, name: str) -> int:
        """Index of the registry vendor a name refers to, or ``-1`` when none matches (memoised)."""
        return self.resolve_vendor(name).index

    def resolve_vendor(self, name: str) -> VendorMatch:
        """How a vendor name resolves in the registry (memoised per name): see :class:`VendorMatch`."""
        if name not in self._matched:
            if len(self._matched) > 100_000:  # bound the memo for streams of ever-new names
                self._matched.clear()
            self._matched[name] = self._resolve(name)
        return self._matched[name]

    def _resolve(self, name: str) -> VendorMatch:
        """exact -> alias (also without a country qualifier or generic words) -> fuzzy -> none."""
        exact, generic, choices = self._vendor_keys
        key = normalise_name(name)
        if not key:
            return VendorMatch(UNKNOWN, "none")
        bare, qualifier = subsidiary_key(name)
        dropped = f" and the country qualifier {qualifier!r}" if qualifier else ""
        for candidate, table, how in (
            (key, exact, ""),
            (bare, exact, dropped),
            (_generic_key(bare), generic, f"{dropped} and generic words"),
        ):
            found = table.get(candidate)
            if found is None:
                continue
            index, via, own = found
            if index == _AMBIGUOUS:
                return self._ambiguous(name, via.split("\x00"))
            kind: MatchKind = "exact" if own and not how else "alias"
            label = "registry name" if own else "alias"
            reason = (
                f"{kind} match: {name!r} and the {label} {via!r} both read {candidate!r} after dropping case, "
                f"punctuation and legal forms{how}"
            )
            return VendorMatch(index, kind, via, 100.0, reason)
        return self._fuzzy(name, bare, choices)

    def _ambiguous(self, name: str, texts: Sequence[str]) -> VendorMatch:
        vendors = sorted({self.vendors[self._vendor_of(text)].name for text in texts})
        return VendorMatch(UNKNOWN, "none", warning=AMBIGUOUS_WARNING.format(name=name, vendors=" and ".join(map(repr, vendors))))

    def _vendor_of(self, text: str) -> int:
        return next(i for i, v in enumerate(self.vendors) if text == v.name or text in v.aliases)

    def _fuzzy(self, name: str, key: str, choices: Sequence[tuple[str, int, str]]) -> VendorMatch:
        """Token-based similarity (rapidfuzz ``token_sort_ratio``) against every registry name and alias."""
        if len(key) < FUZZY_MIN_LENGTH:
            return VendorMatch(UNKNOWN, "none")
        best: dict[int, tuple[float, str]] = {}
        for _, score, at in process.extract(key, self._choice_keys, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_NEAR, limit=None):
            _, index, via = choices[at]
            if score > best.get(index, (0.0, ""))[0]:
                best[index] = (float(score), via)
        if not best:
            return VendorMatch(UNKNOWN, "none")
        top = max(score for score, _ in best.values())
        leaders = [index for index, (score, _) in best.items() if score == top]
        if len(leaders) > 1:
            return self._ambiguous(name, [best[index][1] for index in leaders])
        index = leaders[0]
        via = best[index][1]
        if top >= FUZZY_ACCEPT:
            reason = (
                f"fuzzy match: {key!r} is {top:.0f}% similar to {via!r} (rapidfuzz token_sort_ratio on normalised "
                f"names; {FUZZY_ACCEPT:g}% needed)"
            )
            return VendorMatch(index, "fuzzy", via, top, reason)
        warning = NEAR_MISS_WARNING.format(name=name, score=top, vendor=self.vendors[index].name, via=via, accept=FUZZY_ACCEPT)
        return VendorMatch(UNKNOWN, "none", via, top, warning=warning)

    @cached_property
    def vendor_seat(self) -> NDArray[np.int16]:
        """``(n_vendors,)`` seat country code of each registry vendor."""
        return np.array([COUNTRY_INDEX[vendor.seat] for vendor in self.vendors], dtype=np.int16)

    @cached_property
    def vendor_parent(self) -> NDArray[np.int16]:
        """``(n_vendors,)`` parent country code; ``none`` when the registry names no foreign parent."""
        return np.array(
            [COUNTRY_INDEX[v.parent_country] if v.parent_country else NO_LINK_CODE for v in self.vendors],
            dtype=np.int16,
        )

    @cached_property
    def holders(self) -> NDArray[np.int16]:
        """``(n_vendors + 1, width)`` country codes of the states whose holders control each vendor.

        A country controls when one holder from it has at least ``control_single`` of the shares
        or all its holders together at least ``control_combined`` (after SecNumCloud 3.2: 24 % and
        39 %). Padded with ``NO_LINK_CODE``; the last row is for vendors not in the registry.
        """
        single, combined = self.control
        controllers = []
        for vendor in self.vendors:
            totals: dict[str, float] = {}
            control: set[str] = set()
            for holder in vendor.shareholders:
                totals[holder.country] = totals.get(holder.country, 0.0) + holder.share
                if holder.share >= single:
                    control.add(holder.country)
            control |= {country for country, total in totals.items() if total >= combined}
            controllers.append(sorted(COUNTRY_INDEX[country] for country in control))
        width = max([len(states) for states in controllers] + [1])
        table = np.full((len(controllers) + 1, width), NO_LINK_CODE, dtype=np.int16)
        for index, states in enumerate(controllers):
            table[index, : len(states)] = states
        return table

    @cached_property
    def vendor_links(self) -> NDArray[np.int16]:
        """``(n_vendors + 2, 3 + width)`` the states linked to each registry vendor: its seat, its
        parent's seat, its group's seat (the registry seat: a local subsidiary in another country
        is still reached from there) and its controlling shareholders (:attr:`holders`).

        Row ``n_vendors`` is for a named vendor outside the registry (seat and parent unknown, no
        group; no controlling holder, unless the features find the vendor foreign), the last row
        for a contract naming no vendor (everything unknown).
        """
        seat, holders = self.vendor_seat, self.holders
        registry = np.column_stack([seat, self.vendor_parent, seat, holders[:-1]])
        unmatched = [UNKNOWN, UNKNOWN, NO_LINK_CODE, *holders[-1]]
        unnamed = [UNKNOWN] * registry.shape[1]
        return np.vstack([registry, unmatched, unnamed]).astype(np.int16)

    @cached_property
    def _incident_pairs(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
        """One entry per (incident, registry vendor) that counts: vendor index, public day, and weight
        ``grade_weight[grade] * kind_weight[kind]`` (kinds without a weight count 0 and are left out)."""
        index = {name: i for i, name in enumerate(self.vendor_names)}
        vendors, days, weights = [], [], []
        for incident in self.incidents:
            weight = self.grade_weight[incident.grade] * self.kind_weight.get(incident.kind, 0.0)
            if weight <= 0.0:
                continue
            for name in incident.vendors:
                if name in index:
                    vendors.append(index[name])
                    days.append((incident.date - dt.date(1970, 1, 1)).days)
                    weights.append(weight)
        return np.array(vendors, dtype=np.int64), np.array(days, dtype=np.int64), np.array(weights)

    @cached_property
    def _incident_ledger(self) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int64]]:
        """The incident pairs sorted by (vendor, day), as what :meth:`incident_exposure` looks up.

        Returns per pair its key ``(vendor << 32) | (day + 2**20)``; the running sum, within its
        vendor, of ``w_i * 0.5 ** ((day_j - day_i) / half_life)`` over the incidents up to and
        including it (``j``), taken on its own day; and that day. Each step decays the previous
        sum over the days between two incidents and adds a weight, so no term exceeds its weight
        and none underflows while it still matters, however far apart the incidents are (sums
        scaled to a vendor's last day lost every earlier incident to underflow when that day
        lay more than about 1,000 half-lives later). One step per incident, once per pack.
        """
        pair_vendor, pair_day, pair_weight = self._incident_pairs
        order = np.lexsort((pair_day, pair_vendor))
        vendor, day, weight = pair_vendor[order], pair_day[order], pair_weight[order]
        # Across a change of vendor the gap is negative and unused: clipped, so that 0.5 ** x stays finite.
        decay = 0.5 ** (np.maximum(np.diff(day, prepend=day[:1]), 0) / self.half_life_days)
        running = np.zeros(len(vendor))
        total = 0.0
        for j in range(len(vendor)):
            total = weight[j] + (total * decay[j] if j and vendor[j] == vendor[j - 1] else 0.0)
            running[j] = total
        return vendor << 32 | (day + (1 << 20)), running, day

    def incident_exposure(self, vendor: NDArray[np.int32], as_of: NDArray[np.datetime64]) -> NDArray[np.float64]:
        """Evidence-weighted, decayed incident sum ``sum_i g(grade_i) * k(kind_i) * 0.5 ** (age_i / half_life)``.

        Only incidents of the contract's vendor public on or before its as-of date count.
        Shapes: ``vendor`` and ``as_of`` are ``(n_contracts,)``; so is the result.

        The sum factors as ``0.5 ** ((day - day_j) / half_life) * sum_i w_i * 0.5 ** ((day_j - day_i) / half_life)``
        with ``j`` the vendor's latest incident on or before the as-of day, so one binary search per
        contract finds the vendor's running sum on that incident's day (:attr:`_incident_ledger`).
        """
        keys, running, since = self._incident_ledger  # since: the day each running sum is taken on
        if not len(keys):
            return np.zeros(vendor.shape[0])
        day = _days(as_of)
        wanted = vendor.astype(np.int64) << 32 | (day + (1 << 20))
        at = np.searchsorted(keys, wanted, side="right") - 1  # the vendor's latest incident on or before the day
        safe = np.maximum(at, 0)
        hit = (at >= 0) & (keys[safe] >> 32 == vendor) & (vendor >= 0)
        # On a hit, the as-of day is on or after the incident's day, so the scale is at most 1;
        # elsewhere it is discarded, and the floor keeps it at most 1 for any date.
        scale = 0.5 ** np.maximum((day - since[safe]) / self.half_life_days, 0.0)
        return np.where(hit, running[safe] * scale, 0.0)

    @cached_property
    def _restriction_steps(self) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
        """The number of states restricting each vendor as a step function of the day.

        Returns sorted keys ``(vendor << 32) | (day + 2**20)``, one per day on which a vendor's
        count changes, and the count from that day on.
        """
        index = {name: i for i, name in enumerate(self.vendor_names)}
        by_vendor: dict[int, list[Restriction]] = {}
        for entry in self.restrictions:
            if entry.vendor in index:
                by_vendor.setdefault(index[entry.vendor], []).append(entry)
        keys: list[int] = []
        counts: list[float] = []
        epoch = dt.date(1970, 1, 1)
        for vendor in sorted(by_vendor):
            entries = by_vendor[vendor]
            days = sorted({e.listed for e in entries} | {e.delisted for e in entries if e.delisted})
            for day in days:
                states = {e.state for e in entries if e.listed <= day and (e.delisted is None or day < e.delisted)}
                keys.append(vendor << 32 | ((day - epoch).days + (1 << 20)))
                counts.append(float(len(states)))
        return np.array(keys, dtype=np.int64), np.array(counts)

    def restricting_states(self, vendor: NDArray[np.int32], as_of: NDArray[np.datetime64]) -> NDArray[np.float64]:
        """``(n_contracts,)`` the number of distinct states whose restriction lists name each
        contract's registry vendor on its as-of day (listed on or before it, not yet delisted);
        0 for a vendor index of -1."""
        keys, counts = self._restriction_steps
        if not len(keys):
            return np.zeros(vendor.shape[0])
        wanted = vendor.astype(np.int64) << 32 | (_days(as_of) + (1 << 20))
        at = np.searchsorted(keys, wanted, side="right") - 1
        safe = np.maximum(at, 0)
        hit = (at >= 0) & (keys[safe] >> 32 == vendor) & (vendor >= 0)
        return np.where(hit, counts[safe], 0.0)

    def restrictions_of(self, vendor: int, day: dt.date) -> list[Restriction]:
        """The restriction entries in force for one registry vendor on ``day`` (for explanations)."""
        name = self.vendors[vendor].name if vendor >= 0 else None
        return [
            e for e in self.restrictions
            if e.vendor == name and e.listed <= day and (e.delisted is None or day < e.delisted)
        ]

    @cached_property
    def _population_table(self) -> tuple[int, NDArray[np.float64]]:
        """``(first year, (n_countries + 1, n_years))``: each country's population in each year of the
        table, its first or last count outside the years it covers; NaN for a country the table does
        not hold and in the last row (unknown codes)."""
        entries = list(self.population.values())
        first = min((entry.first_year for entry in entries), default=2000)
        last = max((entry.first_year + len(entry.count) - 1 for entry in entries), default=2000)
        table = np.full((len(COUNTRY_CODES) + 1, last - first + 1), np.nan)
        for country, entry in self.population.items():
            table[COUNTRY_INDEX[country]] = [entry.in_year(year) for year in range(first, last + 1)]
        return first, table

    def population_at(self, country: NDArray[np.int16], as_of: NDArray[np.datetime64]) -> NDArray[np.float64]:
        """``(n_contracts,)`` the population of each buyer country in the year of its as-of date.

        Years outside the table read its first or last year (population moves slowly); an unknown
        country, or one the table does not hold, reads NaN (unknown).
        """
        first, table = self._population_table
        year = as_of.astype("datetime64[Y]").astype(np.int64) + 1970
        column = np.minimum(np.maximum(year - first, 0), table.shape[1] - 1)
        # Country -1 (unknown) reads the last row, which is NaN.
        population: NDArray[np.float64] = table[country.astype(np.intp), column]
        return population

    @cached_property
    def _edition_by_day(self) -> NDArray[np.int16]:
        """For each day from 1900-01-01 to 2200-12-31: the latest edition year available on it."""
        month, day = self.governance_available_from
        days = np.arange(np.datetime64("1900-01-01"), np.datetime64("2201-01-01"))
        years = days.astype("datetime64[Y]").astype(np.int64) + 1970
        starts = np.array([f"{y:04d}-{month:02d}-{day:02d}" for y in range(1900, 2201)], dtype="datetime64[D]")
        return (years - (days < starts[years - 1900])).astype(np.int16)

    def _edition_out_by(self, as_of: NDArray[np.datetime64]) -> NDArray[np.int64]:
        """``(n,)`` the latest edition year available on each date (dates clamped to 1900..2200)."""
        table = self._edition_by_day
        offset = _days(as_of) - _DAY_1900
        return table[np.minimum(np.maximum(offset, 0), len(table) - 1)].astype(np.int64)

    @cached_property
    def _ratings(self) -> tuple[int, NDArray[np.int16], NDArray[np.int8], NDArray[np.float64]]:
        """Dense lookup tables ``(n_countries + 1, n_years)``: the latest edition published in each year.

        Returns the first year, then per (country code, year - first year) the edition year in
        force (0 none), its status code and its total (NaN none). The last row is for unknown codes.
        """
        years = sorted({year for entry in self.governance.values() for year in entry.status}) or [1900]
        first, last = years[0], years[-1]
        edition = np.zeros((len(COUNTRY_CODES) + 1, last - first + 1), dtype=np.int16)
        status = np.full(edition.shape, UNKNOWN, dtype=np.int8)
        total = np.full(edition.shape, np.nan)
        codes = {"F": 0, "PF": 1, "NF": 2}
        for country, entry in self.governance.items():
            row = COUNTRY_INDEX[country]
            current = 0
            for year in range(first, last + 1):
                if year in entry.status:
                    current = year
                if current:
                    edition[row, year - first] = current
                    status[row, year - first] = codes[entry.status[current]]
                    total[row, year - first] = entry.total.get(current, np.nan)
        return first, edition, status, total

    def governance_rating(
        self, country: NDArray[np.int16], as_of: NDArray[np.datetime64], max_age_years: int
    ) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.int16]]:
        """Freedom House rating of each buyer country as of each date.

        The edition used is the latest one available on the date (edition N counts from
        ``available_from`` of year N) and at most ``max_age_years`` older than that.

        Returns
        -------
        total : ``(n_contracts,)`` 0-100 aggregate score, NaN where FH gives none for that edition.
        status : ``(n_contracts,)`` 0 F, 1 PF, 2 NF, -1 unknown.
        edition : ``(n_contracts,)`` the edition year used, 0 when none.
        """
        return self.governance_at(self.governance_cell(country, as_of, max_age_years), max_age_years)

    def governance_at(self, cell: NDArray[np.intp], max_age_years: int) -> tuple[NDArray[np.float64], NDArray[np.int8], NDArray[np.int16]]:
        """Total, status and edition of the ratings at flat cells of :meth:`governance_cell`."""
        _, totals, statuses, editions = self.usable_ratings(max_age_years)
        return totals.take(cell), statuses.take(cell), editions.take(cell)

    def governance_cell(self, country: NDArray[np.int16], as_of: NDArray[np.datetime64], max_age_years: int) -> NDArray[np.intp]:
        """``(n_contracts,)`` the flat index, into the tables of :meth:`usable_ratings`, of each
        contract's rating: by buyer country (-1, unknown, reads the last row) and latest edition."""
        first, totals, _, _ = self.usable_ratings(max_age_years)
        column = np.maximum(self._edition_out_by(as_of) - (first - 1), 0)  # column 0: before the first edition
        # Flat: country -1 gives a negative index, which reads the last row, as intended.
        cell: NDArray[np.intp] = country.astype(np.intp) * totals.shape[1] + column
        return cell

    @cached_property
    def _usable_by_age(self) -> dict[int, tuple[int, NDArray[np.float64], NDArray[np.int8], NDArray[np.int16]]]:
        return {}

    def usable_ratings(self, max_age_years: int) -> tuple[int, NDArray[np.float64], NDArray[np.int8], NDArray[np.int16]]:
        """:meth:`governance_rating` as dense tables ``(n_countries + 1, columns)`` by country code
        and latest-edition year ``cap`` (column ``cap - first + 1``, column 0 for any year before
        the first edition, the last for 2200): total (NaN), status (-1) and edition (0) of the
        edition in force on that year if it is usable (at most ``max_age_years`` older than ``cap``)."""
        if max_age_years in self._usable_by_age:
            return self._usable_by_age[max_age_years]
        first, editions, statuses, totals = self._ratings
        caps = np.arange(first - 1, 2201)
        column = np.minimum(np.maximum(caps - first, 0), editions.shape[1] - 1)
        edition = editions[:, column]
        usable = (caps >= first) & (edition > 0) & (caps - edition <= max_age_years)
        self._usable_by_age[max_age_years] = (  # C order: governance_cell indexes them flat
            first,
            np.ascontiguousarray(np.where(usable, totals[:, column], np.nan)),
            np.ascontiguousarray(np.where(usable, statuses[:, column], UNKNOWN), dtype=np.int8),
            np.ascontiguousarray(np.where(usable, edition, 0), dtype=np.int16),
        )
        return self._usable_by_age[max_age_years]
