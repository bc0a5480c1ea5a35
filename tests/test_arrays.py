"""Array helpers: the hash set that flags duplicate contract ids across batches."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from vendorrisk._arrays import SeenHashes, hash_strings


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=40), st.integers(0, 5))
def test_hash_strings_is_a_function_of_the_text_alone(texts: list[str], cut: int) -> None:
    """Equal texts hash alike wherever they sit (any array, offset or string type); different texts differ."""
    import pyarrow as pa

    whole = hash_strings(pa.array(texts, pa.string()))
    assert whole.dtype == np.int64 and len(whole) == len(texts)
    by_text = dict(zip(texts, whole.tolist()))
    assert len(set(by_text.values())) == len(by_text)  # no collision among a few distinct texts
    part = pa.array(["padding"] * cut + texts, pa.large_string()).slice(cut)
    assert hash_strings(part).tolist() == whole.tolist()
    assert [int(hash_strings(pa.array([text]))[0]) for text in texts] == whole.tolist()
