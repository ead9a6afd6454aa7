"""`cpanalysis data download` against a local HTTP server serving ../shared/data (never the internet)."""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from cpanalysis import cli, download, paths

SHARED = paths.SHARED_DATA_DIR


@pytest.fixture(scope="module")
def server():
    if not SHARED.exists():
        pytest.skip(f"the real DfE files are not at {SHARED} (../shared/data beside the project)")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(SHARED)))
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def test_download_all_fetches_every_file_byte_for_byte(server, tmp_path):
    files = download.download_all(tmp_path, base_url=server, log=lambda *_: None)
    assert len(files) == len(download.MANIFEST)
    for f in download.MANIFEST:
        assert (tmp_path / f.path).read_bytes() == (SHARED / f.path).read_bytes()
    assert not list(tmp_path.rglob("*.part"))


def test_downloaded_folder_loads(server, tmp_path):
    from cpanalysis.sources.published import load_published

    small = [f for f in download.MANIFEST if f.path.endswith(("cla_number_and_rate_per_10k_children.csv",
                                                              "sn_model_2025_wide.csv"))]
    download.download_all(tmp_path, base_url=server, files=small, log=lambda *_: None)
    pub = load_published(tmp_path)
    assert (pub.figures["measure_id"] == "cla_at_31_march").any()


def test_missing_file_is_reported_and_nothing_half_written(server, tmp_path):
    files = [download.RemoteFile("ees/no_such_file.csv", None), download.RemoteFile("ees/ks2_la.csv", None)]
    with pytest.raises(download.DownloadError, match="no_such_file.csv") as err:
        download.download_all(tmp_path, base_url=server, files=files, log=lambda *_: None)
    assert "1 others were saved" in str(err.value) or "the 1 others" in str(err.value)
    assert not (tmp_path / "ees" / "no_such_file.csv").exists() and (tmp_path / "ees" / "ks2_la.csv").exists()


def test_not_a_table_is_refused(server, tmp_path):
    # a child-level 903 file where a published table was expected
    files = [download.RemoteFile("peer-samples/d2i-validator-fake/header.csv", None)]
    with pytest.raises(download.DownloadError, match="not a published CSV"):
        download.download_all(tmp_path, base_url=server, files=files, log=lambda *_: None)


def test_lait_files_are_checked_by_their_own_signature(tmp_path):
    def looks(data: bytes, name: str) -> bool:
        f = tmp_path / Path(name).name
        f.write_bytes(data)
        return download._looks_published(f, name)

    assert looks(b"PAR1....PAR1", "lait/bds_long_0.parquet")
    assert not looks(b"<html>not found</html>", "lait/bds_long_0.parquet")
    assert looks(b'"Measure_code","Topic"\n', "lait/lait_data_dictionary.csv")
    assert not looks(b"<html>", "lait/lait_data_dictionary.csv")


def test_cli_download(server, tmp_path, capsys):
    assert cli.main(["data", "download", "--dest", str(tmp_path), "--base-url", server]) == 0
    assert "Downloaded" in capsys.readouterr().out
    assert (tmp_path / "ees" / "sn_model_2025_wide.csv").exists()


def test_real_addresses_are_configuration():
    # untested against the real internet: only their form is checked here
    assert all(f.url is None or f.url.startswith("https://") for f in download.MANIFEST)
