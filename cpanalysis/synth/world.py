"""The children and their care: the simulated population, its placements and periods of care over time."""

from __future__ import annotations

import numpy as np

from cpanalysis.synth.base import (
    _AGE_AT_ENTRY,
    _ETHNIC,
    _ETHNIC_UASC,
    _FAR,
    _IN,
    _MOVE_RATE,
    _NEAR,
    _PLACE_MIX,
    _PLACE_UASC,
    _REG_DATE,
    DEFAULT_CHILDREN,
    _band,
    _birthday,
    _Child,
    _Draw,
    _o,
    _Placement,
    _table,
)
from cpanalysis.synth.events import _Events
from cpanalysis.synth.periods import _Periods


class _World(_Periods, _Events):
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

