"""The contract schema: canonical columns, their kinds, allowed values and risk order.

This module alone knows the contract fields. Everything else (the table
validator, the condition type-checker, the pack validator, the pydantic
``Contract`` model) reads them from :data:`FIELDS`.
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Annotated, Final, Literal

import numpy as np
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field


class ServiceType(enum.StrEnum):
    CLOUD_HOSTING = "cloud_hosting"
    DATA_CENTER = "data_center"
    E_GOVERNMENT = "e_government"
    SAFE_CITY = "safe_city"
    NETWORK = "network"
    MANAGED_SERVICES = "managed_services"
    SOFTWARE = "software"
    HARDWARE = "hardware"
    CONSULTING = "consulting"
    CLOUD_STORAGE = "cloud_storage"  # storage or backup only: the provider never processes the data in clear
    SECURITY_SOFTWARE = "security_software"  # endpoint protection, EDR: privileged agents, cloud telemetry, vendor updates


class DataCategory(enum.StrEnum):
    HEALTH = "health"
    TAX = "tax"
    LEGAL = "legal"
    IDENTITY = "identity"
    BIOMETRIC = "biometric"
    FINANCIAL = "financial"
    EDUCATION = "education"
    LAW_ENFORCEMENT = "law_enforcement"
    DEFENSE = "defense"
    SOCIAL_WELFARE = "social_welfare"
    TELECOM_METADATA = "telecom_metadata"
    LOCATION = "location"
    PUBLIC = "public"
    NONE = "none"


class Hosting(enum.StrEnum):
    CUSTOMER_PREMISES = "customer_premises"
    IN_COUNTRY = "in_country"
    FOREIGN = "foreign"


class Operator(enum.StrEnum):
    CUSTOMER = "customer"
    THIRD_PARTY = "third_party"
    JOINT = "joint"
    VENDOR = "vendor"


def _values(members: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(member.value for member in members)


Kind = Literal["id", "text", "country", "link_country", "enum", "set", "bool", "count", "amount", "date"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One canonical column.

    ``risk_order`` lists the values from least to most exposed for ordered
    enums; for booleans it is ``(safe, exposed)``; ``None`` means the field is
    not a risk factor by itself (identity fields, amounts).
    """

    name: str
    kind: Kind
    values: tuple[str, ...] = ()
    risk_order: tuple[str, ...] | tuple[bool, bool] | None = None
    increasing: bool = False  # numbers and sets: more is more exposed
    required: bool = False


#: The literal a link column (``vendor_parent_country``, ``financing_country``) takes for "known: none".
NO_LINK: Final = "none"

FIELDS: Final[tuple[FieldSpec, ...]] = (
    FieldSpec("contract_id", "id", required=True),
    FieldSpec("buyer_country", "country", required=True),
    FieldSpec("buyer_name", "text"),
    FieldSpec("vendor_name", "text"),
    FieldSpec("vendor_country", "country"),
    FieldSpec("vendor_parent_country", "link_country"),
    FieldSpec("service_type", "enum", _values(ServiceType)),
    FieldSpec("data_categories", "set", _values(DataCategory), increasing=True),
    FieldSpec("records", "count", increasing=True),
    FieldSpec("hosting", "enum", _values(Hosting), risk_order=_values(Hosting)),
    FieldSpec("operator", "enum", _values(Operator), risk_order=_values(Operator)),
    FieldSpec("vendor_remote_access", "bool", risk_order=(False, True)),
    FieldSpec("customer_held_keys", "bool", risk_order=(True, False)),
    FieldSpec("audit_rights", "bool", risk_order=(True, False)),
    FieldSpec("financing_country", "link_country"),
    FieldSpec("value_usd", "amount"),
    FieldSpec("signed", "date"),
    FieldSpec("source", "text"),
)
FIELD_BY_NAME: Final = {spec.name: spec for spec in FIELDS}
CANONICAL_COLUMNS: Final = tuple(spec.name for spec in FIELDS)

#: Inputs whose unknown value is filled from the pack's assumptions for the point score and
#: spans its whole range for the interval.
ASSUMABLE: Final = (
    "service_type",
    "data_categories",
    "records",
    "hosting",
    "operator",
    "vendor_remote_access",
    "customer_held_keys",
    "audit_rights",
)

#: Factor columns of the output, in order; each is 0..1 and higher is more exposed.
FACTORS: Final = ("sensitivity", "legal_reach", "access", "incidents", "governance")

#: Output columns added after the input columns, in order.
OUTPUT_COLUMNS: Final = (
    "score",
    "band",
    "score_low",
    "score_high",
    "gate",
    *FACTORS,
    "reasons",
    "vector",
    "matched_vendor",
    "match",
    "reach_state",
    "as_of",
    "governance_edition",
    "fingerprint",
    "warning",
    "error",
)

#: A reserved input column: readers put a problem with the raw record here (a malformed CSV line);
#: the validator turns it into the row's ``error`` and it never reaches the output.
PARSE_ERROR_COLUMN: Final = "_vendorrisk_parse_error"
#: The column a calibration adds after the output columns (:mod:`vendorrisk.calibration`).
PROBABILITY_COLUMN: Final = "probability"
DUPLICATE_WARNING: Final = "contract_id: duplicate of an earlier row"
#: Several warnings of one row are joined with this.
WARNING_SEPARATOR: Final = "; "

BANDS: Final = ("low", "medium", "high", "critical")
GATES: Final = ("pass", "warn", "block")
GOVERNANCE_STATUSES: Final = ("F", "PF", "NF")

TRUE_WORDS: Final = frozenset({"true", "yes", "1", "y", "t"})
FALSE_WORDS: Final = frozenset({"false", "no", "0", "n", "f"})


@cache
def country_names() -> dict[str, str]:
    """ISO 3166-1 alpha-2 code -> short English name (plus XK), from the shipped table."""
    text = resources.files("vendorrisk").joinpath("data/countries.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return {row["code"]: row["name"] for row in rows}


def _check_country(value: str) -> str:
    code = value.strip().upper()
    if code not in country_names():
        raise ValueError(f"{value!r} is not an ISO 3166-1 alpha-2 country code")
    return code


def _check_link_country(value: str) -> str:
    return NO_LINK if value.strip().lower() == NO_LINK else _check_country(value)


CountryCode = Annotated[str, AfterValidator(_check_country)]
LinkCountry = Annotated[str, AfterValidator(_check_link_country)]
UnitFloat = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


def _split_categories(value: object) -> object:
    """``"health;tax"`` -> ``["health", "tax"]``, as in the CSV column."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


_ISO_DATE: Final = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_text(value: object) -> object:
    """A date given as text must be exactly YYYY-MM-DD (pydantic alone also takes timestamps)."""
    if isinstance(value, str):
        if not _ISO_DATE.fullmatch(value.strip()):
            raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD)")
        return value.strip()
    return value


# Enum members, category sets and ISO dates may be given as their text; numbers and booleans stay strict.
_LAX: Final = Field(strict=False)


class Contract(BaseModel):
    """One procurement contract in the canonical columns.

    ``None`` means unknown, which is not the same as ``False``: unknowns widen
    the score interval and take the pack's stated assumption for the point
    score. Extra keys are refused here; pass a mapping to
    :func:`vendorrisk.score` to carry extra columns through.

    Examples
    --------
    >>> Contract(contract_id="PG-1", buyer_country="PG", vendor_name="Huawei").vendor_country is None
    True
    """

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    contract_id: Annotated[str, Field(min_length=1)]
    buyer_country: CountryCode
    buyer_name: str | None = None
    vendor_name: str | None = None
    vendor_country: CountryCode | None = None
    vendor_parent_country: LinkCountry | None = None
    service_type: Annotated[ServiceType, _LAX] | None = None
    data_categories: Annotated[frozenset[Annotated[DataCategory, _LAX]], _LAX, BeforeValidator(_split_categories)] | None = None
    records: Annotated[int, Field(ge=0)] | None = None
    hosting: Annotated[Hosting, _LAX] | None = None
    operator: Annotated[Operator, _LAX] | None = None
    vendor_remote_access: bool | None = None
    customer_held_keys: bool | None = None
    audit_rights: bool | None = None
    financing_country: LinkCountry | None = None
    value_usd: NonNegative | None = None
    signed: Annotated[dt.date, _LAX, BeforeValidator(_date_text)] | None = None
    source: str | None = None

    def to_row(self) -> dict[str, str | None]:
        """The contract as a row of canonical text cells (``None`` for unknown)."""
        return {name: to_cell(getattr(self, name)) for name in CANONICAL_COLUMNS}


REQUIRED: Final = tuple(spec.name for spec in FIELDS if spec.required)
_DELIMITERS: Final = (";", "\t", "|", ",")  # what a one-column header may hold when the delimiter is wrong


def missing_required(names: Sequence[str]) -> str | None:
    """What a table whose columns are ``names`` lacks of the required columns, or None.

    A column whose name differs from a required one only in case, spaces, hyphens or
    underscores is pointed out (:func:`lookalikes`), since it is most likely that column; a
    lone column holding a delimiter suggests the wrong one (:func:`suspected_delimiter`). The
    text is neutral: the command line adds its own options (``--map``, ``--delimiter``).

    Examples
    --------
    >>> missing_required(["Contract ID", "buyer_country"])
    "no 'contract_id' column (required); the column 'Contract ID' looks like it: rename it"
    >>> missing_required(["contract_id;buyer_country"])
    "no 'contract_id', 'buyer_country' columns (required); the only column is 'contract_id;buyer_country': are the fields separated by ';'?"
    """
    missing = [name for name in REQUIRED if name not in names]
    if not missing:
        return None
    problem = f"no {', '.join(map(repr, missing))} column{'s' if len(missing) > 1 else ''} (required)"
    near = lookalikes(names)
    if near:
        one = len(near) == 1
        headers = ", ".join(repr(header) for _, header in near)
        problem += f"; the column{'' if one else 's'} {headers} look{'s' if one else ''} like {'it' if one else 'them'}: rename {'it' if one else 'them'}"
    elif mark := suspected_delimiter(names):
        problem += f"; the only column is {names[0]!r}: are the fields separated by {delimiter_name(mark)}?"
    return problem


def lookalikes(names: Sequence[str]) -> list[tuple[str, str]]:
    """(required column, column of ``names``) pairs where a required column is missing and a
    column differs from it only in case, spaces, hyphens or underscores."""
    return [(name, header) for name in REQUIRED if name not in names for header in names if _loose(header) == name]


def suspected_delimiter(names: Sequence[str]) -> str | None:
    """The delimiter that a table's only column holds (the file was split on the wrong one), or None."""
    if len(names) != 1:
        return None
    return next((mark for mark in _DELIMITERS if mark in names[0]), None)


def delimiter_name(mark: str) -> str:
    """How messages name a delimiter: ``tab``, or the character quoted."""
    return "tab" if mark == "\t" else repr(mark)


#: How close (difflib ratio, on names folded as :func:`_loose` folds them) an unknown column
#: must be to a canonical one to be suggested as it.
_NEAR_NAME: Final = 0.75


def unknown_columns(names: Sequence[str]) -> list[str]:
    """The columns of ``names`` that are neither canonical, nor output columns (which scoring
    replaces, and a calibration's ``probability``), nor reserved: they are passed through and
    never scored."""
    known = {*CANONICAL_COLUMNS, *OUTPUT_COLUMNS, PROBABILITY_COLUMN, PARSE_ERROR_COLUMN}
    return [name for name in names if name not in known]


def unknown_columns_problem(names: Sequence[str]) -> str | None:
    """What to tell about the unknown columns of ``names`` (:func:`unknown_columns`), or None.

    Each is named, with the canonical column it most likely means: one that differs only in
    case, spaces, hyphens or underscores, else the closest by spelling.

    Examples
    --------
    >>> unknown_columns_problem(["contract_id", "vendor_nmae", "Records ", "note"])
    "3 columns are not canonical and are passed through unscored: 'vendor_nmae' (did you mean 'vendor_name'?), 'Records ' (did you mean 'records'?), 'note'"
    >>> unknown_columns_problem(["contract_id", "score"]) is None
    True
    """
    unknown = unknown_columns(names)
    if not unknown:
        return None
    shown = []
    for name in unknown:
        loose = _loose(name)
        near = [loose] if loose in CANONICAL_COLUMNS else difflib.get_close_matches(loose, CANONICAL_COLUMNS, n=1, cutoff=_NEAR_NAME)
        shown.append(f"{name!r} (did you mean {near[0]!r}?)" if near else repr(name))
    count = "1 column is" if len(unknown) == 1 else f"{len(unknown)} columns are"
    return f"{count} not canonical and {'is' if len(unknown) == 1 else 'are'} passed through unscored: {', '.join(shown)}"


def _loose(name: str) -> str:
    return "_".join(name.strip().casefold().replace("-", " ").replace("_", " ").split())


def to_cell(value: object) -> str | None:
    """A value as the text a canonical CSV cell holds: ``true``/``false``, ISO dates,
    ``;``-joined sets, ``None`` for unknown. Rows of mixed Python types then make one column.

    NaN, NaT and pandas' ``NA`` are unknown, as an empty cell is: they are what a row taken
    from a DataFrame (``df.to_dict("records")``) holds where the table has no value.
    """
    if value is None or type(value) is str:
        return value
    if _is_missing(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    if isinstance(value, (set, frozenset, list, tuple)):
        return ";".join(sorted(str(item) for item in value))
    return str(value)


_MISSING_TYPES: Final = frozenset({"NAType", "NaTType"})  # pandas.NA, pandas.NaT (pandas is not imported)


def _is_missing(value: object) -> bool:
    if isinstance(value, float):  # numpy's float64 too
        return math.isnan(value)
    if type(value).__name__ in _MISSING_TYPES:
        return True
    if isinstance(value, np.floating):
        return bool(np.isnan(value))
    if isinstance(value, (np.datetime64, np.timedelta64)):
        return bool(np.isnat(value))
    return False
