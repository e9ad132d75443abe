"""``bench/soak.py`` runs end to end (a few seconds instead of an hour) and reports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared import REPO_ROOT, model_dir


@pytest.mark.slow
@pytest.mark.mediapipe
def test_soak_bench_runs_and_reports(tmp_path: Path) -> None:
    env = {**os.environ, "SYNCHRONY_MODEL_DIR": str(model_dir())}
    result = subprocess.run([sys.executable, "bench/soak.py", "--out", str(tmp_path),
                             "--duration-s", "10"], cwd=REPO_ROOT, env=env, capture_output=True,
                            text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads((tmp_path / "soak.json").read_text())
    assert report["ended"] == "clean"
    assert report["frames"]["tracked"] > 0  # a smoke test: how many depends on the load
    assert report["grid"]["gaps_over_one_step"] == 0
    assert report["grid"]["samples"] == report["grid"]["expected"]
    assert "| grid samples |" in (tmp_path / "soak.md").read_text()
