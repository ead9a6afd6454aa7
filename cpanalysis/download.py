"""``cpanalysis data download --dest DIR``: fetch DfE's published files for a user with internet.

The files land in the same layout as ``../shared/data`` (``ees/``, ``ees_dashboard/``, ``lait/``), so
``--published DIR`` reads them straight away. Each file is written to a temporary name and renamed
only once it is complete and looks like a published table, so a failed download never leaves a
half-written file in place of a good one.

**Real addresses: configuration, untested against the real internet.** The project's tests serve
``../shared/data`` from a local HTTP server (``--base-url``). The default addresses below are our best
knowledge of where DfE keeps copies of these files: the ``data-raw/`` folder of DfE's public
"Children's social care outcomes and enablers" dashboard repository on GitHub. EES itself serves data
sets by catalogue id (``https://explore-education-statistics.service.gov.uk/data-catalogue/data-set/<id>/csv``)
and those ids change with each release; override any address with ``CPANALYSIS_DFE_BASE_URL`` or
``--base-url`` (a mirror with the same layout as ``../shared/data``). The dashboard's reshaped tables
(``ees_dashboard/*.csv.gz``) have no public address we know of; they are fetched only from a base URL.
"""

from __future__ import annotations

import gzip
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from cpanalysis.errors import FatalError

#: Believed real source of the EES copies (UNTESTED against the real internet; see module docstring).
DFE_RAW_BASE = "https://raw.githubusercontent.com/dfe-analytical-services/CSC_outcomes_and_enablers/main/data-raw/"


@dataclass(frozen=True)
class RemoteFile:
    path: str  # where it goes under --dest, and its path under a mirror's base URL
    url: str | None  # default real address (None: only from a mirror)


_EES = ["cla_number_and_rate_per_10k_children.csv", "la_cla_placement_stability.csv",
        "la_conviction_health_outcome_cla.csv", "la_care_leavers_activity.csv",
        "la_care_leavers_accommodation_suitability.csv", "la_cla_during_year_new_placements.csv",
        "la_cla_school_moves.csv", "la_cla_swcount.csv", "csww_indicators_2017_to_2025.csv", "ks2_la.csv",
        "ks4_la.csv", "absence_la.csv", "national_cla_adopted_average_time_between_adoption_process_stages.csv",
        "ons_mid-year_population_estimates_2012_to_2024.csv", "sn_model_2025_wide.csv",
        "New_Statistical_Neighbour_Groupings_April_2021.csv"]
_DASHBOARD = ["combined_cla_31_march_data.csv.gz", "combined_cla_data.csv.gz", "ceased_cla_data.csv.gz",
              "spending_data.csv.gz"]

#: Believed real source of LAIT's long table and data dictionary (UNTESTED against the real internet): the
#: ``01_data/02_prod/`` folder of DfE's Local Authority Interactive Tool repository.
LAIT_RAW_BASE = ("https://raw.githubusercontent.com/dfe-analytical-services/local-authority-interactive-tool/"
                 "main/01_data/02_prod/")
_LAIT = ["bds_long_0.parquet", "lait_data_dictionary.csv"]

MANIFEST: list[RemoteFile] = (
    [RemoteFile(f"ees/{n}", DFE_RAW_BASE + n) for n in _EES]
    + [RemoteFile(f"ees_dashboard/{n}", None) for n in _DASHBOARD]
    + [RemoteFile(f"lait/{n}", LAIT_RAW_BASE + n) for n in _LAIT])


class DownloadError(FatalError):
    """A download failed; the message names the file and address."""


def _looks_published(data: bytes, name: str) -> bool:
    if name.endswith(".parquet"):
        return data[:4] == b"PAR1" and data[-4:] == b"PAR1"  # parquet's magic bytes at both ends
    if name.endswith("lait_data_dictionary.csv"):
        return data[:200].decode("utf-8-sig", errors="replace").lower().lstrip('"').startswith("measure_code")
    if name.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except OSError:
            return False
    head = data[:2000].decode("utf-8-sig", errors="replace").splitlines()[0].lower() if data else ""
    return "time_period" in head or "la_name" in head or "la num" in head or "old_la_code" in head


def download_all(dest: str | Path, base_url: str | None = None, files: list[RemoteFile] | None = None,
                 timeout: float = 60.0, log=print) -> list[Path]:
    """Fetch every file of the manifest into ``dest``; returns the files written.

    With ``base_url`` (or ``CPANALYSIS_DFE_BASE_URL``) every file is fetched from ``base_url + path``;
    otherwise from its default real address, skipping files that have none. Raises :class:`DownloadError`
    listing every failure once all files have been tried.
    """
    dest = Path(dest)
    base = base_url or os.environ.get("CPANALYSIS_DFE_BASE_URL")
    if base and not base.endswith("/"):
        base += "/"
    written: list[Path] = []
    failures: list[str] = []
    for f in files or MANIFEST:
        url = base + f.path if base else f.url
        if url is None:
            log(f"skipped {f.path}: no public address known (use --base-url with a mirror)")
            continue
        target = dest / f.path
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 (https or a local mirror)
                data = resp.read()
        except (urllib.error.URLError, OSError) as err:
            failures.append(f"{f.path} from {url}: {getattr(err, 'reason', err)}")
            continue
        if not _looks_published(data, f.path):
            failures.append(f"{f.path} from {url}: the response is not a published CSV table")
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        tmp.replace(target)
        written.append(target)
        log(f"fetched {f.path} ({len(data):,} bytes)")
    if failures:
        raise DownloadError(f"{len(failures)} file(s) could not be downloaded (the {len(written)} others were "
                            "saved):\n  " + "\n  ".join(failures))
    return written
