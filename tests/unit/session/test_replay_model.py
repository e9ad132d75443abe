"""The Qt-free replay model: positions and times, pictures, timelines, markers, video seeking.

Sessions are built from synthetic tracked frames (no MediaPipe): B follows A by 0.5 s.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from synchrony.render.frames import BACKGROUND_RGB
from synchrony.render.style import PERSON_RGB
from synchrony.session.replay import ReplayModel, VideoFrames
from synchrony.session.store import VIDEO_FILE, open_session
from tests.fixtures.sessions import SIZE_PX, coupled_frames, grey_of, write_session, write_video


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> ReplayModel:
    """30 s at 10 fps, landmarks only."""
    path = tmp_path_factory.mktemp("plain") / "s"
    write_session(path, coupled_frames(30.0))
    return ReplayModel(open_session(path))


@pytest.fixture(scope="module")
def with_video(tmp_path_factory: pytest.TempPathFactory) -> ReplayModel:
    """12 s at 10 fps of video; the tracker kept every other frame."""
    path = tmp_path_factory.mktemp("video") / "s"
    frames = coupled_frames(12.0)
    write_session(path, frames[::2], video_saved=True)
    write_video(path, frames)
    return ReplayModel(open_session(path))


def test_time_and_position_convert_both_ways(plain: ReplayModel) -> None:
    assert plain.n_frames == 300
    assert plain.fps == pytest.approx(10.0)
    assert plain.duration_s == pytest.approx(29.9)
    for k in (0, 1, 123, 299):
        assert plain.index_at(plain.time_at(k)) == k
    assert plain.index_at(12.04) == 120
    assert plain.index_at(12.06) == 121
    assert plain.index_at(-5.0) == 0
    assert plain.index_at(1e6) == 299
    assert plain.time_at(10_000) == plain.duration_s


def test_picture_without_video_is_skeletons_on_grey(plain: ReplayModel) -> None:
    image = plain.image(50)
    assert image.shape == (SIZE_PX[1], SIZE_PX[0], 3)
    assert image.dtype == np.uint8
    assert tuple(image[SIZE_PX[1] // 2, SIZE_PX[0] // 2]) == BACKGROUND_RGB
    colours = {tuple(int(c) for c in px) for px in image.reshape(-1, 3)}
    assert PERSON_RGB["A"] in colours
    assert PERSON_RGB["B"] in colours


def test_timeline_and_episodes_per_signal(plain: ReplayModel) -> None:
    body = plain.timeline("body")
    assert body is not None
    assert np.isfinite(body.chance_level).sum() > 10
    assert np.isfinite(body.strength).sum() > 10
    episodes = plain.episodes("body")
    assert episodes
    assert all(e.signal == "body" for e in episodes)
    assert [e.start_s for e in episodes] == sorted(e.start_s for e in episodes)
    motion = plain.timeline("motion")
    assert motion is not None
    assert not np.array_equal(motion.strength, body.strength, equal_nan=True)
    words = plain.describe("body", 15.0)
    assert words.startswith("body: strength ")
    assert "chance" in words
    k = body.window_at(15.0)
    assert k is not None
    assert ("not above chance" in words) == (body.state[k] == "not_in_sync")
    assert (" follows " in words) == (body.state[k] == "in_sync")  # a leader only in sync
    states = {str(s) for s in body.state}
    assert "in_sync" in states
    for state in states:
        i = int(np.flatnonzero(body.state == state)[0])
        said = plain.describe("body", float(body.window_start_s[i] + body.window_end_s[i]) / 2)
        assert (" follows " in said) == (state == "in_sync"), (state, said)
    with pytest.raises(ValueError, match="signal must be one of"):
        plain.timeline("voice")


def test_describe_says_when_nothing_was_computed(tmp_path: Path) -> None:
    write_session(tmp_path / "short", coupled_frames(2.0))
    model = ReplayModel(open_session(tmp_path / "short"))
    assert model.timeline("body") is None
    assert model.note("body")
    assert model.describe("body", 1.0).startswith("body: ")
    assert model.episodes("body") == []


def test_markers_are_saved_into_the_session_at_once(tmp_path: Path) -> None:
    writer = write_session(tmp_path / "s", coupled_frames(6.0))
    writer.add_marker(1.0, "start")
    model = ReplayModel(open_session(tmp_path / "s"))
    assert model.markers == [{"time_s": 1.0, "label": "start"}]
    model.add_marker(4.5, "look here")
    model.add_marker(2.0)
    reopened = open_session(tmp_path / "s")
    assert reopened.markers == [{"time_s": 1.0, "label": "start"},
                                {"time_s": 2.0, "label": "marker 3"},
                                {"time_s": 4.5, "label": "look here"}]
    metadata = json.loads((tmp_path / "s" / "session.json").read_text())
    assert metadata["participants"]["A"]["role"] == "therapist"  # the rest is kept
    assert metadata["ended"] == "clean"
    assert not list((tmp_path / "s").glob(".*.tmp"))


def test_video_positions_are_the_video_frames(with_video: ReplayModel) -> None:
    assert with_video.video is not None
    assert with_video.n_frames == 120
    np.testing.assert_allclose(with_video.times_s, np.arange(120) / 10.0, atol=1e-3)
    assert with_video.size_px == SIZE_PX
    # the tracker kept even frames: odd positions show the previous tracked frame
    tracked = with_video.tracked_at(7)
    assert tracked is not None
    assert tracked.index == 6


@pytest.mark.parametrize("order", [[0, 1, 2, 3], [100, 5, 60, 61, 62, 119, 0, 30]])
def test_video_frames_decode_right_in_any_order(with_video: ReplayModel,
                                                order: list[int]) -> None:
    path = with_video.session.path / VIDEO_FILE
    reader = VideoFrames(path, cache_size=4)
    try:
        for k in order:
            image = reader.get(k)
            assert image is not None
            assert abs(int(image[10, 10, 0]) - grey_of(k)) <= 3, k
    finally:
        reader.close()


def test_picture_with_video_is_the_video_frame(with_video: ReplayModel) -> None:
    image = with_video.image(33)
    assert abs(int(image[2, SIZE_PX[0] // 2, 0]) - grey_of(33)) <= 3
