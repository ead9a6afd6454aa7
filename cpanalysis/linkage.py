"""Which children stand behind each published count: set fingerprints for disclosure control.

Disclosure control (:mod:`cpanalysis.disclosure`) must know how published figures are linked: a Total
and its breakdown, a denominator and the numerators that share it, the same children counted by two
indicators, this year's children looked after and last year's plus starters minus leavers. Those
identities hold between the *sets* of children each figure counts, so they can be found from the cohort
audits without a hand-written list that a new indicator could fall outside of.

Each result row gets a fingerprint of its numerator's set and of its cohort's set: the sum, modulo 2**64,
of a **keyed** 64-bit hash of each audit row's child (a child counted twice, e.g. for two placement moves,
adds twice). The hash is BLAKE2b keyed with a secret of 32 random bytes (:func:`fingerprint_key`): the
cache's own key, kept in the private cache folder (file mode 0600) and never written to any output, or, when
there is no usable cache, a key made for this process alone. Without the key a fingerprint says nothing about
which children it sums: guessing ids and adding their hashes needs the key, so the sums are not pseudonyms.

Fingerprints add like the sets: if A and B are disjoint, ``fp(A) + fp(B) = fp(A | B)``; the same set always
has the same fingerprint under one key. A false match needs a 64-bit hash collision (about 1 in 10**19 per
comparison). Fingerprints are a property of the data, so an identity that holds by coincidence is treated as
known to an intruder too: that errs on the safe side. Which figures are linked does not depend on the key, so
two caches (two keys) give the same disclosure control.

The indicators and their fingerprints come from the one loop that computes indicators,
:func:`cpanalysis.indicators.registry.compute`, with a :class:`Fingerprinter` as its ``fingerprint`` option.
"""

from __future__ import annotations

import hashlib
import secrets

import numpy as np
import pandas as pd

from cpanalysis.indicators import registry

#: key a fingerprint row by these result columns
KEY = ["indicator_id", "year", "breakdown"]
FP_COLUMNS = KEY + ["num_fp", "num_n", "den_fp", "den_n"]
#: the file in the private cache folder holding the fingerprints' key
KEY_FILE = "fingerprint-key"
_PERSON = b"cpanalysis-fp-2"
_PROCESS_KEY: list[bytes] = []


def fingerprint_key() -> bytes:
    """The key fingerprints are made with: the private cache's (created with :func:`secrets.token_bytes`, mode
    0600, beside the cache's entries, removed by ``cpanalysis cache clear``), so that cached fingerprints stay
    comparable from build to build; when no cache folder can be used, a random key for this process alone."""
    from cpanalysis import cache

    d = cache.private_cache_dir() if cache.cache_limit_bytes() > 0 else None
    if d is not None:
        try:
            return cache.secret_key(d, KEY_FILE)
        except OSError:
            pass
    if not _PROCESS_KEY:
        _PROCESS_KEY.append(secrets.token_bytes(32))
    return _PROCESS_KEY[0]


class Fingerprinter:
    """Keyed set fingerprints of audits; the ``fingerprint`` option of :func:`registry.compute`.

    Each child's hash is worked out once per fingerprinter (an index of the ids seen so far), so a build hashes
    each child once, not once per audit."""

    def __init__(self, key: bytes | None = None):
        self.key = fingerprint_key() if key is None else bytes(key)
        if not 16 <= len(self.key) <= 64:
            raise ValueError("a fingerprint key is 16 to 64 bytes")
        self._ids = pd.Index([], dtype=object)
        self._hashes = np.zeros(0, dtype=np.uint64)

    def __getstate__(self) -> dict:  # sent to a helper process through a pipe: the key, not the memo
        return {"key": self.key}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["key"])

    def _hash(self, child: str) -> int:
        return int.from_bytes(hashlib.blake2b(child.encode("utf-8", "surrogatepass"), digest_size=8, key=self.key,
                                              person=_PERSON).digest(), "little")

    def child_hashes(self, children: pd.Series) -> np.ndarray:
        """The keyed 64-bit hash of each child id (the same id gives the same hash under one key)."""
        ids = pd.Series(children).astype(str).to_numpy(dtype=object)
        where = self._ids.get_indexer(ids)
        new = where < 0
        if new.any():
            fresh = pd.unique(ids[new])
            self._hashes = np.concatenate([self._hashes, np.fromiter((self._hash(c) for c in fresh),
                                                                     dtype=np.uint64, count=len(fresh))])
            self._ids = self._ids.append(pd.Index(fresh, dtype=object))
            where = self._ids.get_indexer(ids)
        return self._hashes[where]

    def __call__(self, audit: pd.DataFrame, definition, year: int) -> list[dict]:
        """One fingerprint row per result row of ``audit`` (Total first, then each breakdown, as ``registry.run``)."""
        h = self.child_hashes(audit["CHILD"]) if len(audit) else np.zeros(0, dtype=np.uint64)
        coh = audit["in_cohort"].to_numpy(dtype=bool, na_value=False) if len(audit) else np.zeros(0, bool)
        num = (audit["in_numerator"].to_numpy(dtype=bool, na_value=False) & coh) if len(audit) else coh
        if definition.unit in ("mean", "days") and len(audit):
            coh = coh & pd.to_numeric(audit["value"], errors="coerce").notna().to_numpy()

        def row(label: str, sel: np.ndarray) -> dict:
            n, c = num & sel, coh & sel
            return {"indicator_id": definition.id, "year": year, "breakdown": label,
                    "num_fp": _fp(h, n), "num_n": int(n.sum()), "den_fp": _fp(h, c), "den_n": int(c.sum())}

        out = [row("Total", np.ones(len(audit), dtype=bool))]
        if "breakdown" in audit.columns and len(audit):
            lab = audit["breakdown"]
            for label in sorted(lab.dropna().astype(str).unique()):
                out.append(row(label, (lab.astype("string") == label).fillna(False).to_numpy(dtype=bool)))
        return out

    @staticmethod
    def frame(rows: list[dict]) -> pd.DataFrame:
        return pd.DataFrame(rows, columns=FP_COLUMNS).astype({"num_fp": object, "den_fp": object})


_DEFAULT: list[Fingerprinter] = []


def fingerprints(audit: pd.DataFrame, definition, year: int, fingerprinter: Fingerprinter | None = None) -> list[dict]:
    """The fingerprint rows of one audit (by default with this process's :func:`fingerprint_key`)."""
    if fingerprinter is None:
        if not _DEFAULT:
            _DEFAULT.append(Fingerprinter())
        fingerprinter = _DEFAULT[0]
    return fingerprinter(audit, definition, year)


def _fp(h: np.ndarray, mask: np.ndarray) -> int:
    with np.errstate(over="ignore"):
        return int(h[mask].sum(dtype=np.uint64)) if mask.any() else 0


def compute(data, years: list[int], population: dict[int, float] | None = None, la_code: str | None = None,
            postcodes: pd.DataFrame | None = None, workers: int = 1, pool=None,
            key: bytes | None = None, pool_years: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every indicator for every year and their set fingerprints: :func:`registry.compute` with a
    :class:`Fingerprinter` (``key``: the fingerprints' key, by default :func:`fingerprint_key`)."""
    return registry.compute(data, years=years, population=population, la_code=la_code, postcodes=postcodes,
                            workers=workers, pool=pool, fingerprint=Fingerprinter(key), pool_years=pool_years)
