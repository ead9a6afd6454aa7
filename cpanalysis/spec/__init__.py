"""Year-aware SSDA903 code lists (``codes.yaml``).

``valid_codes("PLACE", 2026)`` gives the codes valid in collection year 2026 (1 April 2025 to 31 March 2026).
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from cpanalysis import yamltext

SPEC_DIR = Path(__file__).resolve().parent
CODES_FILE = SPEC_DIR / "codes.yaml"


@lru_cache(maxsize=1)
def code_lists() -> dict[str, dict]:
    """field -> {"tables": [...], "essential": bool, "codes": {code: {"label", "from", "to"}}}."""
    raw = yamltext.safe_load(CODES_FILE.read_text(encoding="utf-8"))
    out: dict[str, dict] = {}
    for field, spec in raw.items():
        codes = {}
        for code, meta in spec["codes"].items():
            meta = meta if isinstance(meta, dict) else {"label": meta}
            codes[str(code)] = {"label": str(meta.get("label", "")), "from": meta.get("from"), "to": meta.get("to")}
        out[field] = {"tables": list(spec.get("tables", [])), "essential": bool(spec.get("essential", False)),
                      "codes": codes}
    return out


def valid_codes(field: str, year: int) -> frozenset[str]:
    """Codes valid for ``field`` in collection year ``year``."""
    return _valid(field, int(year))


@cache
def _valid(field: str, year: int) -> frozenset[str]:
    codes = code_lists()[field]["codes"]
    return frozenset(c for c, m in codes.items()
                     if (m["from"] is None or year >= m["from"]) and (m["to"] is None or year <= m["to"]))


def label(field: str, code: str) -> str:
    return code_lists().get(field, {}).get("codes", {}).get(code, {}).get("label", "")
