"""The demonstration council's building blocks: seeded draws, dates, fictional places and code tables."""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date

import numpy as np
import pandas as pd

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


