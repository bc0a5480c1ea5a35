"""Array helpers: the hash set that flags duplicate contract ids across batches."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vendorrisk._arrays import SeenHashes


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=30), max_size=12))
def test_seen_hashes_behaves_like_a_set(batches: list[list[int]]) -> None:
    """Adding batches one by one, membership always equals that of a Python set of everything added."""
    seen, reference = SeenHashes(), set()
    for batch in batches:
        hashes = np.array(batch, dtype=np.int64)
        before = [value in reference for value in batch]
        assert seen.contains(hashes).tolist() == before
        assert seen.add(hashes).tolist() == before
        reference.update(batch)
        assert len(seen) == len(reference)
    assert len(seen.runs) <= max(1, len(reference)).bit_length() + 1
