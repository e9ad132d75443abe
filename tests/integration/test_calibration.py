"""``synchrony calibrate`` and ``analyze --calibration`` with real MediaPipe on generated clips.

Truths come from ``sample_videos/make_dyad_clip.py``: each person's region (union of the
pixels where they were visible), their placement and the lag.

- Off-centre clip: A (small) at 20 % of the width, B (large) at 60 %. The left/right halves
  cut B through the left shoulder; the calibrated regions do not.
- Still clip: for 3 s nobody moves (baseline); then A moves and B stays frozen (the
  generator cannot hold one person still, so B's part of the frame is frozen here, with
  fresh sensor noise in every frame).
- The off-centre clip has no still stretch at all: a calibration of it must not wipe out
  ``analyze`` (issue 10: its baseline used to mark 98 % of every signal as no movement).
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import av
import numpy as np
import pyarrow.parquet as pq
import pytest

from synchrony.calibration.profile import load_profile
from synchrony.cli import main
from synchrony.records import Region
from tests.shared import load_generator, model_dir, shared_path

pytestmark = [pytest.mark.mediapipe, pytest.mark.slow]

OFF_CENTRE = {"A": {"center_x": 0.2, "scale": 0.28}, "B": {"center_x": 0.6, "scale": 0.44}}
APART = {"A": {"center_x": 0.2, "scale": 0.28}, "B": {"center_x": 0.7, "scale": 0.40}}
FPS = 25.0
STILL_S = 3.0
NOISE_STD = 1.2  # grey levels, as the generator's sensor noise


def run_cli(*args: str) -> None:
    assert main([*args, "--model-dir", str(model_dir())]) == 0


def analyze(video: Path, out: Path, *extra: str) -> dict:
    run_cli("analyze", str(video), "--out", str(out), "--no-progress", *extra)
    return json.loads((out / "summary.json").read_text())


def coverage(proposed: Region, truth: list[float]) -> float:
    """Fraction of the truth region's area inside the proposed region."""
    x0, y0, x1, y1 = truth
    w = min(proposed.x1, x1) - max(proposed.x0, x0)
    h = min(proposed.y1, y1) - max(proposed.y0, y0)
    return max(w, 0.0) * max(h, 0.0) / ((x1 - x0) * (y1 - y0))


def check_regions(profile_path: Path, truth: dict) -> None:
    """Each region holds most of its own person and not the other one's neck."""
    regions = load_profile(profile_path).regions
    layout = truth["layout"]
    for k, (me, other) in enumerate((("A", "B"), ("B", "A"))):
        region = regions[k]
        assert coverage(region, layout[me]["region"]) > 0.85, (me, region)
        assert region.contains(layout[me]["center_x"], layout[me]["neck_y"])
        assert not region.contains(layout[other]["center_x"], layout[other]["neck_y"])


# --------------------------------------------------------------------------- off-centre


@pytest.fixture(scope="module")
def off_centre(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path]:
    """24 s, A leads by 0.5 s (coupling 0.85); calibrated without a baseline."""
    folder = tmp_path_factory.mktemp("off_centre")
    clip = folder / "clip.mp4"
    truth = load_generator().make_dyad_clip(clip, duration_s=24.0, fps=FPS, lag_s=0.5,
                                            coupling=0.85, seed=5, layout=OFF_CENTRE)
    profile = folder / "profile.json"
    run_cli("calibrate", str(clip), "--out", str(profile), "--baseline-s", "0",
            "--role-a", "therapist", "--role-b", "client")
    return clip, truth, profile


def test_proposed_regions_hold_the_right_people(off_centre: tuple[Path, dict, Path]) -> None:
    _, truth, profile_path = off_centre
    check_regions(profile_path, truth)
    profile = load_profile(profile_path)
    a, b = profile.regions
    assert a.x1 <= b.x0  # no overlap, A on the left
    assert a.x0 < 0.5 < b.x1  # the halves' border runs through B: the split is elsewhere
    assert b.x0 < 0.4
    # body scale: B's shoulders are much wider than A's (truth scales 0.44 vs 0.28)
    scale = {p: profile.people[p].body_scale for p in "AB"}
    assert scale["A"] is not None
    assert scale["B"] is not None
    assert 1.5 < scale["B"] / scale["A"] < 3.5
    assert profile.roles == {"A": "therapist", "B": "client"}
    assert profile.camera["measured_fps"] == pytest.approx(FPS, rel=1e-3)
    assert profile.camera["frame_size_px"] == [640, 480]


@pytest.fixture(scope="module")
def calibrated_summary(off_centre: tuple[Path, dict, Path],
                       tmp_path_factory: pytest.TempPathFactory) -> dict:
    clip, _, profile = off_centre
    return analyze(clip, tmp_path_factory.mktemp("calibrated") / "out", "--calibration",
                   str(profile), "--signals", "body,head", "--surrogates", "100")


@pytest.mark.parametrize("signal", ["body", "head"])
def test_calibrated_analysis_recovers_the_lag(calibrated_summary: dict, signal: str) -> None:
    block = calibrated_summary["signals"][signal]
    assert block["leader"] == "A"
    assert block["median_peak_lag_s"] == pytest.approx(0.5, abs=0.1)


def test_summary_records_the_calibration(calibrated_summary: dict,
                                         off_centre: tuple[Path, dict, Path]) -> None:
    profile = load_profile(off_centre[2])
    assert calibrated_summary["parameters"]["calibration"] == profile.to_dict()
    people = calibrated_summary["people"]
    assert people["A"]["role"] == "therapist"
    assert people["B"]["role"] == "client"
    assert people["A"]["region_norm"] == profile.regions[0].as_list()
    assert min(people[p]["detected_fraction"] for p in "AB") > 0.95


def test_halves_correlate_less_than_calibrated_regions(
        calibrated_summary: dict, off_centre: tuple[Path, dict, Path],
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Same clip, default halves: the cut-through B gives weaker coupling for every signal.

    Measured here (seed 5): mean |peak r| body 0.49 (halves) vs 0.57 (calibrated), head
    0.67 vs 0.72; median lag body +0.43 s vs +0.48 s.
    """
    halves = analyze(off_centre[0], tmp_path_factory.mktemp("halves") / "out",
                     "--signals", "body,head", "--surrogates", "100")
    for signal in ("body", "head"):
        cal, half = calibrated_summary["signals"][signal], halves["signals"][signal]
        print(f"{signal}: mean |peak r| halves {half['mean_abs_peak_r']:.3f} vs calibrated "
              f"{cal['mean_abs_peak_r']:.3f}; median lag halves "
              f"{half['median_peak_lag_s']:+.3f} s vs {cal['median_peak_lag_s']:+.3f} s")
        assert cal["mean_abs_peak_r"] > half["mean_abs_peak_r"] + 0.02
        assert abs(cal["median_peak_lag_s"] - 0.5) <= abs(half["median_peak_lag_s"] - 0.5)


def test_one_person_in_view_is_a_clear_error(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    clip = shared_path("sample_media", "videos", "man_upper_body_smile.mp4")  # 2.4 s, 1 man
    code = main(["calibrate", str(clip), "--out", str(tmp_path / "p.json"),
                 "--model-dir", str(model_dir())])
    err = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert code == 2
    assert len(err) == 1
    assert "found 1 person in the 2.4 s of video" in err[0]
    assert not (tmp_path / "p.json").exists()


# --------------------------------------------------------------------------- still person


def _write_still_clip(source: Path, out: Path, seed: int = 0) -> None:
    """3 s of the first frame (nobody moves), then A moves while B's side stays frozen."""
    truth = json.loads(source.with_name(source.stem + ".truth.json").read_text())
    a_right, b_left = truth["layout"]["A"]["region"][2], truth["layout"]["B"]["region"][0]
    assert a_right < b_left
    rng = np.random.default_rng(seed)
    with av.open(str(source)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    height, width = frames[0].shape[:2]
    cut = int(round((a_right + b_left) / 2 * width))
    still = frames[0].astype(np.float32)
    composed = [still] * int(STILL_S * FPS)
    for frame in frames:
        moving = frame.astype(np.float32)
        moving[:, cut:] = still[:, cut:]
        composed.append(moving)
    with av.open(str(out), mode="w") as container:
        stream = container.add_stream("libx264" if "libx264" in av.codecs_available
                                      else "mpeg4", rate=int(FPS))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for image in composed:
            noisy = image + rng.normal(0.0, NOISE_STD, image.shape[:2])[..., None]
            pixels = np.clip(noisy + 0.5, 0, 255).astype(np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(pixels, format="rgb24")))
        container.mux(stream.encode(None))


@pytest.fixture(scope="module")
def still_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, Path, Path]:
    """The still clip, its truth, its profile (3 s baseline) and its analysis folder."""
    folder = tmp_path_factory.mktemp("still")
    source = folder / "source.mp4"
    truth = load_generator().make_dyad_clip(source, duration_s=7.0, fps=FPS, lag_s=0.0,
                                            coupling=0.0, seed=21, layout=APART)
    clip = folder / "still.mp4"
    _write_still_clip(source, clip)
    profile = folder / "profile.json"
    run_cli("calibrate", str(clip), "--out", str(profile), "--baseline-s", str(STILL_S))
    out = folder / "out"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        analyze(clip, out, "--calibration", str(profile), "--surrogates", "20",
                "--window-s", "3", "--step-s", "0.5", "--max-lag-s", "1")
    (folder / "analyze.stderr").write_text(stderr.getvalue())
    return clip, truth, profile, out


def test_still_baseline_gives_small_positive_noise_floors(
        still_case: tuple[Path, dict, Path, Path]) -> None:
    """Floors of still people, far below the levels of the moving people in these clips.

    Moving people (baseline taken while they move, off-centre clip) reach: head 14-21 deg/s,
    face 1.1-1.6 units/s, motion 0.06-0.16, body 0.17-0.39 body widths/s.
    """
    _, truth, profile_path, _ = still_case
    check_regions(profile_path, truth)
    profile = load_profile(profile_path)
    for person in "AB":
        floor = profile.people[person].noise_floor
        print(person, floor)
        assert all(v is not None and v > 0 for v in floor.values()), floor
        assert floor["head"] < 0.5  # deg/s (rotation and translation combined)
        assert floor["face"] < 0.1  # blendshape units/s
        assert floor["motion"] < 1e-4  # fraction of region pixels: none change
    assert profile.people["B"].noise_floor["body"] < 0.15  # body widths/s
    # A's shoulder landmarks drift ~10 px on a frozen frame (see calibration.baseline):
    # measured 0.40-0.53 body widths/s, as high as A's own synthetic sway
    assert profile.people["A"].noise_floor["body"] < 1.0
    assert profile.baseline["duration_s"] == pytest.approx(STILL_S, abs=0.05)
    assert profile.baseline["warnings"] == []
    # found by the still-stretch search: the frozen first seconds, usable for both
    assert profile.baseline["chosen"] == "stillest"
    assert profile.baseline["start_s"] <= 0.5
    assert profile.baseline["usable"] == {"A": True, "B": True}
    assert set(profile.noise_floor()) == {"A", "B"}


def test_still_person_is_marked_as_no_movement(
        still_case: tuple[Path, dict, Path, Path]) -> None:
    _, _, _, out = still_case
    signals = pq.read_table(out / "signals.parquet").to_pandas()
    after = signals[signals["time_s"] > STILL_S + 1.0]  # A moves, B is frozen
    for name in ("body", "head", "face", "motion"):
        print(name, f"marked as no movement: B {100 * after[f'B_{name}'].isna().mean():.0f} %,"
              f" A {100 * after[f'A_{name}'].isna().mean():.0f} %")
        assert after[f"B_{name}"].isna().mean() > 0.9, name
    for name in ("head", "face"):
        assert after[f"A_{name}"].notna().mean() > 0.9, name
    summary = json.loads((out / "summary.json").read_text())
    for name, block in summary["signals"].items():
        assert block["leader"] == "none", name
        assert block["mean_abs_peak_r"] is None, name  # no window had enough of B


def test_still_floor_marking_most_of_a_signal_is_reported(
        still_case: tuple[Path, dict, Path, Path]) -> None:
    """A real floor (still baseline) marks frozen B: summary value and a stderr warning."""
    _, _, _, out = still_case
    summary = json.loads((out / "summary.json").read_text())
    for name, block in summary["signals"].items():
        fraction = block["no_movement_fraction"]
        print(name, fraction)
        assert fraction["B"] > 0.5, name
    assert summary["signals"]["head"]["no_movement_fraction"]["A"] < 0.5  # A moves
    stderr = (out.parent / "analyze.stderr").read_text()
    assert "warning: the calibration noise floor marks most of person B's signals" in stderr
    assert any("B's head stayed below the calibration noise floor" in w
               for w in summary["warnings"])


# --------------------------------------------------------------------------- no still stretch


def test_baseline_named_while_people_move_is_flagged(
        off_centre: tuple[Path, dict, Path], tmp_path: Path) -> None:
    """``--baseline 0:5`` on the moving clip: both flagged, the same as the rule on reading."""
    clip = off_centre[0]
    profile_path = tmp_path / "named.json"
    run_cli("calibrate", str(clip), "--out", str(profile_path), "--baseline", "0:5")
    profile = load_profile(profile_path)
    block = profile.baseline
    print(block["usable"], block["unusable_reason"])
    assert block["chosen"] == "named"
    assert block["start_s"] == pytest.approx(0.0, abs=0.05)
    assert block["end_s"] == pytest.approx(5.0, abs=0.05)
    assert block["usable"] == {"A": False, "B": False}
    assert profile.noise_floor() == {}
    # a profile written before the flag existed: the same floors are refused on reading
    doc = profile.to_dict()
    for key in ("usable", "unusable_reason"):
        del doc["baseline"][key]
    legacy = tmp_path / "legacy.json"
    legacy.write_text(json.dumps(doc))
    assert set(load_profile(legacy).unusable_baselines()) == {"A", "B"}
    assert load_profile(legacy).noise_floor() == {}


def test_calibration_without_still_stretch_no_longer_wipes_out_analyze(
        off_centre: tuple[Path, dict, Path], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    """Done-when of issue 10: calibrate finds no still stretch, analyze keeps its synchrony."""
    clip = off_centre[0]
    profile_path = tmp_path / "profile.json"
    run_cli("calibrate", str(clip), "--out", str(profile_path), "--baseline-search-s", "12")
    err = capsys.readouterr().err
    assert "warning: the baselines are not used as noise floors: no 3 s in which both " \
        "people sat still" in err
    assert "--baseline START:END" in err
    profile = load_profile(profile_path)
    assert profile.baseline["usable"] == {"A": False, "B": False}
    assert profile.people["B"].body_scale is not None  # the rest is still useful
    summary = analyze(clip, tmp_path / "out", "--calibration", str(profile_path),
                      "--signals", "body,head", "--surrogates", "20")
    err = capsys.readouterr().err
    assert "no noise floor applied for person A" in err
    assert "no noise floor applied for person B" in err
    for name in ("body", "head"):
        block = summary["signals"][name]
        assert block["no_movement_fraction"] == {"A": 0.0, "B": 0.0}
        assert block["n_windows"] > 0
        assert block["mean_abs_peak_r"] is not None
        rows = (tmp_path / "out" / f"wcc_{name}.csv").read_text().splitlines()
        assert len(rows) > 10
