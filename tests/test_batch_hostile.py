"""Batch against hostile and faulty input (issue 25, medium 7 and 8): one council named twice is built once; two
batches cannot write into one folder at once; the exit code says whether any council failed; a Dask scheduler
that never answers, and Dask's own errors, give a plain message."""

from __future__ import annotations

import socket
import threading
import time

import pandas as pd
import pytest

from cpanalysis import batch, cli, paths, safe_output


def _batch(out, councils: str, *extra: str) -> list[str]:
    return ["batch", "--councils", councils, "--published", str(paths.DEMO_PUBLISHED_DIR), "--year", "2025",
            "--out", str(out), "--workers", "1", "--quiet", *extra]


def test_one_council_named_by_code_and_name_is_one_council():
    from cpanalysis.sources.published import load_published

    pub = load_published(paths.DEMO_PUBLISHED_DIR)
    assert batch.unique_councils(["999", " Demoshire", "Ashcombe", "ashcombe", "Atlantis", " atlantis "], pub,
                                 2025) == ["999", "Ashcombe", "Atlantis"]


@pytest.mark.notebook
def test_a_batch_builds_999_and_demoshire_once(tmp_path, capsys):
    out = tmp_path / "batch"
    assert cli.main(_batch(out, "999, Demoshire")) == 0
    assert "Built 1 of 1 council packs" in capsys.readouterr().out
    df = pd.read_csv(out / "councils.csv", dtype={"old_la_code": str})
    assert set(df["old_la_code"]) == {"999"}
    assert not df.duplicated(["old_la_code", "indicator_id", "year"]).any()
    assert len(df) == df["indicator_id"].nunique()


def test_a_second_batch_into_the_same_folder_fails_at_once(tmp_path, capsys):
    out = tmp_path / "batch"
    with safe_output.output_lock(out):  # a batch running into this folder
        started = time.monotonic()
        assert cli.main(_batch(out, "Ashcombe")) == 2
        assert time.monotonic() - started < 15  # at once: before any file is parsed or pack built
    err = capsys.readouterr().err
    assert "another cpanalysis build is writing to this folder right now" in err and str(out) in err
    assert not out.exists()


def test_a_batch_where_every_council_fails_exits_2(tmp_path, capsys):
    out = tmp_path / "batch"
    assert cli.main(_batch(out, "Atlantis")) == 2
    captured = capsys.readouterr()
    assert "Built 0 of 1 council packs" in captured.out
    assert "Atlantis" in captured.err and "no council pack was built" in captured.err


def test_exit_codes_of_a_batch():
    ok, bad = batch.CouncilResult(code="1", status="ok"), batch.CouncilResult(code="2", status="failed: x")
    result = lambda cs: batch.BatchResult(out=paths.ROOT, councils=cs, seconds=0, prepare_seconds=0)  # noqa: E731
    assert [result(cs).exit_code for cs in ([ok], [ok, bad], [bad], [bad, bad])] == [0, 1, 2, 2]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(5)
    for c in held:
        c.close()
    server.close()


def test_a_scheduler_that_never_answers_times_out_plainly(tmp_path, capsys, monkeypatch, silent_port):
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", 2)
    started = time.monotonic()
    code = cli.main(_batch(tmp_path / "batch", "Ashcombe", "--scheduler", f"tcp://127.0.0.1:{silent_port}"))
    assert time.monotonic() - started < 30
    assert code == 2
    err = capsys.readouterr().err
    assert f"no Dask scheduler answered at tcp://127.0.0.1:{silent_port} within 2 s" in err
    assert "fault in cpanalysis" not in err and "internal error" not in err


def test_the_connection_timeout_is_dasks_own_setting_by_default():
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "7s"}):
        assert batch._connect_timeout() == 7


@pytest.mark.parametrize("address", ["nonsense://host:1", "tcp://"])
def test_a_bad_scheduler_address_is_named_as_dasks_error(tmp_path, capsys, monkeypatch, address):
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", 2)
    assert cli.main(_batch(tmp_path / "batch", "Ashcombe", "--scheduler", address)) == 2
    err = capsys.readouterr().err
    assert "The error is Dask's, not a fault in cpanalysis" in err and address in err
    assert "internal error" not in err


def test_a_failure_inside_dask_is_named_as_dasks(tmp_path, capsys, monkeypatch):
    """A worker lost mid-batch (here: Dask's CommClosedError from the cluster) is Dask's error, exit 2, not
    "an unexpected internal error" (exit 3)."""
    from distributed.comm.core import CommClosedError

    def lost(*args, **kwargs):
        raise CommClosedError("in <TCP (closed) ConnectionPool.gather local=tcp://127.0.0.1:1>: Stream is closed")

    monkeypatch.setattr(batch, "check_scheduler", lambda address: None)
    monkeypatch.setattr(batch, "_dask_builds", lost)
    assert cli.main(_batch(tmp_path / "batch", "Ashcombe", "--scheduler", "tcp://127.0.0.1:1")) == 2
    err = capsys.readouterr().err
    assert "Dask reported an error with the cluster at tcp://127.0.0.1:1: CommClosedError" in err
    assert "internal error" not in err


def test_a_fault_of_cpanalysis_on_dask_is_still_reported_as_one(tmp_path, monkeypatch):
    """Only Dask's errors are renamed: a fault in cpanalysis's own code keeps exit 3."""
    def ours(*args, **kwargs):
        raise KeyError("a bug of ours")

    monkeypatch.setattr(batch, "check_scheduler", lambda address: None)
    monkeypatch.setattr(batch, "_dask_builds", ours)
    assert cli.main(_batch(tmp_path / "batch", "Ashcombe", "--scheduler", "tcp://127.0.0.1:1")) == 3
