"""Bad and odd video files for the robustness suite, made at test time (nothing committed).

Every ``make_*`` function takes a directory, writes one file (or directory) into it and returns
the path a researcher would pass to a command. Valid clips are cut from the bundled two-person
sample (``sample_videos/demo_dyad_a_leads_0.5s.mp4``: A on the left, B on the right, 640x480,
25 fps) and re-encoded with PyAV, so MediaPipe finds both people; the damage is done to the
bytes afterwards. Clips are short (about 2 s) to keep MediaPipe's share of the run small.
"""

from __future__ import annotations

import functools
import struct
import wave
from collections.abc import Callable, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
from av.video.stream import VideoStream

from tests.shared import REPO_ROOT

SAMPLE = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
SAMPLE_FPS = 25
CLIP_FRAMES = 50
"""Frames of the standard valid clip (2 s at 25 fps)."""
GOP_FRAMES = 10
"""Keyframe interval of the clips (a damaged packet only spoils frames up to the next one)."""
CORRUPT_FRAMES = (22, 23, 24)
"""Frame indices whose packets :func:`make_corrupt_middle` overwrites (none is a keyframe)."""
UNICODE_NAME = "Sitzung Ü 01 – 渡辺 (Kopie).mp4"
"""A file name with non-ASCII letters, spaces and brackets."""
_TIME_BASE = Fraction(1, 90000)


# --------------------------------------------------------------------------- source frames


@functools.cache
def _sample_frames() -> tuple[np.ndarray, ...]:
    """The first 150 frames of the bundled sample, RGB (480, 640, 3) uint8, decoded once."""
    frames: list[np.ndarray] = []
    with av.open(str(SAMPLE)) as container:
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            if len(frames) == 150:
                break
    return tuple(frames)


def dyad_frames(n_frames: int, size_px: tuple[int, int] | None = None) -> list[np.ndarray]:
    """``n_frames`` consecutive frames of the two-person sample, letterboxed to ``size_px``.

    Parameters
    ----------
    n_frames : how many (at most 150).
    size_px : (width, height) of the returned images; None: the sample's 640x480.
    """
    frames = list(_sample_frames()[:n_frames])
    if size_px is None:
        return frames
    return [_letterbox(image, size_px) for image in frames]


def _letterbox(image: np.ndarray, size_px: tuple[int, int]) -> np.ndarray:
    """``image`` scaled to fit (width, height) ``size_px`` keeping its aspect, on black."""
    width, height = size_px
    scale = min(width / image.shape[1], height / image.shape[0])
    inner_w = max(1, round(image.shape[1] * scale))
    inner_h = max(1, round(image.shape[0] * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
    inner = cv2.resize(image, (inner_w, inner_h), interpolation=interpolation)
    out = np.zeros((height, width, 3), np.uint8)
    y0, x0 = (height - inner_h) // 2, (width - inner_w) // 2
    out[y0:y0 + inner_h, x0:x0 + inner_w] = inner
    return out


def write_clip(path: Path, images: Sequence[np.ndarray], *, fps: float = SAMPLE_FPS,
               timestamps_s: Sequence[float] | None = None, rotation_deg: float = 0.0,
               faststart: bool = False) -> Path:
    """Encode ``images`` with libx264 into ``path`` (the extension picks the container).

    Parameters
    ----------
    path : output file.
    images : RGB uint8 images, all of one size (odd sizes are encoded as yuv444p).
    fps : nominal frame rate in Hz; frame k at ``k / fps`` unless ``timestamps_s`` is given.
    timestamps_s : presentation time of each frame in seconds (variable frame rate).
    rotation_deg : display rotation stored in the container, counterclockwise degrees.
    faststart : mp4: put the index (moov) before the frames.
    """
    height, width = images[0].shape[:2]
    times_s = timestamps_s if timestamps_s is not None else [k / fps for k in range(len(images))]
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), mode="w", options=options) as container:
        stream = container.add_stream("libx264", rate=round(fps))
        assert isinstance(stream, VideoStream)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
        stream.codec_context.time_base = _TIME_BASE
        stream.time_base = _TIME_BASE
        stream.codec_context.gop_size = GOP_FRAMES
        stream.codec_context.options = {"preset": "ultrafast", "bf": "0"}
        if rotation_deg:
            stream.set_display_rotation(rotation_deg)
        for image, t_s in zip(images, times_s, strict=True):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format="rgb24")
            frame.pts = round(t_s / _TIME_BASE)
            frame.time_base = _TIME_BASE
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    return path


def make_clip(directory: Path, name: str = "clip.mp4", n_frames: int = CLIP_FRAMES,
              **options: object) -> Path:
    """The standard valid two-person clip (2 s, 640x480, 25 fps); ``options`` to write_clip."""
    return write_clip(directory / name, dyad_frames(n_frames), **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- mp4 boxes


def mp4_boxes(data: bytes) -> list[tuple[str, int, int]]:
    """Top-level boxes of an mp4 file: (type, start byte, end byte) each."""
    boxes: list[tuple[str, int, int]] = []
    pos = 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes.append((kind.decode("latin-1"), pos, pos + size))
        pos += size
    return boxes


def packet_spans(path: Path) -> list[tuple[int, int]]:
    """(byte position, size) of every video packet of ``path``, in decoding order."""
    with av.open(str(path)) as container:
        return [(int(p.pos), int(p.size)) for p in container.demux(video=0)
                if p.size and p.pos is not None]


# --------------------------------------------------------------------------- bad files


def make_missing(directory: Path) -> Path:
    """A path to a file that does not exist."""
    return directory / "no_such_recording.mp4"


def make_directory(directory: Path) -> Path:
    """A plain (non-session) directory with a video-like name."""
    path = directory / "folder.mp4"
    path.mkdir()
    return path


def make_zero_bytes(directory: Path) -> Path:
    """A zero-byte ``.mp4``."""
    path = directory / "empty.mp4"
    path.write_bytes(b"")
    return path


def make_text(directory: Path) -> Path:
    """A text file named ``.mp4``."""
    path = directory / "notes.mp4"
    path.write_text("session notes, not a video\n" * 50, encoding="utf-8")
    return path


def make_png(directory: Path) -> Path:
    """A still image (PNG) of the two people."""
    path = directory / "still.png"
    cv2.imwrite(str(path), cv2.cvtColor(dyad_frames(1)[0], cv2.COLOR_RGB2BGR))
    return path


def make_wav(directory: Path) -> Path:
    """Audio only: 1 s of 16-bit mono silence as WAV."""
    path = directory / "audio_only.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"\x00\x00" * 16000)
    return path


TRUNCATED_FRACTION = 0.75
"""Share of the bytes :func:`make_truncated` keeps (about 1.4 s of the 2 s clip)."""


def make_truncated(directory: Path) -> Path:
    """An mp4 with its index first (faststart) cut off among its frames, as a copy that died."""
    full = make_clip(directory, "full.mp4", faststart=True)
    data = full.read_bytes()
    full.unlink()
    path = directory / "truncated.mp4"
    path.write_bytes(data[: int(len(data) * TRUNCATED_FRACTION)])
    return path


def make_no_index(directory: Path) -> Path:
    """An mp4 whose index (the ``moov`` box, written last) was never written: cut out."""
    full = make_clip(directory, "full.mp4")
    data = full.read_bytes()
    full.unlink()
    moov = [(start, end) for kind, start, end in mp4_boxes(data) if kind == "moov"]
    assert len(moov) == 1, f"expected one moov box, got {mp4_boxes(data)}"
    start, end = moov[0]
    path = directory / "no_index.mp4"
    path.write_bytes(data[:start] + data[end:])
    return path


def make_corrupt_middle(directory: Path) -> Path:
    """A valid clip whose packets of :data:`CORRUPT_FRAMES` are overwritten with noise."""
    path = make_clip(directory, "corrupt_middle.mp4")
    spans = packet_spans(path)
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(13)
    for index in CORRUPT_FRAMES:
        pos, size = spans[index]
        data[pos:pos + size] = rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    path.write_bytes(bytes(data))
    return path


# --------------------------------------------------------------------------- odd but valid


def make_one_frame(directory: Path) -> Path:
    """A single-frame mp4 of the two people."""
    return make_clip(directory, "one_frame.mp4", n_frames=1)


VFR_STEPS_S = (0.02, 0.04, 0.06, 0.033)
"""Frame intervals (s) of :func:`make_vfr`, repeated: 17 to 50 fps, about 26 fps on average."""
VFR_FRAMES = 64


def vfr_times_s() -> list[float]:
    """Presentation times (s) of the frames of :func:`make_vfr` (0 to 2.415 s)."""
    steps_s = np.resize(VFR_STEPS_S, VFR_FRAMES - 1)
    return [0.0, *(float(t) for t in np.cumsum(steps_s))]


def make_vfr(directory: Path) -> Path:
    """Variable frame rate: 64 frames at the irregular explicit times of :func:`vfr_times_s`."""
    return write_clip(directory / "vfr.mp4", dyad_frames(VFR_FRAMES), fps=30,
                      timestamps_s=vfr_times_s())


def make_rotated(directory: Path) -> Path:
    """Portrait-coded clip (480x640) with a 90° display rotation: upright it is the dyad."""
    images = [np.rot90(image, k=-1) for image in dyad_frames(CLIP_FRAMES)]  # clockwise
    return write_clip(directory / "rotated.mp4", images, rotation_deg=90)


def make_sized(width_px: int, height_px: int, n_frames: int = CLIP_FRAMES,
               name: str | None = None) -> Callable[[Path], Path]:
    """A maker of a clip of the dyad letterboxed to ``width_px`` x ``height_px``."""
    def make(directory: Path) -> Path:
        file_name = name or f"size_{width_px}x{height_px}.mp4"
        return write_clip(directory / file_name, dyad_frames(n_frames, (width_px, height_px)))
    make.__name__ = f"make_{width_px}x{height_px}"
    return make


FAST_FRAMES = 150
"""Frames of :func:`make_120fps` (1.25 s)."""


def make_120fps(directory: Path) -> Path:
    """1.25 s at 120 fps: 150 distinct consecutive frames of the sample, retimed."""
    return write_clip(directory / "fast_120fps.mp4", dyad_frames(FAST_FRAMES), fps=120)


def make_4k(directory: Path) -> Path:
    """3840x2160, 10 frames at 5 fps (1.8 s: long enough to count as someone in view)."""
    return write_clip(directory / "uhd_3840x2160.mp4", dyad_frames(10, (3840, 2160)), fps=5)


def make_unicode_path(directory: Path) -> Path:
    """The standard clip in a folder and file whose names have spaces and non-ASCII text."""
    folder = directory / "Studie Ärger – 面接 2024"
    folder.mkdir()
    return make_clip(folder, UNICODE_NAME)


def make_long_path(directory: Path) -> Path:
    """The standard clip at a path over 255 bytes (nested folders, each name < 255 bytes)."""
    folder = directory
    while len(bytes(folder)) <= 300:
        folder = folder / ("ordner_mit_langem_namen_" + "x" * 40)
    folder.mkdir(parents=True)
    path = make_clip(folder, "aufnahme.mp4")
    assert len(bytes(path)) > 255
    return path


def make_name_too_long(directory: Path) -> Path:
    """A path whose file name alone is over 255 bytes (cannot exist on Linux)."""
    return directory / ("ü" * 140 + ".mp4")  # 280 + 4 bytes in UTF-8
