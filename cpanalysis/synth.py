"""A deterministic synthetic council (Demoshire, DfE number 999) that passes the SSDA903 episode rules.

Children are simulated as a population over time: they enter care (periods of care), move between
placements, change legal status, go missing, are reviewed, are adopted or leave care and age into care
leavers. Each collection year's return is then cut from that history the way a council would submit it.
Every figure is invented; rates are calibrated to the England figures in ``published-benchmarks.md``.

Randomness comes only from ``numpy.random.default_rng`` seeded from ``seed`` (no wall clock, no set or
dict-order dependence), so the same arguments give byte-identical files.

Our reading of the 903 guidance where the reference leaves room:
* SEX is coded 1/2 up to 2023/24 and M/F from 2024/25 (validator rule 101 for 2024/25).
* P2 (independent living) is not used on or after 28 October 2023; a P2 placement open then becomes
  H5 with the same carer (RNE T, reason PLACE). H5 episodes open on or after that date carry a URN.
* Temporary placements (T0 to T4) are recorded as their own episode with RNE P, followed by a return to
  the normal placement (RNE P, same PLACE, provider, postcode and URN); REASON_PLACE_CHANGE is blank on
  the temporary episode and on the episode before it (rules 225, 226, 380 to 383).
* Short breaks: V3 children have one period of care per stay; V4 children one period per agreement.
* UASC: DUC is the 18th birthday, left blank while it is after the end of the collection year; HOME_POST
  is blank (distance unknown), as the DfE notes for many UASC.
* SWEpisodes exists from 2023/24 only, so it is produced for collection years 2024 onwards.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from cpanalysis import paths
from cpanalysis.model import TABLES

#: file name of each table in a year folder
FILE_NAMES: dict[str, str] = {key: f"{key}.csv" for key in TABLES}
DEFAULT_SEED = 2025
#: target number of children looked after at 31 March (about 70 per 10,000 of 60,000 children)
DEFAULT_CHILDREN = 420
DEFAULT_YEARS = (2021, 2022, 2023, 2024, 2025)
LAST_YEAR = 2025
SW_FIRST_YEAR = 2024  # SWEpisodes is collected from 2023/24
SEX_LETTERS_FROM = 2025  # M/F/U from 2024/25

_REG_DATE = date(2023, 10, 28).toordinal()  # supported accommodation registration; P2 invalid after
_TEMP = ("T0", "T1", "T2", "T3", "T4")
_SHORT_BREAK = ("V3", "V4")


# --------------------------------------------------------------------------------------------------
# random draws
# --------------------------------------------------------------------------------------------------
def _table(weights: dict) -> tuple[tuple, tuple]:
    keys = tuple(weights)
    cum, total = [], 0.0
    for k in keys:
        total += float(weights[k])
        cum.append(total)
    return keys, tuple(cum)


class _Draw:
    """Fast scalar draws from a numpy Generator, using buffered uniforms (deterministic for a seed)."""

    __slots__ = ("_rng", "_buf", "_i", "_n")

    def __init__(self, rng: np.random.Generator, n: int = 1 << 15):
        self._rng, self._n, self._i = rng, n, 0
        self._buf = rng.random(n).tolist()

    def u(self) -> float:
        i = self._i
        if i >= self._n:
            self._buf = self._rng.random(self._n).tolist()
            i = 0
        self._i = i + 1
        return self._buf[i]

    def p(self, prob: float) -> bool:
        return self.u() < prob

    def pick(self, table: tuple[tuple, tuple]):
        keys, cum = table
        return keys[min(bisect_right(cum, self.u() * cum[-1]), len(keys) - 1)]

    def int(self, lo: int, hi: int) -> int:
        """Integer in [lo, hi)."""
        return min(lo + int(self.u() * (hi - lo)), hi - 1) if hi > lo else lo

    def expo(self, mean: float) -> float:
        return -mean * math.log(1.0 - self.u())

    def normal(self) -> float:
        return math.sqrt(-2.0 * math.log(1.0 - self.u())) * math.cos(2.0 * math.pi * self.u())

    def lognorm(self, mean: float, cv: float) -> float:
        s2 = math.log(1.0 + cv * cv)
        return mean * math.exp(math.sqrt(s2) * self.normal() - s2 / 2.0)

    def poisson(self, lam: float) -> int:
        if lam <= 0:
            return 0
        if lam > 30:
            return max(0, int(round(lam + math.sqrt(lam) * self.normal())))
        limit, k, prod = math.exp(-lam), 0, self.u()
        while prod > limit:
            k += 1
            prod *= self.u()
        return k


# --------------------------------------------------------------------------------------------------
# dates
# --------------------------------------------------------------------------------------------------
def _o(y: int, m: int, d: int) -> int:
    return date(y, m, d).toordinal()


def _birthday(dob: int, years: int) -> int:
    d = date.fromordinal(dob)
    try:
        return d.replace(year=d.year + years).toordinal()
    except ValueError:  # 29 February
        return date(d.year + years, 3, 1).toordinal()


def _age(dob: int, on: int) -> int:
    """Whole years of age on day ``on``."""
    b, d = date.fromordinal(dob), date.fromordinal(on)
    return d.year - b.year - ((d.month, d.day) < (b.month, b.day))


_FMT: dict[int, str] = {}


def _fmt(day: int | None) -> str:
    if day is None:
        return ""
    s = _FMT.get(day)
    if s is None:
        s = date.fromordinal(day).strftime("%d/%m/%Y")
        _FMT[day] = s
    return s


# --------------------------------------------------------------------------------------------------
# fictional geography: partial postcodes (district + sector digit) with British National Grid centroids
# --------------------------------------------------------------------------------------------------
_CENTRE = (392_000, 298_000)
# (district, la_code or None for the council, easting offset, northing offset) in metres
_DISTRICTS = [
    ("DM1", None, 0, 0), ("DM2", None, 5_000, 2_000), ("DM3", None, -4_500, 3_000), ("DM4", None, 1_500, 6_500),
    ("DM5", None, -2_000, -5_500), ("DM6", None, 6_000, -4_000), ("DM7", None, -7_000, -2_000),
    ("DM8", None, 3_000, -8_000), ("DM9", None, -5_000, 7_500),
    # neighbouring councils (mostly within 20 miles)
    ("QB1", "970", 24_000, 2_000), ("QB2", "970", 27_000, -5_000), ("QB3", "970", 21_000, 9_000),
    ("QC1", "971", -3_000, 23_000), ("QC2", "971", 6_000, 26_000),
    ("QD1", "972", -21_000, -12_000), ("QD2", "972", -26_000, -4_000),
    # further away (over 20 miles)
    ("QF1", "980", 48_000, 38_000), ("QF2", "980", 55_000, 30_000),
    ("QG1", "981", -70_000, 80_000), ("QH1", "982", 120_000, -110_000), ("QJ1", "983", -40_000, -45_000),
]
_SECTOR_OFFSETS = ((0, 0), (1_300, 600), (-900, 1_200), (600, -1_400))


def postcode_table(la_code: str = "999") -> pd.DataFrame:
    """Every fictional partial postcode the generator uses: ``postcode, easting, northing, la_code``."""
    rows = []
    for district, la, de, dn in _DISTRICTS:
        for k, (se, sn) in enumerate(_SECTOR_OFFSETS, start=1):
            rows.append((f"{district} {k}", str(_CENTRE[0] + de + se), str(_CENTRE[1] + dn + sn), la or la_code))
    return pd.DataFrame(rows, columns=["postcode", "easting", "northing", "la_code"], dtype="string")


_IN = tuple(f"{d} {k}" for d, la, _, _ in _DISTRICTS if la is None for k in range(1, 5))
_NEAR = tuple(f"{d} {k}" for d, la, _, _ in _DISTRICTS if la in ("970", "971", "972") for k in range(1, 5))
_FAR = tuple(f"{d} {k}" for d, la, _, _ in _DISTRICTS if la in ("980", "981", "982", "983") for k in range(1, 5))


def _next_sector(post: str) -> str:
    """Another sector of the same district (or the first in-council sector for a blank postcode)."""
    if not post:
        return _IN[0]
    district, sector = post.split(" ")
    return f"{district} {int(sector) % len(_SECTOR_OFFSETS) + 1}"


# --------------------------------------------------------------------------------------------------
# code tables
# --------------------------------------------------------------------------------------------------
_ETHNIC = _table({"WBRI": 60, "WIRI": 1, "WOTH": 6, "WIRT": 0.5, "WROM": 1.5, "MWBC": 4, "MWBA": 2, "MWAS": 2,
                  "MOTH": 3, "AIND": 1, "APKN": 1.5, "ABAN": 0.5, "AOTH": 2, "BCRB": 2, "BAFR": 4, "BOTH": 2,
                  "CHNE": 0.3, "OOTH": 3.7, "REFU": 0.5, "NOBT": 0.5})
_ETHNIC_UASC = _table({"OOTH": 35, "BAFR": 30, "AOTH": 20, "BOTH": 8, "WOTH": 4, "REFU": 3})
_CIN = _table({"N1": 67, "N2": 3, "N3": 2, "N4": 7, "N5": 12, "N6": 2, "N7": 0.5, "N8": 6.5})
_AGE_AT_ENTRY = _table({0: 22, 1: 16, 5: 15, 10: 32, 16: 15})  # band -> weight (non-UASC)
_ROUTES = {
    0: _table({"adopt": 40, "sgo": 20, "home": 24, "cao": 4, "long": 12}),
    1: _table({"adopt": 18, "sgo": 24, "home": 36, "cao": 6, "long": 16}),
    5: _table({"adopt": 1, "sgo": 18, "home": 42, "cao": 6, "long": 33}),
    10: _table({"sgo": 5, "home": 30, "cao": 2, "long": 30, "teen": 33}),
    16: _table({"home": 12, "long": 55, "teen": 33}),
}
_LS_START = {
    0: _table({"C1": 45, "V2": 30, "L2": 15, "L1": 10}),
    1: _table({"C1": 35, "V2": 45, "L1": 10, "L2": 10}),
    5: _table({"C1": 35, "V2": 45, "L1": 10, "L2": 10}),
    10: _table({"V2": 45, "C1": 38, "L1": 10, "J1": 7}),
    16: _table({"V2": 65, "C1": 18, "L1": 7, "J1": 10}),
}
_PLACE_MIX = {  # category weights by age band at the start of a placement (non-UASC)
    0: _table({"kin": 13, "fost": 74, "par": 9, "oth": 3}),
    5: _table({"kin": 13, "fost": 70, "par": 8, "home": 7, "oth": 2}),
    10: _table({"kin": 10, "fost": 55, "par": 6, "home": 25, "oth": 4}),
    13: _table({"kin": 9, "fost": 33, "par": 6, "home": 45, "oth": 7}),
    16: _table({"kin": 6, "fost": 14, "par": 4, "home": 22, "supp": 52, "oth": 3}),
}
_PLACE_UASC = {0: _table({"fost": 80, "home": 10, "supp": 10}), 16: _table({"fost": 25, "home": 5, "supp": 70})}
_MOVE_RATE = {"kin": 0.15, "fost": 0.42, "home": 1.3, "supp": 0.8, "par": 0.3, "oth": 1.5, "mbu": 3.0}
_REASON_MOVE = _table({"CARPL": 33, "OTHER": 30, "PLACE": 7, "CREQB": 9, "CREQO": 8, "CHILD": 3, "LAREQ": 2.5,
                       "ALLEG": 1.5, "STAND": 1, "CLOSE": 1, "APPRR": 0.5, "CUSTOD": 0.5})
_REC_HOME = _table({"E4A": 80, "E4B": 20})
_REC_TEEN = _table({"E4A": 50, "E4B": 10, "E13": 12, "E8": 10, "E3": 5, "E9": 4, "E16": 1, "E7": 1})
_REC_18_FOSTER = _table({"E17": 35, "E8": 25, "E5": 15, "E4A": 10, "E13": 10, "E6": 5})
_REC_18_OTHER = _table({"E5": 30, "E6": 10, "E8": 30, "E4A": 10, "E13": 10, "E7": 5, "E9": 5})
_REC_18_UASC = _table({"E8": 30, "E5": 25, "E6": 15, "E17": 25, "E15": 5})
_TEMP_CODES = _table({"T1": 20, "T2": 15, "T3": 35, "T4": 25, "T0": 5})
_PREV_PERM = _table({"Z1": 80, "P4": 8, "P2": 5, "P1": 3, "P3": 4})
_REVIEW_CODE = _table({"PN1": 55, "PN2": 10, "PN3": 5, "PN4": 5, "PN5": 10, "PN6": 10, "PN7": 5})
_SDQ_REASON = _table({"SDQ2": 20, "SDQ3": 15, "SDQ4": 45, "SDQ5": 20})
_SW_REASON = _table({"MANAGE": 25, "LEFTRL": 30, "ORGRST": 10, "TSPROC": 15, "ABSENC": 5, "FCONTA": 2,
                     "PCCHAN": 5, "OTHERS": 8})
_RD = _table({"RD1": 35, "RD2": 20, "RD3": 25, "RD4": 20})
_IN_TOUCH = _table({"YES": 91, "NO": 3.5, "REFU": 2, "NREQ": 2, "RHOM": 1.3, "DIED": 0.2})
_EET = _table({"F2": 35, "F4": 10, "F5": 22, "P2": 8, "P4": 5, "P5": 12, "F1": 6, "P1": 2})
_NEET = _table({"G4": 20, "G5": 65, "G6": 15})
_ACCOM = _table({"B": 15, "C": 3, "D": 18, "E": 8, "K": 5, "T": 2, "U": 30, "Z": 12, "X": 2, "Y": 2, "W": 1,
                 "S": 0.5, "V": 0.5, "G": 0.5, "R": 0.5})
_ADOPTERS = _table({("2", "MF", "L11"): 60, ("2", "MF", "L3"): 10, ("2", "MM", "L12"): 5, ("2", "FF", "L2"): 5,
                    ("2", "FF", "L4"): 3, ("1", "F1", "L0"): 14, ("1", "M1", "L0"): 3})


def _band(age: int, bands) -> int:
    best = 0
    for b in bands:
        if age >= b:
            best = b
    return best


# --------------------------------------------------------------------------------------------------
# simulation
# --------------------------------------------------------------------------------------------------
class _Placement:
    __slots__ = ("cat", "place", "provider", "post", "urn", "carer")

    def __init__(self, cat, place, provider, post, urn, carer):
        self.cat, self.place, self.provider, self.post, self.urn, self.carer = cat, place, provider, post, urn, carer

    def same(self, other: _Placement) -> bool:
        return (self.place, self.provider, self.post, self.urn, self.carer) == \
            (other.place, other.provider, other.post, other.urn, other.carer)


class _Child:
    __slots__ = ("cid", "male", "dob", "ethnic", "upn", "uasc", "home", "episodes", "periods", "missing", "reviews",
                 "sw", "adoption", "prev_perm", "mc_dob", "vol", "eet", "sdq", "short_break")

    def __init__(self):
        self.episodes: list[list] = []
        self.periods: list[tuple] = []  # (start, end, rec)
        self.missing: list[tuple] = []
        self.reviews: list[tuple] = []
        self.sw: list[tuple] = []
        self.adoption: dict | None = None
        self.prev_perm: dict[int, tuple] = {}
        self.mc_dob: int | None = None
        self.short_break = False


class _World:
    def __init__(self, seed: int, children: int, years: tuple[int, ...], la_code: str, prefix: str):
        self.rng = np.random.default_rng(seed)
        self.d = _Draw(np.random.default_rng([seed, 1]))
        self.out = _Draw(np.random.default_rng([seed, 2]))
        self.scale = children / DEFAULT_CHILDREN
        self.years = tuple(sorted(years))
        self.la_code = la_code
        self.prefix = prefix
        self.first_start = _o(self.years[0] - 1, 4, 1)
        self.sim_end = _o(self.years[-1], 3, 31)
        self.carer_seq = 0
        self.children: list[_Child] = []
        d = self.d
        n_fc = max(20, int(60 * self.scale))
        self.foster_inhouse = [self._loc(0.84, 0.14) for _ in range(n_fc)]
        self.foster_ifa = [self._loc(0.38, 0.42) for _ in range(n_fc)]
        n_homes = max(12, int(40 * self.scale))
        self.homes = []
        for i in range(n_homes):
            prov = d.pick(_table({"PR4": 75, "PR1": 20, "PR5": 5}))
            post = self._loc(0.9, 0.1) if prov == "PR1" else self._loc(0.28, 0.34)
            self.homes.append((prov, post, f"SC{400000 + 7 * i + d.int(0, 7):06d}"))
        self.secure = [("PR2", _FAR[d.int(0, len(_FAR))], f"SC{300000 + 11 * i:06d}") for i in range(3)]
        n_supp = max(8, int(25 * self.scale))
        self.supported = []
        for i in range(n_supp):
            prov = d.pick(_table({"PR4": 60, "PR1": 25, "PR5": 15}))
            self.supported.append((prov, self._loc(0.55, 0.35), f"2{800000 + 13 * i + d.int(0, 13):06d}"))
        self.sw_pool = [f"SW{10000 + 37 * i:05d}" for i in range(max(25, int(70 * self.scale)))]

    # -- helpers ---------------------------------------------------------------------------------
    def _loc(self, p_in: float, p_near: float) -> str:
        u = self.d.u()
        pool = _IN if u < p_in else (_NEAR if u < p_in + p_near else _FAR)
        return pool[self.d.int(0, len(pool))]

    def _carer(self) -> int:
        self.carer_seq += 1
        return self.carer_seq

    def _new_placement(self, cat: str, age: int, ch: _Child, day: int, ffa: bool = False) -> _Placement:
        d = self.d
        if cat == "kin":
            place = "U2" if ffa else "U3"
            return _Placement(cat, place, "PR1", self._loc(0.58, 0.3), "", self._carer())
        if cat == "fost":
            place = "U5" if ffa else "U6"
            if d.p(0.55):
                i = d.int(0, len(self.foster_inhouse))
                return _Placement(cat, place, "PR1", self.foster_inhouse[i], "", 100_000_000 + i)
            i = d.int(0, len(self.foster_ifa))
            prov = "PR4" if d.p(0.88) else "PR5"
            return _Placement(cat, place, prov, self.foster_ifa[i], "", 200_000_000 + i)
        if cat == "home":
            u = d.u()
            if u < 0.03 and age >= 12:
                i = d.int(0, len(self.secure))
                prov, post, urn = self.secure[i]
                return _Placement(cat, "K1", prov, post, urn, 300_000_000 + i)
            if u < 0.06:
                return _Placement(cat, "R1", "PR4", self._loc(0.3, 0.4), f"SC{600000 + d.int(0, 90000):06d}",
                                  self._carer())
            if u < 0.08 and age >= 8:
                return _Placement(cat, "S1", "PR5" if d.p(0.5) else "PR4", self._loc(0.2, 0.3), "", self._carer())
            i = d.int(0, len(self.homes))
            prov, post, urn = self.homes[i]
            return _Placement(cat, "K2", prov, post, urn, 400_000_000 + i)
        if cat == "supp":
            if day < _REG_DATE and age >= 17 and d.p(0.3):
                return _Placement(cat, "P2", "PR1" if d.p(0.5) else "PR4", self._loc(0.7, 0.3), "", self._carer())
            i = d.int(0, len(self.supported))
            prov, post, urn = self.supported[i]
            return _Placement(cat, "H5", prov, post, urn, 500_000_000 + i)
        if cat == "par":
            return _Placement(cat, "P1", "PR0", ch.home or self._loc(0.95, 0.05), "", -1)
        if cat == "mbu":
            return _Placement(cat, "R3", "PR4" if d.p(0.5) else "PR1", self._loc(0.4, 0.5), "", self._carer())
        # other
        u = d.u()
        if u < 0.3:
            return _Placement("oth", "R2", "PR3", self._loc(0.3, 0.4), "", self._carer())
        if u < 0.45 and age >= 10:
            return _Placement("oth", "R5", "PR3", self._loc(0.0, 0.3), "", self._carer())
        return _Placement("oth", "Z1", "", self._loc(0.5, 0.3), "", self._carer())

    def _stay(self, pl: _Placement, ch: _Child) -> int:
        """Days until the next placement move; family placements that last a year tend to settle."""
        gap = self.d.expo(365.0 / (_MOVE_RATE[pl.cat] * ch.vol))
        if pl.cat in ("fost", "kin") and gap > 365:
            gap = 365 + (gap - 365) * 2.5
        return int(min(gap, 40_000))

    def _choose_cat(self, age: int, uasc: bool, prev: str | None) -> str:
        d = self.d
        if uasc:
            return d.pick(_PLACE_UASC[16 if age >= 16 else 0])
        cat = d.pick(_PLACE_MIX[_band(age, (0, 5, 10, 13, 16))])
        if prev in ("home", "supp") and cat in ("kin", "fost") and d.p(0.75):
            cat = prev  # older children who have lived in residential care tend to stay there
        if cat == "supp" and age < 16:
            cat = "home"
        return cat

    # -- children ----------------------------------------------------------------------------------
    def _new_child(self, dob: int, uasc: bool) -> _Child:
        d = self.d
        ch = _Child()
        ch.cid = ""
        ch.dob = dob
        ch.uasc = uasc
        ch.male = d.p(0.9) if uasc else d.p(0.53)
        ch.ethnic = d.pick(_ETHNIC_UASC if uasc else _ETHNIC)
        letter = "ABCDEFGHJKLMNPQRTUVWXYZ"[d.int(0, 23)]
        ch.upn = f"{letter}{self.la_code[:3]:0>3}{d.int(0, 10**9):09d}"
        ch.home = "" if uasc else self._loc(0.95, 0.05)
        ch.vol = d.lognorm(1.0, 1.1)
        ch.eet = d.normal()
        ch.sdq = 14.5 + 6.0 * d.normal()
        if not ch.male and d.p(0.06):
            ch.mc_dob = _birthday(dob, 15) + d.int(0, 3 * 365)
        return ch

    def run(self) -> None:
        d, rng = self.d, self.rng
        lam = 0.335 * DEFAULT_CHILDREN * self.scale
        lam_uasc = 0.036 * DEFAULT_CHILDREN * self.scale
        uasc_trend = {2021: 0.75, 2022: 1.1, 2023: 1.25, 2024: 1.2, 2025: 1.1}
        for y in range(self.years[0] - 22, self.years[-1] + 1):
            ys, ye = _o(y - 1, 4, 1), _o(y, 3, 31)
            n = int(rng.poisson(lam))
            nu = int(rng.poisson(lam_uasc * uasc_trend.get(y, 0.7)))
            entries = []
            for _ in range(n):
                day = ys + d.int(0, ye - ys + 1)
                band = d.pick(_AGE_AT_ENTRY)
                if band == 0:
                    age_days = d.int(0, 60) if d.p(0.45) else d.int(0, 365)
                else:
                    hi = {1: 5, 5: 10, 10: 16, 16: 18}[band]
                    age_days = d.int(band * 365 + 1, hi * 365 - 20)
                entries.append((day, day - age_days, False))
            for _ in range(nu):
                day = ys + d.int(0, ye - ys + 1)
                age_days = d.int(14 * 365 + 30, 18 * 365 - 60) if d.p(0.85) else d.int(12 * 365, 14 * 365)
                entries.append((day, day - age_days, True))
            entries.sort()
            for day, dob, uasc in entries:
                # a child who is over 22 by the first collection year cannot appear in any return
                if _birthday(dob, 22) < self.first_start:
                    continue
                ch = self._new_child(dob, uasc)
                self._life(ch, day)
                if ch.episodes and ch.episodes[-1][1] >= self.first_start - 366 * 5:
                    self.children.append(ch)
        self._short_breaks()
        self.children.sort(key=lambda c: (c.episodes[0][0], c.dob))
        for i, ch in enumerate(self.children, start=1):
            ch.cid = f"{self.prefix}{i:06d}"

    def _short_breaks(self) -> None:
        d = self.d
        for _ in range(max(2, round(6 * self.scale))):
            dob = self.first_start - d.int(4 * 365, 13 * 365)
            ch = self._new_child(dob, False)
            ch.short_break = True
            start = max(_birthday(dob, 5), self.first_start - d.int(0, 3 * 365))
            stop = min(_birthday(dob, 18), self.sim_end + 400)
            v4 = d.p(0.4)
            home_break = d.p(0.6)
            if home_break:  # a council short-break home
                pl = ("K2", "PR1", self._loc(1.0, 0.0), f"SC{700000 + d.int(0, 90000):06d}")
            else:
                i = d.int(0, len(self.foster_inhouse))
                pl = ("U6", "PR1", self.foster_inhouse[i], "")
            t = start
            while t < stop:
                length = 364 if v4 else 1 + d.int(1, 4)
                end = t + length
                ch.episodes.append([t, end, "S", "V4" if v4 else "V3", "N2", pl[0], pl[1], "E4A", "",
                                    ch.home, pl[2], pl[3]])
                ch.periods.append((t, end, "E4A"))
                t = end + (1 + d.int(0, 3) if v4 else max(5, int(d.lognorm(45, 0.5))))
            self.children.append(ch)

    def _life(self, ch: _Child, start: int) -> None:
        d = self.d
        reentry = False
        while True:
            end, rec = self._period(ch, start, reentry)
            if end > self.sim_end or rec not in ("E4A", "E4B", "E41", "E13", "E8", "E9", "E14"):
                return
            b18 = _birthday(ch.dob, 18)
            if not d.p(0.12 if rec in ("E4A", "E4B") else 0.06):
                return
            nxt = end + 30 + int(d.lognorm(300, 0.8))
            if nxt >= b18 - 60 or nxt > self.sim_end:
                return
            start, reentry = nxt, True

    def _period(self, ch: _Child, start: int, reentry: bool) -> tuple[int, str]:
        d = self.d
        age = _age(ch.dob, start)
        b18 = _birthday(ch.dob, 18)
        band = _band(age, (0, 1, 5, 10, 16))
        route = "uasc" if ch.uasc else d.pick(_ROUTES[band])
        cin = "N8" if ch.uasc else d.pick(_CIN)
        ls_cp: list[tuple[int, str]] = []
        pl_cp: list[tuple[int, _Placement, str]] = []
        adoption = None
        rec = ""

        # ---- legal status ----
        if ch.uasc:
            ls0 = "V2"
        elif route == "adopt":
            ls0 = "C1" if d.p(0.8) else "V2"
        else:
            ls0 = d.pick(_LS_START[band])
        ls_cp.append((start, ls0))
        t, ls = start, ls0
        if ls in ("L1", "L2"):
            t += 1 + d.int(1, 8)
            ls = "C1" if d.p(0.6) else "V2"
            ls_cp.append((t, ls))
        if ls == "J1":
            t2 = t + int(d.lognorm(60, 0.6)) + 2
            if route == "teen" and d.p(0.5):
                route = "remand"
                end, rec = t2, "E14"
            else:
                ls = "V2"
                ls_cp.append((t2, ls))
                t = t2
        p_order = {"adopt": 0.9, "long": 0.8, "sgo": 0.6, "cao": 0.6, "home": 0.3, "teen": 0.2}.get(route, 0.0)
        if ls == "V2" and not ch.uasc and d.p(p_order):
            t += int(d.lognorm(120, 0.6)) + 5
            ls = "C1"
            ls_cp.append((t, ls))
        if ls == "C1":
            t += int(d.lognorm(230, 0.3)) + 20
            ls_cp.append((t, "C2"))

        # ---- end of the period ----
        if route == "adopt":
            dec_day = start + max(45, int(d.lognorm(270, 0.5)))
            if d.p(0.10):
                rev = dec_day + 30 + int(d.lognorm(200, 0.5))
                adoption = {"decision": dec_day, "reversed": rev, "reason": d.pick(_RD)}
                route = "sgo" if d.p(0.5) else "long"
            else:
                match = dec_day + max(30, int(d.lognorm(280, 0.5)))
                placed = match + max(7, int(d.lognorm(28, 0.5)))
                adopted = placed + max(70, int(d.lognorm(265, 0.4)))
                consent = ls0 == "V2" and d.p(0.6)
                foster_adopt = d.p(0.25)
                po = None
                if not consent:
                    # the placement order is sometimes made on the day of placement (RNE U or B)
                    po = placed if d.p(0.5 if foster_adopt else 0.25) else \
                        min(placed - 3, dec_day + int(d.lognorm(110, 0.5)))
                    po = max(po, dec_day + 1)
                    ls_cp = [(a, b) for a, b in ls_cp if a < po] + [(po, "E1")]
                adoption = {"decision": dec_day, "match": match, "placed": placed, "adopted": adopted,
                            "foster": foster_adopt, "consent": consent, "po": po, "adopters": d.pick(_ADOPTERS)}
                end, rec = adopted, ("E11" if consent or d.p(0.4) else "E12")
        if route == "sgo":
            base = adoption["reversed"] if adoption else start
            end = base + 150 + int(d.lognorm(520, 0.5))
        elif route == "home":
            end = start + 1 + int(d.lognorm(300, 1.1))
            rec = d.pick(_REC_HOME)
        elif route == "cao":
            end = start + 60 + int(d.lognorm(450, 0.5))
            rec = "E41"
        elif route == "teen":
            end = start + 2 + int(d.lognorm(280, 1.0))
            rec = d.pick(_REC_TEEN)
        elif route == "long":
            end = b18
            if d.p(0.12):
                early = _birthday(ch.dob, 16) + d.int(0, 700)
                if early > start + 30:
                    end, rec = early, d.pick(_table({"E4A": 40, "E13": 25, "E5": 15, "E8": 20}))
        elif route == "uasc":
            u = d.u()
            end = b18
            if u < 0.07:
                end, rec = start + 20 + int(d.lognorm(120, 0.5)), "E15"
            elif u < 0.13:
                end, rec = start + 20 + int(d.lognorm(300, 0.7)), "E8"
        at18 = False
        if end > b18 or (route in ("long", "uasc") and end == b18):
            end, rec, at18 = b18, "", True  # decided below from the placement at 18
        if end <= start:
            end = start + 1
        if adoption and "adopted" in adoption and end != adoption["adopted"]:
            # adoption order would come after 18 (cannot happen for under-5s) - keep consistent
            adoption = None

        # ---- placements ----
        t = start
        prev_cat = None
        first_cat = "mbu" if (age == 0 and d.p(0.03)) else self._choose_cat(age, ch.uasc, None)
        if route == "remand":
            first_cat = "oth" if d.p(0.6) else first_cat
        if route in ("sgo", "cao") and d.p(0.45):
            first_cat = "kin"
        ffa = route == "adopt" and adoption is not None and "placed" in adoption and adoption["foster"] and d.p(0.6)
        if route == "remand" and first_cat == "oth":
            pl = _Placement("oth", "R5", "PR3", self._loc(0.0, 0.3), "", self._carer())
        else:
            pl = self._new_placement(first_cat, age, ch, t, ffa=ffa and first_cat in ("fost", "kin"))
        pl_cp.append((t, pl, ""))
        # moves stop at the adoption placement (or at the decision for a foster-carer adoption)
        moves_until = end
        if adoption and "placed" in adoption:
            moves_until = adoption["decision"] if adoption["foster"] else adoption["placed"]
        emergency = not ch.uasc and route != "remand" and d.p(0.5)
        nxt = t + 3 + int(d.lognorm(25, 0.8)) if emergency else t + 1 + self._stay(pl, ch)
        conv = (t + 120 + int(d.lognorm(240, 0.5)) if route in ("long", "sgo") and pl.place in ("U6", "U3")
                    and d.p(0.5) else None)
        while True:
            if conv is not None and conv < nxt and conv < moves_until:
                newp = "U4" if pl.place == "U6" else "U1"
                pl = _Placement(pl.cat, newp, pl.provider, pl.post, pl.urn, pl.carer)
                pl_cp.append((conv, pl, "PLACE"))
                conv = None
                continue
            if nxt >= moves_until:
                break
            t = nxt
            a = _age(ch.dob, t)
            prev_cat = pl.cat
            cat = self._choose_cat(a, ch.uasc, prev_cat)
            if route in ("adopt",) and cat not in ("kin", "fost"):
                cat = "fost"
            reason = d.pick(_REASON_MOVE)
            pl = self._new_placement(cat, a, ch, t)
            pl_cp.append((t, pl, reason))
            nxt = t + 1 + self._stay(pl, ch)
            conv = (t + 120 + int(d.lognorm(240, 0.5)) if route in ("long", "sgo") and pl.place in ("U6", "U3")
                    and d.p(0.5) else None)
        # route-specific final placements
        if adoption and "placed" in adoption:
            placed = adoption["placed"]
            cur = pl_cp[-1][1]
            if adoption["foster"] and cur.cat in ("fost", "kin"):
                code = "A3" if adoption["consent"] else "A5"
                newpl = _Placement("adopt", code, cur.provider if cur.provider != "PR4" else "PR1", cur.post, "",
                                   cur.carer)
            else:
                adoption["foster"] = False
                code = "A4" if adoption["consent"] else "A6"
                post = "" if d.p(0.15) else self._loc(0.3, 0.35)
                newpl = _Placement("adopt", code, d.pick(_table({"PR1": 60, "PR5": 25, "PR2": 15})), post, "",
                                   self._carer())
            pl_cp.append((placed, newpl, "PLACE" if newpl.carer == cur.carer else "CARPL"))
        elif route == "home" and end - start > 150 and d.p(0.3):
            pday = end - 30 - int(d.lognorm(120, 0.5))
            if pday > start + 30 and self._ls_on(ls_cp, pday) in ("C1", "C2"):
                pl_cp = [x for x in pl_cp if x[0] < pday]
                pl_cp.append((pday, self._new_placement("par", age, ch, pday), "CARPL"))
        elif route in ("sgo", "cao") and pl_cp[-1][1].cat != "kin" and d.p(0.5):
            kday = end - 30 - int(d.lognorm(200, 0.5))
            if kday > pl_cp[-1][0] + 1:
                pl_cp.append((kday, self._new_placement("kin", _age(ch.dob, kday), ch, kday), "CARPL"))
        # P2 placements open at the registration date become H5 with the same provider (RNE T)
        fixed: list[tuple[int, _Placement, str]] = []
        for i, (day, p, reason) in enumerate(pl_cp):
            fixed.append((day, p, reason))
            nday = pl_cp[i + 1][0] if i + 1 < len(pl_cp) else end
            if p.place == "P2" and nday > _REG_DATE:
                sup = self.supported[d.int(0, len(self.supported))]
                fixed.append((_REG_DATE, _Placement("supp", "H5", p.provider, p.post, sup[2], p.carer), "PLACE"))
        pl_cp = fixed

        final = pl_cp[-1][1] if pl_cp else None
        if not at18 and (route == "sgo" or (route == "adopt" and not rec)):
            if final.cat == "kin":
                rec = "E45" if d.p(0.8) else "E47"
            elif final.cat == "fost":
                rec = "E46" if d.p(0.7) else "E48"
            else:
                rec = "E47" if d.p(0.6) else "E48"
        if not rec:
            if ch.uasc:
                rec = d.pick(_REC_18_UASC)
            elif final.cat in ("fost", "kin"):
                rec = d.pick(_REC_18_FOSTER)
            else:
                rec = d.pick(_REC_18_OTHER)
        if rec == "E17" and final.cat not in ("fost", "kin"):
            rec = "E8"

        self._episodes(ch, start, end, rec, cin, ls_cp, pl_cp)
        if adoption:
            if "adopted" in adoption and rec not in ("E11", "E12"):
                adoption = None
            if adoption is not None:
                ch.adoption = adoption
        ch.periods.append((start, end, rec))
        ch.prev_perm[start] = self._prev_perm(ch, start, reentry)
        self._reviews(ch, start, end)
        self._missing(ch, start, end)
        self._social_workers(ch, start, end)
        return end, rec

    @staticmethod
    def _ls_on(ls_cp, day) -> str:
        ls = ls_cp[0][1]
        for a, b in ls_cp:
            if a <= day:
                ls = b
        return ls

    def _episodes(self, ch: _Child, start: int, end: int, rec: str, cin: str, ls_cp, pl_cp) -> None:
        d = self.d
        changes: dict[int, list] = {}
        for day, ls in ls_cp:
            if start <= day < end:
                changes.setdefault(day, [None, None, ""])[0] = ls
        for day, p, reason in pl_cp:
            if start <= day < end:
                c = changes.setdefault(day, [None, None, ""])
                c[1], c[2] = p, reason
        days = sorted(changes)
        ls, pl = changes[start][0], changes[start][1]
        eps = [[start, None, "S", ls, pl, ""]]  # decom, dec, rne, ls, placement, reason for the NEXT change
        for day in days[1:]:
            nls, npl, reason = changes[day]
            nls = nls or ls
            npl = npl or pl
            ls_changed = nls != ls
            pl_changed = not npl.same(pl)
            if not ls_changed and not pl_changed:
                continue
            same_carer = npl.carer == pl.carer and npl.carer != -2
            if pl_changed and (npl.place, npl.provider, npl.post) == (pl.place, pl.provider, pl.post) and \
                    (npl.urn == pl.urn or npl.place == "H5"):  # an H5 URN is blank before 28/10/2023
                # rule 435: a new placement must differ in PLACE, PL_POST, URN or provider; move the carer's
                # recorded sector to the next one in the same area
                npl = _Placement(npl.cat, npl.place, npl.provider, _next_sector(npl.post), npl.urn, npl.carer)
            if pl_changed:
                rne = ("U" if same_carer else "B") if ls_changed else ("T" if same_carer else "P")
                eps[-1][5] = "PLACE" if same_carer else (reason or "CARPL")
            else:
                rne = "L"
            eps[-1][1] = day
            eps.append([day, None, rne, nls, npl, ""])
            ls, pl = nls, npl
        eps[-1][1] = end
        # temporary placements inside long enough episodes (not the period's first or last day)
        out: list[list] = []
        for e in eps:
            length = e[1] - e[0]
            if length >= 40 and e[4].cat not in ("par", "adopt") and d.p(min(0.5, 0.05 * length / 365)):
                t0 = e[0] + d.int(10, length - 25)
                t1 = t0 + 1 + d.int(1, 14)
                temp = _Placement("temp", d.pick(_TEMP_CODES), "", "", "", -2)
                out.append([e[0], t0, e[2], e[3], e[4], ""])
                out.append([t0, t1, "P", e[3], temp, ""])
                out.append([t1, e[1], "P", e[3], e[4], e[5]])
            else:
                out.append(e)
        last_day: dict[int, int] = {}
        for e in out:
            last_day[id(e[4])] = max(last_day.get(id(e[4]), 0), e[1])
        for i, (decom, dec, rne, ls, pl, reason) in enumerate(out):
            last = i == len(out) - 1
            temp_adj = pl.cat == "temp" or (not last and out[i + 1][4].cat == "temp")
            if last:
                r, reason = rec, ""
            else:
                r = "X1"
                if temp_adj or out[i + 1][2] not in ("P", "B", "T", "U"):
                    reason = ""
                elif not reason:
                    reason = "OTHER"
            ch.episodes.append([decom, dec, rne, ls, cin, pl.place, pl.provider, r, reason,
                                ch.home, pl.post, pl.urn if (pl.place != "H5" or last_day[id(pl)] >= _REG_DATE) else ""])

    def _prev_perm(self, ch: _Child, start: int, reentry: bool) -> tuple:
        d = self.d
        if reentry and len(ch.periods) >= 2 and ch.periods[-2][2] == "E41":
            return ("P3", "", ch.periods[-2][1])  # child arrangements order that broke down
        v = d.pick(_PREV_PERM)
        if v in ("P1", "P2", "P3"):
            when = ch.dob + d.int(30, max(31, start - ch.dob - 30))
            return (v, "", when)
        return (v, "", None)

    def _reviews(self, ch: _Child, start: int, end: int) -> None:
        d = self.d
        t = start + 10 + d.int(0, 18)
        gap = 90
        while t < end and t <= self.sim_end:
            code = "PN0" if _age(ch.dob, t) < 4 else d.pick(_REVIEW_CODE)
            ch.reviews.append((t, code))
            t += gap - 15 + d.int(0, 20)
            gap = 182

    def _missing(self, ch: _Child, start: int, end: int) -> None:
        d = self.d
        b11 = _birthday(ch.dob, 11)
        lo = max(start, b11)
        if lo >= end:
            return
        if not d.p(0.36 if ch.vol > 1.0 else 0.14):
            return
        rate = d.lognorm(8.0, 1.0) * (1.5 if ch.vol > 1.5 else 1.0)
        t = lo + d.expo(365.0 / rate)
        while t < end and t <= self.sim_end:
            day = int(t)
            kind = "M" if d.p(0.78) else "A"
            length = 0 if d.p(0.45) else (1 + d.int(0, 3) if d.p(0.9) else 4 + d.int(0, 25))
            mend = min(day + length, end)
            ch.missing.append((kind, day, mend))
            t = mend + 1 + d.expo(365.0 / rate)

    def _social_workers(self, ch: _Child, start: int, end: int) -> None:
        d = self.d
        t = start
        while t < end and t <= self.sim_end:
            sw = self.sw_pool[d.int(0, len(self.sw_pool))]
            nxt = t + 20 + int(d.expo(365.0 / 1.1))
            if nxt >= end:
                ch.sw.append((sw, t, end, "CHCHAN"))
                break
            ch.sw.append((sw, t, nxt, d.pick(_SW_REASON)))
            t = nxt


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


# --------------------------------------------------------------------------------------------------
# public API
# --------------------------------------------------------------------------------------------------
def _years(years) -> tuple[int, ...]:
    if isinstance(years, int):
        if years < 1:
            raise ValueError("years must be at least 1")
        return tuple(range(LAST_YEAR - years + 1, LAST_YEAR + 1))
    return tuple(sorted(int(y) for y in years))


def generate_return(seed: int = DEFAULT_SEED, children: int = DEFAULT_CHILDREN, years=DEFAULT_YEARS,
                    la_code: str = "999", child_prefix: str | None = None) -> dict[int, dict[str, pd.DataFrame]]:
    """Simulate the council and cut one SSDA903 return per collection year.

    ``children`` is the target number of children looked after at 31 March (about; the simulation is
    stochastic); ``years`` a tuple of collection years (2025 = 1 April 2024 to 31 March 2025) or a count
    of years ending 2025. Returns ``{year: {table_key: DataFrame}}`` with the columns of
    :data:`cpanalysis.model.TABLES`, every cell a string (dates dd/mm/yyyy, blanks empty).
    SWEpisodes is included from 2024 (it was first collected in 2023/24).
    """
    yrs = _years(years)
    world = _World(int(seed), max(1, int(children)), yrs, str(la_code),
                   child_prefix if child_prefix is not None else str(la_code))
    world.run()
    return {y: _cut(world, y) for y in yrs}


def write_return(tables_by_year: dict[int, dict[str, pd.DataFrame]], dest: Path) -> list[Path]:
    """Write ``dest/<year>/<table>.csv`` (UTF-8, ``\\n`` line ends, no index); returns the files written."""
    dest = Path(dest)
    written: list[Path] = []
    for year in sorted(tables_by_year):
        folder = dest / str(year)
        folder.mkdir(parents=True, exist_ok=True)
        for key in TABLES:
            if key not in tables_by_year[year]:
                continue
            path = folder / FILE_NAMES[key]
            tables_by_year[year][key].to_csv(path, index=False, lineterminator="\n", encoding="utf-8")
            written.append(path)
    return written


_README = """# Demoshire SSDA903 returns: DEMONSTRATION DATA

Every child, date and postcode in these files is fictional, generated by `cpanalysis demo-data`
(`cpanalysis/synth.py`, seed {seed}). Do not use them as evidence about any real council.

One folder per collection year (2025 = 1 April 2024 to 31 March 2025), one CSV per SSDA903 table with the
DfE column names. SWEpisodes is present from 2024 (first collected in 2023/24). `../postcodes.csv` gives the
fictional partial postcodes with grid references so that placement distances can be computed.
"""


def write_demo(dest: Path | None = None, seed: int = DEFAULT_SEED, children: int | None = None,
               years=5) -> list[Path]:
    """Generate the demonstration council and write it under ``dest`` (default ``data/demo/ssda903``).

    Also writes ``postcodes.csv`` beside ``dest`` (``data/demo/postcodes.csv`` by default) and a README
    that marks the files as demonstration data. Returns the paths written.
    """
    dest = Path(dest) if dest is not None else paths.DEMO_SSDA903_DIR
    tables = generate_return(seed=seed, children=children or DEFAULT_CHILDREN, years=years)
    dest.mkdir(parents=True, exist_ok=True)
    written = write_return(tables, dest)
    readme = dest / "README.md"
    readme.write_text(_README.format(seed=seed), encoding="utf-8")
    postcodes = dest.parent / "postcodes.csv"
    postcode_table("999").to_csv(postcodes, index=False, lineterminator="\n", encoding="utf-8")
    return [*written, readme, postcodes]
