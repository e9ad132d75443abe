"""``synchrony record`` end to end: real MediaPipe on a generated clip played at real time.

What a SIGKILL loses is measured against the wall clock: the recording starts when
``session.json`` appears, and a file is paced at real time, so a frame at ``timestamp_s``
was captured ``timestamp_s`` seconds after that.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from synchrony.capture.sources import VideoFileSource, probe_video
from synchrony.cli import main
from synchrony.session.store import open_session
from tests.shared import load_generator, model_dir

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

FPS = 10.0
#: At most this much recording (s) may be lost by a SIGKILL (ARCHITECTURE.md: ~2 s).
MAX_LOSS_S = 2.0


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 14 s, 10 fps, 320 x 240 two-person clip (B follows A by 0.5 s)."""
    path = tmp_path_factory.mktemp("record") / "dyad.mp4"
    load_generator().make_dyad_clip(path, duration_s=14.0, fps=FPS, lag_s=0.5, coupling=0.9,
                                    seed=3, size=(320, 240), crf=0)  # lossless: same frames
    return path


def _decoded_frames(path: Path) -> tuple[str, int]:
    """Codec and number of frames decoded (as replay reads it: damaged packets skipped)."""
    n_frames = 0
    with VideoFileSource(path) as source:
        while source.read() is not None:
            n_frames += 1
    return probe_video(path).codec, n_frames


def _start(clip: Path, out: Path, *extra: str) -> tuple[subprocess.Popen[bytes], float]:
    """Start ``synchrony record`` and return it with the time its recording started."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "synchrony.cli", "record", str(clip), "--out", str(out),
         "--model-dir", str(model_dir()), "--no-progress", *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=Path(__file__).parents[2])
    _wait_for(proc, lambda: (out / "session.json").exists(), "record did not start")
    return proc, time.monotonic()


def _wait_for(proc: subprocess.Popen[bytes], condition: Callable[[], bool], what: str,
              timeout_s: float = 90.0) -> None:
    """Poll ``condition`` (every 20 ms) while the recorder runs; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, f"{what} within {timeout_s:g} s"
        time.sleep(0.02)


def _parts(out: Path) -> int:
    """Landmark parts the recorder has written so far (about one per second)."""
    return len(list((out / "landmarks").glob("part-*.parquet")))


def test_sigkill_loses_at_most_the_last_2_s(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "s"
    proc, started = _start(clip, out, "--save-video", "--consent-confirmed")
    _wait_for(proc, lambda: _parts(out) >= 4, "4 landmark parts were not written")
    proc.kill()  # SIGKILL: no handler, no flushing
    elapsed_s = time.monotonic() - started
    proc.wait(timeout=30)
    assert proc.stderr is not None
    proc.stderr.close()
    session = open_session(out)
    assert session.ended == "recording"
    frames = session.frames()
    lost_s = elapsed_s - frames[-1].timestamp_s
    print(f"SIGKILL after {elapsed_s:.2f} s: landmarks up to {frames[-1].timestamp_s:.2f} s "
          f"({len(frames)} frames), lost {lost_s:.2f} s")
    assert lost_s < MAX_LOSS_S
    codec, n_video = _decoded_frames(out / "video.mp4")
    print(f"video: {n_video} frames decodable = {n_video / FPS:.1f} s")
    assert codec == "h264"
    assert n_video / FPS > elapsed_s - MAX_LOSS_S


def test_sigterm_closes_the_session_cleanly(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "s"
    proc, started = _start(clip, out)
    _wait_for(proc, lambda: _parts(out) >= 2, "2 landmark parts were not written")
    proc.send_signal(signal.SIGTERM)
    elapsed_s = time.monotonic() - started
    assert proc.wait(timeout=30) == 0
    assert proc.stderr is not None
    assert "ended: interrupted" in proc.stderr.read().decode()
    proc.stderr.close()
    session = open_session(out)
    meta = session.metadata
    assert meta["ended"] == "interrupted"
    frames = session.frames()
    assert meta["frames_recorded"] == len(frames)
    assert meta["frames_recorded"] + meta["frames_dropped_by_tracker"] == \
        meta["frames_captured"]
    assert frames[-1].timestamp_s > elapsed_s - 1.0


def test_clean_run_counts_every_frame_and_saves_them_all(clip: Path, tmp_path: Path) -> None:
    out = tmp_path / "s"
    code = main(["record", str(clip), "--out", str(out), "--model-dir", str(model_dir()),
                 "--save-video", "--consent-confirmed", "--consent-by", "RA",
                 "--participant-a", "P07", "--role-a", "therapist", "--duration-s", "4",
                 "--no-progress"])
    assert code == 0
    session = open_session(out)
    meta = session.metadata
    n_frames = round(4.0 * FPS)
    assert meta["ended"] == "clean"
    assert meta["frames_captured"] == n_frames
    # every frame is either tracked and recorded, or skipped by the tracker and counted
    assert meta["frames_recorded"] + meta["frames_dropped_by_tracker"] == n_frames
    frames = session.frames()
    assert len(frames) == meta["frames_recorded"]
    assert frames[0].people[0].has_pose
    assert frames[-1].people[1].has_pose
    print(f"clean run: {len(frames)} of {n_frames} frames tracked, "
          f"{meta['frames_dropped_by_tracker']} dropped by the tracker")
    assert meta["video_saved"] is True
    assert meta["video_frames_written"] == n_frames
    assert _decoded_frames(out / "video.mp4") == ("h264", n_frames)
    assert meta["consent_confirmed"] is True
    assert meta["consent_confirmed_by"] == "RA"
    assert meta["participants"]["A"] == {"position": "left", "code": "P07",
                                         "role": "therapist"}
    assert json.loads((out / "session.json").read_text())["schema"] == "synchrony.session/1"


def test_save_video_needs_consent(clip: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["record", str(clip), "--out", str(tmp_path / "s"), "--save-video"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert "--consent-confirmed" in err
    assert not (tmp_path / "s").exists()
    assert os.listdir(tmp_path) == []
