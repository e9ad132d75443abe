"""Library log lines do not leak (issue 13): a missing camera is one line, exit 2, for every
command that opens one (OpenCV's camera probing printed eight lines before)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.shared import REPO_ROOT, model_dir


@pytest.mark.parametrize("args", [
    ["record", "--camera", "99", "--out", "{tmp}/s"],
    ["calibrate", "--camera", "99", "--out", "{tmp}/p.json"],
    ["stream", "--camera", "99", "--jsonl", "-"],
], ids=lambda a: a[0])
def test_a_missing_camera_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    env = {**os.environ, "SYNCHRONY_MODEL_DIR": str(model_dir())}
    result = subprocess.run([sys.executable, "-m", "synchrony",
                             *(a.format(tmp=tmp_path) for a in args)], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"synchrony {args[0]}: error: camera 99 could not be opened"]
    assert not any(tmp_path.iterdir())  # nothing written
