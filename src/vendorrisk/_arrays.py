"""Array helpers shared by the engine's stages."""

from __future__ import annotations

from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

#: Below this many rows, computing on every row beats finding the distinct ones first.
SMALL: Final = 64


def distinct(keys: NDArray[Any], axis: int | None = None) -> tuple[NDArray[Any], NDArray[np.intp]]:
    """``(unique, inverse)`` such that ``unique[inverse]`` (along ``axis``) gives ``keys`` back.

    Lookups computed per distinct key and broadcast back with ``inverse`` cost little on large
    batches; on small ones the keys are returned as they are (duplicates and all), which is
    cheaper than sorting them.
    """
    n = keys.shape[axis if axis is not None else 0]
    if n <= SMALL:
        return keys, np.arange(n)
    unique, inverse = np.unique(keys, axis=axis, return_inverse=True)
    return unique, inverse.reshape(-1)


class Coded:
    """A text column held as ``(n,)`` integer codes into a list of distinct texts (``-1`` = null).

    Per-row strings are built only for the distinct values, and the column goes to Arrow as a
    dictionary array without ever materialising a million Python strings.
    """

    __slots__ = ("codes", "texts")

    def __init__(self, codes: NDArray[np.integer[Any]], texts: list[str] | tuple[str, ...]) -> None:
        self.codes = codes.astype(np.int32, copy=False)
        self.texts = list(texts)

    def __getitem__(self, row: int) -> str | None:
        code = int(self.codes[row])
        return None if code < 0 else self.texts[code]

    def masked(self, null: NDArray[np.bool_]) -> Coded:
        """The same column with ``null`` rows set to null."""
        return Coded(np.where(null, -1, self.codes), self.texts)

    def to_arrow(self) -> Any:
        import pyarrow as pa

        null = self.codes < 0
        indices = pa.array(np.where(null, 0, self.codes), type=pa.int32(), mask=null if null.any() else None)
        return pa.DictionaryArray.from_arrays(indices, pa.array(self.texts or [""], type=pa.string()))


class SeenHashes:
    """A set of 64-bit hashes held as a few sorted arrays (8 bytes a member, not a Python object).

    Runs merge like a binary counter, so membership tests look in O(log n) runs and the total
    merging cost stays O(n log n). Used to flag contract ids repeated across the batches of a
    stream without keeping the ids themselves: two different ids with the same 64-bit hash
    (about one chance in 10**12 for a million ids) would give a false duplicate warning.
    """

    __slots__ = ("runs",)

    def __init__(self) -> None:
        self.runs: list[NDArray[np.int64]] = []

    def contains(self, hashes: NDArray[np.int64]) -> NDArray[np.bool_]:
        order = np.argsort(hashes, kind="stable")  # sorted needles: each binary search starts where the last ended
        needles = hashes[order]
        found = np.zeros(hashes.shape, dtype=bool)
        for run in self.runs:
            at = np.minimum(np.searchsorted(run, needles), len(run) - 1)
            found[order] |= run[at] == needles
        return found

    def add(self, hashes: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Add ``hashes``; return which of them were members already."""
        found = self.contains(hashes)
        run = np.sort(hashes[~found])
        run = run[np.concatenate(([True], run[1:] != run[:-1]))] if len(run) else run
        while self.runs and len(self.runs[-1]) <= len(run):
            # no member of ``run`` is in an earlier run, so merging two sorted runs needs no de-duplication;
            # the stable sort (timsort for integers) merges the two sorted halves in linear time
            run = np.sort(np.concatenate([self.runs.pop(), run]), kind="stable")
        if len(run):
            self.runs.append(run)
        return found

    def __len__(self) -> int:
        return sum(len(run) for run in self.runs)
