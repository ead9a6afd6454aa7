"""A second build from unchanged inputs skips the work of preparing the evidence.

Two steps of :func:`cpanalysis.evidence.prepare` dominate a build and depend only on content that can be
hashed: computing every indicator for every year from the SSDA903 return (with the set fingerprints that
disclosure control needs), and disclosure control itself (an intruder's linear programme per protected cell).
Their results are kept in the user's private cache (:mod:`cpanalysis.cache`: Parquet plus a signed manifest,
a folder only the user can write, nothing that runs code when read), keyed by a hash of:

* indicators: the content of every file of the return, the reporting year, the population, the council's code, the
  postcode lookup, and the source of the whole ``cpanalysis`` package (any change to the code is a new key);
* disclosure: the figures before disclosure control (child-level, published and local together), their set
  fingerprints, the disclosure parameters, and the package's source.

What is stored is figures (counts, rates and their intervals, before and after suppression) and 64-bit set
fingerprints; never a child's record, identifier, date or postcode. The fingerprints are keyed sums
(:mod:`cpanalysis.linkage`): without the key, which stays in the private cache folder, they cannot be matched
to guessed ids. Of suppression only *whether* a cell was suppressed is stored (its symbol and the one public
reason), never why (primary or secondary: :data:`NEVER_STORED`); entries of an earlier format (unkeyed
fingerprints, the rule column) are removed when a new entry is written. Figures before suppression can include
counts of 1 to 5, so they stay in the private cache and never enter a pack. ``CPANALYSIS_CACHE_MAX_MB=0`` or
``cpanalysis pack --no-cache`` turns this off; ``cpanalysis cache clear`` empties it.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from cpanalysis import cache, paths

#: bump when what is stored changes (2: keyed fingerprints, no suppression rule)
FORMAT = 2
#: columns never stored, nor returned by :func:`cached`, so a figure read from the cache equals one computed: why a
#: cell was suppressed (disclosure's internal ``suppression_rule``, primary or secondary)
NEVER_STORED = ("suppression_rule",)


@functools.cache
def code_hash() -> str:
    """A hash of every source and data file of the package that can change a figure (Python, YAML, JSON)."""
    h = hashlib.sha256(f"results cache {FORMAT}\n".encode())
    pkg = paths.PACKAGE_DIR
    for p in sorted(pkg.rglob("*")):
        if p.suffix in {".py", ".yaml", ".yml", ".json"} and p.is_file() and "__pycache__" not in p.parts:
            h.update(f"{p.relative_to(pkg).as_posix()}\0".encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _folder_hash(folder: Path, h) -> None:
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    for p in files:
        rel = p.name if folder.is_file() else p.relative_to(folder).as_posix()
        h.update(f"{rel}\0{cache.file_hash(p)}\n".encode())


def frame_hash(df: pd.DataFrame | None, h) -> None:
    """Feed a frame's columns, types and every value into hash ``h``."""
    if df is None or df.empty:
        h.update(b"empty\n")
        return
    h.update(json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df.astype(str), index=False).to_numpy().tobytes())


def indicators_key(ssda903: Path, year: int, population: dict, la_code: str | None, postcodes: Path | None) -> str:
    """The indicators' key: the return's content, the reporting year (the years computed are the return's years
    up to it), the population, the council's code, the postcode lookup, and the package's code."""
    h = hashlib.sha256(f"indicators\n{code_hash()}\n".encode())
    _folder_hash(Path(ssda903), h)
    h.update(json.dumps({"year": int(year), "la_code": la_code,
                         "population": {str(k): float(v) for k, v in sorted(population.items())}}).encode())
    if postcodes is not None:
        _folder_hash(Path(postcodes), h)
    return h.hexdigest()[:40]


def disclosure_key(raw: pd.DataFrame, fingerprints: pd.DataFrame | None, settings: dict) -> str:
    h = hashlib.sha256(f"disclosure\n{code_hash()}\n".encode())
    frame_hash(raw, h)
    frame_hash(fingerprints, h)
    h.update(json.dumps(settings, sort_keys=True, default=str).encode())
    return h.hexdigest()[:40]


def _store() -> Path | None:
    return cache.private_cache_dir() if cache.cache_limit_bytes() > 0 else None


def has(key: str) -> bool:
    """Whether the cache holds an entry for ``key`` (not yet checked: :func:`cached` checks it when reading)."""
    d = _store()
    return d is not None and (d / f"results-{key}" / "manifest.json").is_file()


def cached(key: str, names: tuple[str, ...], compute: Callable[[], tuple[pd.DataFrame, ...]], what: str,
           use: bool = True) -> tuple[tuple[pd.DataFrame, ...], bool]:
    """``compute()``'s frames, from the cache when an entry for ``key`` passes its checks, else computed and
    stored. Returns (frames, whether they came from the cache)."""
    d = _store() if use else None
    if d is not None:
        got = cache.read_entry(d, "results", key, FORMAT, what)
        if got is not None and set(got[0]) == set(names):
            return tuple(got[0][n] for n in names), True
    frames = tuple(_storable(f) for f in compute())
    if d is not None:
        try:
            cache.write_entry(d, "results", key, dict(zip(names, frames, strict=True)), {"what": what}, FORMAT)
            remove_old_formats(d)
        except Exception as err:  # noqa: BLE001 - a cache that cannot be written is not needed
            cache.warn(f"the {what} could not be cached in {d} ({type(err).__name__}: {err}).")
    return frames, False


def _storable(df: pd.DataFrame | None) -> pd.DataFrame | None:
    if df is None or not any(c in df.columns for c in NEVER_STORED):
        return df
    return df.drop(columns=[c for c in NEVER_STORED if c in df.columns])


def remove_old_formats(d: Path) -> list[Path]:
    """Remove the results entries of an earlier :data:`FORMAT` (they may hold unkeyed fingerprints)."""
    removed = []
    for p, _, _ in cache.cache_entries(d):
        if not p.name.startswith("results-") or p.name.endswith(".pkl"):
            continue
        try:
            fmt = json.loads((p / "manifest.json").read_text(encoding="utf-8")).get("format")
        except (OSError, ValueError, AttributeError):
            continue
        if fmt != FORMAT:
            cache.remove_entry(p)
            removed.append(p)
    return removed
