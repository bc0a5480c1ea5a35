"""The rule-pack format: pydantic models for everything a pack's TOML may say.

Every model is frozen and forbids unknown keys, so a misspelt key is an error, not a silent
default. ``docs/rule-packs.md`` documents each key; ``docs/methodology.md`` the formulas that
use the parameters.
"""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Annotated, Any, Final, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from vendorrisk.reference import (
    COUNTED_KINDS,
    GRADES,
    CountedKind,
    GovernanceEntry,
    Grade,
    Incident,
    Jurisdiction,
    PopulationEntry,
    Restriction,
    TableMeta,
    Vendor,
)
from vendorrisk.schema import (
    BANDS,
    CANONICAL_COLUMNS,
    FIELD_BY_NAME,
    GATES,
    Contract,
    CountryCode,
    DataCategory,
    Hosting,
    Operator,
    ServiceType,
    UnitFloat,
)

SCHEMA_VERSION: Final = 1
#: Lists whose entries are identified by a key: list name -> (key field, how messages name it).
KEYED_LISTS: Final = {
    "rules": ("id", "rule id"),
    "jurisdictions": ("code", "jurisdiction code"),
    "vendors": ("name", "vendor name"),
    "incidents": ("id", "incident id"),
    "restrictions": ("id", "restriction id"),
    "tests": ("name", "test name"),
    "changes": ("id", "mitigation id"),  # mitigations.changes: an extending pack replaces or adds by id
}
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{2,79}$")]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Points = Annotated[float, Field(ge=-100.0, le=100.0, allow_inf_nan=False)]
Score = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]
#: The largest gain or incident grade weight: far past the point where the formulas saturate
#: (L is clipped to 1; ``1 - exp(-40)`` is 1 in double precision), and small enough that no sum
#: or product of them overflows (numpy would print a RuntimeWarning).
MAX_WEIGHT: Final = 1000.0
#: The shortest incident half-life, in years (about five weeks; judgement): a shorter one is taken
#: for a slip of unit (the value is in years), and a vanishing one overflowed numpy's division.
MIN_HALF_LIFE_YEARS: Final = 0.1
Weight = Annotated[float, Field(ge=0.0, le=MAX_WEIGHT, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_risk_order(field: str, weights: dict[str, float], order: tuple[object, ...]) -> None:
    """Access weights must not fall as an input gets riskier, or the score would not be monotone."""
    ranked = [weights[str(value).lower()] for value in order]
    if any(later < earlier for earlier, later in zip(ranked, ranked[1:])):
        sequence = " <= ".join(str(value).lower() for value in order)
        raise ValueError(f"{field} weights must not decrease with risk ({sequence})")


#: Message when a ``judgement`` entry names nothing in its table.
JUDGEMENT_UNKNOWN: Final = "judgement names {entry!r}, which is not a parameter of this table (parameters: {known})"


class _Table(_Model):
    """A parameter table: its numbers, the sources they come from (``references``), and which of
    its numbers are judgement rather than taken from those sources (``judgement``: keys of the
    table, or ``key.entry`` for one entry of a weight table, e.g. ``weights.education``)."""

    references: list[str] = []
    judgement: list[str] = []

    @model_validator(mode="after")
    def _judgement_names_parameters(self) -> Self:
        known = [name for name in type(self).model_fields if name not in ("references", "judgement")]
        for entry in self.judgement:
            key, _, item = entry.partition(".")
            value = getattr(self, key, None) if key in known else None
            if value is None or (item and not _has_entry(value, item)):
                raise ValueError(JUDGEMENT_UNKNOWN.format(entry=entry, known=", ".join(known)))
        return self


def _has_entry(value: object, item: str) -> bool:
    """Whether a weight table (a dict or a nested table) has the entry ``item`` (dotted for deeper ones)."""
    head, _, rest = item.partition(".")
    if isinstance(value, dict):
        inner = value.get(head)
    elif isinstance(value, BaseModel):
        inner = getattr(value, head, None) if head in type(value).model_fields else None
    else:
        return False
    return inner is not None and (not rest or _has_entry(inner, rest))


class PackInfo(_Model):
    name: Annotated[str, Field(min_length=1)]
    version: str = "0"
    description: str = ""
    extends: str | None = None


class Sensitivity(_Table):
    """``S = min(1, max_c w_c + linkage_bonus * (k - 1))``, k = categories with ``w_c >= linkage_threshold``."""

    weights: dict[DataCategory, UnitFloat]
    linkage_bonus: UnitFloat
    linkage_threshold: UnitFloat

    @model_validator(mode="after")
    def _all_categories(self) -> Self:
        missing = sorted(set(DataCategory) - set(self.weights))
        if missing:
            raise ValueError(f"weights are missing for: {', '.join(missing)}")
        return self


class Volume(_Table):
    """``V = floor + (1 - floor) * min(1, log10(1 + records) / log10(1 + saturation_records))``."""

    floor: UnitFloat
    saturation_records: Annotated[float, Field(gt=1.0, allow_inf_nan=False)]


class LegalReach(_Table):
    """``C = max over foreign links l of strength(state_l) * link_weight(kind_l)``."""

    seat: UnitFloat
    parent: UnitFloat
    shareholder: UnitFloat
    financing: UnitFloat
    control_single: UnitFloat = 0.24
    control_combined: UnitFloat = 0.39
    unassessed_strength: UnitFloat


class BoolWeights(_Model):
    true: UnitFloat
    false: UnitFloat


def _check_complete(name: str, table: dict[str, float], field: str) -> None:
    """A weight table keyed by an enum field must give every value of that field."""
    missing = sorted(set(FIELD_BY_NAME[field].values) - set(table))
    if missing:
        raise ValueError(f"{name} weights are missing for: {', '.join(missing)}")


class KeysInClear(_Model):
    """What customer-held keys weigh where the vendor processes the data in clear: by service type
    and by operator; the larger applies (EDPB 01/2020 use case 6: no effective measure)."""

    service_type: dict[ServiceType, UnitFloat]
    operator: dict[Operator, UnitFloat]


class Privileged(_Model):
    """Strength of the vendor's privileged remote path (updates, telemetry, remote support) by
    service type, with and without standing vendor remote access."""

    with_remote_access: dict[ServiceType, UnitFloat]
    without_remote_access: dict[ServiceType, UnitFloat]


#: Message when customer-held keys would weigh more than vendor-held ones somewhere.
KEYS_ABOVE_VENDOR_HELD: Final = "keys_in_clear.{table} weights must not exceed customer_held_keys.false ({limit:g}): {names}"
#: Message when the privileged path is stronger without vendor remote access than with it.
PRIVILEGED_NOT_MONOTONE: Final = "privileged.without_remote_access must not exceed privileged.with_remote_access: {names}"


class Access(_Table):
    """``A = max(A_data, P)``: ``A_data = service_type * operator * hosting * remote_access * keys * audit``
    (each a weight 0..1; the keys weight where the keys are the customer's is
    ``max(customer_held_keys.true, keys_in_clear.service_type[s], keys_in_clear.operator[o])``) and
    ``P = privileged.with_remote_access[s]`` (or ``without_remote_access``), the privileged remote path."""

    service_type: dict[ServiceType, UnitFloat]
    operator: dict[Operator, UnitFloat]
    hosting: dict[Hosting, UnitFloat]
    vendor_remote_access: BoolWeights
    customer_held_keys: BoolWeights
    keys_in_clear: KeysInClear
    audit_rights: BoolWeights
    privileged: Privileged

    @model_validator(mode="after")
    def _monotone(self) -> Self:
        for name in ("service_type", "operator", "hosting"):
            _check_complete(name, getattr(self, name), name)
        for name in ("service_type", "operator"):
            _check_complete(f"keys_in_clear.{name}", getattr(self.keys_in_clear, name), name)
        for name in ("with_remote_access", "without_remote_access"):
            _check_complete(f"privileged.{name}", getattr(self.privileged, name), "service_type")
        _check_risk_order("keys_in_clear.operator", {str(k): v for k, v in self.keys_in_clear.operator.items()}, FIELD_BY_NAME["operator"].risk_order or ())
        limit = self.customer_held_keys.false
        for name in ("service_type", "operator"):
            above = sorted(key for key, weight in getattr(self.keys_in_clear, name).items() if weight > limit)
            if above:
                raise ValueError(KEYS_ABOVE_VENDOR_HELD.format(table=name, limit=limit, names=", ".join(above)))
        p = self.privileged
        above = sorted(key for key, weight in p.without_remote_access.items() if weight > p.with_remote_access[key])
        if above:
            raise ValueError(PRIVILEGED_NOT_MONOTONE.format(names=", ".join(above)))
        for name in ("operator", "hosting"):
            order = FIELD_BY_NAME[name].risk_order
            assert order is not None
            _check_risk_order(name, getattr(self, name), order)
        for name in ("vendor_remote_access", "customer_held_keys", "audit_rights"):
            weights: BoolWeights = getattr(self, name)
            order = FIELD_BY_NAME[name].risk_order
            assert order is not None
            _check_risk_order(name, {"true": weights.true, "false": weights.false}, order)
        return self


class Incidents(_Table):
    """``H = 1 - exp(-sum_i grade_weight(i) * kind_weight(i) * 0.5 ** (age_i / half_life))``.

    Only the counted kinds have a weight (``access_used``, ``exposed_path``,
    ``third_party_compromise``); legal statements, restrictions and conduct never enter ``H``.
    A compromise by a third party or an exposed path may not weigh more than use of the access
    path: being attacked is weaker evidence than being the way in.
    """

    grade_weights: dict[Grade, Weight]
    kind_weights: dict[CountedKind, UnitFloat]
    half_life_years: Annotated[float, Field(ge=MIN_HALF_LIFE_YEARS, allow_inf_nan=False)]

    @model_validator(mode="after")
    def _all_grades(self) -> Self:
        missing = [grade for grade in GRADES if grade not in self.grade_weights]
        if missing:
            raise ValueError(f"grade_weights are missing for: {', '.join(missing)}")
        absent = [kind for kind in COUNTED_KINDS if kind not in self.kind_weights]
        if absent:
            raise ValueError(f"kind_weights are missing for: {', '.join(absent)}")
        heavier = [kind for kind in COUNTED_KINDS[1:] if self.kind_weights[kind] > self.kind_weights[COUNTED_KINDS[0]]]
        if heavier:
            raise ValueError(f"kind_weights of {', '.join(heavier)} must not exceed {COUNTED_KINDS[0]}'s")
        return self


class Governance(_Table):
    """``G = 1 - max(total, 0) / 100`` when Freedom House gives a score, else ``status_weights[status]``."""

    status_weights: dict[Literal["F", "PF", "NF"], UnitFloat]
    use_total: bool = True
    max_age_years: Annotated[int, Field(ge=0, le=100)] = 5

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        missing = [status for status in ("F", "PF", "NF") if status not in self.status_weights]
        if missing:
            raise ValueError(f"status_weights are missing for: {', '.join(missing)}")
        _check_risk_order("status", {k.lower(): v for k, v in self.status_weights.items()}, ("F", "PF", "NF"))
        return self


class Likelihood(_Table):
    """``L = soft(A * (C * (1 + governance_gain * G) + incident_gain * H), saturation.likelihood_knee, 1)``."""

    governance_gain: Weight
    incident_gain: Weight


class Saturation(_Table):
    """Where likelihood and score stop growing linearly and approach their top smoothly:
    ``soft(x, k, top) = x`` for ``x <= k``, else ``k + (top - k) * (1 - exp(-(x - k) / (top - k)))``."""

    likelihood_knee: Annotated[float, Field(gt=0.0, lt=1.0, allow_inf_nan=False)]
    score_knee: Annotated[float, Field(gt=0.0, lt=100.0, allow_inf_nan=False)]


class Parameters(_Model):
    sensitivity: Sensitivity
    volume: Volume
    legal_reach: LegalReach
    access: Access
    incidents: Incidents
    governance: Governance
    likelihood: Likelihood
    saturation: Saturation


class Assumptions(_Model):
    """The value an unknown input takes for the point score (the interval spans all values)."""

    service_type: ServiceType
    data_categories: list[DataCategory]
    records: Annotated[int, Field(ge=0)]
    hosting: Hosting
    operator: Operator
    vendor_remote_access: bool
    customer_held_keys: bool
    audit_rights: bool
    governance: UnitFloat
    vendor_strength: UnitFloat
    rationale: str = ""


class Bands(_Model):
    """Band lower bounds: low < medium <= score < high <= ... < critical."""

    medium: Score = 25.0
    high: Score = 50.0
    critical: Score = 75.0

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        if not self.medium < self.high < self.critical:
            raise ValueError("band thresholds must increase: medium < high < critical")
        return self


class VectorLevels(_Model):
    """Factor level letters: N = 0, then L/M/H/C from these lower bounds."""

    medium: UnitFloat = 0.25
    high: UnitFloat = 0.5
    critical: UnitFloat = 0.75

    @model_validator(mode="after")
    def _increasing(self) -> Self:
        if not 0 < self.medium < self.high < self.critical:
            raise ValueError("vector level thresholds must increase: 0 < medium < high < critical")
        return self


class Gates(_Model):
    warn_only: bool = False


class Add(_Model):
    kind: Literal["add"]
    points: Points


class Multiply(_Model):
    kind: Literal["multiply"]
    factor: Annotated[float, Field(ge=0.0, le=10.0, allow_inf_nan=False)]


class Floor(_Model):
    kind: Literal["floor"]
    score: Score


class Cap(_Model):
    kind: Literal["cap"]
    score: Score


class Gate(_Model):
    kind: Literal["gate"]
    gate: Literal["warn", "block"]


Effect = Annotated[Add | Multiply | Floor | Cap | Gate, Field(discriminator="kind")]


class Rule(_Model):
    id: RuleId
    summary: Annotated[str, Field(min_length=1)]
    rationale: Annotated[str, Field(min_length=1)]
    remediation: str = ""
    references: list[str] = []
    when: Annotated[str, Field(min_length=1)]
    effect: Effect
    enabled: bool = True

    @property
    def raises(self) -> bool:
        """Whether the effect pushes the score (or gate) up when the rule fires."""
        effect = self.effect
        return (
            isinstance(effect, (Floor, Gate))
            or (isinstance(effect, Add) and effect.points > 0)
            or (isinstance(effect, Multiply) and effect.factor > 1)
        )

    @property
    def lowers(self) -> bool:
        effect = self.effect
        return (
            isinstance(effect, Cap)
            or (isinstance(effect, Add) and effect.points < 0)
            or (isinstance(effect, Multiply) and effect.factor < 1)
        )


#: Scalars a test contract's cells may hold (lists for ``data_categories``; dates as TOML dates).
Cell = str | bool | int | float | dt.date | list[str]
BandName = Literal["low", "medium", "high", "critical"]
GateName = Literal["pass", "warn", "block"]
assert BANDS == get_args(BandName) and GATES == get_args(GateName)


class Expectation(_Model):
    """What a pack test expects; every key given must hold (``invalid`` excludes the others)."""

    band: BandName | None = None
    score: Score | None = None
    score_min: Score | None = None
    score_max: Score | None = None
    gate: GateName | None = None
    fires: list[RuleId] = []
    not_fires: list[RuleId] = []
    invalid: bool | str | None = None

    @model_validator(mode="after")
    def _possible(self) -> Self:
        given = [name for name in self.model_fields_set if name != "invalid"]
        if not self.model_fields_set:
            raise ValueError(f"expect is empty: give at least one of {', '.join(Expectation.model_fields)}")
        if self.invalid not in (None, False) and given:
            raise ValueError(f"a test that expects the contract to be refused (invalid) cannot also expect {', '.join(sorted(given))}")
        if self.score_min is not None and self.score_max is not None and self.score_min > self.score_max:
            raise ValueError(f"score_min {self.score_min} is above score_max {self.score_max}")
        low = -1.0 if self.score_min is None else self.score_min
        high = 101.0 if self.score_max is None else self.score_max
        if self.score is not None and not low <= self.score <= high:
            raise ValueError(f"score {self.score} is outside score_min..score_max")
        both = sorted(set(self.fires) & set(self.not_fires))
        if both:
            raise ValueError(f"{both[0]!r} is both in fires and not_fires")
        return self


class PackTest(_Model):
    """One ``[[tests]]`` case: a contract in the canonical columns and what the pack must decide."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    contract: dict[str, Cell]
    as_of: dt.date | None = None
    expect: Expectation
    skip: Annotated[str, Field(min_length=1)] | None = None
    description: str = ""

    @field_validator("contract")
    @classmethod
    def _canonical(cls, contract: dict[str, Cell]) -> dict[str, Cell]:
        for key in contract:
            if key not in CANONICAL_COLUMNS:
                close = difflib.get_close_matches(key, CANONICAL_COLUMNS, n=1, cutoff=0.6)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(f"{key!r} is not a canonical column{hint}")
        return contract
#: Contract columns a mitigation may change (identity, dates, value and citation are facts, not terms).
MitigableField = Literal[
    "vendor_name",
    "vendor_country",
    "vendor_parent_country",
    "data_categories",
    "records",
    "hosting",
    "operator",
    "vendor_remote_access",
    "customer_held_keys",
    "audit_rights",
    "financing_country",
]
MITIGABLE: Final = get_args(MitigableField)
MAX_CHANGES_LIMIT: Final = 5


class Mitigation(_Model):
    """One change to a contract's terms that a buyer can ask for (see docs/rule-packs.md, "Mitigations").

    ``set`` gives columns a value, ``copy`` gives them another column's value (a domestic vendor:
    ``vendor_country`` from ``buyer_country``), ``remove`` drops data categories and ``scale``
    multiplies ``records`` by a factor below 1. Each value is checked against the contract schema.
    """

    id: RuleId
    summary: Annotated[str, Field(min_length=1)]
    rationale: str = ""
    references: list[str] = []
    set: dict[MitigableField, str | bool | int | list[str]] = {}
    copy_from: dict[MitigableField, Literal["buyer_country"]] = Field(default={}, alias="copy")
    remove: dict[Literal["data_categories"], Annotated[list[DataCategory], Field(min_length=1)]] = {}
    scale: dict[Literal["records"], Annotated[float, Field(gt=0.0, lt=1.0)]] = {}

    @model_validator(mode="after")
    def _checked(self) -> Self:
        fields = [*self.set, *self.copy_from, *self.remove, *self.scale]
        if not fields:
            raise ValueError("a mitigation needs at least one of set, copy, remove, scale")
        twice = sorted({name for name in fields if fields.count(name) > 1})
        if twice:
            raise ValueError(f"{twice[0]} is changed twice in one mitigation")
        for name, value in self.set.items():
            if value == "" and FIELD_BY_NAME[name].kind == "text":
                continue  # "" makes a text column unknown (e.g. no named vendor)
            try:
                Contract.model_validate({"contract_id": "x", "buyer_country": "FR", name: value})
            except ValidationError as exc:
                problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
                raise ValueError(f"set.{name} = {value!r}: {problem}") from None
        return self


class Mitigations(_Model):
    """The changes :func:`vendorrisk.what_if` may combine, at most ``max_changes`` to a plan."""

    max_changes: Annotated[int, Field(ge=1, le=MAX_CHANGES_LIMIT)] = 3
    changes: list[Mitigation] = []

    @field_validator("changes")
    @classmethod
    def _unique(cls, changes: list[Mitigation]) -> list[Mitigation]:
        seen: set[str] = set()
        for change in changes:
            if change.id in seen:
                raise ValueError(f"duplicate mitigation id {change.id!r}")
            seen.add(change.id)
        return changes


class Pack(_Model):
    """A whole rule pack after its files (and the pack it extends) are merged."""

    schema_version: Literal[1]
    pack: PackInfo
    parameters: Parameters
    assumptions: Assumptions
    bands: Bands = Bands()
    vector: VectorLevels = VectorLevels()
    gates: Gates = Gates()
    rules: list[Rule] = []
    mitigations: Mitigations = Mitigations()
    jurisdictions_meta: TableMeta
    jurisdictions: list[Jurisdiction]
    vendors_meta: TableMeta
    vendors: list[Vendor]
    incidents_meta: TableMeta
    incidents: list[Incident]
    governance_meta: TableMeta
    governance: dict[CountryCode, GovernanceEntry]
    # Optional: a pack without it (one not extending the default) has no restriction lists.
    restrictions_meta: TableMeta | None = None
    restrictions: list[Restriction] = []
    tests: list[PackTest] = []
    # Optional: without a population table, population_share is unknown for every buyer.
    population_meta: TableMeta | None = None
    population: dict[CountryCode, PopulationEntry] = {}

    @field_validator("rules", "jurisdictions", "vendors", "incidents", "restrictions", "tests")
    @classmethod
    def _unique(cls, entries: list[Any], info: ValidationInfo) -> list[Any]:
        key, label = KEYED_LISTS[str(info.field_name)]
        seen: set[str] = set()
        for entry in entries:
            value = getattr(entry, key)
            if value in seen:
                raise ValueError(f"duplicate {label} {value!r}")
            seen.add(value)
        return entries

    @field_validator("incidents")
    @classmethod
    def _known_vendors(cls, incidents: list[Incident], info: ValidationInfo) -> list[Incident]:
        if "vendors" not in info.data:  # the registry itself is invalid and already reported
            return incidents
        names = {vendor.name for vendor in info.data["vendors"]}
        for incident in incidents:
            for name in incident.vendors:
                if name not in names:
                    raise ValueError(f"incident {incident.id!r} names vendor {name!r}, which is not in the registry")
        return incidents

    @field_validator("restrictions")
    @classmethod
    def _restricted_vendors(cls, restrictions: list[Restriction], info: ValidationInfo) -> list[Restriction]:
        if "vendors" not in info.data:  # the registry itself is invalid and already reported
            return restrictions
        names = {vendor.name for vendor in info.data["vendors"]}
        for entry in restrictions:
            if entry.vendor not in names:
                raise ValueError(f"restriction {entry.id!r} names vendor {entry.vendor!r}, which is not in the registry")
            if entry.delisted is not None and entry.delisted <= entry.listed:
                raise ValueError(f"restriction {entry.id!r} is delisted on or before the day it was listed")
        return restrictions
