"""A period of care, day by day: legal status, placements, moves and how the period ends."""

from __future__ import annotations

from cpanalysis.synth.base import (
    _ADOPTERS,
    _CIN,
    _LS_START,
    _RD,
    _REASON_MOVE,
    _REC_18_FOSTER,
    _REC_18_OTHER,
    _REC_18_UASC,
    _REC_HOME,
    _REC_TEEN,
    _REG_DATE,
    _ROUTES,
    _age,
    _band,
    _birthday,
    _Child,
    _Placement,
    _table,
)


class _Periods:
    """The periods of care of :class:`cpanalysis.synth.world._World` (a mixin)."""

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

