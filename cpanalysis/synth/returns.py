"""Each collection year's return cut from the simulated history, with the outcomes tables (OC2, OC3)."""

from __future__ import annotations

import pandas as pd

from cpanalysis.model import TABLES
from cpanalysis.synth.base import (
    _ACCOM,
    _EET,
    _IN_TOUCH,
    _NEET,
    _SDQ_REASON,
    _SHORT_BREAK,
    SEX_LETTERS_FROM,
    SW_FIRST_YEAR,
    _age,
    _birthday,
    _Child,
    _Draw,
    _fmt,
    _o,
)
from cpanalysis.synth.world import _World


# --------------------------------------------------------------------------------------------------
# cutting the returns
# --------------------------------------------------------------------------------------------------
def _looked_after_on(ch: _Child, day: int) -> bool:
    return any(e[0] <= day < e[1] for e in ch.episodes)


def _oc3_eligible(ch: _Child, bday: int, age: int) -> bool:
    if ch.adoption and "adopted" in ch.adoption:
        return False
    b14, b16 = _birthday(ch.dob, 14), _birthday(ch.dob, 16)
    days = 0
    after16 = False
    for e in ch.episodes:
        if e[3] in _SHORT_BREAK or e[0] >= bday:
            continue
        lo, hi = max(e[0], b14), min(e[1], bday)
        if hi > lo:
            days += hi - lo
        if e[1] > b16 and e[0] <= bday:
            after16 = True
    if days < 91 or not after16:
        return False
    if age in (17, 18) and _looked_after_on(ch, bday):
        return False
    return True


def _continuous(ch: _Child, ys: int, ye: int) -> bool:
    """OC2 cohort: looked after continuously for 12 months at 31 March (reference 2.1.3, validator rule)."""
    eps = [e for e in ch.episodes if e[0] <= ye and e[1] >= ys]
    if not eps or not any(e[0] <= ys for e in eps):
        return False
    for e in eps:
        if e[3] in _SHORT_BREAK:
            return False
        if e[2] == "S" and ys < e[0] <= ye:
            return False
        if e[7] != "X1" and ys <= e[1] < ye:
            return False
    return True


def _cut(world: _World, year: int) -> dict[str, pd.DataFrame]:
    out = world.out
    ys, ye = _o(year - 1, 4, 1), _o(year, 3, 31)
    rows: dict[str, list] = {k: [] for k in TABLES}
    letters = year >= SEX_LETTERS_FROM
    for ch in world.children:
        eps = [e for e in ch.episodes if e[0] <= ye and e[1] >= ys]
        oc3 = None
        if not ch.short_break:
            for age in (17, 18, 19, 20, 21):
                bday = _birthday(ch.dob, age)
                if ys <= bday <= ye:
                    if _oc3_eligible(ch, bday, age):
                        oc3 = (age, bday)
                    break
        if not eps and not oc3:
            continue
        cid, dob = ch.cid, _fmt(ch.dob)
        sex = ("M" if ch.male else "F") if letters else ("1" if ch.male else "2")
        age_end = _age(ch.dob, ye)
        if age_end < 5:
            upn = "UN1"
        elif ch.uasc and eps and any(ys <= p[0] <= ye for p in ch.periods):
            upn = "UN2"
        else:
            upn = ch.upn
        mother, mc = "", ""
        if not ch.male and age_end >= 12:
            if ch.mc_dob is not None and ch.mc_dob <= ye:
                mother, mc = "1", _fmt(ch.mc_dob)
            else:
                mother = "0"
        rows["header"].append((cid, sex, dob, ch.ethnic, upn, mother, mc))
        for e in eps:
            closed = e[1] <= ye
            rows["episodes"].append((cid, _fmt(e[0]), e[2], e[3], e[4], e[5], e[6], _fmt(e[1]) if closed else "",
                                     e[7] if closed else "", e[8] if closed else "", e[9], e[10], e[11]))
        if eps:
            for day, code in ch.reviews:
                if ys <= day <= ye:
                    rows["reviews"].append((cid, dob, _fmt(day), code))
            for kind, s, e in ch.missing:
                if s <= ye and e >= ys:
                    rows["missing"].append((cid, dob, kind, _fmt(s), _fmt(e) if e <= ye else ""))
            if year >= SW_FIRST_YEAR:
                for sw, s, e, reason in ch.sw:
                    if s <= ye and e >= ys:
                        closed = e <= ye
                        rows["sw_episodes"].append((cid, dob, sw, _fmt(s), _fmt(e) if closed else "",
                                                    reason if closed else ""))
            starts = [p for p in ch.periods if ys <= p[0] <= ye]
            if starts and not ch.short_break:
                v, la, when = ch.prev_perm[starts[0][0]]
                rows["prev_perm"].append((cid, dob, v, la, _fmt(when)))
        if ch.uasc:
            b18 = _birthday(ch.dob, 18)
            rows["uasc"].append((cid, sex, dob, _fmt(b18) if b18 <= ye else ""))
        ad = ch.adoption
        if ad and eps:
            if ad["decision"] <= ye and not ("reversed" in ad and ad["reversed"] < ys):
                rev = ad.get("reversed")
                ceased = rev is not None and rev <= ye
                rows["placed_adoption"].append((cid, dob, _fmt(ad["decision"]), _fmt(rev) if ceased else "",
                                                ad["reason"] if ceased else ""))
            if "adopted" in ad and ys <= ad["adopted"] <= ye:
                nb, sexa, lsa = ad["adopters"]
                rows["ad1"].append((cid, dob, _fmt(ad["decision"]), _fmt(ad["match"]), "1" if ad["foster"] else "0",
                                    nb, sexa, lsa))
        if eps and not ch.short_break and _continuous(ch, ys, ye):
            rows["oc2"].append(_oc2_row(out, ch, cid, dob, _age(ch.dob, ye)))
        if oc3:
            rows["oc3"].append(_oc3_row(out, ch, cid, dob, oc3[0], year))
    tables = {}
    for key, cols in TABLES.items():
        if key == "sw_episodes" and year < SW_FIRST_YEAR:
            continue
        tables[key] = pd.DataFrame(rows[key], columns=cols, dtype="string") if rows[key] else \
            pd.DataFrame({c: pd.Series([], dtype="string") for c in cols})
    return tables


def _flag(out: _Draw, p: float) -> str:
    return "1" if out.p(p) else "0"


def _oc2_row(out: _Draw, ch: _Child, cid: str, dob: str, age: int) -> tuple:
    sdq, reason = "", ""
    if age < 4 or age > 16:
        reason = "SDQ1"
    elif out.p(0.79 if age >= 5 else 0.6):
        sdq = str(int(min(40, max(0, round(ch.sdq + 2.5 * out.normal())))))
    else:
        reason = out.pick(_SDQ_REASON)
    convicted = _flag(out, 0.025 if age >= 13 else 0.01) if age >= 10 else ""
    health_check = _flag(out, 0.88) if age < 5 else ""
    sm = _flag(out, 0.045) if age >= 11 else "0"
    received = _flag(out, 0.41) if sm == "1" else ""
    offered = _flag(out, 0.44 / 0.59) if received == "0" else ("0" if sm == "1" else "")
    return (cid, dob, sdq, reason, convicted, health_check, _flag(out, 0.84), _flag(out, 0.81),
            _flag(out, 0.90), sm, received, offered)


#: F3 and P3 (training or employment) were split into F4/F5 and P4/P5 from the 2022 collection
_ACTIV_BEFORE_2022 = {"F4": "F3", "F5": "F3", "P4": "P3", "P5": "P3"}


#: chance that a young person who left foster care on their 18th birthday still lives with those carers
_STAYING_PUT = {18: 0.58, 19: 0.35, 20: 0.18}


def _ceased_fostered_at_18(ch: _Child) -> bool:
    b18 = _birthday(ch.dob, 18)
    return any(e[1] == b18 and str(e[5]).startswith("U") for e in ch.episodes)


def _oc3_row(out: _Draw, ch: _Child, cid: str, dob: str, age: int, year: int) -> tuple:
    touch = out.pick(_IN_TOUCH)
    if touch == "RHOM" and age > 18:
        touch = "YES"
    if touch in ("DIED", "RHOM"):
        return (cid, dob, touch, "", "")
    p_eet = (0.69 if age <= 18 else 0.57)
    p_eet = min(0.95, max(0.05, p_eet + 0.12 * ch.eet))
    if touch != "YES" and out.p(0.6):
        activ = "0"
    elif out.p(p_eet):
        activ = out.pick(_EET)
        if activ in ("F1", "P1") and age < 18:
            activ = "F2"
    else:
        activ = out.pick(_NEET)
    if year < 2022:
        activ = _ACTIV_BEFORE_2022.get(activ, activ)
    if touch != "YES" and out.p(0.3):
        accom = "0"
    else:
        letter = out.pick(_ACCOM)
        if letter == "Z" and age == 17:
            letter = "B"
        if 18 <= age <= 20 and _ceased_fostered_at_18(ch) and out.p(_STAYING_PUT[age]):
            letter = "Z"  # staying put with former foster carers (England: about 55% at 18, fewer later)
        suitable = out.p(0.97) if letter not in ("S", "X", "W") else False
        accom = letter + ("1" if suitable else "2")
    return (cid, dob, touch, activ, accom)


