"""Helpers shared by the indicator modules: per-dataset memo, fast lookups on child ids."""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

_CACHE: dict[int, tuple[weakref.ref, dict]] = {}


def _memo(data, key, fn):
    """Cache ``fn()`` per CLAData object (by identity, checked with a weak reference) and key."""
    slot = _CACHE.get(id(data))
    if slot is None or slot[0]() is not data:
        for k in [k for k, (ref, _) in _CACHE.items() if ref() is None]:
            del _CACHE[k]
        slot = (weakref.ref(data), {})
        _CACHE[id(data)] = slot
    store = slot[1]
    if key not in store:
        store[key] = fn()
    return store[key]


def _lookup(keys: pd.Series, s: pd.Series) -> pd.Series:
    """``keys.map(s)`` that also works on empty frames (``s`` has a unique index, best of object dtype)."""
    if s.dtype == bool:
        s = s.astype("boolean")  # a missing key must give NA, not True
    if not len(s):
        return pd.Series(pd.array([None] * len(keys), dtype=s.dtype), index=keys.index)
    if s.index.dtype != object:
        s = pd.Series(s.to_numpy(), index=pd.Index(s.index.to_numpy(dtype=object)), dtype=s.dtype)
    return pd.Series(s.reindex(keys.to_numpy(dtype=object, na_value=None)).to_numpy(), index=keys.index,
                     dtype=s.dtype)


def _isin(keys: pd.Series, values) -> pd.Series:
    """``keys.isin(values)`` for large sets of child ids (pandas' Arrow-string isin is slow at national scale)."""
    pool = values if isinstance(values, set) else set(pd.Series(values).dropna().to_numpy(dtype=object).tolist())
    k = keys.to_numpy(dtype=object, na_value=None)
    return pd.Series(np.fromiter((x in pool for x in k), dtype=bool, count=len(k)), index=keys.index)
