"""Stable sorting of event columns with 16-bit radix passes (NumPy's fast path for them)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["stable_order"]

I64 = npt.NDArray[np.int64]
_SPAN = 1 << 32


def stable_order(*keys: npt.NDArray[np.integer]) -> I64:
    """Like ``np.lexsort(keys)`` (last key primary), for integer keys spanning under 2**32.

    Each key is split into two 16-bit digits; NumPy sorts 16-bit integers by radix, so the
    passes stay linear where a comparison sort of millions of 64-bit keys is not.
    """
    size = keys[0].shape[0] if keys else 0
    order = np.arange(size, dtype=np.int64)
    if size == 0:
        return order
    for key in keys:
        offset = key.astype(np.int64) - int(key.min())
        if int(offset.max()) >= _SPAN:
            return np.lexsort(keys).astype(np.int64)
    for key in keys:
        offset = key.astype(np.int64)[order] - int(key.min())
        low = np.argsort((offset & 0xFFFF).astype(np.uint16), kind="stable")
        order = order[low]
        high = np.argsort((offset[low] >> 16).astype(np.uint16), kind="stable")
        order = order[high]
    return order
