"""``synchrony study --scheduler``: a real Dask cluster gives the local run's tables (issue 11).

A ``dask scheduler`` and two ``dask worker`` processes run on 127.0.0.1 (their own working
directory, as a lab's cluster would); the study runs through the CLI with
``--scheduler tcp://127.0.0.1:PORT`` and again with ``--workers 2`` into another folder, and
every table must be identical. A second test kills one worker process mid-study: Dask
reruns its item on the other worker and the tables are still the local run's.
"""

from __future__ import annotations

import csv
import math
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.fixtures.dask_cluster import START_TIMEOUT_S, STOP_TIMEOUT_S, dask_cluster
from tests.fixtures.study_tables import write_study, write_table

pytestmark = pytest.mark.slow  # starts Dask clusters and three studies: about 1 min

N_DYADS = 8
DURATION_S = 60.0
STUDY_TIMEOUT_S = 300.0
STUDY_ARGS = ("--surrogates", "39", "--pseudo", "all", "--no-progress")
TABLES = ("study.csv", "failures.csv", "study_summary.json")
PARQUET_TABLES = ("study.parquet", "pseudo.parquet")


def _study_command(manifest: Path, out: str, *executor: str) -> list[str]:
    return [sys.executable, "-m", "synchrony", "study", str(manifest), "--out", out,
            *executor, *STUDY_ARGS]


def _run_study(manifest: Path, cwd: Path, out: str, *executor: str) -> Path:
    """Run ``synchrony study`` in ``cwd`` (``out`` relative to it); return the output folder."""
    done = subprocess.run(_study_command(manifest, out, *executor), cwd=cwd,
                          capture_output=True, text=True, timeout=STUDY_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr
    return cwd / out


def _wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout_s} s waiting for {what}")
        time.sleep(0.02)


def _cells(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with NaN as the text ``"NaN"`` (NaN != NaN would make equal tables differ)."""
    return [{k: "NaN" if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
            for r in rows]


def assert_same_tables(expected: Path, got: Path) -> None:
    """Every table of the study is identical (text byte for byte, Parquet table-equal)."""
    for name in TABLES:
        assert (got / name).read_bytes() == (expected / name).read_bytes(), name
    for name in PARQUET_TABLES:
        want, have = pq.read_table(expected / name), pq.read_table(got / name)
        assert have.schema == want.schema, name
        assert _cells(have.to_pylist()) == _cells(want.to_pylist()), name


@pytest.fixture(scope="module")
def study_input(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Manifest of 8 generated text-table dyads (every other one coupled) and one too short."""
    folder = tmp_path_factory.mktemp("study_input")
    manifest = write_study(folder, [k % 2 == 0 for k in range(N_DYADS)], seed=5,
                           duration_s=DURATION_S)
    write_table(folder / "short.txt", np.array([0.1, 0.2, 0.3]), np.array([0.3, 0.2, 0.1]))
    with manifest.open("a", newline="") as fh:
        csv.writer(fh).writerow(["short.txt", "10", "short", "short", "0"])
    return manifest


@pytest.fixture(scope="module")
def local_study(study_input: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The study run on two local worker processes (the reference)."""
    return _run_study(study_input, tmp_path_factory.mktemp("local"), "study", "--workers", "2")


def test_study_on_a_dask_scheduler_gives_the_local_tables(
        study_input: Path, local_study: Path, tmp_path: Path) -> None:
    with dask_cluster(tmp_path) as cluster:
        client_dir = tmp_path / "client"  # not the workers' working directory
        client_dir.mkdir()
        got = _run_study(study_input, client_dir, "study", "--scheduler", cluster.address)
        assert all(w.poll() is None for w in cluster.workers)
    with (got / "study.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert [r["status"] for r in rows] == ["ok"] * N_DYADS + ["failed"]
    assert {r["p"] != "" for r in rows[:N_DYADS]} == {True}  # the seeded surrogate test ran
    assert (got / "failures.csv").read_text().count("\n") == 2  # header + the short table
    assert pq.read_table(got / "pseudo.parquet").num_rows == N_DYADS * (N_DYADS - 1)
    assert not (tmp_path / "cluster" / "study").exists()  # nothing written beside the workers
    assert_same_tables(local_study, got)


def test_a_worker_killed_mid_study_leaves_the_tables_unchanged(
        study_input: Path, local_study: Path, tmp_path: Path) -> None:
    from distributed import Client

    with dask_cluster(tmp_path) as cluster:
        out = tmp_path / "study"
        study = subprocess.Popen(_study_command(study_input, str(out), "--scheduler",
                                                cluster.address),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            records = out / "items"
            _wait_until(lambda: study.poll() is not None
                        or any(records.glob("*/study_item.json")),
                        STUDY_TIMEOUT_S, "the first item")
            n_done = len(list(records.glob("*/study_item.json")))
            assert study.poll() is None, "the study ended before a worker could be killed"
            assert n_done < N_DYADS, "every item was done before a worker could be killed"
            os.killpg(cluster.workers[0].pid, signal.SIGKILL)  # the nanny and its worker
            cluster.workers[0].wait(timeout=STOP_TIMEOUT_S)
            _, stderr = study.communicate(timeout=STUDY_TIMEOUT_S)
        finally:
            if study.poll() is None:
                study.kill()
                study.wait(timeout=STOP_TIMEOUT_S)
        assert study.returncode == 0, stderr
        with Client(cluster.address, timeout=f"{START_TIMEOUT_S}s") as client:
            assert len(client.scheduler_info()["workers"]) == 1  # the kill did happen
    assert_same_tables(local_study, out)
