"""Helpers shared by the indicator modules: per-dataset memo, fast lookups on child ids."""

from __future__ import annotations

import weakref

import pandas as pd

from cpanalysis import fastkeys

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
    """``keys.map(s)`` that also works on empty frames; a bool ``s`` gives ``boolean`` (missing key: NA)."""
    if s.dtype == bool:
        s = s.astype("boolean")  # a missing key must give NA, not True
    return fastkeys.lookup(keys, s)


#: ``keys.isin(values)`` for large sets of child ids (see :mod:`cpanalysis.fastkeys`)
_isin = fastkeys.is_in
