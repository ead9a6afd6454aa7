"""Errors a user can act on. Each message names the file, row and column where known, and the fix."""

from __future__ import annotations

import stat


class FatalError(Exception):
    """Stops a command with exit code 2 and a plain message (no traceback)."""


class PackBuildError(FatalError):
    """A notebook failed while building the pack; the last good pack is left untouched."""


def read_small_file(path, what: str, limit: int, fix: str, error: type[Exception] = FatalError) -> bytes:
    """The bytes of a small file a person wrote (parameters, evidence, a local return), refusing a folder, a file
    over ``limit`` bytes, an unreadable file and a binary one with ``error`` naming the file and the fix."""
    if path.is_dir():
        raise error(f"{path}: is a folder, not a {what}. {fix}.")
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):  # a named pipe (FIFO) would wait for a writer forever; a device never ends
            raise error(f"{path}: is not a regular file (it is a {_kind(st.st_mode)}), so it is not read as a {what}. "
                        f"{fix}.")
        size = st.st_size
        if size > limit:
            raise error(f"{path}: is {size:,} bytes, too large for a {what} (at most {limit:,}). "
                        "Check that it is the right file.")
        data = path.read_bytes()
    except OSError as err:
        raise error(f"{path}: cannot be read ({err.strerror or err}). Check the file and its permissions.") from None
    if b"\x00" in data:
        raise error(f"{path}: is a binary file (for example a Word or Excel document), not a text {what}. {fix}.")
    return data


def _kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "named pipe (FIFO)"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device"), (stat.S_ISSOCK, "socket")):
        if test(mode):
            return name
    return "special file"


_CONTROL = None


def plain(text: str) -> str:
    """Text safe to echo to a terminal: control characters (escape sequences, carriage returns, bells, ...) are
    shown as ``\\xNN`` escapes; newlines and tabs are kept."""
    global _CONTROL
    if _CONTROL is None:
        import re

        _CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}",
                        str(text))
