"""Statistical disclosure control: nothing published identifies a child.

Applied to the indicator results (``registry.RESULT_COLUMNS``) before anything reaches a notebook's
output, the pack or a ``--public`` export. The rules follow the Government Statistical Service
practice DfE uses for the children looked after statistics:

1. **Primary suppression of small counts.** A count of children from 1 to ``suppress_counts_up_to``
   (default 5) is shown as ``c``. Zero is shown: it identifies nobody.
2. **Small numerators and complements.** A percentage or rate whose numerator is 1 to 5 is
   suppressed, and so is one whose complement (denominator minus numerator) is 1 to 5, because
   "97% of 100 children" reveals that 3 did not.
3. **Small denominators.** Percentages and averages based on fewer than ``min_denominator`` (default
   11) children are suppressed. A denominator of 1 to 5 is never shown.
4. **Secondary suppression.** Where breakdown rows of one indicator and year add up to its Total
   (for example placement moves by reason), a single suppressed cell could be recovered by
   subtraction. The next smallest cell of the group is then suppressed as well, repeatedly, until
   every group has either no suppressed cell or at least two.

Suppressed rows keep the ``c`` symbol in a ``symbol`` column and the reason in ``suppression``; their
value, numerator, interval and (when small) denominator are blanked, so no later stage can show
them, not even as zero. Symbols already present (from DfE's published files) are kept.

Figures that are not about children (staff full-time equivalents, money, councillors) are exempt:
they are listed in :data:`NOT_ABOUT_CHILDREN_SOURCES` and :data:`NOT_ABOUT_CHILDREN_UNITS`.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Iterable

import numpy as np
import pandas as pd

SUPPRESSED = "c"
NOT_ABOUT_CHILDREN_UNITS = frozenset({"fte", "gbp", "gbp_thousands"})
NOT_ABOUT_CHILDREN_SOURCES = frozenset({"Local return (workforce)", "Local return (spend)",
                                        "Local return (member_training)"})
CHILD_UNITS = ("count", "percent", "rate_per_10k", "mean", "days")


def _thresholds(settings) -> tuple[int, int]:
    if settings is None:
        return 5, 11
    if isinstance(settings, dict):
        return int(settings.get("suppress_counts_up_to", 5)), int(settings.get("min_denominator", 11))
    return int(settings.suppress_counts_up_to), int(settings.min_denominator)


def _small(x, k: int) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and not pd.isna(x) and 1 <= float(x) <= k


def about_children(row) -> bool:
    return row.get("unit") in CHILD_UNITS and str(row.get("source", "")) not in NOT_ABOUT_CHILDREN_SOURCES


def primary_reason(row, k: int, min_den: int) -> str:
    """Why a single result row must be suppressed ('' when it may be shown)."""
    if not about_children(row):
        return ""
    unit, num, den, val = row.get("unit"), row.get("numerator"), row.get("denominator"), row.get("value")
    if unit == "count":
        if _small(val, k) or _small(num, k):
            return f"fewer than {k + 1} children"
        return ""
    if unit in ("percent", "rate_per_10k"):
        if unit == "percent" and pd.notna(den) and float(den) < min_den and float(den) > 0:
            return f"based on fewer than {min_den} children"
        if _small(num, k):
            return f"fewer than {k + 1} children"
        if unit == "percent" and pd.notna(num) and pd.notna(den) and _small(float(den) - float(num), k):
            return f"would reveal a group of fewer than {k + 1} children"
        return ""
    if unit in ("mean", "days"):
        if pd.notna(den) and 0 < float(den) < min_den:
            return f"average of fewer than {min_den} children"
        if pd.isna(den) and pd.notna(val) and pd.notna(num) and _small(num, k):
            return f"fewer than {k + 1} children"
    return ""


def _group_count(row) -> float:
    """The number of children a result row stands for, for secondary suppression."""
    if row.get("unit") == "count":
        return row.get("value")
    return row.get("numerator")


def _secondary(recs: list[dict], reasons: list[str], orig: list[float]) -> None:
    """Complementary suppression within each (indicator, year) whose breakdowns add up to the Total."""
    groups: dict[tuple, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        groups[(r.get("indicator_id"), r.get("year"))].append(i)
    for idxs in groups.values():
        if len(idxs) < 3:
            continue
        total = [i for i in idxs if (recs[i].get("breakdown") or "Total") == "Total"]
        parts = [i for i in idxs if (recs[i].get("breakdown") or "Total") != "Total"]
        if len(parts) < 2 or not total or not about_children(recs[total[0]]):
            continue
        vals = [orig[i] for i in parts]
        tot = orig[total[0]]
        if any(pd.isna(v) for v in vals) or pd.isna(tot) or not math.isclose(float(sum(vals)), float(tot)):
            continue  # not a partition of the total: nothing can be worked out by subtraction
        while True:
            hidden = [i for i in parts if reasons[i]]
            shown = [i for i in parts if not reasons[i]]
            if len(hidden) != 1 or not shown:
                break
            nonzero = [i for i in shown if float(orig[i]) > 0]
            pick = min(nonzero or shown, key=lambda i: (float(orig[i]), parts.index(i)))
            reasons[pick] = "suppressed so that a suppressed figure cannot be worked out from the total"


def apply(results: pd.DataFrame, settings=None) -> pd.DataFrame:
    """Disclosure-controlled copy of ``results`` with ``symbol`` and ``suppression`` columns."""
    k, min_den = _thresholds(settings)
    df = results.copy()
    if df.empty:
        df["symbol"] = pd.Series(dtype="string")
        df["suppression"] = pd.Series(dtype="string")
        return df
    if "symbol" not in df.columns:
        df["symbol"] = ""
    df["symbol"] = df["symbol"].fillna("").astype(object)
    for col in ("value", "numerator", "denominator", "ci_low", "ci_high"):
        if col in df.columns:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    recs = df.to_dict("records")
    orig = [_group_count(r) for r in recs]
    reasons = [primary_reason(r, k, min_den) for r in recs]
    _secondary(recs, reasons, orig)
    reasons_arr = np.array(reasons, dtype=object)
    hide = reasons_arr != ""
    existing = (df["symbol"] != "").to_numpy()
    df["suppression"] = np.where(hide, reasons_arr, np.where(existing, "not available from the source", ""))
    df.loc[hide, "symbol"] = SUPPRESSED
    for col in ("value", "numerator", "ci_low", "ci_high"):
        if col in df.columns:
            df.loc[hide, col] = np.nan
    if "denominator" in df.columns:
        den = df["denominator"]
        df.loc[hide & den.between(1, k).to_numpy(), "denominator"] = np.nan
    return df


# ----------------------------------------------------------------------------------------- checks
_ID_PATTERNS = {
    "date of birth": re.compile(r"\b\d{1,2}/\d{1,2}/(19|20)\d{2}\b"),
}


def find_disclosure_risks(records: Iterable[dict], k: int = 5) -> list[str]:
    """Problems in published result records (dicts with RESULT_COLUMNS, symbol): for tests and the pack build."""
    problems = []
    for r in records:
        if r.get("symbol"):
            for col in ("value", "numerator", "ci_low", "ci_high"):
                v = r.get(col)
                if v is not None and not (isinstance(v, float) and math.isnan(v)):
                    problems.append(f"{r.get('indicator_id')} {r.get('year')} {r.get('breakdown')}: suppressed "
                                    f"but {col}={v} is shown")
            continue
        if not about_children(r):
            continue
        reason = primary_reason(r, k, 11)
        if reason and "fewer than 11" not in reason and "average" not in reason:
            problems.append(f"{r.get('indicator_id')} {r.get('year')} {r.get('breakdown')}: {reason} but shown")
    return problems


def check_json_sidecar(path) -> list[str]:
    data = json.loads(open(path, encoding="utf-8").read())
    return find_disclosure_risks(data.get("figures", []))


def band_count(n, k: int = 5) -> str:
    """A row or record count for an annex: exact when 0 or above ``k``, otherwise 'fewer than k+1'."""
    n = int(n)
    return f"fewer than {k + 1}" if 1 <= n <= k else f"{n:,}"
