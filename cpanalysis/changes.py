"""What has changed since the last pack: this pack's findings against a previous pack's record (``findings.json``).

Each change (a new concern, a resolved concern, a target newly met or missed, a verdict that changed) is labelled
by its causes, which a committee must be able to tell apart:

(a) ``figure``: the council's figure moved (with Fisher's exact test of the two years' proportions where both
    have counts: :func:`cpanalysis.stats.two_proportion_change`);
(b) ``revision``: DfE revised the earlier figure (this pack's data gives the old year a different value from the
    one the old pack published);
(c) ``comparator``: the comparator moved (the neighbour group's members changed, or England's figure);
(d) ``definition``: the definition or coding changed between the two years (:data:`KNOWN_CHANGES`).

Everything compared is disclosure-controlled: the old record holds only published figures, and this pack's
figures are read from ``ctx.results`` through the evidence records.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from cpanalysis import pack_record, stats


@dataclass(frozen=True)
class DefinitionChange:
    indicators: tuple[str, ...]
    #: the first reporting year counted on the new definition
    from_year: int
    text: str


#: changes of definition or coding the pack knows about
KNOWN_CHANGES: tuple[DefinitionChange, ...] = (
    DefinitionChange(("placement_supported_accommodation", "placement_type_mix", "placement_children_home"), 2024,
                     "supported accommodation for 16 and 17 year olds had to be Ofsted-registered from 28 October "
                     "2023, and new placement codes (K3 and others) were introduced; figures from 2023-24 mix the old "
                     "and new categories"),
    DefinitionChange(("care_leavers_suitable_accom_19_21", "care_leavers_suitable_accom_17_18"), 2024,
                     "care leavers' accommodation in supported accommodation is recorded under the new "
                     "Ofsted-registered categories from 2023-24"),
)


#: the smallest difference between two published figures read as a revision (not a rounding difference)
REVISION_TOLERANCE = 0.05


def _num(x) -> float | None:
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


@dataclass
class Change:
    indicator: str
    title: str
    question: int
    #: 'new concern', 'resolved concern', 'target newly met', 'target newly missed', 'verdict changed'
    kinds: list[str]
    old: dict
    new: dict
    #: cause -> words; causes are 'figure', 'revision', 'comparator', 'definition'
    causes: dict[str, str] = field(default_factory=dict)
    test: dict = field(default_factory=dict)


@dataclass
class Comparison:
    old_year: int
    new_year: int
    old_built_on: str
    old_path: str
    changes: list[Change]
    #: titles of the measures only one of the two packs has
    only_old: list[str]
    only_new: list[str]
    group: dict


def previous_record(since, params=None) -> dict:
    """The previous pack's record; refused (with the fix) when it is another council's."""
    old = pack_record.read_record(since)
    if params is not None:
        was = old.get("council") or {}
        code, name = params.council.old_la_code, params.council.name
        if (was.get("old_la_code") and code and str(was["old_la_code"]) != str(code)) or (
                not (was.get("old_la_code") and code) and was.get("name") and was["name"] != name):
            raise pack_record.RecordError(
                f"{old['_path']}: is the record of a pack for {was.get('name')!r}, not {name!r}. Give --since (or "
                f"since:) a previous pack of {name}.")
    return old


def _kinds(old: dict, new: dict) -> list[str]:
    out = []
    if new.get("kind") == "concern" and old.get("kind") != "concern":
        out.append("new concern")
    if old.get("kind") == "concern" and new.get("kind") != "concern":
        out.append("resolved concern")
    if new.get("target_status") == "met" and old.get("target_status") not in ("met", ""):
        out.append("target newly met")
    if new.get("target_status") == "not met" and old.get("target_status") not in ("not met", ""):
        out.append("target newly missed")
    ov, nv = old.get("verdict_england") or "not judged", new.get("verdict_england") or "not judged"
    if ov != nv and (old.get("value") is not None and new.get("value") is not None):
        out.append("verdict changed")
    return out


def group_change(old: dict, new: dict) -> str:
    """Words for a changed comparator group ('' when the same): 'the neighbour group changed (DfE's 2021 model
    to the 2025 model): 4 of its 10 neighbours are the same'."""
    o, n = old.get("comparators") or {}, new.get("comparators") or {}
    om, nm = list(o.get("members") or []), list(n.get("members") or [])
    if om == nm and o.get("model") == n.get("model"):
        return ""
    if set(om) == set(nm):
        return ""
    kept = len(set(om) & set(nm))
    names = {"2025": "DfE's May 2025 model", "2021": "DfE's April 2021 model", "custom": "the council's own group"}
    model = (f" from {names.get(str(o.get('model')), o.get('model'))} to {names.get(str(n.get('model')), n.get('model'))}"
             if o.get("model") != n.get("model") else "")
    return (f"the neighbour group changed{model}: {kept} of its {len(nm)} neighbours were in the group before"
            if nm else "the pack no longer compares with a neighbour group")


def _fmt(v, unit: str) -> str:
    from cpanalysis.narrative import fmt

    return "not shown" if v is None else fmt(v, unit)


def causes_of(iid: str, old: dict, new: dict, old_year: int, new_year: int, revised_old: float | None,
              group_words: str) -> tuple[dict[str, str], dict]:
    """The causes of a change in one measure, in words, and the test of the figure's change (may be empty)."""
    from cpanalysis.narrative import year_label

    unit = new.get("unit") or old.get("unit") or ""
    causes: dict[str, str] = {}
    test: dict = {}
    ov, nv = old.get("value"), new.get("value")
    # (b) DfE revised the earlier figure: this pack's data gives the old year another value
    if ov is not None and revised_old is not None and abs(revised_old - ov) > REVISION_TOLERANCE * (
            1 if unit in ("percent", "rate_per_10k") else max(1.0, abs(ov) / 100)):
        causes["revision"] = (f"DfE revised the {year_label(old_year)} figure: first published {_fmt(ov, unit)}, "
                              f"now {_fmt(revised_old, unit)}")
    # (a) the council's figure moved
    if ov is not None and nv is not None and new_year != old_year:
        x1, n1, x2, n2 = (old.get("numerator"), old.get("denominator"), new.get("numerator"), new.get("denominator"))
        if unit == "percent" and None not in (x1, n1, x2, n2):
            test = stats.two_proportion_change(x1, n1, x2, n2)
            beyond = test["direction"] in ("up", "down")
            how = (f"{_fmt(ov, unit)} in {year_label(old_year)} to {_fmt(nv, unit)} in {year_label(new_year)}; "
                   f"{test['method']}, p = {test['p']:.3g}, at the {test['level']:.1%} level")
            causes["figure"] = (f"the council's figure moved beyond chance, from {how}" if beyond else
                                f"the council's figure did not change beyond chance ({how})")
        elif _fmt(ov, unit) != _fmt(nv, unit):
            causes["figure"] = (f"the council's figure moved from {_fmt(ov, unit)} in {year_label(old_year)} to "
                                f"{_fmt(nv, unit)} in {year_label(new_year)} (no counts to test the change)")
    # (c) the comparator moved
    oe, ne = old.get("england"), new.get("england")
    parts = []
    if group_words:
        parts.append(group_words)
    if oe is not None and ne is not None and _fmt(oe, unit) != _fmt(ne, unit):
        parts.append(f"England moved from {_fmt(oe, unit)} to {_fmt(ne, unit)}")
    if parts:
        causes["comparator"] = "; ".join(parts)
    # (d) the definition changed between the years
    for d in KNOWN_CHANGES:
        if iid in d.indicators and old_year < d.from_year <= new_year:
            causes["definition"] = f"the definition changed: {d.text}"
    return causes, test


def compare_records(old: dict, new: dict, revised: dict[str, float | None] | None = None) -> Comparison:
    """Every change between two pack records. ``revised``: indicator id -> this pack's data's value for the old
    record's year (None when it has none), for cause (b)."""
    revised = revised or {}
    om, nm = old.get("measures") or {}, new.get("measures") or {}
    oy, ny = int(old["year"]), int(new["year"])
    gw = group_change(old, new)
    out = []
    for iid, n in nm.items():
        o = om.get(iid)
        if o is None:
            continue
        kinds = _kinds(o, n)
        if not kinds:
            continue
        causes, test = causes_of(iid, o, n, int(o.get("year") or oy), int(n.get("year") or ny), revised.get(iid), gw)
        out.append(Change(indicator=iid, title=n.get("title") or o.get("title") or iid,
                          question=int(n.get("question") or 0), kinds=kinds, old=o, new=n, causes=causes, test=test))
    order = {"new concern": 0, "target newly missed": 1, "resolved concern": 2, "target newly met": 3,
             "verdict changed": 4}
    out.sort(key=lambda c: (min(order[k] for k in c.kinds), c.question, c.indicator))
    return Comparison(old_year=oy, new_year=ny, old_built_on=str(old.get("built_on") or ""),
                      old_path=str(old.get("_path") or ""), changes=out,
                      only_old=sorted(str(om[i].get("title") or i) for i in set(om) - set(nm)),
                      only_new=sorted(str(nm[i].get("title") or i) for i in set(nm) - set(om)),
                      group={"words": gw})


def revised_values(ctx, old: dict) -> dict[str, float | None]:
    """This pack's (disclosure-controlled) value of each measure for the year the old record published it."""
    from cpanalysis import evidence

    out: dict[str, float | None] = {}
    for iid, m in (old.get("measures") or {}).items():
        t = evidence._total_rows(ctx, iid)
        y = m.get("year")
        if t.empty or y is None:
            out[iid] = None
            continue
        row = t[t["year"] == int(y)]
        sym = str(row["symbol"].iloc[0]) if len(row) and "symbol" in row.columns and row["symbol"].iloc[0] else ""
        out[iid] = _num(row["value"].iloc[0]) if len(row) and sym in ("", "nan", "None") else None
    return out


def compare_with_record(ctx, old: dict) -> Comparison:
    new = pack_record.build_record(ctx)
    return compare_records(old, new, revised_values(ctx, old))
