"""Validate an SSDA903 return and report on it in plain English.

* :func:`validate` (a path or a loaded :class:`~cpanalysis.model.CLAData`) -> :class:`Report`;
* :func:`report_text` -> the terminal report: what was read, counts by rule, first examples with file, row and
  column, the reconciliation (rows read = used + quarantined) and the notes;
* :func:`cli_validate` -> the ``cpanalysis validate`` command: exit code 0 (clean; warnings allowed), 1 (errors:
  rows quarantined) or 2 (fatal: the return cannot be read).

The rules themselves are in :mod:`cpanalysis.validation.rules`; reading and merging in
:mod:`cpanalysis.sources.ssda903`.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cpanalysis.model import TABLE_TITLES, CLAData
from cpanalysis.validation.errors import FatalInputError
from cpanalysis.validation.rules import RULES, rule_table

EXIT_OK, EXIT_ERRORS, EXIT_FATAL = 0, 1, 2

__all__ = ["FatalInputError", "Report", "validate", "report_text", "cli_validate", "RULES", "rule_table",
           "blocking_findings",
           "EXIT_OK", "EXIT_ERRORS", "EXIT_FATAL"]


@dataclass
class Report:
    """The outcome of validating one return."""

    issues: pd.DataFrame  # every finding: table, year, source_file, source_row, column, rule_id, severity, ...
    reconciliation: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    source: str = ""
    fatal: str | None = None  # the fatal message, when the return could not be read
    data: CLAData | None = None

    @property
    def n_errors(self) -> int:
        return int((self.issues["severity"] == "error").sum()) if len(self.issues) else 0

    @property
    def n_warnings(self) -> int:
        return int((self.issues["severity"] == "warning").sum()) if len(self.issues) else 0

    @property
    def rows_quarantined(self) -> int:
        return int(self.reconciliation["rows_quarantined"].sum()) if len(self.reconciliation) else 0

    @property
    def exit_code(self) -> int:
        if self.fatal is not None:
            return EXIT_FATAL
        return EXIT_ERRORS if self.n_errors or self.rows_quarantined else EXIT_OK

    def by_rule(self) -> pd.DataFrame:
        """Counts by rule and table: rule_id, severity, table, findings, rows."""
        cols = ["rule_id", "severity", "table", "findings", "message"]
        if not len(self.issues):
            return pd.DataFrame(columns=cols)
        g = (self.issues.groupby(["rule_id", "severity", "table"], dropna=False)
             .size().rename("findings").reset_index())
        g["message"] = g["rule_id"].map(lambda r: RULES[r].message)
        order = {"fatal": 0, "error": 1, "warning": 2}
        g["_o"] = g["severity"].map(order)
        return g.sort_values(["_o", "findings"], ascending=[True, False]).drop(columns="_o")[cols]

    def text(self, examples: int = 3) -> str:
        return _render(self, examples)


def validate(data_or_path: CLAData | str | Path, year: int | None = None, *, repair: str = "latest") -> Report:
    """Validate a return given as a folder/file path or an already loaded CLAData. Never raises for bad input:
    a fatal problem gives a Report whose ``fatal`` holds the message (exit code 2)."""
    if isinstance(data_or_path, CLAData):
        data = data_or_path
        source = getattr(data, "source", "")
    else:
        from cpanalysis.sources.ssda903 import load_ssda903

        source = str(data_or_path)
        try:
            data = load_ssda903(data_or_path, year, repair=repair)
        except FatalInputError as err:
            issues = pd.DataFrame([{"table": "", "year": year, "source_file": err.file or source, "source_row": pd.NA,
                                    "column": "", "rule_id": err.rule_id, "severity": "fatal", "action": "stop",
                                    "message": str(err), "child": pd.NA}])
            return Report(issues=issues, reconciliation=pd.DataFrame(
                columns=["table", "year", "rows_read", "rows_used", "rows_quarantined"]), source=source,
                fatal=str(err))
    issues = getattr(data, "issues", None)
    if issues is None:  # a CLAData built elsewhere: report its quarantine
        issues = data.quarantine.assign(action="quarantine")
    return Report(issues=issues, reconciliation=data.reconciliation, notes=list(data.notes), years=list(data.years),
                  source=source, data=data)


#: findings that stop a pack or an export: their figures would be false zeros, not merely incomplete
BLOCKING_RULES = ("FILE-EMPTY-TABLE",)


def blocking_findings(data: CLAData, year: int) -> list[str]:
    """Messages of findings for the reporting ``year`` that make its figures untrue (see BLOCKING_RULES)."""
    issues = getattr(data, "issues", None)
    if issues is None or not len(issues):
        return []
    hit = issues[issues["rule_id"].isin(BLOCKING_RULES).to_numpy(bool) & issues["year"].astype("Int64").eq(year).fillna(False).to_numpy(bool)]
    return [f"{_where(r, getattr(data, 'source_paths', None))}: {r['message']}" for _, r in hit.iterrows()]


def report_text(data: CLAData | Report | str | Path, examples: int = 3) -> str:
    """The data-quality report for the terminal."""
    rep = data if isinstance(data, Report) else validate(data)
    return rep.text(examples)


def _where(row, source_paths: dict | None = None) -> str:
    name = str(row["source_file"])
    if source_paths and pd.notna(row["year"]):
        base, _, sheet = name.partition("#")
        rel = source_paths.get((int(row["year"]), base))
        if rel:
            name = rel + (f"#{sheet}" if sheet else "")
    parts = [name]
    if pd.notna(row["source_row"]):
        parts.append(f"row {int(row['source_row'])}")
    if isinstance(row["column"], str) and row["column"]:
        parts.append(f"column {row['column']}")
    return ", ".join(parts)


def _render(rep: Report, examples: int) -> str:
    out: list[str] = []
    out.append(f"SSDA903 data-quality report: {rep.source}")
    if rep.fatal is not None:
        out.append("")
        out.append("FATAL: the return could not be read, so nothing was checked.")
        out.append(f"  {rep.fatal}")
        return "\n".join(out)
    years = ", ".join(str(y) for y in rep.years)
    out.append(f"Collection years: {years} (a year is named by the 31 March it ends on).")
    rec = rep.reconciliation
    read = int(rec["rows_read"].sum()) if len(rec) else 0
    out.append(f"Rows read {read:,}; used {int(rec['rows_used'].sum()) if len(rec) else 0:,}; "
               f"quarantined {rep.rows_quarantined:,}. Findings: {rep.n_errors:,} error(s), "
               f"{rep.n_warnings:,} warning(s).")
    verdict = {0: "RESULT: no errors" + (" (warnings only: the data can be used; please review them)."
                                          if rep.n_warnings else "."),
               1: "RESULT: errors found. Quarantined rows are left out of every figure until the return is "
                  "corrected."}[rep.exit_code]
    out.append(verdict)
    summary = rep.by_rule()
    paths_ = getattr(rep.data, "source_paths", None)
    if len(summary):
        out.append("")
        out.append("Problems by rule (most serious first):")
        for _, r in summary.iterrows():
            title = TABLE_TITLES.get(r["table"], r["table"] or "files")
            out.append(f"  [{r['severity'].upper()}] {r['rule_id']} in {title}: {int(r['findings']):,}")
            out.append(f"      {r['message']}")
            ex = rep.issues[(rep.issues["rule_id"] == r["rule_id"]) & (rep.issues["table"].fillna("") ==
                                                                        (r["table"] if isinstance(r["table"], str) else ""))]
            for _, e in ex.head(examples).iterrows():
                detail = str(e["message"])[len(RULES[e["rule_id"]].message):].strip()
                child = f" child {e['child']}" if pd.notna(e["child"]) else ""
                out.append(f"      e.g. {_where(e, paths_)}{child}" + (f": {detail}" if detail else ""))
    if len(rec):
        out.append("")
        out.append("Reconciliation (every row read is used or quarantined):")
        out.append(f"  {'table':<16}{'year':>6}{'read':>10}{'used':>10}{'quarantined':>13}{'superseded':>12}")
        for _, r in rec.iterrows():
            sup = int(r["rows_superseded"]) if "rows_superseded" in rec.columns else 0
            out.append(f"  {TABLE_TITLES.get(r['table'], r['table']):<16}{int(r['year']):>6}{int(r['rows_read']):>10,}"
                       f"{int(r['rows_used']):>10,}{int(r['rows_quarantined']):>13,}{sup:>12,}")
        out.append("  (superseded: used rows replaced by a later return's copy when the years were merged)")
    if rep.notes:
        out.append("")
        out.append("Notes:")
        out += [f"  - {n}" for n in rep.notes]
    return "\n".join(out)


def published_report(params) -> tuple[list[str], int]:
    """The published-data folder for ``validate``: the DfE tables the pack uses that were found (with their years),
    those missing (with the measures each would give), the files skipped (listed once here, not on every build),
    and Ofsted's inspection outcomes. (report lines, exit code): 2 when the folder cannot be read."""
    from cpanalysis import paths
    from cpanalysis.errors import FatalError
    from cpanalysis.sources import ofsted
    from cpanalysis.sources.ofsted import from_folder as load_ofsted
    from cpanalysis.sources.published import load_published, needed_tables, table_report

    folder = paths.resolve(params.inputs.published)
    lines = ["", f"Published data: {folder}"]
    try:
        pub = load_published(folder)
    except FatalError as err:
        return lines + [f"  FATAL: {err}"], EXIT_FATAL
    rep = table_report(pub)
    n = len(needed_tables())
    lines.append(f"  DfE tables found: {len(rep['found'])} of the {n} the pack uses")
    for t in rep["found"]:
        lines.append(f"    {t['table']}: {t['years']} ({t['file']}; {t['measures']} measure"
                     f"{'s' if t['measures'] != 1 else ''})")
    if rep["missing"]:
        lines.append(f"  DfE tables missing: {len(rep['missing'])}; each would give the measures named "
                     "(download them with `cpanalysis data download --dest DIR` or add them to the folder):")
        for t in rep["missing"]:
            lines.append(f"    needs DfE table {t['table']}: {len(t['measures'])} measure"
                         f"{'s' if len(t['measures']) != 1 else ''}: {'; '.join(t['measures'])}")
    else:
        lines.append("  DfE tables missing: none")
    if rep["skipped"]:
        by_why: dict[tuple[str, str], int] = {}
        for f in rep["skipped"]:
            key = (str(Path(f["file"]).parent), f["why"])
            by_why[key] = by_why.get(key, 0) + 1
        lines.append(f"  Files skipped: {len(rep['skipped'])} (they are not used):")
        for (where, why), k in sorted(by_why.items()):
            lines.append(f"    {where}/: {k} file{'s' if k != 1 else ''}: {why}")
    data, note = load_ofsted(folder)
    if data is None:
        lines.append(f"  Ofsted: {note}")
    else:
        rel = data.path.relative_to(folder) if data.path.is_relative_to(folder) else data.path
        row = ofsted.council_row(data, params.council.new_la_code or "")
        said = (f"latest ILACS inspection {row['inspection_date']:%d %B %Y}, overall effectiveness {row['overall']}"
                if row is not None and row.get("overall") else "no ILACS judgement for the council")
        lines.append(f"  Ofsted inspection outcomes: {rel} (as at {data.as_at or 'date not given'}); "
                     f"{params.council.name}: {said}")
    return lines, EXIT_OK


def _other_inputs(params) -> tuple[list[str], int]:
    """Local returns and written evidence: (report lines, exit code)."""
    from cpanalysis.errors import FatalError
    from cpanalysis.sources.local import check_evidence, read_local

    lines: list[str] = []
    code = EXIT_OK
    if params.inputs.local:
        lines += ["", f"Local returns: {params.inputs.local}"]
        try:
            local = read_local(params.inputs.local)
        except FatalError as err:
            lines.append(f"  FATAL: {err}")
            code = EXIT_FATAL
        else:
            if not local.tables:
                lines.append("  No local return was found (the pack says so in each section that uses them).")
            for name, df in local.tables.items():
                lines.append(f"  {name}.csv: {len(df):,} row(s) used")
            if len(local.quarantine):
                code = EXIT_ERRORS
                lines.append(f"  [ERROR] {len(local.quarantine):,} problem(s); those rows are left out of every figure:")
                for _, q in local.quarantine.iterrows():
                    lines.append(f"      {q['source_file']}, row {q['source_row']}, column {q['column']}: {q['message']}")
    if params.inputs.evidence:
        lines += ["", f"Written evidence: {params.inputs.evidence}"]
        try:
            notes = check_evidence(params)
        except FatalError as err:
            lines.append(f"  FATAL: {err}")
            code = EXIT_FATAL
        else:
            lines += [f"  {n}" for n in notes] or ["  No evidence file (q01.md ... q10.md) was found."]
    return lines, code


def cli_validate(params) -> int:
    """``cpanalysis validate``: check the SSDA903 return, the local returns and the written evidence, print the
    report and return 0 (clean), 1 (errors: rows quarantined) or 2 (fatal: an input cannot be read)."""
    from cpanalysis.errors import plain

    other, other_code = _other_inputs(params)
    if params.inputs.published:
        lines, pub_code = published_report(params)
        other = lines + other
        other_code = max(other_code, pub_code)
    src = params.inputs.ssda903
    if src is None:
        print("No SSDA903 return is configured (inputs.ssda903 is empty), so there is no child-level data to "
              "check: the measures that need it are not in a published-data pack (the build report names them). "
              "Give --ssda903 DIR to check a return.")
        if other:
            print(plain("\n".join(other)), file=sys.stderr if other_code == EXIT_FATAL else sys.stdout)
        return other_code
    from cpanalysis import paths

    path = paths.resolve(src)
    rep = validate(path, params.year)
    code = max(rep.exit_code, other_code)
    if other_code > rep.exit_code:
        other += ["", "RESULT (all inputs): " + ("an input could not be read (above)." if code == EXIT_FATAL else
                                                 "errors found in the local returns (above).")]
    text = plain(rep.text() + ("\n" + "\n".join(other) if other else ""))
    print(text, file=sys.stderr if code == EXIT_FATAL else sys.stdout)
    return code
