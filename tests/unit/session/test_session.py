"""Session store: writer/reader round trip, crash leftovers, bad sessions, disk full.

Also holds :func:`synthetic_frames`, tracked frames with known movement (no MediaPipe),
used by the episode and export tests.
"""

from __future__ import annotations

import errno
import json
import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

import synchrony.session.store as session_module
from synchrony.capture.sources import ArraySource, probe_video
from synchrony.cli import main
from synchrony.live import LiveRunner
from synchrony.records import (
    HALVES,
    Frame,
    PersonObservation,
    TrackedFrame,
)
from synchrony.session.recorder import SessionRecorder
from synchrony.session.store import VIDEO_FILE, DiskFullError, SessionWriter, open_session
from tests.fixtures.sessions import (
    SIZE_PX,
    StepClock,
    assert_same_frames,
    coupled_frames,
    write_session,
)

# --------------------------------------------------------------------------- round trip


def test_round_trip_rebuilds_every_frame(tmp_path: Path) -> None:
    frames = coupled_frames(4.0, face=True)
    frames[7] = TrackedFrame(frames[7].timestamp_s, frames[7].index, SIZE_PX,
                             (PersonObservation(), frames[7].people[1]), HALVES)
    writer = write_session(tmp_path / "s", frames)
    writer.add_marker(1.5, "role switch")
    session = open_session(tmp_path / "s")
    assert_same_frames(session.frames(), frames)
    assert len(session.parts) == 4
    assert session.problems == ()
    meta = session.metadata
    assert meta["schema"] == "synchrony.session/1"
    assert meta["ended"] == "clean"
    assert meta["frames_recorded"] == len(frames)
    assert meta["video_saved"] is False
    assert meta["consent_confirmed"] is False
    assert set(meta["start_time"]) == {"local", "utc"}
    assert session.markers == [{"time_s": 1.5, "label": "role switch"}]
    assert session.episodes() is None
    assert session.roles == {"A": "therapist", "B": "client"}
    assert session.regions == HALVES
    # the parts open as one dataset elsewhere (pyarrow / pandas)
    table = ds.dataset(tmp_path / "s" / "landmarks", format="parquet").to_table()
    assert table.num_rows == 2 * len(frames)


def test_metadata_is_saved_while_recording(tmp_path: Path) -> None:
    frames = coupled_frames(3.0)
    write_session(tmp_path / "s", frames, close=False)
    meta = json.loads((tmp_path / "s" / "session.json").read_text())
    assert meta["ended"] == "recording"
    session = open_session(tmp_path / "s")
    assert session.ended == "recording"
    assert len(session.frames()) == len(frames)  # every complete part is readable


def test_recording_is_never_overwritten(tmp_path: Path) -> None:
    write_session(tmp_path / "s", coupled_frames(1.0))
    with pytest.raises(ValueError, match="never overwritten"):
        write_session(tmp_path / "s", coupled_frames(1.0))


def test_half_written_last_part_is_skipped_with_a_warning(tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture
                                                         ) -> None:
    frames = coupled_frames(4.0)
    write_session(tmp_path / "s", frames)
    last = sorted((tmp_path / "s" / "landmarks").glob("part-*.parquet"))[-1]
    last.write_bytes(last.read_bytes()[: last.stat().st_size // 2])
    (tmp_path / "s" / "landmarks" / ".part-000004.parquet.tmp").write_bytes(b"PAR1 partial")
    with caplog.at_level(logging.WARNING, logger="synchrony"):
        session = open_session(tmp_path / "s")
    assert [r.levelno for r in caplog.records] == [logging.WARNING]
    assert "part-000003" in caplog.records[0].getMessage()
    assert_same_frames(session.frames(), frames[:30])
    assert len(session.problems) == 1


# --------------------------------------------------------------------------- bad sessions


def _break(path: Path, how: str) -> None:
    path.mkdir()
    if how == "empty":
        return
    if how == "no session.json":
        (path / "notes.txt").write_text("hello")
        return
    write_session(path / "ok", coupled_frames(1.0))
    for item in (path / "ok").iterdir():
        item.rename(path / item.name)
    (path / "ok").rmdir()
    meta = path / "session.json"
    if how == "truncated session.json":
        meta.write_text(meta.read_text()[:100])
    elif how == "future schema":
        meta.write_text(meta.read_text().replace("synchrony.session/1", "synchrony.session/2"))
    elif how == "no parts":
        for part in (path / "landmarks").iterdir():
            part.unlink()


@pytest.mark.parametrize(("how", "message"), [
    ("empty", "not a synchrony session: an empty directory"),
    ("no session.json", "no session.json"),
    ("truncated session.json", "damaged"),
    ("future schema", "synchrony.session/2"),
    ("no parts", "no landmark data"),
])
def test_bad_session_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                        how: str, message: str) -> None:
    _break(tmp_path / "s", how)
    code = main(["analyze", str(tmp_path / "s"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1, err
    assert err.startswith("synchrony analyze: error:")
    assert message in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- disk full


def test_disk_full_stops_cleanly_and_keeps_what_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = session_module.write_parquet_atomic
    calls = {"n": 0}

    def fill_up(table: pa.Table, path: Path, **kwargs: int | None) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(table, path, **kwargs)

    monkeypatch.setattr(session_module, "write_parquet_atomic", fill_up)
    frames = coupled_frames(4.0)
    writer = SessionWriter(tmp_path / "s", source={}, fps=10.0, clock=StepClock(0.1 + 1e-9))
    with pytest.raises(DiskFullError, match="disk full"), writer:  # noqa: PT012
        for frame in frames:
            writer.write(frame)
    session = open_session(tmp_path / "s")
    assert session.ended == "disk full"
    assert session.metadata["frames_recorded"] == 20
    assert_same_frames(session.frames(), frames[:20])


# --------------------------------------------------------------------------- analyze


def test_analyze_session_dir_uses_the_landmarks(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    write_session(tmp_path / "s", coupled_frames(30.0, lag_s=0.5), frames_per_part=50)
    code = main(["analyze", str(tmp_path / "s"), "--out", str(tmp_path / "out"),
                 "--signals", "body", "--surrogates", "19", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["source"]["kind"] == "session"
    assert summary["source"]["n_frames"] == 300
    assert summary["people"]["A"]["role"] == "therapist"
    assert summary["signals"]["body"]["mean_abs_peak_r"] > 0.9
    for name in ("episodes.csv", "episodes.json"):
        assert (tmp_path / "out" / name).is_file()
        assert (tmp_path / "s" / name).is_file()
    report = open_session(tmp_path / "s").episodes()
    assert report is not None
    assert set(report.timelines) == {"body"}
    names = {p.name for p in (tmp_path / "out").iterdir()}
    assert {"landmarks.csv", "motion_mea_20hz.txt", "session.eaf"} <= names


# --------------------------------------------------------------------------- recorder


class FakeTracker:
    """Returns prepared tracked frames for the frames' indices (no MediaPipe)."""

    def __init__(self, frames: Sequence[TrackedFrame]) -> None:
        self.frames = frames

    def track(self, frame: Frame) -> TrackedFrame:
        return self.frames[frame.index]

    def close(self) -> None:
        pass


def _recorder(tmp_path: Path, n_frames: int, part_interval_s: float = 1.0
              ) -> tuple[LiveRunner, SessionRecorder, list[TrackedFrame]]:
    """``record``'s library path: a runner over in-memory frames, the recorder required."""
    frames = coupled_frames(n_frames / 10.0)
    images = [np.full((SIZE_PX[1], SIZE_PX[0], 3), 10 * (k % 20), np.uint8)
              for k in range(n_frames)]
    source = ArraySource(images, [f.timestamp_s for f in frames], fps=10.0)
    writer = SessionWriter(tmp_path / "s", source={}, fps=10.0, video_saved=True,
                           part_interval_s=part_interval_s, clock=StepClock(0.05 + 1e-9))
    recorder = SessionRecorder(writer, save_video=True, fps_hint=10.0)
    runner = LiveRunner(source, lambda regions: FakeTracker(frames))
    runner.add_output(recorder, required=True)
    return runner, recorder, frames


def test_recorder_saves_every_captured_frame_and_counts_drops(tmp_path: Path) -> None:
    runner, recorder, frames = _recorder(tmp_path, 60)
    assert runner.run() == "clean"
    assert recorder.closed
    session = open_session(tmp_path / "s")
    meta = session.metadata
    assert meta["ended"] == "clean"
    assert meta["frames_captured"] == 60
    assert meta["frames_recorded"] + meta["frames_dropped_by_tracker"] == 60
    recorded = session.frames()
    assert [f.index for f in recorded] == sorted({f.index for f in recorded})
    assert_same_frames(recorded, [frames[f.index] for f in recorded])  # a file: not rebased
    assert meta["video_frames_written"] == 60
    assert probe_video(tmp_path / "s" / VIDEO_FILE).n_frames == 60


def test_recorder_stops_on_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(table: pa.Table, path: Path, **kwargs: int | None) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session_module, "write_parquet_atomic", full)
    runner, recorder, _ = _recorder(tmp_path, 40, part_interval_s=0.0)
    assert runner.run() == "disk full"
    assert isinstance(runner.failure, DiskFullError)
    assert recorder.writer.closed
    meta = json.loads((tmp_path / "s" / "session.json").read_text())
    assert meta["ended"] == "disk full"
    assert meta["frames_recorded"] == 0


def test_analyze_session_applies_the_recorded_calibration(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from synchrony.calibration.profile import CalibrationProfile, PersonCalibration

    profile = CalibrationProfile(
        people={p: PersonCalibration(region=r, role=role, body_scale=0.3)
                for p, r, role in (("A", HALVES[0], "therapist"), ("B", HALVES[1], "client"))},
        camera={"frame_size_px": list(SIZE_PX)})
    write_session(tmp_path / "s", coupled_frames(10.0), calibration=profile.to_dict(),
                  source={"kind": "test", "width_px": SIZE_PX[0], "height_px": SIZE_PX[1]})
    code = main(["analyze", str(tmp_path / "s"), "--out", str(tmp_path / "out"),
                 "--signals", "body", "--surrogates", "0", "--no-progress"])
    assert code == 0, capsys.readouterr().err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["people"]["B"]["role"] == "client"
