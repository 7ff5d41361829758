"""Radix ordering of event columns matches NumPy's lexsort."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from overture.sim._order import stable_order

_KEYS = hnp.arrays(np.int64, st.integers(0, 60), elements=st.integers(-(2**40), 2**40))


@given(st.data(), st.integers(0, 60))
def test_stable_order_is_lexsort(data: st.DataObject, size: int) -> None:
    small = hnp.arrays(np.int64, size, elements=st.integers(1_700_000_000, 1_700_300_000))
    tiny = hnp.arrays(np.int64, size, elements=st.integers(0, 3))
    time, part, contact = data.draw(small), data.draw(tiny), data.draw(tiny)
    expected = np.lexsort((contact, part, time))
    assert np.array_equal(stable_order(contact, part, time), expected)


@given(_KEYS)
def test_wide_keys_fall_back_to_lexsort(keys: np.ndarray) -> None:
    assert np.array_equal(stable_order(keys), np.lexsort((keys,)))


def test_nothing_to_order() -> None:
    assert stable_order(np.zeros(0, np.int64)).shape == (0,)
    assert stable_order().shape == (0,)


@given(st.data(), st.integers(0, 80))
def test_history_file_order_is_lexsort(data: st.DataObject, size: int) -> None:
    from overture.sim.history import _file_order  # pyright: ignore[reportPrivateUsage]

    times = st.sampled_from([1, 10**3, 10**12, 10**17])
    scale = data.draw(times)
    moment = np.sort(data.draw(hnp.arrays(np.int64, size, elements=st.integers(0, 50)))) * scale
    part = data.draw(hnp.arrays(np.int32, size, elements=st.integers(0, 6)))
    contact = data.draw(hnp.arrays(np.int64, size, elements=st.integers(0, 99)))
    expected = np.lexsort((contact, part, moment))
    assert np.array_equal(_file_order(contact, part, moment, 100), expected)
