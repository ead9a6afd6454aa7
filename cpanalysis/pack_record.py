"""The record of a pack: ``findings.json``, written beside every pack.

It holds, per measure, only what the pack itself publishes (the disclosure-controlled ``ctx.results`` read
through :func:`cpanalysis.evidence.all_evidence`): the value and its interval when the figure is shown (never a
suppressed figure, and no counts beside a suppressed one), the England verdict, trend, target status, family
and label; then the comparator group's members, the source files with their SHA-256 content hashes, the build
date and the cpanalysis version. A later pack reads it back (``--since``) to say what has changed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from pathlib import Path
from typing import Any

from cpanalysis import paths
from cpanalysis.config import ParameterError

RECORD_FILE = "findings.json"
SCHEMA = 1


def _num(x) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _shown_name(path: Path) -> str:
    """A source file's name as recorded: relative to the repository when inside it, else its last three parts
    (never a user's home folder)."""
    p = Path(path).resolve()
    try:
        return str(p.relative_to(paths.ROOT.resolve()))
    except ValueError:
        return str(Path(*p.parts[-3:]))


def source_files(ctx) -> list[dict]:
    """Every input file the pack was built from, with its content hash: DfE's published files (as read),
    the SSDA903 return's files and the local returns."""
    out: list[dict] = []
    pub = getattr(ctx, "published", None)
    files = getattr(pub, "files", None)
    if files is not None and len(files):
        for _, r in files.iterrows():
            if str(r.get("layout", "")) in ("skipped", "duplicate"):
                continue
            p = Path(str(r["file"]))
            if p.is_file():
                out.append({"kind": "DfE published", "file": _shown_name(p), "sha256": _sha256(p)})
    p = ctx.params
    for kind, key in (("SSDA903 return", "ssda903"), ("local return", "local")):
        folder = getattr(p.inputs, key)
        if folder is None:
            continue
        root = paths.resolve(folder)
        items = [root] if root.is_file() else sorted(f for f in root.rglob("*") if f.is_file()) if root.is_dir() else []
        for f in items:
            if f.name.startswith("."):
                continue
            out.append({"kind": kind, "file": _shown_name(f), "sha256": _sha256(f)})
    return out


def comparator_group(ctx) -> dict:
    """The comparator group's members (DfE old LA codes) and label, and whether England and the region are used."""
    from cpanalysis.councils import comparator_codes

    c = ctx.params.comparators
    try:
        codes, label = comparator_codes(ctx.params)
    except Exception:  # noqa: BLE001 - a group that cannot be read is recorded as unknown, not a failed build
        codes, label = [], ""
    return {"model": c.statistical_neighbours, "label": label, "members": [str(x) for x in codes],
            "england": c.england, "region": ctx.params.council.region if c.region else None}


def measure_record(ev) -> dict:
    """One measure as recorded: a suppressed or missing figure carries no value, interval or counts."""
    shown = ev.shown
    t = ev.trend or {}
    from cpanalysis.findings import trend_words

    rec: dict[str, Any] = {
        "title": ev.title, "question": ev.question, "unit": ev.unit, "polarity": ev.polarity, "year": ev.year,
        "value": _num(ev.value) if shown else None,
        "symbol": ev.symbol or ("" if shown else "x"),
        "ci_low": _num(ev.ci_low) if shown else None, "ci_high": _num(ev.ci_high) if shown else None,
        "numerator": _num(ev.numerator) if shown else None, "denominator": _num(ev.denominator) if shown else None,
        "england": _num(ev.comparators.get("england")) if shown else None,
        "verdict_england": ev.verdicts.get("england", "not judged") if shown else "not judged",
        "reading": ev.comparator_verdict if shown else "",
        "trend": trend_words(ev) if shown else "not enough years",
        "trend_direction": str(t.get("direction", "")) if shown else "",
        "target_status": ev.target_status, "family": ev.family, "kind": ev.kind if shown else "",
        "label": ev.label if shown else "",
    }
    return rec


def build_record(ctx) -> dict:
    """The whole record of one pack (plain JSON data)."""
    import cpanalysis
    from cpanalysis import evidence

    p = ctx.params
    measures = {}
    for ev in evidence.all_evidence(ctx):
        measures.setdefault(ev.id, measure_record(ev))
    ssda = p.inputs.ssda903
    return {"schema": SCHEMA, "cpanalysis_version": cpanalysis.__version__,
            "built_on": dt.date.today().isoformat(), "built_at": ctx.built_at,
            "council": {"name": p.council.name, "old_la_code": p.council.old_la_code,
                        "new_la_code": p.council.new_la_code},
            "year": p.year, "demonstration": p.demonstration, "topics": list(p.topics),
            "inputs": {"ssda903": _shown_name(paths.resolve(ssda)) if ssda else None,
                       "published": _shown_name(paths.resolve(p.inputs.published)) if p.inputs.published else None},
            "comparators": comparator_group(ctx), "sources": source_files(ctx), "measures": measures}


def write_record(ctx, folder: Path) -> Path:
    path = Path(folder) / RECORD_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(build_record(ctx), indent=1, sort_keys=True, allow_nan=False) + "\n",
                    encoding="utf-8")
    return path


class RecordError(ParameterError):
    """A previous pack's record cannot be read (the message names the file and the fix)."""


def read_record(path: str | Path) -> dict:
    """A previous pack's record: ``path`` is its ``findings.json`` or the pack folder that holds one."""
    p = paths.resolve(Path(path))
    if p.is_dir():
        p = p / RECORD_FILE
    if not p.is_file():
        raise RecordError(f"{p}: no previous pack record found. Give --since a previous pack folder (it holds "
                          f"{RECORD_FILE}) or the {RECORD_FILE} file itself.")
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise RecordError(f"{p}: is not a pack record cpanalysis can read ({type(err).__name__}). Give --since the "
                          f"{RECORD_FILE} a pack build wrote.") from None
    if not isinstance(data, dict) or not isinstance(data.get("measures"), dict) or "year" not in data:
        raise RecordError(f"{p}: is not a pack record (no year or measures). Give --since the {RECORD_FILE} a "
                          "pack build wrote.")
    data["_path"] = str(p)
    return data
