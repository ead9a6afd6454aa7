"""The build report: what a pack shows, what it lacks and why (the officer's check after a build).

It sits below the presentation (``briefing`` reads it for the data-quality annex) and below ``pack`` (which
prints it and writes ``build-report.txt``), so neither imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from cpanalysis.config import Params


@dataclass
class BuildReport:
    """The officer's check after a build: measures shown, missing or suppressed, and out of date."""

    year: int
    shown: list[str]
    #: (measure, why) for measures the questions name that have no figure for the pack's year
    missing: list[tuple[str, str]]
    suppressed: list[str]
    #: (measure, latest year with a figure) for measures whose latest figure is older than the pack's year
    older: list[tuple[str, int]]

    def text(self, limit: int = 12) -> str:
        from cpanalysis.config import year_label

        def some(items: list[str]) -> str:
            counts: dict[str, int] = {}
            for item in items:  # one line per measure name ("What children say" is one measure per question)
                counts[item] = counts.get(item, 0) + 1
            items = [f"{k} ({n} measures)" if n > 1 else k for k, n in counts.items()]
            more = f"; and {len(items) - limit} more" if len(items) > limit else ""
            return "; ".join(items[:limit]) + more

        lines = [f"Build report for {year_label(self.year)}:",
                 f"  measures shown with a figure for {year_label(self.year)}: {len(self.shown)}"]
        if self.suppressed:
            lines.append(f"  suppressed (5 or fewer children, or could reveal such a figure): {len(self.suppressed)}: "
                         + some(self.suppressed))
        if self.missing:
            by_source = [(why, [m for m, w in self.missing if w == why]) for why in NEEDS.values()]
            tables: dict[str, list[str]] = {}
            for m, w in self.missing:
                if w.startswith(NEEDS_TABLE_PREFIX):
                    tables.setdefault(w[len(NEEDS_TABLE_PREFIX):].split(" ")[0], []).append(m)
            other = [(m, w) for m, w in self.missing if w not in NEEDS.values()
                     and not w.startswith(NEEDS_TABLE_PREFIX)]
            parts = [f"{len(ms)} {why}" for why, ms in by_source if ms]
            if tables:
                parts.append(f"{sum(map(len, tables.values()))} need DfE tables not found under inputs: published")
            lines.append(f"  missing (no figure for {year_label(self.year)}): {len(self.missing)}"
                         + (f" ({'; '.join(parts)})" if parts else "")
                         + (": " + some([f"{m} ({why})" for m, why in other]) if other else ""))
            for t, ms in tables.items():
                lines.append(f"    needs DfE table {t}: {len(ms)} measure{'s' if len(ms) != 1 else ''}: {some(ms)}")
        if self.older:
            lines.append(f"  latest figure older than {year_label(self.year)}: {len(self.older)}: "
                         + some([f"{m} (latest {year_label(y)})" for m, y in self.older]))
        if not (self.suppressed or self.missing or self.older):
            lines.append("  nothing missing, suppressed or out of date")
        return "\n".join(lines)


#: why a measure has no figure when the DfE table that gives it is not in the published folder (then its name)
NEEDS_TABLE_PREFIX = "need DfE table "

#: why a measure has no figure when a whole source was not supplied
NEEDS = {"ssda903": "need the council's SSDA903 return (inputs: ssda903)",
         "local": "need local returns (inputs: local; templates in data/templates/)"}


def build_report(ctx, topics: list[int]) -> BuildReport:
    """Measures of the questions built: which have a figure for the pack's year, which are suppressed, which
    have none (and why), and which stop before the pack's year. Uses the disclosure-controlled results only.
    Worked out once per context and questions (the builder's report and the data-quality annex share it)."""
    cache = ctx.__dict__.setdefault("_build_reports", {})
    key = tuple(topics)
    if key not in cache:
        cache[key] = _build_report(ctx, list(topics))
    return cache[key]


def _build_report(ctx, topics: list[int]) -> BuildReport:
    import pandas as pd

    from cpanalysis.questions import question

    year = ctx.params.year
    res = ctx.results
    total = res[res["breakdown"] == "Total"] if not res.empty else res
    named: list[str] = []
    for n in topics:
        for iid in question(n).indicator_ids:
            if iid not in named:
                named.append(iid)
    if not total.empty:
        for iid in total.loc[total["question"].isin(topics), "indicator_id"].drop_duplicates():
            if iid not in named:
                named.append(iid)
    absent = _absent_tables(ctx)
    for ms in absent.values():  # the measures a missing DfE table would have given the questions built
        for m in ms:
            if m.question in topics and m.indicator_id not in named:
                named.append(m.indicator_id)

    def title(iid: str) -> str:
        rows = total[total["indicator_id"] == iid] if not total.empty else total
        if len(rows) and str(rows["title"].iloc[0]).strip():
            return str(rows["title"].iloc[0])
        try:
            from cpanalysis.evidence import _definition

            return _definition(iid).title
        except Exception:  # noqa: BLE001 - an id with no definition is reported by its id
            return iid

    shown, missing, suppressed, older = [], [], [], []
    for iid in named:
        rows = total[total["indicator_id"] == iid] if not total.empty else total
        name = title(iid)
        if rows.empty:
            missing.append((name, _why_missing(iid, ctx.params, absent)))
            continue
        with_value = rows[pd.to_numeric(rows["value"], errors="coerce").notna()]
        latest = int(with_value["year"].max()) if len(with_value) else None
        now = rows[rows["year"] == year]
        symbol = str(now["symbol"].iloc[0]) if len(now) and "symbol" in now.columns and pd.notna(
            now["symbol"].iloc[0]) else ""
        status = str(now["status"].iloc[0]) if len(now) else ""
        if len(now) and pd.notna(pd.to_numeric(now["value"], errors="coerce").iloc[0]):
            shown.append(name)
        elif symbol == "c" or status.startswith("suppressed"):
            suppressed.append(name)
        elif latest is not None and latest < year:
            older.append((name, latest))
        else:
            missing.append((name, status if status and status != "ok" else "no figure for the year"))
    return BuildReport(year=year, shown=shown, missing=missing, suppressed=suppressed, older=older)


def _absent_tables(ctx) -> dict:
    """The DfE tables the catalogue needs that the published folder lacks ({} without a published folder)."""
    pub = getattr(ctx, "published", None)
    if pub is None or not hasattr(pub, "tables"):
        return {}
    from cpanalysis.sources.published import missing_tables

    return missing_tables(pub)


def _why_missing(indicator_id: str, params: Params, absent: dict | None = None) -> str:
    """Why a measure has no figure: the DfE table that gives it is not in the published folder ("need DfE table
    X"), the SSDA903 return or the local returns were not supplied, or the data supplied has none."""
    from cpanalysis.indicators import registry

    for table, ms in (absent or {}).items():
        if params.inputs.ssda903 is None and any(m.indicator_id == indicator_id for m in ms):
            return f"{NEEDS_TABLE_PREFIX}{table} (not found under inputs: published)"
    if params.inputs.ssda903 is None and indicator_id in {i.id for i in registry.all_indicators()}:
        return NEEDS["ssda903"]
    if params.inputs.local is None:
        from cpanalysis.sources import local

        try:
            local.definition_for(indicator_id)
            return NEEDS["local"]
        except KeyError:
            pass
    return "not in the data supplied"


