"""Frame sources: container timing, colour order, pacing, looping, errors, dispatch.

Test videos are written into ``tmp_path`` by ``tests.fixtures.video_files``; live sources are
exercised with scripted stand-ins for ``cv2.VideoCapture`` and a stream connection, a local
http server, and addresses where nothing listens (this machine has no camera).
"""

from __future__ import annotations

import functools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import cv2
import numpy as np
import pytest

from synchrony.capture import sources
from synchrony.capture.sources import (
    ArraySource,
    CameraSource,
    FrameSource,
    StreamSource,
    VideoFileSource,
    open_source,
    probe_video,
)
from synchrony.errors import InputError
from synchrony.records import Frame
from tests.fixtures import video_files as vf
from tests.shared import shared_path

TIME_TOL_S = 0.001
FPS = 30.0


def read_all(source: FrameSource, limit: int = 1000) -> list[Frame]:
    """Every frame until ``read()`` returns None (at most ``limit``)."""
    frames: list[Frame] = []
    while len(frames) < limit and (frame := source.read()) is not None:
        frames.append(frame)
    return frames


def timestamps(frames: list[Frame]) -> np.ndarray:
    return np.array([f.timestamp_s for f in frames])


# --------------------------------------------------------------------------- files


def test_cfr_file_frames_times_and_hints(tmp_path: Path) -> None:
    path = vf.write_cfr_video(tmp_path, n_frames=15, fps=FPS)
    with VideoFileSource(path) as source:
        assert isinstance(source, FrameSource)
        frames = read_all(source)
        assert source.read() is None  # stays at the end
        assert (source.n_frames_hint, source.size_px) == (15, vf.FRAME_SIZE_PX)
        assert source.fps_hint == pytest.approx(FPS)
        assert source.duration_s_hint == pytest.approx(15 / FPS, abs=TIME_TOL_S)
        assert not source.is_live
        assert not source.ended_early
        assert source.n_timestamp_fixups == 0
    assert len(frames) == 15
    np.testing.assert_allclose(timestamps(frames), np.arange(15) / FPS, atol=TIME_TOL_S)
    assert [f.index for f in frames] == list(range(15))
    assert [vf.index_from_image(f.image_rgb) for f in frames] == list(range(15))
    image = frames[0].image_rgb
    assert image.shape == (48, 64, 3)
    assert image.dtype == np.uint8
    assert image.flags.c_contiguous


def test_vfr_file_keeps_container_times(tmp_path: Path) -> None:
    path = vf.write_vfr_video(tmp_path)
    with VideoFileSource(path) as source:
        frames = read_all(source)
    expected_s = np.array(vf.VFR_TIMESTAMPS_MS) / 1000
    np.testing.assert_allclose(timestamps(frames), expected_s, atol=TIME_TOL_S)
    assert [vf.index_from_image(f.image_rgb) for f in frames] == list(range(len(expected_s)))


def test_repeated_and_reordered_pts_are_nudged_forward(tmp_path: Path) -> None:
    path = vf.write_repeated_pts_video(tmp_path)  # pts 0, 33, 33, 100, 66, 133 ms
    with VideoFileSource(path) as source:
        frames = read_all(source)
        n_fixups = source.n_timestamp_fixups
    nudge = sources.TIMESTAMP_NUDGE_S
    expected_s = [0.0, 0.033, 0.033 + nudge, 0.100, 0.100 + nudge, 0.133]
    np.testing.assert_allclose(timestamps(frames), expected_s, atol=1e-7)
    assert np.all(np.diff(timestamps(frames)) > 0)
    assert n_fixups == 2


def test_rgb_channel_order(tmp_path: Path) -> None:
    path = vf.write_cfr_video(tmp_path, n_frames=3, rgb=(255, 0, 0))
    with VideoFileSource(path) as source:
        frame = source.read()
    assert frame is not None
    red, green, blue = frame.image_rgb[-vf.BOTTOM_STRIP_PX :].reshape(-1, 3).mean(axis=0)
    assert red > 200
    assert green < 50
    assert blue < 50


def test_display_rotation_is_applied(tmp_path: Path) -> None:
    path = vf.write_cfr_video(tmp_path, n_frames=3, rotation_deg=90)  # counterclockwise
    with VideoFileSource(path) as source:
        frames = read_all(source)
        assert source.size_px == (48, 64)
    assert frames[0].image_rgb.flags.c_contiguous
    upright = [np.rot90(f.image_rgb, k=-1) for f in frames]  # undo: the code reads again
    assert [vf.index_from_image(image) for image in upright] == [0, 1, 2]


def test_realtime_paces_like_a_camera(tmp_path: Path) -> None:
    path = vf.write_cfr_video(tmp_path, n_frames=15, fps=FPS)  # last frame at 0.467 s
    with VideoFileSource(path, realtime=True) as source:
        start = time.perf_counter()
        lateness_s = []
        while (frame := source.read()) is not None:
            lateness_s.append(time.perf_counter() - start - frame.timestamp_s)
        elapsed_s = time.perf_counter() - start
    assert len(lateness_s) == 15
    assert min(lateness_s) >= -0.002  # never early
    assert 14 / FPS - 0.01 <= elapsed_s < 14 / FPS + 0.25


def test_loop_restarts_with_increasing_times(tmp_path: Path) -> None:
    path = vf.write_cfr_video(tmp_path, n_frames=5, fps=FPS)
    with VideoFileSource(path, loop=True) as source:
        frames = [source.read() for _ in range(12)]
    assert all(f is not None for f in frames)
    got = [f for f in frames if f is not None]
    np.testing.assert_allclose(timestamps(got), np.arange(12) / FPS, atol=TIME_TOL_S)
    assert [f.index for f in got] == list(range(12))
    assert [vf.index_from_image(f.image_rgb) for f in got] == [k % 5 for k in range(12)]


ERROR_FILES: dict[str, tuple[Callable[[Path], Path], str]] = {
    "missing": (lambda d: d / "nope.mp4", "no such file"),
    "directory": (lambda d: d, "is a directory"),
    "text": (vf.write_text_as_mp4, "cannot read"),
    "empty": (vf.write_empty_file, "cannot read"),
    "audio only": (vf.write_audio_only_file, "no video stream"),
    # the default mp4 layout keeps its index (moov) at the end: half a file cannot open
    "truncated": (
        lambda d: vf.write_truncated_copy(vf.write_cfr_video(d, n_frames=30), d),
        "truncated",
    ),
}


@pytest.mark.parametrize("case", ERROR_FILES)
def test_bad_files_raise_one_line_input_error(tmp_path: Path, case: str) -> None:
    make, expected = ERROR_FILES[case]
    path = make(tmp_path)
    start = time.perf_counter()
    with pytest.raises(InputError) as info:
        VideoFileSource(path)
    assert time.perf_counter() - start < 2.0
    message = str(info.value)
    assert expected in message
    assert str(path) in message
    assert "\n" not in message


def test_truncated_file_with_index_first_ends_cleanly(tmp_path: Path) -> None:
    whole = vf.write_cfr_video(tmp_path, n_frames=60, faststart=True)
    cut = vf.write_truncated_copy(whole, tmp_path, fraction=0.6)
    with VideoFileSource(cut) as source:
        frames = read_all(source)
        assert source.read() is None
        assert source.ended_early
    assert 0 < len(frames) < 60
    assert np.all(np.diff(timestamps(frames)) > 0)
    assert [vf.index_from_image(f.image_rgb) for f in frames] == list(range(len(frames)))


def test_truncated_before_the_first_frame_raises(tmp_path: Path) -> None:
    whole = vf.write_cfr_video(tmp_path, n_frames=60, faststart=True)
    cut = vf.write_truncated_copy(whole, tmp_path, fraction=0.25)
    with pytest.raises(InputError, match="truncated_cfr.mp4"):
        VideoFileSource(cut)


def test_probe_video_reads_header_or_counts(tmp_path: Path) -> None:
    info = probe_video(vf.write_cfr_video(tmp_path, n_frames=15, fps=FPS))
    assert (info.n_frames, info.width, info.height) == (15, 64, 48)
    assert info.fps == pytest.approx(FPS)
    assert info.duration_s == pytest.approx(0.5, abs=TIME_TOL_S)
    assert info.codec in {"h264", "mpeg4"}
    counted = probe_video(vf.write_repeated_pts_video(tmp_path))  # mkv: no frame count
    assert counted.n_frames == len(vf.REPEATED_PTS_MS)
    with pytest.raises(InputError, match="no such file"):
        probe_video(tmp_path / "missing.mp4")


SHARED_CLIPS = [
    ("videos", "man_then_no_face_hevc.mov"),
    ("videos", "man_upper_body_smile.mp4"),
    ("videos", "tears_of_steel_excerpt.mp4"),
    ("videos", "woman_face_expressions_pexels.mp4"),
    ("videos", "woman_thumbs_up_upper_body.mp4"),
    ("derived", "dyad_synthetic_pd_lag0.5s_c0.8.mp4"),
    ("derived", "real_motion_mirror_lag0.5s.mp4"),
]


@pytest.mark.parametrize(("folder", "name"), SHARED_CLIPS)
def test_reads_shared_sample_clips(folder: str, name: str) -> None:
    path = shared_path("sample_media", folder, name)
    with VideoFileSource(path) as source:
        frames = [source.read() for _ in range(30)]
        size_px = source.size_px
    got = [f for f in frames if f is not None]
    assert len(got) == 30
    assert got[0].timestamp_s == 0.0
    assert np.all(np.diff(timestamps(got)) > 0)
    assert all(f.size_px == size_px for f in got)


# --------------------------------------------------------------------------- live sources


class FakeCapture:
    """Scripted stand-in for ``cv2.VideoCapture``: yields BGR images or failed grabs."""

    def __init__(
        self,
        grabs: list[np.ndarray | None],
        *,
        opened: bool = True,
        positions_ms: list[float] | None = None,
    ) -> None:
        self.grabs = list(grabs)
        self.opened = opened
        self.positions_ms = list(positions_ms or [])
        self.position_ms = 0.0
        self.props: dict[int, float] = {}
        self.args: tuple[object, ...] = ()

    def __call__(self, *args: object) -> FakeCapture:  # used as the class: VideoCapture(...)
        self.args = args
        return self

    def isOpened(self) -> bool:  # noqa: N802 - OpenCV's name
        return self.opened

    def read(self) -> tuple[bool, np.ndarray | None]:
        image = self.grabs.pop(0) if self.grabs else None
        if self.positions_ms:
            self.position_ms = self.positions_ms.pop(0)
        return image is not None, image

    def get(self, prop: int) -> float:
        if prop == cv2.CAP_PROP_POS_MSEC:
            return self.position_ms
        return self.props.get(prop, 0.0)

    def set(self, prop: int, value: float) -> bool:
        self.props[prop] = value
        return True

    def release(self) -> None:
        self.opened = False


def bgr(blue: int, green: int, red: int) -> np.ndarray:
    return np.tile(np.array([blue, green, red], np.uint8), (4, 6, 1))


class StepClock:
    """A clock that advances ``step_s`` at every reading."""

    def __init__(self, start_s: float = 100.0, step_s: float = 0.04) -> None:
        self.now_s = start_s - step_s
        self.step_s = step_s

    def __call__(self) -> float:
        self.now_s += self.step_s
        return self.now_s


def test_camera_converts_bgr_counts_failures_and_reopens(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeCapture([bgr(0, 0, 255), None, None, bgr(255, 0, 0)])
    monkeypatch.setattr(sources.cv2, "VideoCapture", fake)
    camera = CameraSource(3, width=640, height=480, fps=30, clock=StepClock(step_s=0.04))
    assert fake.args == (3,)
    assert fake.props[cv2.CAP_PROP_FRAME_WIDTH] == 640
    assert (camera.is_live, camera.description, camera.n_frames_hint) == (True, "camera 3", None)
    first = camera.read()
    assert first is not None
    assert first.timestamp_s == 0.0
    assert tuple(first.image_rgb[0, 0]) == (255, 0, 0)  # red stays red
    assert camera.read() is None
    assert camera.read() is None
    assert camera.n_consecutive_failures == 2
    second = camera.read()
    assert second is not None
    assert second.index == 1
    assert second.timestamp_s == pytest.approx(0.04)  # arrival clock, not a frame count
    assert camera.n_consecutive_failures == 0
    fake.opened = False
    with pytest.raises(InputError, match="camera 3 could not be opened"):
        camera.reopen()
    assert camera.read() is None
    camera.close()


class FakeDecoder:
    """Scripted stand-in for a stream connection (``streams._open_decoder``)."""

    fps_hint = size_px = None
    waiting_for_keyframe = False

    def __init__(self, pictures: list[tuple[np.ndarray, float | None]]) -> None:
        self.pictures = list(pictures)

    def next_picture(self, poll_s: float) -> tuple[np.ndarray, float | None] | None:
        return self.pictures.pop(0) if self.pictures else None

    def close(self) -> None:
        pass


def test_stream_falls_back_to_arrival_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    red = bgr(0, 0, 255)[..., ::-1]
    fake = FakeDecoder([(red, t_s) for t_s in (0.0, 0.04, 0.04, 0.04)])  # stuck after frame 1
    urls: list[str] = []

    def open_decoder(url: str, *_: object) -> FakeDecoder:
        urls.append(url)
        return fake

    monkeypatch.setattr(sources.streams, "_open_decoder", open_decoder)
    with StreamSource("rtsp://user:secret@cam.local/live", clock=StepClock(step_s=0.1)) as stream:
        assert urls == ["rtsp://user:secret@cam.local/live"]
        assert "secret" not in stream.description
        frames = read_all(stream)
        assert not stream.uses_stream_clock
    # stream clock for frames 0-1 (40 ms apart), then arrival time (100 ms apart)
    np.testing.assert_allclose(timestamps(frames), [0.0, 0.04, 0.14, 0.24], atol=1e-9)


@pytest.fixture
def http_dir(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Serve ``tmp_path`` over http on a free loopback port; yield (dir, base URL)."""

    class QuietHandler(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_http_stream_uses_stream_clock_and_rgb(http_dir: tuple[Path, str]) -> None:
    directory, base_url = http_dir
    vf.write_vfr_video(directory)
    with StreamSource(f"{base_url}/vfr.mp4", open_timeout_s=2, read_timeout_s=2) as stream:
        frames = read_all(stream)
        assert stream.uses_stream_clock
    expected_s = np.array(vf.VFR_TIMESTAMPS_MS) / 1000
    np.testing.assert_allclose(timestamps(frames), expected_s, atol=TIME_TOL_S)
    assert [vf.index_from_image(f.image_rgb) for f in frames] == list(range(len(expected_s)))
    red, _, blue = vf.BACKGROUND_RGB
    strip = frames[0].image_rgb[-vf.BOTTOM_STRIP_PX :].reshape(-1, 3).mean(axis=0)
    np.testing.assert_allclose(strip[[0, 2]], [red, blue], atol=12)


def test_missing_camera_fails_fast() -> None:
    start = time.perf_counter()
    with pytest.raises(InputError, match="^camera 99 could not be opened$"):
        CameraSource(99)
    assert time.perf_counter() - start < 3.0


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize(
    "url",
    ["tcp://127.0.0.1:1", f"udp://127.0.0.1:{free_udp_port()}"],
    ids=["tcp refused", "udp silent"],
)
def test_dead_stream_fails_in_bounded_time(url: str) -> None:
    start = time.perf_counter()
    with pytest.raises(InputError, match="could not be opened"):
        StreamSource(url, open_timeout_s=1.0)
    assert time.perf_counter() - start < 4.0


# --------------------------------------------------------------------------- dispatch, arrays


def test_open_source_dispatch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(sources.cv2, "VideoCapture", lambda *args: FakeCapture([]))
    monkeypatch.setattr(sources.streams, "_open_decoder", lambda *args: FakeDecoder([]))
    for spec in (0, "2", " 1 "):
        with open_source(spec) as source:
            assert isinstance(source, CameraSource)
    with open_source("udp://127.0.0.1:5000") as source:
        assert isinstance(source, StreamSource)
    path = vf.write_cfr_video(tmp_path, n_frames=3)
    for file_spec in (path, str(path)):
        with open_source(file_spec, loop=True) as source:
            assert isinstance(source, VideoFileSource)
            assert source.loop
    with pytest.raises(InputError, match="no such file"):
        open_source("session_42.mp4")


def test_array_source_delivers_given_times() -> None:
    images = [vf.frame_image(k) for k in range(3)]
    with ArraySource(images, [0.5, 0.6, 0.9]) as source:
        assert isinstance(source, FrameSource)
        assert source.size_px == vf.FRAME_SIZE_PX
        frames = read_all(source)
    assert timestamps(frames).tolist() == [0.5, 0.6, 0.9]
    assert [f.index for f in frames] == [0, 1, 2]
    default = ArraySource(images)
    assert default.fps_hint == 30.0
    assert timestamps(read_all(default)) == pytest.approx([0, 1 / 30, 2 / 30])


@pytest.mark.parametrize(
    ("frames", "times", "match"),
    [
        ([np.zeros((4, 4), np.uint8)], None, "frames\\[0\\]"),
        ([np.zeros((4, 4, 3), np.float32)], None, "uint8"),
        ([np.zeros((4, 4, 3), np.uint8)] * 2, [0.0], "2 values"),
        ([np.zeros((4, 4, 3), np.uint8)] * 2, [0.1, 0.1], "strictly increasing"),
    ],
)
def test_array_source_rejects_bad_input(
    frames: list[np.ndarray], times: list[float] | None, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        ArraySource(frames, times)
