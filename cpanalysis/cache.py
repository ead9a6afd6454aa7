"""The user's private cache: tables as Parquet plus a JSON manifest signed with a per-user key.

Two things are cached, each keyed by a hash of the content of everything it depends on (never by file
names, sizes or modification times), so an edit to any input gives a new key:

* ``published-<key>``: DfE's published files, parsed (:mod:`cpanalysis.sources.published`);
* ``results-<key>``: the figures a build computes from its inputs, before and after disclosure control
  (:mod:`cpanalysis.results_cache`). These are counts and rates, never child records.

Nothing in the cache can run code when read (no pickle): Parquet and JSON only, and a manifest whose HMAC or
whose file hashes do not match is discarded. The folder is created private (0700) and not used at all when
another user owns it or can write to it. Entries are evicted least recently used first to keep the cache
within ``CPANALYSIS_CACHE_MAX_MB`` (0 turns caching off); ``cpanalysis cache clear`` empties it.

Written here rather than with a caching library (joblib.Memory, diskcache) because those store pickles, which
run code when loaded.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import stat
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

#: the cache's size limit unless ``$CPANALYSIS_CACHE_MAX_MB`` says otherwise; one entry for all of DfE's files in
#: ../shared/data is about 8 MB and one council's results well under 1 MB, so this keeps dozens of entries
CACHE_MAX_MB = 500
#: the largest limit accepted (1 TB); anything larger is a typing slip
MAX_CACHE_MB = 1_000_000
#: what cpanalysis writes in the cache folder (entries, the earlier pickle format, unfinished writes): only these
#: are ever evicted or cleared
_ENTRY = re.compile(r"^((published|results)-[0-9a-f]{16,64}(\.pkl)?|\.(published|results)-[0-9a-f]{16,64}-.+)$")
_WARNED: set[str] = set()


def warn(message: str) -> None:
    """Say something about the cache once per process on standard error."""
    if message not in _WARNED:
        _WARNED.add(message)
        print(f"cpanalysis: {message}", file=sys.stderr)


def cache_dir() -> Path:
    """Where the cache lives: ``$CPANALYSIS_CACHE_DIR``, else the user cache folder."""
    env = os.environ.get("CPANALYSIS_CACHE_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cpanalysis"


def file_hash(path: Path) -> str:
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def private_cache_dir() -> Path | None:
    """The cache folder, created private (0700); None (no caching, with a warning) when it is not safe: not owned
    by this user, or writable by others, or a symbolic link."""
    d = cache_dir()
    try:
        d.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = os.lstat(d)
    except OSError as err:
        warn(f"the cache folder {d} cannot be used ({err.strerror or err}); nothing is cached.")
        return None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        warn(f"the cache folder {d} is not a plain folder, so it is not used.")
        return None
    if hasattr(os, "getuid") and (st.st_uid != os.getuid() or st.st_mode & 0o022):
        warn(f"the cache folder {d} is writable by other users or owned by another user, so it is not used "
             f"(a cache others can change could change the figures). Run: chmod 700 {d}")
        return None
    return d


def cache_limit_bytes() -> int:
    """The cache's size limit: ``$CPANALYSIS_CACHE_MAX_MB`` megabytes (0 turns caching off), else CACHE_MAX_MB."""
    env = os.environ.get("CPANALYSIS_CACHE_MAX_MB", "").strip()
    if not env:
        return CACHE_MAX_MB * 1024 * 1024
    try:
        mb = float(env)
    except ValueError:
        mb = math.nan
    if not math.isfinite(mb) or mb < 0 or mb > MAX_CACHE_MB:  # nan, inf and 1e400 (= inf) are not sizes
        from cpanalysis.errors import FatalError

        raise FatalError(f"CPANALYSIS_CACHE_MAX_MB={env!r} is not a size in megabytes. Give a number from 0 (no "
                         f"cache) to {MAX_CACHE_MB:,} (1 TB), for example {CACHE_MAX_MB}, or unset it for the "
                         f"default ({CACHE_MAX_MB} MB).")
    return int(mb * 1024 * 1024)


def _size(path: Path) -> int:
    if path.is_symlink() or not path.is_dir():
        return path.lstat().st_size
    return sum(f.lstat().st_size for f in path.rglob("*") if not f.is_symlink() and f.is_file())


def cache_entries(d: Path | None = None) -> list[tuple[Path, int, float]]:
    """cpanalysis's entries in the cache folder: (path, bytes, last used), least recently used first."""
    d = cache_dir() if d is None else d
    if not d.is_dir():
        return []
    out = []
    for p in d.iterdir():
        if _ENTRY.match(p.name):
            try:
                used = (p / "manifest.json").stat().st_mtime if (p / "manifest.json").is_file() else p.lstat().st_mtime
                out.append((p, _size(p), used))
            except OSError:
                continue
    return sorted(out, key=lambda e: e[2])


def remove_entry(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p, ignore_errors=True)
    else:
        p.unlink(missing_ok=True)


def enforce_cache_limit(d: Path, limit: int | None = None, keep: Path | None = None) -> list[Path]:
    """Evict the least recently used entries until the cache is within ``limit`` bytes (default
    :func:`cache_limit_bytes`). Entries of the old pickle format and unfinished writes older than an hour are
    always removed; ``keep`` (the entry just written) stays. Returns what was removed."""
    limit = cache_limit_bytes() if limit is None else limit
    entries = cache_entries(d)
    removed = []
    for p, _, used in entries:
        stale = p.name.endswith(".pkl") or (p.name.startswith(".") and time.time() - used > 3600)
        if stale and p != keep:
            remove_entry(p)
            removed.append(p)
    live = [e for e in entries if e[0] not in removed and not e[0].name.startswith(".")]
    total = sum(size for _, size, _ in live)
    for p, size, _ in live:  # least recently used first
        if total <= limit:
            break
        if p == keep:
            continue
        remove_entry(p)
        removed.append(p)
        total -= size
    return removed


def clear_cache(d: Path | None = None) -> tuple[int, int]:
    """Empty the cache: every entry cpanalysis wrote and its keys (anything else in the folder is left
    alone; the folder is removed when nothing else is in it). Returns (entries removed, bytes freed)."""
    d = cache_dir() if d is None else d
    entries = cache_entries(d)
    for p, _, _ in entries:
        remove_entry(p)
    for name in KEY_FILES:
        (d / name).unlink(missing_ok=True)
    try:
        d.rmdir()
    except OSError:
        pass
    return len(entries), sum(size for _, size, _ in entries)


def hmac_key(d: Path) -> bytes:
    """A random per-user key (file ``cache-key``, mode 0600) that authenticates cache manifests."""
    return secret_key(d, "cache-key")


#: the secret keys the cache folder holds (removed by :func:`clear_cache`): the manifests' signing key and the key
#: of disclosure control's set fingerprints (:mod:`cpanalysis.linkage`)
KEY_FILES = ("cache-key", "fingerprint-key")


def secret_key(d: Path, name: str) -> bytes:
    """The random 32-byte key in file ``name`` of the private cache folder ``d`` (mode 0600), made with
    :func:`secrets.token_bytes` the first time it is asked for. Keys are never written anywhere else.

    Created atomically: the key is written in full to a private temporary file, which is then hard-linked to
    ``name``; a link fails if the name exists, so when several processes start at once exactly one key
    wins and the others read it. A key of the wrong length (damaged) is replaced."""
    import secrets

    if name not in KEY_FILES:
        raise ValueError(f"unknown cache key {name!r}")
    key = d / name
    for _ in range(5):
        try:
            data = key.read_bytes()
            if len(data) == 32:
                return data
            damaged = True
        except FileNotFoundError:
            damaged = False
        except OSError:
            damaged = True
        new = secrets.token_bytes(32)
        tmp = d / f"{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(new)
                fh.flush()
                os.fsync(fh.fileno())
            if damaged:
                os.replace(tmp, key)
                return new
            try:
                os.link(tmp, key)
                return new
            except FileExistsError:
                continue  # another process made the key first: read it
            except OSError:  # a file system without hard links: replace (the old, non-atomic way)
                os.replace(tmp, key)
                return new
        finally:
            tmp.unlink(missing_ok=True)
    raise OSError(f"{key}: the cache key could not be read or created")


def sign(key: bytes, manifest: dict) -> str:
    import hmac

    body = json.dumps({k: v for k, v in manifest.items() if k != "mac"}, sort_keys=True).encode()
    return hmac.new(key, body, "sha256").hexdigest()


def put_frame(df: pd.DataFrame, folder: Path, name: str) -> dict:
    """Write ``df`` as Parquet in ``folder``; the manifest part that lets :func:`get_frame` check and restore it.
    Columns of Python objects are restored as objects; columns of integers too large for int64 (set
    fingerprints, below 2**64) are stored as uint64."""
    df = df.copy()
    objects = [str(c) for c in df.columns if df[c].dtype == object]
    big = []
    for c in objects:
        s = df[c].dropna()
        if len(s) and s.map(lambda v: isinstance(v, int) and not isinstance(v, bool)).all():
            df[c] = df[c].astype("uint64") if not df[c].isna().any() else df[c]
            big.append(c)
    path = folder / name
    df.to_parquet(path, index=False)
    return {"file": name, "sha256": file_hash(path), "object_columns": objects, "int_object_columns": big}


def get_frame(base: Path, part: dict) -> pd.DataFrame:
    df = pd.read_parquet(base / Path(part["file"]).name)
    objects = [c for c in part.get("object_columns", []) if c in df.columns]
    big = set(part.get("int_object_columns", []))
    for c in objects:
        df[c] = pd.Series([int(v) for v in df[c]], dtype=object) if c in big else df[c].astype(object)
    return df


def write_entry(d: Path, kind: str, key: str, frames: dict[str, pd.DataFrame], meta: dict,
                fmt: int) -> Path:
    """Write one entry (``kind-key``) atomically: each frame as Parquet and a signed manifest carrying ``meta``."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{kind}-{key}-", dir=d))
    try:
        parts = {name: put_frame(df, tmp, f"{name}.parquet") for name, df in frames.items()}
        manifest = {"format": fmt, "key": key, "frames": parts, "meta": meta}
        manifest["mac"] = sign(hmac_key(d), manifest)
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        final = d / f"{kind}-{key}"
        try:
            tmp.rename(final)
        except OSError:  # another process wrote it first
            shutil.rmtree(tmp, ignore_errors=True)
        removed = enforce_cache_limit(d, keep=final)
        if removed:
            warn(f"the cache in {d} was kept within {cache_limit_bytes() // (1024 * 1024)} MB by removing "
                 f"{len(removed)} older entr{'y' if len(removed) == 1 else 'ies'} "
                 "(set CPANALYSIS_CACHE_MAX_MB to change the limit; `cpanalysis cache clear` empties it).")
        return final
    except Exception:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def verified_manifest(d: Path, base: Path, key: str, fmt: int) -> dict | None:
    """The manifest of entry ``base`` if its signature, format, key and every file's hash check out; None when the
    entry is absent. Raises ValueError when it is present but fails a check (the caller discards it)."""
    mf = base / "manifest.json"
    if not mf.is_file():
        return None
    manifest = json.loads(mf.read_text(encoding="utf-8"))
    import hmac

    ok = (manifest.get("format") == fmt and manifest.get("key") == key
          and hmac.compare_digest(str(manifest.get("mac", "")), sign(hmac_key(d), manifest)))
    if ok:
        for part in manifest["frames"].values():
            f = base / Path(part["file"]).name
            if not f.is_file() or os.path.islink(f) or file_hash(f) != part["sha256"]:
                ok = False
                break
    if not ok:
        raise ValueError("signature or hash mismatch")
    try:
        os.utime(mf)  # last used: the least recently used entries are evicted first
    except OSError:
        pass
    return manifest


def read_entry(d: Path, kind: str, key: str, fmt: int, what: str) -> tuple[dict[str, pd.DataFrame], dict] | None:
    """The frames and meta of entry ``kind-key``, or None when absent. An entry that fails its integrity check
    (changed, replaced or damaged) is reported, removed and not used: ``what`` names it in the message."""
    base = d / f"{kind}-{key}"
    try:
        manifest = verified_manifest(d, base, key, fmt)
        if manifest is None:
            return None
        return {name: get_frame(base, part) for name, part in manifest["frames"].items()}, manifest["meta"]
    except Exception:  # noqa: BLE001 - anything wrong with a cache entry means computing again
        warn(f"the cached {what} in {base} did not pass its integrity check (it was changed or damaged) and was "
             "discarded; it was computed again.")
        shutil.rmtree(base, ignore_errors=True)
        return None
