"""Episodes and what happens during a period of care: reviews, missing incidents, social workers."""

from __future__ import annotations

from cpanalysis.synth.base import (
    _PREV_PERM,
    _REG_DATE,
    _REVIEW_CODE,
    _SW_REASON,
    _TEMP_CODES,
    _age,
    _birthday,
    _Child,
    _next_sector,
    _Placement,
)


class _Events:
    """Episodes and events of :class:`cpanalysis.synth.world._World` (a mixin)."""

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


