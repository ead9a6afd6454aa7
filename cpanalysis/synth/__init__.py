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

The package by what it generates: :mod:`~cpanalysis.synth.base` (seeded draws, dates, the fictional places and
code tables), :mod:`~cpanalysis.synth.world` (the children and their placements over time),
:mod:`~cpanalysis.synth.periods` (each period of care), :mod:`~cpanalysis.synth.events` (episodes, reviews,
missing incidents, social workers), :mod:`~cpanalysis.synth.returns` (each year's return and its outcomes
tables, OC2 and OC3), and here the public API. DfE's published comparators for the demonstration council are
made by :mod:`cpanalysis.sources.published_demo`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from cpanalysis import paths
from cpanalysis.model import TABLES
from cpanalysis.synth.base import (
    DEFAULT_CHILDREN,
    DEFAULT_SEED,
    DEFAULT_YEARS,
    FILE_NAMES,
    LAST_YEAR,
    postcode_table,
)
from cpanalysis.synth.returns import _cut
from cpanalysis.synth.world import _World

__all__ = ["DEFAULT_CHILDREN", "DEFAULT_SEED", "DEFAULT_YEARS", "FILE_NAMES", "generate_return", "postcode_table",
           "write_demo", "write_return"]


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
