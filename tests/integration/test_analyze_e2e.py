"""``synchrony analyze`` end to end: real MediaPipe on generated and real clips.

Truths: the bundled demo's parameters (``sample_videos/demo_dyad_a_leads_0.5s.truth.json``:
B follows A by 0.5 s, 90 s at 25 fps) and the shared clip real_motion_mirror_lag0.5s.mp4
(B = A mirrored and 0.5 s later). B leading and independent rendered people are tested in
``test_rendered_dyads.py`` and ``test_frame_events_e2e.py``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from synchrony.capture.samples import sample_clip
from synchrony.cli import main
from tests.shared import model_dir, shared_path

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

METHODS = ("wcc", "wavelet", "recurrence", "phase")
SIGNALS = ("body", "head", "face", "motion")


def analyze(video: Path, out: Path, *extra: str) -> dict:
    code = main(["analyze", str(video), "--out", str(out), "--model-dir", str(model_dir()),
                 "--no-progress", *extra])
    assert code == 0
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict, Path]]:
    folder = tmp_path_factory.mktemp("demo") / "out"
    summary = analyze(sample_clip(), folder, "--methods", ",".join(METHODS))
    return {"a_leads_0.5": (summary, folder)}


@pytest.mark.parametrize("signal", ["body", "head"])
@pytest.mark.parametrize(("clip", "leader", "lag_s"), [("a_leads_0.5", "A", 0.5)])
def test_leader_and_lag_recovered(results: dict, clip: str, leader: str, lag_s: float,
                                  signal: str) -> None:
    block = results[clip][0]["signals"][signal]
    assert block["surrogate"]["p"] < 0.05
    assert block["leader"] == leader
    assert block["median_peak_lag_s"] == pytest.approx(lag_s, abs=0.1)


@pytest.mark.parametrize("signal", SIGNALS)
def test_every_method_names_b_the_follower_on_the_demo(results: dict, signal: str) -> None:
    """The demo (B follows A by 0.5 s throughout): all four methods agree, above chance."""
    methods = results["a_leads_0.5"][0]["signals"][signal]["methods"]
    assert set(methods) == set(METHODS)
    for name, block in methods.items():
        assert block["surrogate"]["p"] < 0.05, name
        assert block["leader"] == "A", name
        assert block["who_leads"].startswith("B follows A"), name
        assert block["lag_s"] == pytest.approx(0.5, abs=0.15), name


def test_the_demo_shows_synchrony_and_no_rupture(results: dict) -> None:
    episodes = pd.read_csv(results["a_leads_0.5"][1] / "episodes.csv")
    assert set(episodes.signal) == set(SIGNALS)
    assert set(episodes.kind) == {"synchrony"}


def test_summary_contract_and_files(results: dict) -> None:
    summary, folder = results["a_leads_0.5"]
    assert summary["schema"] == "synchrony.summary/2"
    assert set(summary["source"]) >= {"path", "fps", "n_frames", "duration_s"}
    assert summary["source"]["n_frames"] == 2250
    assert summary["source"]["fps"] == pytest.approx(25.0, rel=1e-3)
    for person, position in (("A", "left"), ("B", "right")):
        block = summary["people"][person]
        assert block["position"] == position
        assert block["detected_fraction"] > 0.95
        assert "role" in block
    assert set(summary["parameters"]) >= {"window_s", "step_s", "max_lag_s", "grid_hz"}
    assert set(summary["signals"]) == {"body", "head", "face", "motion"}
    for block in summary["signals"].values():
        assert set(block) >= {"mean_abs_peak_r", "median_peak_lag_s", "leader",
                              "lead_fraction", "surrogate"}
        assert set(block["surrogate"]) >= {"method", "n", "z", "p"}
        assert block["surrogate"]["n"] == 200
    names = {p.name for p in folder.iterdir()}
    assert {"summary.json", "signals.csv", "signals.parquet", "landmarks.parquet"} <= names
    for signal in ("body", "head", "face", "motion"):
        assert {f"wcc_{signal}.csv", f"wcc_{signal}.png"} <= names
    signals = pq.read_table(folder / "signals.parquet").to_pandas()
    assert list(signals.columns[:1]) == ["time_s"]
    assert {"A_body", "B_body", "A_head", "B_motion"} <= set(signals.columns)
    landmarks = pq.read_table(folder / "landmarks.parquet")
    assert landmarks.num_rows == 2 * 2250
    assert "pose_left_shoulder_visibility" in landmarks.column_names
    grid_header = (folder / "wcc_body.csv").read_text().splitlines()[0].split(",")
    assert grid_header[0] == "window_start_s"
    lags = [float(x) for x in grid_header[1:]]
    assert lags == sorted(lags)
    assert lags[0] == -2.0


def test_real_head_motion_mirrored_and_delayed(tmp_path: Path) -> None:
    """Real head motion; B is A mirrored and 0.5 s later: head finds +0.5 s (A leads)."""
    clip = shared_path("sample_media", "derived", "real_motion_mirror_lag0.5s.mp4")
    summary = analyze(clip, tmp_path / "out", "--signals", "head", "--surrogates", "100")
    head = summary["signals"]["head"]
    assert head["median_peak_lag_s"] == pytest.approx(0.5, abs=0.1)
    assert head["leader"] == "A"


def test_person_leaves_gives_nan_gaps_not_invented_motion(tmp_path: Path) -> None:
    clip = shared_path("sample_media", "videos", "man_then_no_face_hevc.mov")
    summary = analyze(clip, tmp_path / "out", "--surrogates", "20")
    signals = pq.read_table(tmp_path / "out" / "signals.parquet").to_pandas()
    fractions = [summary["people"][p]["detected_fraction"] for p in ("A", "B")]
    assert min(fractions) < 1.0
    for person in ("A", "B"):
        seen = summary["people"][person]["detected_fraction_pose"]
        body = signals[f"{person}_body"].to_numpy()
        if seen < 0.9:
            assert np.isnan(body).mean() > 0.05  # gaps, not zeros
        assert not np.any(body[np.isfinite(body)] < 0)
