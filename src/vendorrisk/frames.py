"""pandas and polars DataFrames in and out of the engine; neither library is a dependency.

A DataFrame goes in through Arrow (``pyarrow.Table.from_pandas``, ``polars.DataFrame.to_arrow``)
without this module importing its library, and a scored Arrow table comes out as the kind of
table asked for (:data:`OUTPUTS`). Only asking for a DataFrame imports its library, and a
missing one is a :class:`~vendorrisk.errors.DependencyError` that says what to install.
"""

from __future__ import annotations

import collections
import importlib
from types import ModuleType
from typing import Any, Final, Literal, TypeAlias

import pyarrow as pa

from vendorrisk.errors import DependencyError, InputError
from vendorrisk.schema import BANDS, GATES

Output: TypeAlias = Literal["arrow", "pandas", "polars"]
OUTPUTS: Final[tuple[Output, ...]] = ("arrow", "pandas", "polars")
#: Output columns that come out of pandas as ordered categoricals, so that ``df.band >= "high"`` works.
ORDERED: Final = {"band": BANDS, "gate": GATES}
_FRAMES: Final = frozenset({"DataFrame", "LazyFrame"})
#: The pip extra that installs each optional DataFrame library.
_EXTRAS: Final = {"pandas": "pandas", "polars": "polars"}


def library_of(data: object) -> str | None:
    """``"pandas"`` or ``"polars"`` for a DataFrame (or a polars LazyFrame) of that library, else None."""
    library = type(data).__module__.split(".")[0]
    return library if library in _EXTRAS and type(data).__name__ in _FRAMES else None


def frame_to_arrow(data: Any) -> pa.Table:
    """A pandas or polars DataFrame as an Arrow table (a polars LazyFrame is collected first).

    The pandas index is left out: contracts are identified by their ``contract_id`` column, and
    :func:`to_output` puts the index back on a pandas result.
    """
    library = library_of(data)
    if library == "pandas":
        unique_columns([str(name) for name in data.columns])  # pyarrow's own ValueError says less
        return pa.Table.from_pandas(data, preserve_index=False)
    if library == "polars":
        frame = data.collect() if hasattr(data, "collect") else data
        table: pa.Table = frame.to_arrow()
        return table
    raise InputError(f"not a pandas or polars DataFrame: {type(data).__name__}")


def unique_columns(names: list[str]) -> None:
    """Refuse a table that names a column twice: which of the two would be scored is a guess.

    Raises
    ------
    InputError
        Naming each repeated column.
    """
    repeated = sorted(name for name, count in collections.Counter(names).items() if count > 1)
    if repeated:
        raise InputError(f"the table has more than one column named {', '.join(map(repr, repeated))}: give each column once")


def to_output(table: pa.Table, output: str, like: object = None) -> Any:
    """``table`` as an Arrow table, a pandas DataFrame or a polars DataFrame (``output``).

    A pandas result has ``band`` and ``gate`` as ordered categoricals (low < medium < high <
    critical; pass < warn < block), the provenance of the scores (pack fingerprint, reference
    editions: the Arrow schema metadata) in ``DataFrame.attrs["vendorrisk"]``, and the index of
    ``like`` when ``like`` is the pandas DataFrame that was scored (same rows, same order).
    """
    if checked(output) == "pandas":
        return _pandas(table, like)
    if output == "polars":
        return _require("polars").from_arrow(table)
    return table


def checked(output: str) -> Output:
    """``output`` if it is one of :data:`OUTPUTS`; an :class:`~vendorrisk.errors.InputError` otherwise."""
    for known in OUTPUTS:
        if output == known:
            return known
    raise InputError(f"output {output!r} is not one of {', '.join(OUTPUTS)}")


def _pandas(table: pa.Table, like: object) -> Any:
    _require("pandas")
    frame = table.to_pandas()
    for name, order in ORDERED.items():
        if name in frame.columns:
            frame[name] = frame[name].astype("category").cat.set_categories(order, ordered=True)
    frame.attrs["vendorrisk"] = {
        key.decode().removeprefix("vendorrisk."): value.decode()
        for key, value in (table.schema.metadata or {}).items()
        if key.startswith(b"vendorrisk.")
    }
    if library_of(like) == "pandas":
        frame.index = like.index  # type: ignore[attr-defined]  # same rows in the same order
    return frame


def _require(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ImportError:
        raise DependencyError(name, extra=_EXTRAS[name]) from None
