"""Errors a user can act on. Each message names the file, row and column where known, and the fix."""

from __future__ import annotations


class FatalError(Exception):
    """Stops a command with exit code 2 and a plain message (no traceback)."""


class PackBuildError(FatalError):
    """A notebook failed while building the pack; the last good pack is left untouched."""
