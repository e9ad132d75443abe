"""bench/study.py --quick on the MEA workload: it runs, prints its table and writes it.

Keeps the study bench from rotting (the speed figures themselves live in the bench, never
in a test): three executors (1 and 2 local workers, a real ``dask scheduler`` with two
``dask worker`` processes) and the 0-surrogate row, on four one-minute rMEA dyads.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared import REPO_ROOT, shared_path

pytestmark = pytest.mark.slow  # four Dask clusters (one of real processes): ~15 s idle

BENCH_TIMEOUT_S = 600.0


def test_quick_study_bench_prints_and_writes_its_table(tmp_path: Path) -> None:
    shared_path("reference_data", "rmea", "extdata")
    out = tmp_path / "bench"
    done = subprocess.run([sys.executable, str(REPO_ROOT / "bench" / "study.py"), "--quick",
                           "--workloads", "mea", "--out", str(out)],
                          capture_output=True, text=True, timeout=BENCH_TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    report = (out / "report.md").read_text()
    assert report.strip() in done.stdout
    table = [line for line in report.splitlines() if line.startswith("| mea |")]
    assert [line.split("|")[2].strip() for line in table] == ["local-1", "local-2", "dask-2",
                                                              "local-1"]
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [(r["workers"], r["surrogates"]) for r in rows] == [(1, 19), (2, 19), (2, 19),
                                                               (1, 0)]
    assert all(r["items"] == 4 and r["recording_min"] == pytest.approx(4.0) for r in rows)
    assert all(r["items_per_min"] > 0 and r["items_cpu_s"] > 0 and r["peak_rss_mb"] > 50
               for r in rows)
    assert rows[0]["efficiency"] == pytest.approx(1.0)
    # --pseudo 10 with only 3 other dyads: every pair, 4 x 3, timed in the second pass
    assert [r.get("pseudo_pairs") for r in rows] == [12, 12, 12, None]
    assert "worker CPU s per minute of recording" in report
