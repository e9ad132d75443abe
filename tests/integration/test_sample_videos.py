"""Tests for ``sample_videos/make_dyad_clip.py``: the product's own two-person sample clips.

The generator is loaded from its file (it is a script, not a package module). These tests
need only numpy, OpenCV, PyAV, scikit-image and matplotlib (for the photos), not
``../shared``. Sign convention under test: ``lag_s > 0`` means A (left) leads and B (right)
follows, i.e. B's movement at time t resembles A's at t - lag_s.
"""

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import av
import numpy as np
import pytest

from tests.shared import load_generator

pytestmark = pytest.mark.slow  # renders video: about 10 s in all

SCRIPT = Path(__file__).resolve().parents[2] / "sample_videos" / "make_dyad_clip.py"
FPS = 25.0
CLIP_KW = {"duration_s": 4.0, "fps": FPS, "lag_s": 0.5, "coupling": 0.9, "seed": 7}


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    """The generator module, loaded from its file."""
    return load_generator()


@pytest.fixture(scope="module")
def clip(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 4 s default-size clip in which B follows A by 0.5 s; returns (path, truth)."""
    path = tmp_path_factory.mktemp("dyad") / "clip.mp4"
    return path, gen.make_dyad_clip(path, **CLIP_KW)


def _decode(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


def _pooled_xcorr(motion: dict, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson r of B(t + lag) with A(t), averaged over the motion channels.

    Returns lags in frames (ascending) and r; a peak at lag > 0 means A leads.
    """
    lags = np.arange(-max_lag, max_lag + 1)
    per_channel = []
    for channel in motion["A"]:
        a, b = np.asarray(motion["A"][channel]), np.asarray(motion["B"][channel])
        n = len(a)
        r = [np.corrcoef(a[: n - k], b[k:])[0, 1] if k >= 0 else
             np.corrcoef(a[-k:], b[: n + k])[0, 1] for k in lags]
        per_channel.append(r)
    return lags, np.mean(per_channel, axis=0)


def test_clip_decodes_with_expected_frames_and_size(clip: tuple[Path, dict]) -> None:
    path, truth = clip
    frames = _decode(path)
    assert len(frames) == truth["n_frames"] == 100
    assert {f.shape for f in frames} == {(480, 640, 3)}
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert float(stream.average_rate) == pytest.approx(FPS)
        assert stream.codec_context.name in {"h264", "mpeg4"}
    # the people move: consecutive frames differ, and not only by noise
    diff = np.abs(frames[50].astype(int) - frames[40].astype(int))
    assert (diff > 25).mean() > 0.005


def test_truth_json_matches(gen: ModuleType, clip: tuple[Path, dict]) -> None:
    path, truth = clip
    truth_path = path.with_name("clip.truth.json")
    assert gen.truth_path_for(path) == truth_path
    on_disk = json.loads(truth_path.read_text())
    assert on_disk == json.loads(json.dumps(truth))
    assert on_disk["lead"] == "A"
    assert on_disk["lag_s"] == 0.5
    assert on_disk["lag_frames"] == 12.5
    assert on_disk["coupling"] == 0.9
    assert on_disk["seed"] == 7
    assert on_disk["fps"] == FPS
    assert on_disk["n_frames"] == 100
    assert on_disk["size"] == [640, 480]
    assert on_disk["sign_convention"].startswith("lag_s > 0: A (left person) leads")
    for person in ("A", "B"):
        assert set(on_disk["motion"][person]) == {"dx_px", "dy_px", "rot_deg", "scale"}
        assert all(len(v) == 100 for v in on_disk["motion"][person].values())
    region_a, region_b = (on_disk["layout"][p]["region"] for p in ("A", "B"))
    assert on_disk["layout"]["A"]["position"] == "left"
    assert (region_a[0] + region_a[2]) / 2 < 0.5 < (region_b[0] + region_b[2]) / 2
    for x0, y0, x1, y1 in (region_a, region_b):
        assert 0.0 <= x0 < x1 <= 1.0
        assert 0.0 <= y0 < y1 <= 1.0
    # the written motion is the generator's motion, rounded
    motion = gen.dyad_motion(**CLIP_KW)
    for person, channels in motion.items():
        for name, values in channels.items():
            np.testing.assert_allclose(on_disk["motion"][person][name], values, atol=6e-5)


def test_moves_clearly(clip: tuple[Path, dict]) -> None:
    """Sway and tilt are large enough for pose landmarks to move visibly."""
    motion = clip[1]["motion"]
    for person in ("A", "B"):
        assert np.ptp(motion[person]["dx_px"]) > 10.0
        assert np.ptp(motion[person]["rot_deg"]) > 3.0


def test_same_seed_same_truth(gen: ModuleType, tmp_path: Path) -> None:
    kw = {"duration_s": 0.4, "fps": FPS, "lag_s": -0.4, "coupling": 0.7}
    first = gen.make_dyad_clip(tmp_path / "one.mp4", seed=3, **kw)
    second = gen.make_dyad_clip(tmp_path / "two.mp4", seed=3, **kw)
    other = gen.make_dyad_clip(tmp_path / "other.mp4", seed=4, **kw)
    assert first["motion"] == second["motion"]
    assert first["layout"] == second["layout"]
    assert other["motion"] != first["motion"]
    # Same frames. Compared loosely: x264's output is not promised to be bit-exact (at
    # 160x120 its default preset varied from run to run; at 640x480 it did not).
    for a, b in zip(_decode(tmp_path / "one.mp4"), _decode(tmp_path / "two.mp4"), strict=True):
        assert np.abs(a.astype(int) - b.astype(int)).mean() < 0.5


def test_a_motion_does_not_depend_on_lag_or_coupling(gen: ModuleType) -> None:
    one = gen.dyad_motion(duration_s=5.0, lag_s=0.5, coupling=0.9, seed=1)
    two = gen.dyad_motion(duration_s=5.0, lag_s=-1.0, coupling=0.0, seed=1)
    for name, values in one["A"].items():
        np.testing.assert_array_equal(values, two["A"][name])


@pytest.mark.parametrize(("lag_s", "shift"), [(0.48, 12), (-0.4, -10)])
def test_full_coupling_is_an_exact_delay(gen: ModuleType, lag_s: float, shift: int) -> None:
    """coupling = 1: B(frame i) == A(frame i - shift) exactly."""
    motion = gen.dyad_motion(duration_s=10.0, fps=FPS, lag_s=lag_s, coupling=1.0, seed=5)
    k = abs(shift)
    for name, a in motion["A"].items():
        b = motion["B"][name]
        if shift > 0:
            np.testing.assert_allclose(b[k:], a[:-k], atol=1e-9)
        else:
            np.testing.assert_allclose(a[k:], b[:-k], atol=1e-9)


@pytest.mark.parametrize(("lag_s", "lead", "expected_frames"), [(0.5, "A", (12, 13)),
                                                                  (-0.4, "B", (-10,))])
def test_correlation_peaks_at_the_lag(gen: ModuleType, tmp_path: Path, lag_s: float,
                                      lead: str, expected_frames: tuple[int, ...]) -> None:
    truth = gen.make_dyad_clip(tmp_path / "c.mp4", duration_s=0.2, fps=FPS, lag_s=lag_s,
                               coupling=0.9, seed=2, size=(160, 120))
    assert truth["lead"] == lead
    motion = gen.dyad_motion(duration_s=120.0, fps=FPS, lag_s=lag_s, coupling=0.9, seed=2)
    lags, r = _pooled_xcorr(motion, max_lag=50)
    peak = int(lags[np.argmax(r)])
    assert min(abs(peak - e) for e in expected_frames) <= 1
    assert r.max() > 0.75
    assert np.sign(peak) == np.sign(lag_s)


def test_zero_coupling_has_no_strong_peak(gen: ModuleType, tmp_path: Path) -> None:
    truth = gen.make_dyad_clip(tmp_path / "c.mp4", duration_s=0.2, fps=FPS, lag_s=0.5,
                               coupling=0.0, seed=2, size=(160, 120))
    assert truth["lead"] == "none"
    motion = gen.dyad_motion(duration_s=120.0, fps=FPS, lag_s=0.5, coupling=0.0, seed=2)
    _, r = _pooled_xcorr(motion, max_lag=50)
    assert np.abs(r).max() < 0.3


def test_layout_moves_and_sizes_people(gen: ModuleType, tmp_path: Path) -> None:
    layout = {"A": {"center_x": 0.2, "scale": 0.28}, "B": {"center_x": 0.6, "scale": 0.44}}
    truth = gen.make_dyad_clip(tmp_path / "c.mp4", duration_s=0.4, fps=FPS, seed=1,
                               layout=layout)
    people = truth["layout"]
    assert people["A"]["center_x"] == 0.2
    assert people["B"]["scale"] == 0.44
    ra, rb = people["A"]["region"], people["B"]["region"]
    assert abs((ra[0] + ra[2]) / 2 - 0.2) < 0.08
    assert abs((rb[0] + rb[2]) / 2 - 0.6) < 0.08
    assert (rb[2] - rb[0]) > 1.3 * (ra[2] - ra[0])  # B drawn larger
    default = gen.dyad_motion(duration_s=0.4, seed=1)
    # sway in pixels scales with the person's size
    np.testing.assert_allclose(np.asarray(truth["motion"]["B"]["dx_px"]),
                               default["B"]["dx_px"] * 0.44 / gen.DEFAULT_SCALE, atol=6e-5)


def test_cli(gen: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "cli.mp4"
    status = gen.main(["--out", str(out), "--duration-s", "0.4", "--lag-s", "-0.4",
                       "--coupling", "0.8", "--size", "160x120", "--layout-a", "0.3,0.3"])
    assert status == 0
    truth = json.loads(out.with_name("cli.truth.json").read_text())
    assert truth["lead"] == "B"
    assert truth["n_frames"] == 10
    assert truth["layout"]["A"]["center_x"] == 0.3
    assert gen.main(["--out", str(out), "--coupling", "1.5"]) == 2
    assert "coupling" in capsys.readouterr().err


@pytest.mark.parametrize("bad", [{"coupling": -0.1}, {"fps": 0.0}, {"duration_s": 0.0},
                                 {"size": (161, 120)}, {"layout": {"A": {"center_x": 1.2}}},
                                 {"layout": {"A": {"cx": 0.2}}}, {"layout": {"C": {}}},
                                 {"codec": "vp9"}])
def test_bad_parameters_are_rejected(gen: ModuleType, tmp_path: Path, bad: dict) -> None:
    with pytest.raises(ValueError):
        gen.make_dyad_clip(tmp_path / "bad.mp4", **{"duration_s": 0.2, **bad})


def test_mpeg4_fallback_decodes(gen: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "m4.mp4"
    truth = gen.make_dyad_clip(path, duration_s=0.4, fps=FPS, size=(320, 240), codec="mpeg4")
    assert truth["codec"] == "mpeg4"
    assert truth["crf"] is None
    frames = _decode(path)
    assert len(frames) == truth["n_frames"] == 10
    assert frames[0].shape == (240, 320, 3)


def test_import_is_light() -> None:
    """Loading the module must not import scikit-image or matplotlib (photos load lazily)."""
    code = (
        "import importlib.util, sys\n"
        f"spec = importlib.util.spec_from_file_location('m', {str(SCRIPT)!r})\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print(sorted(m for m in ('skimage', 'matplotlib') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


def _slice_motion(motion: dict, lo: int, hi: int) -> dict:
    return {p: {c: v[lo:hi] for c, v in channels.items()} for p, channels in motion.items()}


def test_coupling_schedule_couples_only_its_coupled_stretches(gen: ModuleType) -> None:
    """Coupled 0-60 s, independent 60-120 s, coupled 120-180 s: B follows A by 0.5 s in
    the coupled stretches only, and B's position does not jump at a change."""
    schedule = ((0.0, 0.9), (60.0, 0.0), (120.0, 0.9))
    motion = gen.dyad_motion(duration_s=180.0, fps=FPS, lag_s=0.5, coupling=schedule, seed=2)
    frames = int(60 * FPS)
    for k, coupled in enumerate((True, False, True)):
        part = _slice_motion(motion, k * frames + 50, (k + 1) * frames - 50)
        lags, r = _pooled_xcorr(part, max_lag=30)
        if coupled:
            assert r.max() > 0.7
            assert abs(int(lags[np.argmax(r)]) - 12.5) <= 2  # 0.5 s = 12.5 frames
        else:
            assert np.abs(r).max() < 0.4
    # A constant schedule is the constant coupling, bit for bit
    one = gen.dyad_motion(duration_s=20.0, fps=FPS, lag_s=0.5, coupling=((0.0, 0.9),), seed=2)
    two = gen.dyad_motion(duration_s=20.0, fps=FPS, lag_s=0.5, coupling=0.9, seed=2)
    np.testing.assert_array_equal(one["B"]["dx_px"], two["B"]["dx_px"])
    # No jump: the largest frame-to-frame step of B is no larger at a change than elsewhere
    step = np.abs(np.diff(motion["B"]["dx_px"]))
    near = np.concatenate([step[int(t * FPS) - 25:int(t * FPS) + 25] for t in (60.0, 120.0)])
    assert near.max() <= step.max()
    assert near.max() < 4 * np.percentile(step, 99)


def test_schedule_truth_lists_the_rupture_and_the_repair(gen: ModuleType,
                                                         tmp_path: Path) -> None:
    out = tmp_path / "s.mp4"
    status = gen.main(["--out", str(out), "--duration-s", "6", "--size", "160x120",
                       "--schedule", "0:0.8,2:0,4:0.8"])
    assert status == 0
    truth = json.loads(out.with_name("s.truth.json").read_text())
    assert truth["coupling_schedule"] == [[0.0, 0.8], [2.0, 0.0], [4.0, 0.8]]
    assert [(e["kind"], e["time_s"]) for e in truth["events"]] == [("rupture", 2.0),
                                                                     ("repair", 4.0)]
    assert truth["lead"] == "A"
    plain = gen.make_dyad_clip(tmp_path / "p.mp4", duration_s=0.2, fps=FPS, size=(160, 120))
    assert "events" not in plain
    assert "coupling_schedule" not in plain


@pytest.mark.parametrize("schedule", [((1.0, 0.8),), ((0.0, 0.8), (1.0, 0.0)),
                                      ((0.0, 0.8), (5.0, 1.2)), (), "0:0.8"])
def test_bad_schedule_is_refused(gen: ModuleType, schedule: object) -> None:
    with pytest.raises(ValueError, match="schedule|coupling"):
        gen.dyad_motion(duration_s=10.0, coupling=schedule)


def test_runs_as_a_script_and_loads_by_path(tmp_path: Path) -> None:
    """The generator is three modules: it still runs as a script and loads by path."""
    out = tmp_path / "script.mp4"
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out), "--duration-s",
                           "0.2", "--size", "160x120"], capture_output=True, text=True,
                          check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert out.with_name("script.truth.json").exists()
