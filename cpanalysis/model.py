"""The tidy SSDA903 model that every later stage reads.

Sources (``cpanalysis.sources.ssda903``) turn CSV/XLSX/XML returns into a :class:`CLAData`;
indicators read only this. The contract:

* ``tables`` maps a canonical table key (see :data:`TABLES`) to a pandas DataFrame whose columns are
  the SSDA903 column names, upper case, exactly as in the DfE specification, plus:
    - ``YEAR`` (int): the collection year of the return the row came from, named by the year the
      collection ends (2025 means 1 April 2024 to 31 March 2025);
    - ``SOURCE_FILE`` (str) and ``SOURCE_ROW`` (int, 1-based data row, header is row 1 so the first
      data row is 2) so that every figure can be traced back to the cell it came from.
* Date columns (:data:`DATE_COLUMNS`) are ``datetime64[ns]`` with NaT for blanks.
* Code columns are upper-case stripped strings with ``pd.NA`` for blanks. ``CHILD`` is a string.
* Integer-valued fields (SDQ_SCORE and the 0/1 OC2 flags, MOTHER, FOSTER_CARE, NB_ADOPTR) are ``Int64``.
* ``episodes`` is one merged history per child across all years supplied (duplicates from
  successive returns repaired; see ``sources/ssda903.py``). ``header`` is one row per child (latest
  return wins). The other tables keep one set of rows per collection year: filter on ``YEAR``.
* ``quarantine`` lists every row read that was not used, with the rule that rejected it;
  ``reconciliation`` has rows read / used / quarantined by table and year. Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

#: canonical key -> SSDA903 columns in specification order
TABLES: dict[str, list[str]] = {
    "header": ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"],
    "episodes": ["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN"],
    "reviews": ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"],
    "uasc": ["CHILD", "SEX", "DOB", "DUC"],
    "oc2": ["CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS",
            "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED",
            "INTERVENTION_OFFERED"],
    "oc3": ["CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"],
    "ad1": ["CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"],
    "placed_adoption": ["CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"],
    "prev_perm": ["CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"],
    "missing": ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"],
    "sw_episodes": ["CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"],
}

#: Human names used in messages and the data-quality annex.
TABLE_TITLES: dict[str, str] = {
    "header": "Header", "episodes": "Episodes", "reviews": "Reviews", "uasc": "UASC", "oc2": "OC2",
    "oc3": "OC3", "ad1": "AD1", "placed_adoption": "PlacedAdoption", "prev_perm": "PrevPerm",
    "missing": "Missing", "sw_episodes": "SWEpisodes",
}

DATE_COLUMNS = {"DOB", "MC_DOB", "DECOM", "DEC", "REVIEW", "DUC", "DATE_INT", "DATE_MATCH", "DATE_PLACED",
                "DATE_PLACED_CEASED", "DATE_PERM", "MIS_START", "MIS_END", "SW_DECOM", "SW_DEC"}
INT_COLUMNS = {"SDQ_SCORE", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT",
               "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED", "MOTHER",
               "FOSTER_CARE", "NB_ADOPTR"}
META_COLUMNS = ["YEAR", "SOURCE_FILE", "SOURCE_ROW"]


def collection_start(year: int) -> pd.Timestamp:
    """1 April at the start of collection year ``year`` (2025 -> 2024-04-01)."""
    return pd.Timestamp(date(year - 1, 4, 1))


def collection_end(year: int) -> pd.Timestamp:
    """31 March at the end of collection year ``year`` (2025 -> 2025-03-31)."""
    return pd.Timestamp(date(year, 3, 31))


def empty_table(key: str) -> pd.DataFrame:
    cols = TABLES[key] + META_COLUMNS
    df = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c in DATE_COLUMNS else
                                    ("Int64" if c in INT_COLUMNS or c in ("YEAR", "SOURCE_ROW") else "string"))
                       for c in cols})
    return df


@dataclass
class CLAData:
    """A council's SSDA903 history, validated and tidy. See the module docstring for the contract."""

    tables: dict[str, pd.DataFrame]
    years: list[int]
    quarantine: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["table", "year", "source_file", "source_row", "column", "rule_id", "severity", "message", "child"]))
    reconciliation: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["table", "year", "rows_read", "rows_used", "rows_quarantined"]))
    notes: list[str] = field(default_factory=list)  # e.g. "dates in ISO format were accepted in episodes.csv"
    #: every validation finding of every severity (warnings keep their row), same columns as ``quarantine``
    #: plus ``action``; see ``cpanalysis.validation.rules``
    issues: pd.DataFrame = field(default_factory=pd.DataFrame)

    def __post_init__(self) -> None:
        for key in TABLES:
            if key not in self.tables or self.tables[key] is None:
                self.tables[key] = empty_table(key)
        self.years = sorted(int(y) for y in self.years)

    def table(self, key: str, year: int | None = None) -> pd.DataFrame:
        df = self.tables[key]
        if year is None or key in ("episodes", "header"):
            return df
        return df[df["YEAR"] == year]

    @property
    def header(self) -> pd.DataFrame:
        return self.tables["header"]

    @property
    def episodes(self) -> pd.DataFrame:
        return self.tables["episodes"]

    @property
    def latest_year(self) -> int:
        return max(self.years)
