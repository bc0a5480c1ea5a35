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
