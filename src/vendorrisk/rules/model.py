"""The rule-pack format: pydantic models for everything a pack's TOML may say.

Every model is frozen and forbids unknown keys, so a misspelt key is an error, not a silent
default. ``docs/rule-packs.md`` documents each key; ``docs/methodology.md`` the formulas that
use the parameters.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator

from vendorrisk.reference import GRADES, GovernanceEntry, Grade, Incident, Jurisdiction, TableMeta, Vendor
from vendorrisk.schema import (
    FIELD_BY_NAME,
    Contract,
    CountryCode,
    DataCategory,
    Hosting,
    NonNegative,
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
    "changes": ("id", "mitigation id"),  # mitigations.changes: an extending pack replaces or adds by id
}
RuleId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{2,79}$")]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Points = Annotated[float, Field(ge=-100.0, le=100.0, allow_inf_nan=False)]
Score = Annotated[float, Field(ge=0.0, le=100.0, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _check_risk_order(field: str, weights: dict[str, float], order: tuple[object, ...]) -> None:
    """Access weights must not fall as an input gets riskier, or the score would not be monotone."""
    ranked = [weights[str(value).lower()] for value in order]
    if any(later < earlier for earlier, later in zip(ranked, ranked[1:])):
        sequence = " <= ".join(str(value).lower() for value in order)
        raise ValueError(f"{field} weights must not decrease with risk ({sequence})")


class PackInfo(_Model):
    name: Annotated[str, Field(min_length=1)]
    version: str = "0"
    description: str = ""
    extends: str | None = None


class Sensitivity(_Model):
    """``S = min(1, max_c w_c + linkage_bonus * (k - 1))``, k = categories with ``w_c >= linkage_threshold``."""

    weights: dict[DataCategory, UnitFloat]
    linkage_bonus: UnitFloat
    linkage_threshold: UnitFloat
    references: list[str] = []

    @model_validator(mode="after")
    def _all_categories(self) -> Self:
        missing = sorted(set(DataCategory) - set(self.weights))
        if missing:
            raise ValueError(f"weights are missing for: {', '.join(missing)}")
        return self


class Volume(_Model):
    """``V = floor + (1 - floor) * min(1, log10(1 + records) / log10(1 + saturation_records))``."""

    floor: UnitFloat
    saturation_records: Annotated[float, Field(gt=1.0, allow_inf_nan=False)]
    references: list[str] = []


class LegalReach(_Model):
    """``C = max over foreign links l of strength(state_l) * link_weight(kind_l)``."""

    seat: UnitFloat
    parent: UnitFloat
    shareholder: UnitFloat
    financing: UnitFloat
    control_single: UnitFloat = 0.24
    control_combined: UnitFloat = 0.39
    unassessed_strength: UnitFloat
    references: list[str] = []


class BoolWeights(_Model):
    true: UnitFloat
    false: UnitFloat


class Access(_Model):
    """``A = service_type * operator * hosting * remote_access * keys * audit`` (each a weight 0..1)."""

    service_type: dict[ServiceType, UnitFloat]
    operator: dict[Operator, UnitFloat]
    hosting: dict[Hosting, UnitFloat]
    vendor_remote_access: BoolWeights
    customer_held_keys: BoolWeights
    audit_rights: BoolWeights
    references: list[str] = []

    @model_validator(mode="after")
    def _monotone(self) -> Self:
        for name in ("service_type", "operator", "hosting"):
            table: dict[str, float] = getattr(self, name)
            missing = sorted(set(FIELD_BY_NAME[name].values) - set(table))
            if missing:
                raise ValueError(f"{name} weights are missing for: {', '.join(missing)}")
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


class Incidents(_Model):
    """``H = 1 - exp(-sum_i grade_weight(i) * 0.5 ** (age_i / half_life))``."""

    grade_weights: dict[Grade, NonNegative]
    half_life_years: Positive
    references: list[str] = []

    @model_validator(mode="after")
    def _all_grades(self) -> Self:
        missing = [grade for grade in GRADES if grade not in self.grade_weights]
        if missing:
            raise ValueError(f"grade_weights are missing for: {', '.join(missing)}")
        return self


class Governance(_Model):
    """``G = 1 - max(total, 0) / 100`` when Freedom House gives a score, else ``status_weights[status]``."""

    status_weights: dict[Literal["F", "PF", "NF"], UnitFloat]
    use_total: bool = True
    max_age_years: Annotated[int, Field(ge=0, le=100)] = 5
    references: list[str] = []

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        missing = [status for status in ("F", "PF", "NF") if status not in self.status_weights]
        if missing:
            raise ValueError(f"status_weights are missing for: {', '.join(missing)}")
        _check_risk_order("status", {k.lower(): v for k, v in self.status_weights.items()}, ("F", "PF", "NF"))
        return self


class Likelihood(_Model):
    """``L = clip(A * (C * (1 + governance_gain * G) + incident_gain * H), 0, 1)``."""

    governance_gain: NonNegative
    incident_gain: NonNegative
    references: list[str] = []


class Parameters(_Model):
    sensitivity: Sensitivity
    volume: Volume
    legal_reach: LegalReach
    access: Access
    incidents: Incidents
    governance: Governance
    likelihood: Likelihood


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

    @field_validator("rules", "jurisdictions", "vendors", "incidents")
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
