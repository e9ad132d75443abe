"""How well the whole-frame event detector finds repeated frames, and what it flags otherwise.

    python bench/frame_events.py [--seconds 12] [--fps 20] [--every 20] [--real DIR]

Renders an independent two-person clip (``sample_videos/make_dyad_clip.py``) at 640 x 480
and 320 x 240, writes each frame once more every ``--every`` frames (a frame-rate
conversion), re-encodes it with OpenCV's ``mp4v`` writer and with libx264 at crf 23 and 28,
decodes it and runs :class:`synchrony.capture.frame_events.FrameEventDetector`. Printed per
encoding: repeats found / inserted, other frames flagged, the largest change of a repeat (grey
levels) and its ratio to the frame before, and the same for ordinary frames. With ``--real``,
every video in that folder (default ``../shared/sample_media``, searched recursively) is run
too: frames flagged per event, and the smallest change / ratio of an ordinary frame. The
numbers quoted in the detector's docstring come from this script.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import av
import cv2
import numpy as np

from synchrony.capture.frame_events import FrameEventDetector
from synchrony.sample_videos.make_dyad_clip import make_dyad_clip

ROOT = Path(__file__).resolve().parents[1]
VIDEO_SUFFIXES = {".mp4", ".mov", ".mkv", ".avi"}


def decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def with_repeats(images: list[np.ndarray], every: int) -> tuple[list[np.ndarray], set[int]]:
    out: list[np.ndarray] = []
    repeats = set()
    for k, image in enumerate(images):
        out.append(image)
        if k % every == every // 2:
            repeats.add(len(out))
            out.append(image)
    return out, repeats


def encode(images: list[np.ndarray], path: Path, codec: str, fps: float) -> None:
    h, w = images[0].shape[:2]
    if codec == "mp4v":
        writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), fps, (w, h))
        for image in images:
            writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        writer.release()
        return
    crf = codec.split("_")[1]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=round(fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.options = {"crf": crf}
        for image in images:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        container.mux(stream.encode())


def measure(images: list[np.ndarray]) -> list[tuple[str | None, float, float]]:
    """Per frame after the first: (event, change in grey levels, ratio to the reference)."""
    detector = FrameEventDetector()
    out = []
    for image in images:
        change = detector.measure(image)
        if change is not None:
            out.append((change.event, change.max_cell_change_grey,
                        change.max_cell_change_grey / change.reference_change_grey))
        else:
            out.append((None, np.nan, np.nan))
    return out


def synthetic(seconds: float, fps: float, every: int, folder: Path) -> None:
    for size in ((640, 480), (320, 240)):
        source = folder / f"clip_{size[0]}.mp4"
        make_dyad_clip(source, duration_s=seconds, fps=fps, lag_s=0.0, coupling=0.0,
                           seed=5, size=size)
        images, repeats = with_repeats(decode(source), every)
        for codec in ("mp4v", "x264_23", "x264_28"):
            path = folder / f"repeats_{size[0]}_{codec}.mp4"
            encode(images, path, codec, fps + fps / every)
            rows = measure(decode(path))
            found = {k for k, (e, _, _) in enumerate(rows) if e == "duplicate"}
            other = {k: e for k, (e, _, _) in enumerate(rows) if e and k not in repeats}
            rep = np.array([rows[k][1:] for k in sorted(repeats) if k < len(rows)])
            ordinary = np.array([r[1:] for k, r in enumerate(rows)
                                 if k not in repeats and np.isfinite(r[1])])
            print(f"{size[0]}x{size[1]} {codec:8s} found {len(found & repeats)}/{len(repeats)}"
                  f", other flags {other or 'none'}; repeats: change <= {np.nanmax(rep[:, 0]):.2f}"
                  f", ratio <= {np.nanmax(rep[:, 1]):.2f}; ordinary: change >= "
                  f"{np.nanmin(ordinary[:, 0]):.2f}, ratio >= {np.nanmin(ordinary[:, 1]):.2f}")


def real(folder: Path) -> None:
    for path in sorted(p for p in folder.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES):
        rows = measure(decode(path)[:1500])
        ordinary = np.array([r[1:] for r in rows if r[0] is None and np.isfinite(r[1])])
        events = Counter(e for e, _, _ in rows if e)
        print(f"{path.name[:40]:40s} {len(rows)} frames, flagged {dict(events) or 'none'}; "
              f"ordinary change >= {np.nanmin(ordinary[:, 0]):.2f}, ratio >= "
              f"{np.nanmin(ordinary[:, 1]):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=12.0)
    parser.add_argument("--fps", type=float, default=20.0)
    parser.add_argument("--every", type=int, default=20)
    parser.add_argument("--real", type=Path, nargs="?", const=ROOT.parent / "shared" /
                        "sample_media", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        synthetic(args.seconds, args.fps, args.every, Path(tmp))
    if args.real is not None:
        real(args.real)


if __name__ == "__main__":
    main()
