"""The Python API: score one contract or a table of them with one engine."""

from __future__ import annotations

import datetime as dt
import os
import warnings
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final, Literal, TypeAlias, overload

import numpy as np
import pyarrow as pa

from vendorrisk.batch import score_stream
from vendorrisk.calibration import Calibration, calibration_of
from vendorrisk.engine import (
    Rules,
    Run,
    as_of_date,
    pack_of,
    result_of,
    row_cells,
    scored_table,
)
from vendorrisk.engine import run as engine_run
from vendorrisk.errors import InputError, InputWarning, UnknownColumnWarning
from vendorrisk.explain import Result
from vendorrisk.frames import (
    Output,
    checked,
    frame_to_arrow,
    library_of,
    to_output,
    unique_columns,
)
from vendorrisk.io import readable
from vendorrisk.schema import (
    CANONICAL_COLUMNS,
    FIELDS,
    PARSE_ERROR_COLUMN,
    Contract,
    missing_required,
    to_cell,
    unknown_columns,
    unknown_columns_problem,
)

__all__ = ["Rules", "score", "score_table", "to_arrow"]

_CANONICAL = frozenset(CANONICAL_COLUMNS)
#: What ``calibration=`` takes: a fitted artefact, the path of its JSON file, or None.
Calibrated: TypeAlias = "Calibration | str | os.PathLike[str] | None"
#: :func:`score_table` scores larger tables in slices of this many rows, a few at once: each
#: slice's temporaries stay in the CPU caches and memory, and the slices use every core.
SLICE: Final = 65_536


def to_arrow(data: Any) -> pa.Table:
    """Turn an Arrow table, a pandas or polars DataFrame, a mapping of equal-length columns, or an
    iterable of mappings/Contracts into Arrow, with typed canonical columns the validator reads
    (:func:`vendorrisk.io.readable`)."""
    table = _arrow(data)
    unique_columns(table.column_names)
    _check_reserved(table.column_names)
    return readable(table, "the table")


def _check_reserved(names: Iterable[str]) -> None:
    """An input column named like the readers' internal column could pass for a parse error and
    invalidate its rows: refuse it, as the file readers do."""
    if PARSE_ERROR_COLUMN in names:
        raise InputError(f"the column name {PARSE_ERROR_COLUMN!r} is reserved for vendorrisk")


def _check_columns(names: Iterable[str], strict: bool, table: bool = False) -> None:
    """Warn (:class:`~vendorrisk.errors.UnknownColumnWarning`) about input columns that are not
    canonical, or raise :class:`InputError` under ``strict``. A ``table`` without a required
    column cannot be scored at all: that error, raised next, says it all."""
    names = list(names)
    problem = unknown_columns_problem(names)
    if problem is None or (table and missing_required(names)):
        return
    if strict:
        raise InputError(f"the input has {problem} (strict=True)")
    warnings.warn(UnknownColumnWarning(problem, unknown_columns(names)), stacklevel=3)


def _arrow(data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if library_of(data) is not None:
        return frame_to_arrow(data)
    if isinstance(data, Mapping) and data and all(isinstance(value, _COLUMN_TYPES) for value in data.values()):
        return _columns(data)
    if isinstance(data, (Mapping, Contract)):
        data = [data]
    if isinstance(data, Iterable) and not isinstance(data, (str, bytes)):
        rows = [row_cells(item) for item in data]
        if not rows:
            return _empty()
        names = list(dict.fromkeys(key for row in rows for key in row))  # every key of every row, in order
        try:
            return pa.table({name: [row.get(name) for row in rows] for name in names})
        except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
            raise InputError(f"cannot make a table of these rows: {exc}") from None
    raise InputError(f"cannot score a {type(data).__name__}: give a Contract, a mapping, a list of them, or a table")


#: What makes a mapping a table of columns (every value one of these) rather than one contract.
_COLUMN_TYPES: Final = (list, tuple, np.ndarray, pa.Array, pa.ChunkedArray)


_COUNTRY_COLUMNS: Final = tuple(spec.name for spec in FIELDS if spec.kind in ("country", "link_country"))
#: What a DataFrame whose country column is all null is told: pandas reads ``NA`` as a null.
NAMIBIA_HINT: Final = (
    "if the table was read with pandas from a file that holds NA (Namibia), pandas made it a null: "
    "read it with keep_default_na=False, or na_values=[''] only"
)


def _check_emptied_countries(table: pa.Table) -> None:
    """Warn when a country column of a DataFrame is all NaN: what pandas makes of a column of
    ``NA`` (Namibia) read with its defaults. (A column left empty on purpose holds None, not NaN.)"""
    if not table.num_rows:
        return
    empty = [
        name for name in _COUNTRY_COLUMNS
        if name in table.column_names and pa.types.is_floating(table.column(name).type) and table.column(name).null_count == table.num_rows
    ]
    if empty:
        columns = ", ".join(map(repr, empty))
        warnings.warn(InputWarning(f"column {columns} is null in every row; {NAMIBIA_HINT}"), stacklevel=3)


def _columns(data: Mapping[Any, Any]) -> pa.Table:
    """A mapping of column name -> equal-length list, tuple or array as a table; canonical cells
    from Python become canonical text as a row's do (:func:`~vendorrisk.schema.to_cell`)."""
    lengths = {str(name): len(values) for name, values in data.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} {length}" for name, length in lengths.items())
        raise InputError(f"a mapping of columns needs columns of one length, not {shown}")
    arrays = {}
    for name, values in data.items():
        if isinstance(values, (list, tuple)) or (isinstance(values, np.ndarray) and values.dtype == object):
            values = [to_cell(value) for value in values] if name in _CANONICAL else list(values)
        try:
            arrays[str(name)] = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
            raise InputError(f"cannot make a column of {name!r}: {exc}") from None
    return pa.table(arrays)


def _empty() -> pa.Table:
    return pa.table({name: pa.array([], pa.string()) for name in CANONICAL_COLUMNS})



@overload
def score_table(
    table: Any, rules: Rules = None, as_of: dt.date | str | None = None, *, output: Literal["arrow"] = "arrow", strict: bool = False,
    calibration: Calibrated = None,
) -> pa.Table: ...
@overload
def score_table(
    table: Any, rules: Rules = None, as_of: dt.date | str | None = None, *, output: Literal["pandas", "polars"], strict: bool = False,
    calibration: Calibrated = None,
) -> Any: ...
def score_table(
    table: Any, rules: Rules = None, as_of: dt.date | str | None = None, *, output: Output = "arrow", strict: bool = False,
    calibration: Calibrated = None,
) -> Any:
    """Score every contract of a table; return the input columns followed by the output columns.

    Parameters
    ----------
    table : pyarrow.Table, pandas.DataFrame, polars.DataFrame (or LazyFrame), a mapping of
        column name -> equal-length list, tuple or array (numpy, Arrow), or an iterable of
        mappings or :class:`~vendorrisk.schema.Contract` objects, in the canonical columns.
        (A mapping whose values are all lists or arrays is a table of columns; a mapping with
        any other value is one contract.)
    rules : a loaded pack, a path to a pack folder or file, or None for the default pack.
    as_of : read reference data as of this date for every row (default: each row's ``signed``):
        a ``datetime.date`` (a datetime counts as its date) or ``"YYYY-MM-DD"``.
    output : ``"arrow"`` (a pyarrow.Table), ``"pandas"`` or ``"polars"`` (a DataFrame; see
        :func:`vendorrisk.frames.to_output`: a pandas result keeps the input DataFrame's index).
    strict : raise :class:`~vendorrisk.errors.InputError` for an input column that is neither
        canonical nor an output column; by default such columns pass through unscored with an
        :class:`~vendorrisk.errors.UnknownColumnWarning` naming them (with a did-you-mean).
    calibration : a :class:`~vendorrisk.calibration.Calibration` or the path of its JSON file: adds a
        ``probability`` column (last); a warning if it was fitted with another pack.

    Every input row appears in the output, in order; an invalid row has empty scores and an
    ``error`` naming the column and the problem. Input columns named like an output column
    are replaced. Column names are text, each given once. In a number column (``records``,
    ``value_usd``), None, NaN (pandas' missing value) and the text ``NaN`` are unknown. The
    pack fingerprint is in the ``fingerprint`` column and the schema metadata.
    A table of more than :data:`SLICE` rows is scored in slices of that many, on a few threads
    (:func:`vendorrisk.batch.score_stream`), with the same results.

    Examples
    --------
    >>> out = score_table([{"contract_id": "x", "buyer_country": "PG", "vendor_name": "Huawei"}])
    >>> out.column("band")[0].as_py() in ("low", "medium", "high", "critical")
    True
    """
    checked(output)  # before any work: a typo should not cost a million rows of scoring
    arrow, pack, date = to_arrow(table), pack_of(rules), as_of_date(as_of)
    _check_columns(arrow.column_names, strict, table=True)
    if library_of(table) is not None:
        _check_emptied_countries(arrow)
    calibrated = calibration_of(calibration, pack.fingerprint)
    if arrow.num_rows <= SLICE:
        scored = scored_table(arrow, pack, date)[0]
    else:
        pieces: list[pa.Table] = []
        score_stream(_slices(arrow), pieces.append, pack, date)
        scored = pa.concat_tables(pieces)
    if calibrated is not None:
        scored = calibrated.add_to(scored)
    return to_output(scored, output, like=table)


def _slices(table: pa.Table) -> Iterator[pa.RecordBatch]:
    """``table`` as record batches of at most :data:`SLICE` rows (however it is chunked)."""
    for start in range(0, table.num_rows, SLICE):
        yield from table.slice(start, SLICE).combine_chunks().to_batches()


def score(
    contract: Contract | Mapping[str, Any], rules: Rules = None, as_of: dt.date | str | None = None, *, strict: bool = False,
    calibration: Calibrated = None,
) -> Result:
    """Score one contract: a batch of one through the same engine as :func:`score_table`.

    With a ``calibration`` (as for :func:`score_table`) the result has a ``probability``.

    A key that is not a canonical column gives an :class:`~vendorrisk.errors.UnknownColumnWarning`
    (an :class:`~vendorrisk.errors.InputError` under ``strict``).

    Examples
    --------
    >>> result = score({"contract_id": "PG-1", "buyer_country": "PG", "vendor_name": "Huawei",
    ...                 "service_type": "data_center", "data_categories": "identity;tax"})
    >>> result.band in ("low", "medium", "high", "critical")
    True
    >>> print(result.explain())  # doctest: +ELLIPSIS
    Contract PG-1: exposure ...
    """
    pack = pack_of(rules)
    calibrated = calibration_of(calibration, pack.fingerprint)
    if not isinstance(contract, (Mapping, Contract)):
        raise InputError(f"cannot score a {type(contract).__name__}: give a Contract or a mapping")
    # One row from Python skips Arrow: the columns go to the same validator as lists of cells.
    row = {"contract_id": None, **row_cells(contract)}  # at least one column: a batch of exactly one
    _check_reserved(row)
    _check_columns(row, strict)
    run = engine_run({name: [value] for name, value in row.items()}, pack, as_of_date(as_of))
    return result_of(run, 0, pack, _probability(run, 0, calibrated))


def _probability(run: Run, row: int, calibration: Calibration | None) -> float | None:
    """The calibrated probability of a valid row, or None."""
    if calibration is None or run.columns["error"][row]:
        return None
    one = {name: run.columns[name][row : row + 1] for name in calibration.inputs}
    return float(calibration.probability(one)[0])
