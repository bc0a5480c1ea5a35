"""Array helpers shared by the engine's stages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

import numpy as np
from numpy.typing import NDArray

#: Below this many rows, computing on every row beats finding the distinct ones first.
SMALL: Final = 64


def made(make: Callable[[int], NDArray[Any]], n: int) -> NDArray[Any]:
    """``make(n)``; for a few rows, one read-only array shared by every call with the same ``make``
    and ``n`` (on small batches, making a constant column costs more than reading it)."""
    if n > SMALL:
        return make(n)
    column = _MADE.get((make, n))
    if column is None:  # at most SMALL + 1 columns per function: the memo stays small
        column = _MADE[make, n] = make(n)
        column.setflags(write=False)  # shared between calls: nothing may write to it
    return column


_MADE: dict[tuple[Callable[[int], NDArray[Any]], int], NDArray[Any]] = {}


def zero_codes(n: int) -> NDArray[np.int32]:
    """``(n,)`` zeros: the codes of a :class:`Coded` column whose rows all hold its first text."""
    return np.zeros(n, dtype=np.int32)


def constant(value: float) -> NDArray[np.float64]:
    """A read-only 0-d array: ufuncs take it as it is, where a Python float is converted on every call."""
    array = np.array(value, dtype=np.float64)
    array.setflags(write=False)
    return array


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
        """A dictionary array whose dictionary holds each text once.

        Small batches keep one text per row, repeats and all (:func:`distinct`); Arrow allows a
        dictionary with repeated values, but pandas refuses to make a categorical of one.
        """
        import pyarrow as pa

        texts, codes = self.texts, self.codes
        first = dict.fromkeys(texts)
        if len(first) < len(texts):
            position = {text: index for index, text in enumerate(first)}
            texts = list(first)
            codes = np.array([position[text] for text in self.texts], dtype=np.int32)[np.maximum(codes, 0)]
        null = self.codes < 0
        indices = pa.array(np.where(null, 0, codes), type=pa.int32(), mask=null if null.any() else None)
        return pa.DictionaryArray.from_arrays(indices, pa.array(texts or [""], type=pa.string()))


_GOLDEN: Final = np.uint64(0x9E3779B97F4A7C15)


def _mix(h: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finaliser: a bijection of 64-bit words in which every output bit depends on every input bit."""
    h = (h ^ (h >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    h = (h ^ (h >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    result: NDArray[np.uint64] = h ^ (h >> np.uint64(31))
    return result


def hash_strings(texts: Any) -> NDArray[np.int64]:
    """A 64-bit hash of each value of a pyarrow string array without nulls, from its UTF-8 bytes.

    The same text gets the same hash in any batch and any process (unlike Python's ``hash``),
    and the work is numpy's, which runs without the GIL. Starting from the text's length, each
    8-byte word is folded in with a splitmix64 round; the loop runs over word positions, each
    round on the texts that long.
    """
    import pyarrow as pa

    texts = texts if pa.types.is_large_string(texts.type) else texts.cast(pa.large_string())
    n = len(texts)
    _, offset_buffer, data_buffer = texts.buffers()
    offsets = np.frombuffer(offset_buffer, dtype=np.int64, count=n + 1, offset=texts.offset * 8)
    data = np.zeros(0, np.uint8) if data_buffer is None else np.frombuffer(data_buffer, dtype=np.uint8)
    data = np.concatenate([data[offsets[0] : offsets[-1]], np.zeros(8, np.uint8)])  # a last word never reads past the end
    starts, lengths = offsets[:-1] - offsets[0], np.diff(offsets)
    hashes = _mix(lengths.astype(np.uint64) * _GOLDEN)
    lane = np.arange(8)
    for word in range(int(-(-lengths.max() // 8)) if n else 0):
        rows = np.flatnonzero(lengths > 8 * word)
        chunk = data[starts[rows, None] + 8 * word + lane]  # (rows, 8) bytes
        chunk[lane >= lengths[rows, None] - 8 * word] = 0  # bytes past the end of a text count as zero
        hashes[rows] = _mix(hashes[rows] ^ chunk.view(np.uint64).reshape(-1))
    return hashes.view(np.int64)


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

    def _lookup(self, hashes: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray[np.int64], NDArray[np.bool_]]:
        """Membership of ``hashes`` in input order, and the same for the hashes sorted (``needles``,
        ``known``): sorted needles let each binary search start where the last one ended."""
        order = np.argsort(hashes)
        needles = hashes[order]
        known = np.zeros(needles.shape, dtype=bool)
        for run in self.runs:
            at = np.minimum(np.searchsorted(run, needles), len(run) - 1)
            known |= run[at] == needles
        found = np.empty(hashes.shape, dtype=bool)
        found[order] = known
        return found, needles, known

    def contains(self, hashes: NDArray[np.int64]) -> NDArray[np.bool_]:
        return self._lookup(hashes)[0]

    def add(self, hashes: NDArray[np.int64]) -> NDArray[np.bool_]:
        """Add ``hashes``; return which of them were members already."""
        found, needles, known = self._lookup(hashes)
        run = needles[~known]
        run = run[np.concatenate(([True], run[1:] != run[:-1]))] if len(run) else run
        while self.runs and len(self.runs[-1]) <= len(run):
            # no member of ``run`` is in an earlier run, so merging two sorted runs needs no de-duplication;
            # the stable sort (timsort for integers) merges the two sorted halves in linear time, and
            # sorting in place keeps the largest merge at twice the set's size, not two and a half
            run = np.concatenate([self.runs.pop(), run])
            run.sort(kind="stable")
        if len(run):
            self.runs.append(run)
        return found

    def __len__(self) -> int:
        return sum(len(run) for run in self.runs)
