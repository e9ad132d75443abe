"""Known answers of ``synchrony study`` on generated studies (issue 11, "Done when").

Half the dyads coupled (B follows A by 0.5 s) -> the genuine dyads lie above their
pseudo-dyads with Cohen's d > 1; every dyad independent -> d near 0 and a permutation p that
is not significant (>= 0.05) in at least 90 % of the seeds. Each study is 12 MEA-style text
tables of 3 min at 10 Hz (``tests/fixtures/study_tables.py``), run on one two-process
``LocalCluster`` shared by the module, without the per-session surrogate test.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from synchrony.analysis.pair import AnalysisParameters
from synchrony.study.executors import ExecutorSpec
from synchrony.study.item import TABLE_SIGNAL, StudyOptions
from synchrony.study.manifest import read_manifest
from synchrony.study.run import PseudoSpec, StudyResult, run_study
from tests.fixtures.study_tables import LAG_S, write_study

pytestmark = pytest.mark.slow  # about 1 min in all (10 null studies)

N_DYADS = 12
PSEUDO_PER_ITEM = 10
NULL_SEEDS = range(10)
ALPHA = 0.05
OPTIONS = StudyOptions(params=AnalysisParameters(n_surrogates=0))


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    """One Dask client on two local worker processes for every study of the module."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as dask_client:
        yield dask_client


def _study(client: Any, folder: Path, coupled: Sequence[bool], seed: int) -> StudyResult:
    manifest = write_study(folder / "input", coupled, seed=seed)
    return run_study(read_manifest(manifest), folder / "study", options=OPTIONS,
                     executor=ExecutorSpec(), pseudo=PseudoSpec(PSEUDO_PER_ITEM, seed=seed),
                     progress=False, client=client)


def _strength(result: StudyResult) -> dict[str, Any]:
    assert not result.failures
    block: dict[str, Any] = result.summary["signals"][TABLE_SIGNAL]["strength"]
    assert block["n_genuine"] == N_DYADS
    assert block["n_pseudo"] == N_DYADS * PSEUDO_PER_ITEM
    return block


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_half_the_dyads_coupled_puts_genuine_above_pseudo_with_d_above_1(
        client: Any, tmp_path: Path, seed: int) -> None:
    result = _study(client, tmp_path, [k % 2 == 0 for k in range(N_DYADS)], seed)
    s = _strength(result)
    assert s["genuine_mean"] > s["pseudo_mean"]
    assert s["d"] > 1.0, f"d = {s['d']}"
    assert s["d_ci95"][0] > 0.0
    assert s["p_permutation"] < 0.01
    coupled = [r for r in result.rows if r["coupled"] == "1"]
    independent = [r for r in result.rows if r["coupled"] == "0"]
    assert len(coupled) == len(independent) == N_DYADS // 2
    # Each coupled dyad: B follows A by about LAG_S, above all the pseudo-dyads of its people.
    for row in coupled:
        assert row["lag_s"] == pytest.approx(LAG_S, abs=0.2), row["id"]
        assert row["pseudo_percentile"] == 100.0, row["id"]
    # The independent genuine dyads are ordinary among their pseudo-dyads.
    assert np.mean([r["pseudo_percentile"] for r in independent]) < 80.0


def test_independent_dyads_give_d_near_0_and_no_significant_p_in_90_percent_of_seeds(
        client: Any, tmp_path: Path) -> None:
    ds, ps = [], []
    for seed in NULL_SEEDS:
        s = _strength(_study(client, tmp_path / f"seed{seed}", [False] * N_DYADS, seed))
        ds.append(s["d"])
        ps.append(s["p_permutation"])
    assert all(math.isfinite(d) for d in ds)
    non_significant = np.mean(np.asarray(ps) >= ALPHA)
    assert non_significant >= 0.9, f"p = {ps}"
    # d near 0: its mean over seeds (SE about 0.3 / sqrt(10)) and every single study.
    assert abs(np.mean(ds)) < 0.25, f"d = {ds}"
    assert max(abs(d) for d in ds) < 1.0, f"d = {ds}"
