"""``analyze`` benchmark: whole-command wall time against bare MediaPipe inference.

    python bench/analyze.py [--clip sample_videos/demo_dyad_a_leads_0.5s.mp4] [--model-dir DIR]

Baseline (measured in the same run, on the same clip): the frames decoded into memory
first, then for every frame pose + face on each person's half of the frame, one task call
after another in one thread -- the least any two-person analysis has to do. The product
run is the full ``synchrony analyze`` (decoding, parallel tracking, signals, WCC, peak
picking, 200 surrogates per signal, tables and plots). Ratio < 1 means the whole command
costs less than bare sequential inference. The baseline holds every decoded frame: on the
bundled 90 s clip (2,250 frames of 640x480) the run peaks at about 2.7 GB; ``--clip`` takes
a shorter clip.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from synchrony.capture.bundles import find_model
from synchrony.capture.sources import VideoFileSource
from synchrony.cli import main as cli_main

REPO = Path(__file__).resolve().parents[1]


def bare_inference_s(clip: Path, pose_model: Path, face_model: Path) -> tuple[float, int]:
    """Seconds for sequential pose + face on both halves of every (pre-decoded) frame."""
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    with VideoFileSource(clip) as src:
        frames = []
        while (frame := src.read()) is not None:
            frames.append(frame)
    video = vision.RunningMode.VIDEO
    poses = [vision.PoseLandmarker.create_from_options(vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(pose_model)), running_mode=video,
        num_poses=1)) for _ in range(2)]
    faces = [vision.FaceLandmarker.create_from_options(vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(face_model)), running_mode=video,
        num_faces=1, output_face_blendshapes=True, output_facial_transformation_matrixes=True))
        for _ in range(2)]
    try:
        t0 = time.perf_counter()
        for frame in frames:
            ms = int(round(frame.timestamp_s * 1000))
            w = frame.image_rgb.shape[1]
            for i, (x0, x1) in enumerate(((0, w // 2), (w // 2, w))):
                image = mp.Image(image_format=mp.ImageFormat.SRGB,
                                 data=np.ascontiguousarray(frame.image_rgb[:, x0:x1]))
                poses[i].detect_for_video(image, ms)
                faces[i].detect_for_video(image, ms)
        return time.perf_counter() - t0, len(frames)
    finally:
        for task in poses + faces:
            task.close()


def analyze_s(clip: Path, model_dir: Path | None) -> float:
    """Wall time of the whole ``synchrony analyze`` command."""
    with tempfile.TemporaryDirectory() as tmp:
        argv = ["analyze", str(clip), "--out", str(Path(tmp) / "out"), "--no-progress"]
        if model_dir:
            argv += ["--model-dir", str(model_dir)]
        t0 = time.perf_counter()
        code = cli_main(argv)
        elapsed = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"analyze failed with exit status {code}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path,
                        default=REPO / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4")
    parser.add_argument("--model-dir", type=Path,
                        default=Path(os.environ["SYNCHRONY_MODEL_DIR"])
                        if os.environ.get("SYNCHRONY_MODEL_DIR") else None)
    args = parser.parse_args()
    pose = find_model("pose", model_dir=args.model_dir)
    face = find_model("face", model_dir=args.model_dir)
    bare, n = bare_inference_s(args.clip, pose, face)
    full = analyze_s(args.clip, args.model_dir)
    print(f"clip: {args.clip.name}, {n} frames")
    print(f"bare sequential inference (4 task calls per frame): {bare:7.2f} s "
          f"({1000 * bare / n:5.1f} ms/frame)")
    print(f"synchrony analyze, whole command:                   {full:7.2f} s "
          f"({1000 * full / n:5.1f} ms/frame)")
    print(f"ratio analyze / bare inference: {full / bare:.2f} = {bare / full:.2f}x faster"
          "  (target: >= 1.5x faster, ratio <= 0.67)")


if __name__ == "__main__":
    main()
