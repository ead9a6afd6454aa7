"""``cpanalysis data download --dest DIR``: fetch DfE's published files for a user with internet.

The files land in the same layout as ``../shared/data`` (``ees/``, ``ees_dashboard/``, ``lait/``), so
``--published DIR`` reads them straight away. Each file is written to a temporary name and renamed
only once it is complete and looks like a published table, so a failed download never leaves a
half-written file in place of a good one.

**Real addresses: configuration, not fetched from the real internet by the tests.** The tests
(``tests/test_download_addresses.py``) serve ``../shared/data`` from a local HTTP server twice over: at each
default address's own path (only the scheme and host changed), and as a mirror for ``--base-url``; every file
keeps the name DfE or Ofsted publishes it by, and the folder left behind is read by the loaders with no table
missing. Whether each address answers on the internet today is not tested. The default addresses below are our best
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
import zlib
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

#: Ofsted's latest "Local authority inspection outcomes" (official statistics, .ods), from the same dashboard
#: repository's ``data-raw/`` folder (UNTESTED against the real internet; Ofsted's own page is
#: https://www.gov.uk/government/statistical-data-sets/local-authority-and-childrens-homes-in-england-inspections-and-outcomes).
_OFSTED = ["LA_Inspection_Outcomes_as_at_31_March_2025.ods"]

MANIFEST: list[RemoteFile] = (
    [RemoteFile(f"ees/{n}", DFE_RAW_BASE + n) for n in _EES]
    + [RemoteFile(f"ees_dashboard/{n}", None) for n in _DASHBOARD]
    + [RemoteFile(f"lait/{n}", LAIT_RAW_BASE + n) for n in _LAIT]
    + [RemoteFile(f"ofsted/{n}", DFE_RAW_BASE + n) for n in _OFSTED])

#: an OpenDocument spreadsheet: a zip whose first member is "mimetype" with this content
_ODS_MAGIC = b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet"


class DownloadError(FatalError):
    """A download failed; the message names the file and address."""


#: no published file is near this size; a larger response is refused rather than filling the disk
MAX_DOWNLOAD_BYTES = 2_000_000_000
_CHUNK = 1 << 20


def _looks_published(path: Path, name: str) -> bool:
    """Check a downloaded file (on disk) by its first bytes only: parquet magic at both ends, or a CSV heading.
    A gzip file is checked by decompressing its first few kilobytes and then streaming the rest in chunks, so
    a damaged or hostile archive is never expanded whole in memory."""
    size = path.stat().st_size
    if size == 0:
        return False
    with path.open("rb") as fh:
        head = fh.read(2000)
        if name.endswith(".ods"):
            return head[:4] == b"PK\x03\x04" and _ODS_MAGIC in head[:200]
        if name.endswith(".parquet"):
            fh.seek(max(0, size - 4))
            return head[:4] == b"PAR1" and fh.read(4) == b"PAR1"  # parquet's magic bytes at both ends
    if name.endswith(".gz"):
        try:
            with gzip.open(path, "rb") as gz:
                head = gz.read(2000)
                while gz.read(_CHUNK):  # the whole stream must be intact (CRC checked at the end)
                    pass
        except (OSError, EOFError, zlib.error):
            return False
    text = head.decode("utf-8-sig", errors="replace")
    if name.endswith("lait_data_dictionary.csv"):
        return text.lower().lstrip('"').startswith("measure_code")
    first = text.splitlines()[0].lower() if text else ""
    return "time_period" in first or "la_name" in first or "la num" in first or "old_la_code" in first


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
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".part")
        try:
            n = 0
            with urllib.request.urlopen(url, timeout=timeout) as resp, tmp.open("wb") as out:  # noqa: S310
                while chunk := resp.read(_CHUNK):  # streamed to disk, never held whole in memory
                    n += len(chunk)
                    if n > MAX_DOWNLOAD_BYTES:
                        raise OSError(f"the response is larger than {MAX_DOWNLOAD_BYTES:,} bytes")
                    out.write(chunk)
            ok = _looks_published(tmp, f.path)
        except (urllib.error.URLError, OSError) as err:
            tmp.unlink(missing_ok=True)
            failures.append(f"{f.path} from {url}: {getattr(err, 'reason', err)}")
            continue
        if not ok:
            tmp.unlink(missing_ok=True)
            failures.append(f"{f.path} from {url}: the response is not a published CSV table")
            continue
        tmp.replace(target)
        written.append(target)
        log(f"fetched {f.path} ({n:,} bytes)")
    if failures:
        raise DownloadError(f"{len(failures)} file(s) could not be downloaded (the {len(written)} others were "
                            "saved):\n  " + "\n  ".join(failures))
    return written
