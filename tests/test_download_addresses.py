"""Every address `cpanalysis data download` knows, fetched from a local server (http.server in a thread; never the
internet), with each file under the name DfE and Ofsted publish it by, and the folder it leaves read by the loaders.

Two servers' worth of paths are served from ../shared/data:
- the real addresses' paths (``/dfe-analytical-services/CSC_outcomes_and_enablers/main/data-raw/ks2_la.csv``...),
  so every default address in cpanalysis/download.py is requested with only its scheme and host changed;
- a mirror in ../shared/data's layout (``/mirror/ees/ks2_la.csv``), as ``--base-url`` expects.
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
from pathlib import Path

import pytest

from cpanalysis import cli, download, paths

SHARED = paths.SHARED_DATA_DIR
pytestmark = pytest.mark.shared

#: the names DfE and Ofsted publish the files by: every one of them is in the manifest, once
PUBLISHED_NAMES = {
    "ees": {"cla_number_and_rate_per_10k_children.csv", "la_cla_placement_stability.csv",
            "la_conviction_health_outcome_cla.csv", "la_care_leavers_activity.csv",
            "la_care_leavers_accommodation_suitability.csv", "la_cla_during_year_new_placements.csv",
            "la_cla_school_moves.csv", "la_cla_swcount.csv", "csww_indicators_2017_to_2025.csv", "ks2_la.csv",
            "ks4_la.csv", "absence_la.csv", "national_cla_adopted_average_time_between_adoption_process_stages.csv",
            "ons_mid-year_population_estimates_2012_to_2024.csv", "sn_model_2025_wide.csv",
            "New_Statistical_Neighbour_Groupings_April_2021.csv"},
    "ees_dashboard": {"combined_cla_31_march_data.csv.gz", "combined_cla_data.csv.gz", "ceased_cla_data.csv.gz",
                      "spending_data.csv.gz"},
    "lait": {"bds_long_0.parquet", "lait_data_dictionary.csv"},
    "ofsted": {"LA_Inspection_Outcomes_as_at_31_March_2025.ods"},
}


@pytest.fixture(scope="module")
def server():
    """A local server answering each real address's path and each mirror path with the shared file, and
    remembering every path asked for."""
    if not SHARED.exists():
        pytest.skip(f"the real DfE files are not at {SHARED}")
    routes: dict[str, Path] = {}
    for f in download.MANIFEST:
        routes["/mirror/" + f.path] = SHARED / f.path
        if f.url:
            routes[urllib.parse.urlparse(f.url).path] = SHARED / f.path
    asked: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            path = urllib.parse.unquote(urllib.parse.urlparse(self.path).path)
            asked.append(path)
            file = routes.get(path)
            if file is None or not file.is_file():
                self.send_error(404)
                return
            data = file.read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", asked
    httpd.shutdown()
    httpd.server_close()


def test_the_manifest_holds_every_published_file_under_its_published_name():
    got: dict[str, set[str]] = {}
    for f in download.MANIFEST:
        folder, name = f.path.split("/", 1)
        got.setdefault(folder, set()).add(name)
        assert (SHARED / f.path).is_file(), f"{f.path}: no file of that name in ../shared/data"
        if f.url:  # the address ends in the file's own name (GitHub's raw addresses keep it)
            assert urllib.parse.unquote(f.url.rsplit("/", 1)[1]) == name
    assert got == PUBLISHED_NAMES
    assert len(download.MANIFEST) == sum(len(v) for v in PUBLISHED_NAMES.values())
    # only DfE's dashboard tables have no public address of their own
    assert {f.path for f in download.MANIFEST if f.url is None} == {f"ees_dashboard/{n}"
                                                                   for n in PUBLISHED_NAMES["ees_dashboard"]}


def test_every_real_address_is_fetched_with_only_its_host_changed(server, tmp_path):
    base, asked = server
    asked.clear()
    local = [download.RemoteFile(f.path, base + urllib.parse.urlparse(f.url).path)
             for f in download.MANIFEST if f.url]
    assert len(local) == 19
    log: list[str] = []
    written = download.download_all(tmp_path, files=local, log=log.append)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == sorted(f.path for f in local)
    # each address was asked for once, by its own path
    assert sorted(asked) == sorted(urllib.parse.urlparse(f.url).path for f in download.MANIFEST if f.url)
    for f in local:
        assert (tmp_path / f.path).read_bytes() == (SHARED / f.path).read_bytes(), f.path
        assert any(line.startswith(f"fetched {f.path} (") for line in log)
    assert not list(tmp_path.rglob("*.part"))


def test_cli_download_from_a_mirror_fetches_every_file_and_leaves_a_folder_the_loaders_read(server, tmp_path,
                                                                                            capsys):
    from cpanalysis import councils
    from cpanalysis.sources import ofsted
    from cpanalysis.sources.published import load_published

    base, asked = server
    asked.clear()
    dest = tmp_path / "dfe-data"
    assert cli.main(["data", "download", "--dest", str(dest), "--base-url", base + "/mirror/"]) == 0
    out = capsys.readouterr().out
    assert f"Downloaded {len(download.MANIFEST)} files to {dest}" in out
    assert sorted(asked) == sorted("/mirror/" + f.path for f in download.MANIFEST)
    for folder, names in PUBLISHED_NAMES.items():
        assert {p.name for p in (dest / folder).iterdir()} == names
    for f in download.MANIFEST:
        assert (dest / f.path).read_bytes() == (SHARED / f.path).read_bytes(), f.path
    # the folder reads as ../shared/data does: every DfE table, the councils and neighbours, Ofsted's file
    pub = load_published(dest, cache=False)
    assert {t for t in pub.tables} >= {n.removesuffix(".csv.gz").removesuffix(".csv")
                                       for n in PUBLISHED_NAMES["ees_dashboard"]}
    from cpanalysis.sources.published import missing_tables

    assert missing_tables(pub) == {}  # every table the catalogue's measures need was fetched
    d = councils.directory(dest)
    assert len(d) >= 150 and "Rutland" in set(d["la_name"])
    data = ofsted.load(ofsted.find_file(dest))
    assert data.as_at == "31 March 2025" and ofsted.council_row(data, "E06000017")["overall"] == "Good"


def test_an_address_that_answers_404_names_the_file_and_saves_the_rest(server, tmp_path):
    base, _ = server
    files = [download.RemoteFile("ees/ks2_la.csv", base + "/no/such/ks2_la.csv"),
             download.RemoteFile("ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods",
                                 base + "/mirror/ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods")]
    with pytest.raises(download.DownloadError, match=r"ees/ks2_la.csv from http://127.0.0.1:\d+/no/such/ks2_la.csv"):
        download.download_all(tmp_path, files=files, log=lambda *_: None)
    assert not (tmp_path / "ees" / "ks2_la.csv").exists()
    assert (tmp_path / "ofsted" / "LA_Inspection_Outcomes_as_at_31_March_2025.ods").is_file()
