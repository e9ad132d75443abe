"""``synchrony analyze`` on bad input: one line on stderr, exit 2, nothing half-written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from synchrony.cli import main
from tests.fixtures.video_files import (
    write_cfr_video,
    write_empty_file,
    write_text_as_mp4,
    write_truncated_copy,
)
from tests.shared import model_dir


def run_analyze(capsys: pytest.CaptureFixture[str], video: Path, out: Path, *extra: str
                ) -> tuple[int, str]:
    code = main(["analyze", str(video), "--out", str(out), "--no-progress", *extra])
    err = capsys.readouterr().err
    return code, err


def assert_one_line_error(code: int, err: str, fragment: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert fragment in lines[0]


def assert_nothing_written(out: Path) -> None:
    assert not out.exists()
    assert not list(out.parent.glob(f".{out.name}*"))


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda d: d / "missing.mp4", "no such file"),
        (lambda d: write_text_as_mp4(d), "cannot read"),
        (lambda d: write_empty_file(d), "empty.mp4"),
        (lambda d: write_truncated_copy(write_cfr_video(d, n_frames=60), d), "cannot read"),
        (lambda d: d, "not a synchrony session"),
    ],
    ids=["missing", "not-a-video", "empty", "truncated", "directory"],
)
def test_bad_videos(tmp_path: Path, capsys: pytest.CaptureFixture[str], make, fragment: str
                    ) -> None:
    video = make(tmp_path)
    out = tmp_path / "results"
    code, err = run_analyze(capsys, video, out, "--model-dir", str(model_dir()))
    assert_one_line_error(code, err, fragment)
    assert_nothing_written(out)


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--window-s", "-1"], "window_s must be > 0, got -1"),
        (["--max-lag-s", "9"], "max_lag_s must be shorter than window_s"),
        (["--step-s", "0"], "step_s must be > 0"),
        (["--surrogates", "-5"], "--surrogates must be >= 0"),
        (["--signals", "body,elbows"], "--signals must be a comma-separated subset"),
        (["--grid-hz", "0"], "grid_hz must be > 0"),
    ],
)
def test_nonsense_parameters(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                             args: list[str], fragment: str) -> None:
    video = write_cfr_video(tmp_path, n_frames=10)
    out = tmp_path / "results"
    code, err = run_analyze(capsys, video, out, *args)
    assert_one_line_error(code, err, fragment)
    assert_nothing_written(out)


def test_unwritable_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    video = write_cfr_video(tmp_path, n_frames=10)
    code, err = run_analyze(capsys, video, tmp_path / "nope" / "deeper" / "out",
                            "--model-dir", str(model_dir()))
    assert_one_line_error(code, err, "does not exist")
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        code, err = run_analyze(capsys, video, locked / "out", "--model-dir", str(model_dir()))
        assert_one_line_error(code, err, "not writable")


def test_existing_output_is_not_clobbered(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                          ) -> None:
    video = write_cfr_video(tmp_path, n_frames=10)
    out = tmp_path / "results"
    out.mkdir()
    (out / "keep.txt").write_text("precious")
    code, err = run_analyze(capsys, video, out, "--model-dir", str(model_dir()))
    assert_one_line_error(code, err, "not empty")
    assert (out / "keep.txt").read_text() == "precious"


def test_corrupt_model_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    models = tmp_path / "models"
    models.mkdir()
    (models / "pose_landmarker_lite_offline.task").symlink_to(
        model_dir() / "pose_landmarker_lite_offline.task")
    (models / "face_landmarker.task").write_bytes(b"PK\x03\x04 not really a model" * 100)
    video = write_cfr_video(tmp_path, n_frames=10)
    out = tmp_path / "results"
    code, err = run_analyze(capsys, video, out, "--model-dir", str(models))
    assert_one_line_error(code, err, "face_landmarker.task")
    assert_nothing_written(out)


@pytest.mark.mediapipe
def test_nobody_in_view(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An empty scene; MediaPipe may 'see' a face in a stray frame, which must not count."""
    video = write_cfr_video(tmp_path, n_frames=150, fps=15.0)
    out = tmp_path / "results"
    code, err = run_analyze(capsys, video, out, "--model-dir", str(model_dir()))
    assert_one_line_error(code, err, "nobody in view")
    assert_nothing_written(out)
