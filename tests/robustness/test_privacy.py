"""Recordings are private by default (issue 13): session directories 0700, files 0600
(``--group-readable``: 0750 / 0640); participant codes never reach logs or error messages."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from synchrony.session.markers import save_markers
from synchrony.session.store import open_session
from tests.fixtures.sessions import coupled_frames, write_session
from tests.shared import REPO_ROOT, model_dir

CLIP = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"


def _modes(folder: Path) -> dict[str, int]:
    """Permission bits of the folder and of everything below it, by relative path."""
    out = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        out[str(path.relative_to(folder))] = stat.S_IMODE(path.stat().st_mode)
    return out


def _assert_modes(folder: Path, dir_mode: int, file_mode: int) -> None:
    modes = _modes(folder)
    assert len(modes) > 3
    for name, mode in modes.items():
        path = folder / name
        want = dir_mode if path.is_dir() else file_mode
        assert mode == want, f"{name}: {oct(mode)} != {oct(want)}"


@pytest.fixture(autouse=True)
def _open_umask() -> object:
    """A permissive umask (0002, as on many lab PCs): the modes must not come from it."""
    old = os.umask(0o002)
    yield
    os.umask(old)


def test_a_session_is_private_by_default(tmp_path: Path) -> None:
    writer = write_session(tmp_path / "s", coupled_frames(3.0))
    writer.add_marker(1.0, "start")
    _assert_modes(tmp_path / "s", 0o700, 0o600)


def test_group_readable_sessions_are_0750_and_0640(tmp_path: Path) -> None:
    write_session(tmp_path / "s", coupled_frames(2.0), group_readable=True)
    _assert_modes(tmp_path / "s", 0o750, 0o640)


def test_editing_markers_later_keeps_the_file_private(tmp_path: Path) -> None:
    write_session(tmp_path / "s", coupled_frames(2.0))
    save_markers(tmp_path / "s", [{"time_s": 0.5, "label": "rupture"}])
    assert open_session(tmp_path / "s").markers[0]["label"] == "rupture"
    _assert_modes(tmp_path / "s", 0o700, 0o600)


def _synchrony(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SYNCHRONY_MODEL_DIR": str(model_dir())}
    return subprocess.run([sys.executable, "-m", "synchrony", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=180)


@pytest.mark.slow
@pytest.mark.mediapipe
def test_record_with_video_is_private_and_codes_stay_out_of_the_logs(tmp_path: Path) -> None:
    out = tmp_path / "session"
    result = _synchrony("-v", "record", str(CLIP), "--out", str(out), "--duration-s", "3",
                        "--save-video", "--consent-confirmed", "--participant-a", "SECRET-A7",
                        "--participant-b", "SECRET-B9", "--no-progress")
    assert result.returncode == 0, result.stderr[-2000:]
    _assert_modes(out, 0o700, 0o600)
    assert (out / "video.mp4").is_file()
    assert "SECRET" not in result.stderr + result.stdout
    # the codes are in the session (where they belong), nowhere else
    assert open_session(out).metadata["participants"]["A"]["code"] == "SECRET-A7"
    again = _synchrony("record", str(CLIP), "--out", str(out), "--duration-s", "1",
                       "--participant-a", "SECRET-A7")
    assert again.returncode == 2
    assert "SECRET" not in again.stderr
