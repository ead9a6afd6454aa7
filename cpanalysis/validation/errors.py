"""The fatal input error: the return cannot be read at all (exit code 2)."""

from __future__ import annotations

from cpanalysis.errors import FatalError


class FatalInputError(FatalError):
    """An input problem that stops the run. The message names the file (and row and column where known)
    and says what to do. ``rule_id`` links it to the rule catalogue in :mod:`cpanalysis.validation.rules`."""

    def __init__(self, message: str, rule_id: str = "FATAL-UNREADABLE", file: str | None = None) -> None:
        super().__init__(message)
        self.rule_id = rule_id
        self.file = file
