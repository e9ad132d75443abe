"""Duplicated frames end to end: two independent people, a frame repeated every second.

A frame-rate conversion (24 -> 25, 29.97 -> 30 fps; here 15 -> 16) repeats a frame about
once a second, at the same instant for both people. Rendered clip
(``sample_videos/make_dyad_clip.py``, coupling 0), re-encoded with the repeats, tracked by
MediaPipe once and analysed twice: as the product does (repeats are missing samples) and
with the handling switched off. Truth: the people are independent, so no signal may be
called synchronous; the repeats' own lag-0 artefact is measurable without the handling.

Measured (seed 5): switching the handling off raises the lag-0 correlation of ``motion``
(motion energy drops to exactly 0 for both people on a repeat) from 0.31 to 0.37; ``body``,
``head`` and ``face`` move by 0.03 or less either way (their positions are low-pass
filtered at 3 Hz before they are differentiated, which smooths a one-frame stall away), so
only ``motion`` is asserted.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pyarrow.parquet as pq
import pytest

import synchrony.signals.extract as extract
from synchrony.analysis.methods import AnalysisParameters
from synchrony.batch.analyze import analyze_run
from synchrony.capture.factory import tracker_factory
from synchrony.capture.video import TrackingRun, track_video
from tests.shared import load_generator, model_dir

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

FPS = 15
SIGNALS = ("body", "head", "face", "motion")


@dataclass(frozen=True)
class Clip:
    run: TrackingRun
    repeats: list[int]  # frame indices of the repeated frames in the converted clip


def convert_with_repeats(source: Path, target: Path, every: int) -> list[int]:
    """Re-encode ``source`` with each ``every``-th frame written twice; return their indices."""
    with av.open(str(source)) as container:
        images = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    repeats = []
    with av.open(str(target), "w") as container:
        stream = container.add_stream("libx264", rate=FPS + 1)
        stream.width, stream.height = images[0].shape[1], images[0].shape[0]
        stream.pix_fmt = "yuv420p"
        n_written = 0
        for k, image in enumerate(images):
            for _ in range(2 if k % every == every // 2 else 1):
                container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
                n_written += 1
            if k % every == every // 2:
                repeats.append(n_written - 1)
        container.mux(stream.encode())
    return repeats


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Clip:
    folder = tmp_path_factory.mktemp("repeats")
    source = folder / "independent.mp4"
    load_generator().make_dyad_clip(source, duration_s=20.0, fps=FPS, lag_s=0.0,
                                    coupling=0.0, seed=5, size=(320, 240), crf=0)  # lossless source
    repeats = convert_with_repeats(source, folder / "converted.mp4", every=FPS)
    tracker = tracker_factory(model_dir(), allow_download=False)()
    try:
        run = track_video(folder / "converted.mp4", tracker, progress=False)
    finally:
        tracker.close()
    return Clip(run, repeats)


def analyze(clip: Clip, out: Path) -> tuple[dict, dict[str, float]]:
    """summary.json and the lag-0 correlation of each signal over the session."""
    summary = analyze_run(clip.run, out, params=AnalysisParameters(), signal_names=SIGNALS)
    table = pq.read_table(out / "signals.parquet").to_pandas()
    r0 = {}
    for name in SIGNALS:
        a, b = table[f"A_{name}"].to_numpy(), table[f"B_{name}"].to_numpy()
        ok = np.isfinite(a) & np.isfinite(b)
        r0[name] = float(np.corrcoef(a[ok], b[ok])[0, 1])
    return summary, r0


@pytest.fixture(scope="module")
def handled(clip: Clip, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[dict, dict[str, float], Path]:
    """The product's analysis: summary, lag-0 correlations, output folder."""
    out = tmp_path_factory.mktemp("handled") / "out"
    return (*analyze(clip, out), out)


def test_repeats_are_found_and_reported(clip: Clip, handled: tuple) -> None:
    summary, _, out = handled
    with (out / "frame_events.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    found = [int(r["frame_index"]) for r in rows if r["event"] == "duplicate"]
    assert set(found) <= set(clip.repeats)
    assert len(found) >= len(clip.repeats) - 1
    assert summary["frame_events"] == {"duplicate": len(found), "lighting": 0,
                                       "camera_bump": 0}
    assert json.loads((out / "summary.json").read_text())["frame_events"] == (
        summary["frame_events"])


def test_independent_people_with_repeats_are_not_synchronous(handled: tuple) -> None:
    summary = handled[0]
    for name in SIGNALS:
        block = summary["signals"][name]
        assert block["leader"] == "none", name
        assert block["surrogate"]["p"] >= 0.05, name


def test_without_the_handling_repeats_add_lag0_correlation(
        clip: Clip, handled: tuple, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r0 = handled[1]
    monkeypatch.setattr(extract, "find_frame_events", lambda frames: [])
    summary, ignored = analyze(clip, tmp_path / "ignored")
    assert summary["frame_events"]["duplicate"] == 0
    assert ignored["motion"] > r0["motion"] + 0.04, (ignored, r0)
