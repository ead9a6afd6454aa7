"""Safe output folders: cpanalysis never deletes what it did not create.

* :func:`check_replaceable` refuses an output folder that holds anything cpanalysis did not write. A folder
  cpanalysis writes carries the marker file :data:`MARKER`; a build may replace a folder only when it does not
  exist, is empty, or carries the marker. A folder without the marker is taken for a pack written before the
  marker existed only when it holds exactly the files such a pack writes and nothing else (:func:`is_old_pack`):
  a ``notebooks/`` folder of the pack's own notebooks, the pack's own HTML file, and optionally its ``figures/``
  sidecars, ``build-report.txt`` and ``indicators.csv``. The user's own HTML files, a lone ``indicators.csv``
  or a ``figures/`` folder holding anything else never make a folder replaceable. The file-system root, the
  home folder, the repository, its ``tests/``, ``.git/`` and ``.venv/`` folders and any folder that contains
  the working directory are refused whatever they hold.
* :func:`check_batch_folder`: a batch writes its index and CSV only into a folder it created or marked.
* :func:`output_lock` takes an exclusive lock beside the output folder, so two builds into the same folder
  cannot race: the second fails at once with a message.
* :func:`private_staging` makes the staging folder (mode 0700, on the output's file system so the final swap is
  a rename) and removes it on every exit path: normal return, exception, SIGTERM, SIGHUP and interpreter exit.
  Staging folders left by a build killed with ``kill -9`` are removed by the next build into the same place.
* :func:`die_with_parent` (a worker-process initializer) makes spawned workers exit when the builder dies.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from cpanalysis import paths
from cpanalysis.errors import FatalError

#: the file inside every folder cpanalysis creates for its output
MARKER = ".cpanalysis-output"
MARKER_TEXT = ("This folder was written by cpanalysis. A new build may replace everything in it.\n"
               "Delete this file if you keep your own files here.\n")
#: the notebooks and HTML files a pack writes (their names without the extension)
def _pack_names() -> set[str]:
    from cpanalysis.config import TOPICS

    return {"00_summary", "99_annex"} | {f"{n:02d}_{slug}" for n, slug in TOPICS.items()}


#: the pack's own HTML file: the whole pack, or one topic (``cpanalysis run``)
PACK_HTML = "evidence-pack.html"
#: loose files a pack folder may hold beside its HTML and folders
_PACK_EXTRA_FILES = {"build-report.txt", "indicators.csv", MARKER}


class OutputFolderError(FatalError):
    """The output folder cannot be used safely (exit code 2)."""


def _protected(folder: Path) -> str | None:
    """Why ``folder`` may never be replaced, or None."""
    folder = folder.resolve()
    if folder == Path(folder.anchor):
        return "it is the root of the file system"
    home = Path.home().resolve()
    if folder == home:
        return "it is your home folder"
    root = paths.ROOT.resolve()
    if folder == root or folder in root.parents:
        return "it is the cpanalysis folder itself or a folder that contains it"
    for special in (paths.DATA_DIR, paths.NOTEBOOKS_DIR, paths.PARAMETERS_DIR, paths.PACKAGE_DIR,
                    paths.ROOT / "tests", paths.ROOT / ".git", paths.ROOT / ".venv"):
        if folder == special.resolve() or special.resolve() in folder.parents:
            return f"it is (or is inside) the project's {special.name}/ folder"
    try:
        cwd = Path.cwd().resolve()
    except OSError:
        cwd = None
    if cwd is not None and (folder == cwd or folder in cwd.parents):
        return "it is the current folder or a folder that contains it"
    return None


def _only_files(folder: Path, allowed: set[str]) -> bool:
    """``folder`` is a real folder holding at least one file, and only regular files named in ``allowed``."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    entries = list(folder.iterdir())
    return bool(entries) and all(e.name in allowed and e.is_file() and not e.is_symlink() for e in entries)


def is_old_pack(folder: Path) -> bool:
    """True when ``folder`` (without the marker) holds exactly what a pack writes, and nothing else: its
    ``notebooks/`` folder (the pack's own notebooks only), exactly one of the pack's own HTML files
    (``evidence-pack.html`` or one topic's, e.g. ``04_stability.html``), and optionally ``figures/`` (the
    topics' JSON sidecars only), ``build-report.txt`` and ``indicators.csv``."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return False
    names = _pack_names()
    html = {PACK_HTML} | {f"{n}.html" for n in names if n[:2] not in ("00", "99")}
    entries = {e.name: e for e in folder.iterdir()}
    if "notebooks" not in entries or not _only_files(entries["notebooks"], {f"{n}.ipynb" for n in names}):
        return False
    if "figures" in entries and not _only_files(entries["figures"], {f"{n}.json" for n in names}):
        return False
    pages = [n for n in entries if n in html]
    if len(pages) != 1 or not entries[pages[0]].is_file() or entries[pages[0]].is_symlink():
        return False
    rest = set(entries) - {"notebooks", "figures", pages[0]}
    return all(n in _PACK_EXTRA_FILES and entries[n].is_file() and not entries[n].is_symlink() for n in rest)


_is_legacy_pack = is_old_pack  # the name earlier tests patch


def check_replaceable(folder: Path) -> None:
    """Raise :class:`OutputFolderError` unless a build may replace ``folder`` (see the module docstring)."""
    _check_folder(folder, "the pack", "outputs/mycouncil", "A build replaces its whole output folder",
                  old_pack_ok=True)


def _check_folder(folder: Path, what: str, example: str, why_not: str, old_pack_ok: bool) -> None:
    """The one check of an output folder: not protected, not a link or a file, and new, empty or marked (or,
    with ``old_pack_ok``, a pack written before the marker existed)."""
    folder = Path(folder)
    why = _protected(folder)
    if why:
        raise OutputFolderError(f"{folder}: will not write {what} here because {why}. Give --out"
                                + (" (or output_dir in the parameters file)" if old_pack_ok else "")
                                + f" a new folder, e.g. {example}.")
    if folder.is_symlink():
        raise OutputFolderError(f"{folder}: is a symbolic link; give --out a real folder (a new one is best).")
    if not folder.exists():
        return
    if not folder.is_dir():
        raise OutputFolderError(f"{folder}: is a file, not a folder. Give --out a new folder, e.g. {example}.")
    if is_marked(folder) or not any(folder.iterdir()) or (old_pack_ok and _is_legacy_pack(folder)):
        return
    shown = ", ".join(sorted(p.name for p in folder.iterdir())[:5])
    raise OutputFolderError(
        f"{folder}: this folder already holds files that cpanalysis did not create ({shown}...). {why_not}, so it "
        f"will not use this one. Give --out a new or empty folder, e.g. {example}.")


def is_marked(folder: Path) -> bool:
    m = Path(folder) / MARKER
    return m.is_file() and not m.is_symlink()


def mark(folder: Path) -> None:
    (Path(folder) / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def check_batch_folder(folder: Path) -> None:
    """A batch writes its packs, ``index.html`` and ``councils.csv`` only into a folder that is new, empty or
    carries the marker (one it created or marked before): never beside the user's own files, so a user's
    ``index.html`` is never overwritten. Raises :class:`OutputFolderError` otherwise."""
    _check_folder(folder, "the batch", "outputs/batch",
                  "A batch writes its packs, index.html and councils.csv into its folder", old_pack_ok=False)


# ------------------------------------------------------------------------------------------ lock
@contextlib.contextmanager
def output_lock(folder: Path) -> Iterator[Path]:
    """Hold an exclusive lock on ``folder`` (a hidden lock file beside it) for the duration of the block."""
    folder = Path(folder)
    lock = folder.parent / f".{folder.name}.lock"
    try:
        import fcntl
    except ImportError:  # Windows: no advisory locks here; the staging rename still protects the last pack
        yield lock
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OutputFolderError(f"{folder}: another cpanalysis build is writing to this folder right now "
                                    f"(lock {lock}). Wait for it to finish, or give --out another folder.") from None
        try:  # the file we locked must still be the one on disk (a finishing build unlinks it)
            if os.fstat(fd).st_ino == os.stat(lock).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(fd)
    try:
        os.write(fd, f"{os.getpid()}\n".encode())
        yield lock
    finally:
        with contextlib.suppress(OSError):
            os.unlink(lock)
        os.close(fd)


# ------------------------------------------------------------------------------------------ staging
_CLEANUP: dict[str, None] = {}
_HANDLERS_SET = False
_LOCK = threading.Lock()


def _cleanup_all() -> None:
    for path in list(_CLEANUP):
        shutil.rmtree(path, ignore_errors=True)
        _CLEANUP.pop(path, None)


def _on_signal(signum, frame) -> None:  # noqa: ARG001
    _cleanup_all()
    # Re-raise as the default action so the exit status says which signal ended the build.
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def _install_handlers() -> None:
    global _HANDLERS_SET
    with _LOCK:
        if _HANDLERS_SET:
            return
        _HANDLERS_SET = True
    atexit.register(_cleanup_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, getattr(signal, "SIGHUP", None)):
        if sig is not None and signal.getsignal(sig) in (signal.SIG_DFL, None):
            with contextlib.suppress(ValueError, OSError):
                signal.signal(sig, _on_signal)


def register_cleanup(path: Path) -> None:
    _install_handlers()
    _CLEANUP[str(path)] = None


def unregister_cleanup(path: Path) -> None:
    _CLEANUP.pop(str(path), None)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(folder: Path) -> list[Path]:
    """Remove staging folders beside ``folder`` left by builds that were killed (their process is gone)."""
    removed = []
    pattern = re.compile(rf"^\.{re.escape(folder.name)}\.(?:building|old)-(\d+)-")
    if not folder.parent.exists():
        return removed
    for p in folder.parent.iterdir():
        m = pattern.match(p.name)
        if m and p.is_dir() and not p.is_symlink() and int(m.group(1)) != os.getpid() \
                and not _pid_alive(int(m.group(1))) and p.stat().st_uid == os.getuid():
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


@contextlib.contextmanager
def private_staging(folder: Path, kind: str = "building") -> Iterator[Path]:
    """A private (0700) folder beside ``folder``, removed on every exit path unless moved away."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{folder.name}.{kind}-{os.getpid()}-", dir=folder.parent))
    register_cleanup(path)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
        unregister_cleanup(path)
