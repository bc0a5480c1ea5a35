"""Contracts table -> validated input columns (integer codes, numbers, dates) and per-row errors.

Every canonical column is checked by its kind from :data:`vendorrisk.schema.FIELDS`. Text cells
are parsed once per distinct value (dictionary encoding), so a million rows with a few hundred
distinct countries cost a few hundred parses. A bad cell never raises: it makes the cell unknown
and adds ``column: problem`` to the row's error.
"""

from __future__ import annotations

import datetime as dt
import difflib
import functools
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final, TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from vendorrisk._arrays import SMALL, Coded, made, zero_codes
from vendorrisk.errors import InputError
from vendorrisk.reference import COUNTRY_INDEX, NO_LINK_CODE, UNKNOWN
from vendorrisk.schema import (
    FALSE_WORDS,
    FIELD_BY_NAME,
    FIELDS,
    NO_LINK,
    PARSE_ERROR_COLUMN,
    TRUE_WORDS,
    FieldSpec,
    country_names,
)

# An integer or decimal number, optionally with an exponent; thousands separators are refused
# because "1,000" is ambiguous between locales.
_NUMBER: Final = r"^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$"
_NUMBER_RE: Final = re.compile(_NUMBER)
#: A number cell reading NaN (any case, as ``float()`` spells it) is unknown, like an empty cell and
#: like a NaN given from Python or pandas: it is how pandas, R, numpy and MATLAB write a missing number.
_NAN: Final = r"^\s*[+-]?[nN][aA][nN]\s*$"
_NAN_RE: Final = re.compile(_NAN)
_NOT_A_CODE: Final = -2  # internal marker for a cell that failed to parse
#: Dates are read in exactly the form the docs give, YYYY-MM-DD (``date.fromisoformat`` alone
#: would also take ``20210101`` and ``2024-W01-1``).
DATE_FORMAT: Final = "YYYY-MM-DD"
_DATE_RE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: A ``signed`` date may be at most this many days after the run date (a contract dated for
#: next month's signature); a later one is a row error, since it would lower the score.
FUTURE_TOLERANCE_DAYS: Final = 31
#: What a ``data_categories`` cell that names no category (``;``, `` ; ``) is told.
NO_CATEGORY: Final = "names no data category (leave the cell empty for unknown, or write 'none' for no data)"
RECORD: Final = "record"  # the "column" named in errors about a whole unreadable record
Column: TypeAlias = "pa.ChunkedArray | list[str | None]"


@dataclass
class Inputs:
    """Validated canonical columns, each ``(n_contracts,)``.

    Country columns are ``int16`` indices into :data:`~vendorrisk.reference.COUNTRY_CODES`
    (``-1`` unknown, ``NO_LINK_CODE`` for ``none``); enums ``int8`` indices into the field's
    values (``-1`` unknown); ``data_categories`` a ``uint16`` bitmask with ``known`` telling
    empty from unknown; booleans ``int8`` (``-1`` unknown, 0, 1); numbers ``float64`` (NaN
    unknown); ``signed`` ``datetime64[D]`` (NaT unknown); ``vendor_name`` indices into
    ``vendor_names``, its distinct texts (``len(vendor_names)`` when blank).
    ``problems`` maps a column name to ``(n_contracts,)`` message codes into ``messages``.
    """

    n: int
    columns: dict[str, NDArray[Any]]
    known: dict[str, NDArray[np.bool_]]
    vendor_names: list[str]
    problems: dict[str, NDArray[np.int32]] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)

    def errors(self, invalid: NDArray[np.bool_] | None = None) -> Coded:
        """``(n_contracts,)`` the row's problems joined by ``"; "``, or ``""`` for a valid row
        (``invalid``: :meth:`invalid`, when the caller has it already)."""
        if not self.problems:
            return Coded(made(zero_codes, self.n), [""])
        codes = np.zeros(self.n, dtype=np.int32)
        texts = {"": 0}
        record = self.problems.get(RECORD)
        for row in np.flatnonzero(self.invalid() if invalid is None else invalid):
            if record is not None and record[row] >= 0:  # an unreadable record: its cells say nothing more
                text = self.messages[record[row]]
            else:
                text = "; ".join(self.messages[c[row]] for c in self.problems.values() if c[row] >= 0)
            codes[row] = texts.setdefault(text, len(texts))
        return Coded(codes, list(texts))

    def invalid(self) -> NDArray[np.bool_]:
        """``(n_contracts,)`` True where the row has any problem."""
        if not self.problems:
            return _absent("known", self.n)  # all False
        mask = np.zeros(self.n, dtype=bool)
        for codes in self.problems.values():
            mask |= codes >= 0
        return mask


def _suggest(value: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def _parse_link_country(text: str) -> tuple[int, str | None]:
    """A country code, or ``none`` for "known: there is no such link"."""
    return (NO_LINK_CODE, None) if text.strip().lower() == NO_LINK else _parse_country(text)


def _parse_country_uncached(text: str) -> tuple[int, str | None]:
    code = text.strip().upper()
    if code in COUNTRY_INDEX:
        return COUNTRY_INDEX[code], None
    by_name = {name.casefold(): iso for iso, name in country_names().items()}  # GB's name is "UK": a hint at GB
    hint = f"; did you mean {by_name[text.strip().casefold()]!r}?" if text.strip().casefold() in by_name else ""
    return _NOT_A_CODE, f"{text!r} is not an ISO 3166-1 alpha-2 country code{hint}"


_parse_country = functools.lru_cache(maxsize=4096)(_parse_country_uncached)


def _normal_word(text: str) -> str:
    return text.strip().lower().replace("-", "_").replace(" ", "_")


def _parse_enum_uncached(spec: FieldSpec) -> Callable[[str], tuple[int, str | None]]:
    values = list(spec.values)

    def parse(text: str) -> tuple[int, str | None]:
        word = _normal_word(text)
        if word in values:
            return values.index(word), None
        return _NOT_A_CODE, f"{text!r} is not one of {', '.join(values)}{_suggest(word, values)}"

    return parse


_parse_enum = functools.cache(_parse_enum_uncached)


def _parse_categories_uncached(text: str) -> tuple[int, str | None]:
    values = _CATEGORIES.values
    if not any(part.strip() for part in text.split(";")):  # ";" or " ; ": an empty list is not "none"
        return _NOT_A_CODE, f"{text!r} {NO_CATEGORY}"
    bits = 0
    for part in text.split(";"):
        word = _normal_word(part)
        if not word:
            continue
        if word not in values:
            return _NOT_A_CODE, f"{part.strip()!r} is not a data category{_suggest(word, list(values))} (allowed: {', '.join(values)})"
        bits |= 1 << values.index(word)
    return bits, None


_parse_categories = functools.lru_cache(maxsize=4096)(_parse_categories_uncached)


def _parse_bool(text: str) -> tuple[int, str | None]:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return 1, None
    if word in FALSE_WORDS:
        return 0, None
    return _NOT_A_CODE, f"{text!r} is not a boolean (use true/false, yes/no or 1/0)"


def parse_date(text: str) -> dt.date | None:
    """``text`` as a date if it is exactly YYYY-MM-DD (surrounding spaces aside), else None.

    Examples
    --------
    >>> parse_date("2021-01-01"), parse_date("20210101"), parse_date("2024-W01-1")
    (datetime.date(2021, 1, 1), None, None)
    """
    text = text.strip()
    if not _DATE_RE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _parse_date_uncached(text: str) -> tuple[int, str | None]:
    date = parse_date(text)
    if date is None:
        return _NOT_A_CODE, f"{text!r} is not a date (use {DATE_FORMAT})"
    return (date - dt.date(1970, 1, 1)).days, None


_parse_date = functools.lru_cache(maxsize=65536)(_parse_date_uncached)


def check_as_of(as_of: dt.date | None, today: dt.date | None = None) -> None:
    """Refuse an as-of date after ``today`` (default: the run date): reference data cannot be
    read as of a day that has not come, and a later date would lower the incident factor."""
    today = today or dt.date.today()
    if as_of is not None and as_of > today:
        raise InputError(f"as_of {as_of.isoformat()} is after today ({today.isoformat()}): reference data cannot be read as of the future")


_CATEGORIES: Final = next(spec for spec in FIELDS if spec.kind == "set")  # data_categories


def _as_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column
    return column.cast(pa.string())


def _filled(column: pa.ChunkedArray) -> NDArray[np.bool_]:
    """Per row: the cell holds something other than whitespace (without building trimmed copies)."""
    blank = pc.or_(pc.equal(pc.binary_length(column), 0), pc.utf8_is_space(column))
    return np.asarray(pc.and_kleene(pc.is_valid(column), pc.invert(blank)).fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)


def _blank_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Cells that are empty or only whitespace mean unknown."""
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, column.type), column)


class _Collector:
    def __init__(self, n: int) -> None:
        self.n = n
        self.problems: dict[str, NDArray[np.int32]] = {}
        self.messages: list[str] = []
        self._index: dict[str, int] = {}

    def add(self, name: str, rows: NDArray[np.bool_], messages: NDArray[np.object_] | str) -> None:
        codes = self.problems.setdefault(name, np.full(self.n, -1, dtype=np.int32))
        if isinstance(messages, str):
            codes[rows] = self._code(f"{name}: {messages}")
        else:
            for row in np.flatnonzero(rows):
                codes[row] = self._code(f"{name}: {messages[row]}")

    def extend(self, other: _Collector) -> None:
        """Add the problems another collector found in the same rows."""
        for name, codes in other.problems.items():
            mine = self.problems.setdefault(name, np.full(self.n, -1, dtype=np.int32))
            for row in np.flatnonzero(codes >= 0):
                mine[row] = self._code(other.messages[codes[row]])

    def _code(self, message: str) -> int:
        if message not in self._index:
            self._index[message] = len(self.messages)
            self.messages.append(message)
        return self._index[message]


def _distinct(column: Column) -> tuple[list[str], NDArray[np.intp]]:
    """The distinct non-blank texts of a column and, per row, the index of its text (``len(texts)`` for blank)."""
    if isinstance(column, list) or len(column) <= SMALL:  # a few rows: Python beats the fixed cost of Arrow kernels
        index: dict[str, int] = {}
        rows = []
        for cell in column if isinstance(column, list) else _as_strings(column).to_pylist():
            rows.append(-1 if cell is None or not cell.strip() else index.setdefault(cell, len(index)))
        indices = np.array(rows, dtype=np.intp)
        return list(index), np.where(indices < 0, len(index), indices)
    encoded = pc.dictionary_encode(_as_strings(column)).combine_chunks()
    texts = encoded.dictionary.to_pylist()
    indices = encoded.indices.fill_null(len(texts)).to_numpy(zero_copy_only=False)
    blank = [i for i, text in enumerate(texts) if not text.strip()]
    if not blank:
        return texts, indices
    # Blank texts are unknown: renumber the rest and send blanks to the "unknown" slot.
    keep = [text for text in texts if text.strip()]
    remap = np.full(len(texts) + 1, len(keep), dtype=np.intp)
    remap[[i for i, text in enumerate(texts) if text.strip()]] = np.arange(len(keep))
    return keep, remap[indices]


def _coded(
    column: Column, parse: Callable[[str], tuple[int, str | None]], dtype: type[np.generic], name: str, errors: _Collector
) -> tuple[NDArray[np.generic], NDArray[np.bool_]]:
    """Parse a low-cardinality text column once per distinct value."""
    if isinstance(column, list):  # cells from Python: parse each (parsers are cached), one array at the end
        parsed = [(UNKNOWN, None) if cell is None or not str(cell).strip() else parse(str(cell)) for cell in column]
        if any(code == _NOT_A_CODE for code, _ in parsed):
            bad = np.array([code == _NOT_A_CODE for code, _ in parsed])
            errors.add(name, bad, np.array([message for _, message in parsed], dtype=object))
        values = np.array([UNKNOWN if code == _NOT_A_CODE else code for code, _ in parsed], dtype=dtype)
        return values, values != UNKNOWN
    texts, indices = _distinct(column)
    parsed = [parse(text) for text in texts]
    codes = np.array([code for code, _ in parsed] + [UNKNOWN], dtype=np.int64)
    values = codes[indices]
    if any(code == _NOT_A_CODE for code, _ in parsed):
        bad = values == _NOT_A_CODE
        message_of = np.array([message for _, message in parsed] + [None], dtype=object)
        errors.add(name, bad, message_of[indices])
        values[bad] = UNKNOWN
    known = values != UNKNOWN
    return values.astype(dtype), known


def _numbers(column: Column, spec: FieldSpec, errors: _Collector) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    if isinstance(column, pa.ChunkedArray) and (
        pa.types.is_integer(column.type) or pa.types.is_floating(column.type) or pa.types.is_decimal(column.type)
    ):
        # unsafe: an integer above 2**53 (a uint64 of records, say) rounds instead of failing
        values = column.cast(pa.float64(), safe=False).to_numpy().astype(np.float64, copy=True)
    elif isinstance(column, list) or len(column) <= SMALL:  # a few cells: plain Python
        given = column if isinstance(column, list) else _as_strings(column).to_pylist()
        cells = [None if cell is None or not str(cell).strip() or _NAN_RE.match(str(cell)) else str(cell) for cell in given]
        parsed = [np.nan if cell is None else float(cell) if _NUMBER_RE.match(cell) else None for cell in cells]
        if any(number is None for number in parsed):
            bad_text = np.array([number is None for number in parsed])
            errors.add(spec.name, bad_text, np.array([f"{cell!r} is not a number" for cell in cells], dtype=object))
        values = np.array([np.nan if number is None else number for number in parsed], dtype=np.float64)
        if all(_plausible(number, spec) for number in parsed):  # the usual case: nothing below to report
            return values, ~np.isnan(values)
    else:
        values = _cast_numbers(column)
        if values is None:
            values = _numbers_with_errors(column, spec, errors)
    negative = values < 0  # NaN compares false
    finite = np.isfinite(values)
    fractional = finite & (values != np.floor(values)) & ~negative if spec.kind == "count" else np.zeros_like(finite)
    infinite = np.isinf(values)
    if (negative | fractional | infinite).any():
        for mask, problem in ((negative, "must be >= 0"), (fractional, "must be a whole number"), (infinite, "must be finite")):
            if mask.any():
                errors.add(spec.name, mask, problem)
                values[mask] = np.nan
    return values, ~np.isnan(values)


def _plausible(number: float | None, spec: FieldSpec) -> bool:
    """A parsed cell that the checks of :func:`_numbers` would pass: unknown (NaN), or finite,
    not negative, and whole for a count."""
    if number is None:
        return False
    return number != number or (0.0 <= number < math.inf and (spec.kind != "count" or number.is_integer()))


def _cast_numbers(column: pa.ChunkedArray) -> NDArray[np.float64] | None:
    """The fast path: Arrow's cast, if every cell is a number or empty (None otherwise).

    Arrow also reads ``inf`` and ``Infinity``, which :data:`_NUMBER` (and so a batch of a few
    rows) refuses as not a number: such a column takes the cell-by-cell path, so a cell gets the
    same message whatever batch it is in."""
    text = _as_strings(column)
    try:
        values: NDArray[np.float64] = pc.cast(text, pa.float64()).to_numpy().astype(np.float64, copy=True)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if np.isinf(values).any():
        return None
    return values  # NaN where the cell was empty or read NaN: unknown


def _numbers_with_errors(column: pa.ChunkedArray, spec: FieldSpec, errors: _Collector) -> NDArray[np.float64]:
    """Parse a text column cell by cell, reporting the cells that are not numbers."""
    text = _blank_to_null(_as_strings(column))
    text = pc.if_else(pc.match_substring_regex(text, _NAN), pa.scalar(None, text.type), text)
    ok = pc.match_substring_regex(text, _NUMBER)
    bad_text = np.asarray(pc.and_(pc.invert(ok), pc.is_valid(text)).to_numpy(zero_copy_only=False), dtype=bool)
    if bad_text.any():
        raw = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        full = np.empty(len(raw), dtype=object)
        full[bad_text] = [f"{t!r} is not a number" for t in raw[bad_text]]
        errors.add(spec.name, bad_text, full)
    cleaned = pc.if_else(ok, pc.utf8_trim_whitespace(text), pa.scalar(None, pa.string()))
    values: NDArray[np.float64] = cleaned.cast(pa.float64()).to_numpy().astype(np.float64, copy=True)
    return values


def _booleans(column: Column, name: str, errors: _Collector) -> tuple[NDArray[np.int8], NDArray[np.bool_]]:
    if isinstance(column, pa.ChunkedArray) and pa.types.is_boolean(column.type):
        values = column.cast(pa.int8()).fill_null(UNKNOWN).to_numpy().astype(np.int8)
        return values, values != UNKNOWN
    return _coded(column, _parse_bool, np.int8, name, errors)  # type: ignore[return-value]


def _dates(column: Column, name: str, errors: _Collector, today: dt.date) -> tuple[NDArray[np.datetime64], NDArray[np.bool_]]:
    """Dates, each at most :data:`FUTURE_TOLERANCE_DAYS` after ``today`` (a later one is a row error)."""
    if isinstance(column, pa.ChunkedArray) and (pa.types.is_date(column.type) or pa.types.is_timestamp(column.type)):
        days = column.cast(pa.date32()).cast(pa.int32()).fill_null(np.iinfo(np.int32).min).to_numpy().astype(np.int64)
        known = days != np.iinfo(np.int32).min
    else:
        days, known = _coded(column, _parse_date, np.int64, name, errors)
    dates = days.astype("datetime64[D]")
    dates[~known] = np.datetime64("NaT")
    latest = np.datetime64(today, "D") + np.timedelta64(FUTURE_TOLERANCE_DAYS, "D")
    future = known & (dates > latest)  # NaT compares false
    if future.any():
        shown = np.full(len(dates), None, dtype=object)
        shown[future] = [
            f"{day} is more than {FUTURE_TOLERANCE_DAYS} days after the run date {today.isoformat()}" for day in dates[future].astype(str)
        ]
        errors.add(name, future, shown)
        dates[future] = np.datetime64("NaT")
        known = known & ~future
    return dates, known


_ABSENT: Final[dict[str, Callable[[int], NDArray[Any]]]] = {
    "known": lambda n: np.zeros(n, dtype=bool),
    "id": lambda n: np.empty(0, dtype=object),
    "text": lambda n: np.empty(0, dtype=object),
    "country": lambda n: np.full(n, UNKNOWN, dtype=np.int16),
    "link_country": lambda n: np.full(n, UNKNOWN, dtype=np.int16),
    "enum": lambda n: np.full(n, UNKNOWN, dtype=np.int8),
    "set": lambda n: np.zeros(n, dtype=np.uint16),
    "bool": lambda n: np.full(n, UNKNOWN, dtype=np.int8),
    "count": lambda n: np.full(n, np.nan),
    "amount": lambda n: np.full(n, np.nan),
    "date": lambda n: np.full(n, np.datetime64("NaT"), dtype="datetime64[D]"),
}


def _absent(kind: str, n: int) -> NDArray[Any]:
    """The all-unknown column of an absent field (read-only, and shared for a few rows)."""
    return made(_ABSENT[kind], n)


def _convert(
    spec: FieldSpec, column: Column, n: int, errors: _Collector, today: dt.date | None = None
) -> tuple[NDArray[Any], NDArray[np.bool_], list[str]]:
    """One canonical column: its values, where it is known, and (``vendor_name`` only) its distinct texts."""
    name = spec.name
    if name == "vendor_name":  # low cardinality: kept as codes into its distinct names
        texts, indices = _distinct(column)
        return indices, indices < len(texts), texts
    if spec.kind in ("id", "text"):  # free text: only whether it is there (the table keeps the text)
        if isinstance(column, list) or n <= SMALL:
            cells = column if isinstance(column, list) else _as_strings(column).to_pylist()
            filled = np.array([cell is not None and bool(str(cell).strip()) for cell in cells], dtype=bool)
        else:
            filled = _filled(_as_strings(column))
        return _absent("id", n), filled, []
    if spec.kind in ("country", "link_country"):
        return *_coded(column, _parse_link_country if spec.kind == "link_country" else _parse_country, np.int16, name, errors), []
    if spec.kind == "enum":
        return *_coded(column, _parse_enum(spec), np.int8, name, errors), []
    if spec.kind == "set":
        bits, known = _coded(column, _parse_categories, np.int32, name, errors)
        return np.where(known, bits, 0).astype(np.uint16), known, []
    if spec.kind == "bool":
        return *_booleans(column, name, errors), []
    if spec.kind in ("count", "amount"):
        return *_numbers(column, spec, errors), []
    assert spec.kind == "date", spec.kind
    return *_dates(column, name, errors, today or dt.date.today()), []


#: Fields with few distinct values: one contract's cell is converted once per distinct text
#: (not dates: whether one is in the future depends on the run date).
_FEW_VALUES: Final = frozenset(
    {spec.name for spec in FIELDS if spec.kind in ("country", "link_country", "enum", "set", "bool")} | {"vendor_name"}
)


def _one_cell_uncached(name: str, cell: str | None) -> tuple[NDArray[Any], NDArray[np.bool_], list[str], _Collector]:
    """:func:`_convert` of a column of one cell, as contracts scored one at a time from Python
    give: the same for the same text, so it is computed once per distinct text (read-only
    arrays, shared), as a table's columns are parsed once per distinct value."""
    errors = _Collector(1)
    values, known, texts = _convert(FIELD_BY_NAME[name], [cell], 1, errors)
    values.setflags(write=False)
    known.setflags(write=False)
    return values, known, texts, errors


_one_cell = functools.lru_cache(maxsize=8192)(_one_cell_uncached)


def validate(table: pa.Table | Mapping[str, list[str | None]], today: dt.date | None = None) -> Inputs:
    """Check the canonical columns of ``table`` and convert them to codes.

    ``today`` is the run date (default ``date.today()``): a ``signed`` date more than
    :data:`FUTURE_TOLERANCE_DAYS` after it is a row error.

    ``table`` is an Arrow table or, for a few rows given from Python, a mapping of column name
    to a list of text cells. A canonical column that is absent is all-unknown; a missing
    required column is the caller's problem (:func:`vendorrisk.api.score_table` raises first).
    """
    if isinstance(table, pa.Table):
        n = table.num_rows
        present = set(table.column_names)
    else:
        n = len(next(iter(table.values()), []))
        present = set(table)
    errors = _Collector(n)
    if PARSE_ERROR_COLUMN in present:
        _parse_errors(table[PARSE_ERROR_COLUMN], errors)
    columns: dict[str, NDArray[Any]] = {}
    known: dict[str, NDArray[np.bool_]] = {}
    vendor_names: list[str] = []
    for spec in FIELDS:
        name = spec.name
        if name not in present and name != "vendor_name" and not spec.required:  # absent: all unknown
            columns[name], known[name] = _absent(spec.kind, n), _absent("known", n)
            continue
        column: Column = table[name] if name in present else [None] * n
        if isinstance(column, list) and n == 1 and name in _FEW_VALUES and (column[0] is None or isinstance(column[0], str)):
            columns[name], known[name], texts, problems = _one_cell(name, column[0])
            if problems.problems:
                errors.extend(problems)
        else:
            columns[name], known[name], texts = _convert(spec, column, n, errors, today)
        if name == "vendor_name":
            vendor_names = texts
        if spec.required and not known[name].all():
            missing = ~known[name]
            if name in errors.problems:  # an unreadable value is reported as such, not as missing
                missing &= errors.problems[name] < 0
            if missing.any():
                errors.add(name, missing, "missing (required)")
    return Inputs(n, columns, known, vendor_names, errors.problems, errors.messages)


def _parse_errors(column: Column, errors: _Collector) -> None:
    """Rows a reader could not split into fields: their problem goes first in the row's error."""
    if not isinstance(column, list) and column.null_count == len(column):  # the usual batch: every line well formed
        return
    texts = column if isinstance(column, list) else column.to_pylist()
    bad = np.array([bool(text) for text in texts], dtype=bool)
    if bad.any():
        errors.add(RECORD, bad, np.array(texts, dtype=object))


#: The cached parsers. They are cached by assignment, not by decorator, because mutmut
#: (docs/testing.md) leaves decorated functions alone.
_CACHES: Final = (_parse_country, _parse_enum, _parse_categories, _parse_date, _one_cell)


def clear_caches() -> None:
    """Forget every cached parse (they are redone on next use). For tests: a mutation run clears
    them as each test session starts, so a mutated parser is run, not its cached answer."""
    for cached in _CACHES:
        cached.cache_clear()
