"""The table of signals: a contract every registered signal meets, the registry's rules,
the live packing helpers, and a toy signal registered in one place that shows up in the
analysis output, the live pipeline, the calibration, the dashboard's signal picker and the
command line."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from synchrony.analysis.pair import AnalysisParameters
from synchrony.batch.analyze import analyze_run
from synchrony.calibration.estimate import noise_floor, noise_floors
from synchrony.calibration.profile import profile_from_dict
from synchrony.capture.video import TrackingRun
from synchrony.cli import build_parser, main
from synchrony.commands.analyze import parse_signals
from synchrony.errors import InputError
from synchrony.records import HALVES, PersonObservation, TrackedFrame
from synchrony.signals.extract import (
    extract_signals,
    median_shoulder_width_px,
    person_features,
    resample,
    signals_from_grid,
    uniform_grid,
)
from synchrony.signals.grid import lowpass, speed
from synchrony.signals.registry import (
    FeatureAligner,
    FeatureSpec,
    NoiseFloorRule,
    SignalContext,
    SignalSpec,
    compute_signals,
    extract_features,
    extract_run,
    feature_layout,
    get_signal,
    pack_features,
    register_signal,
    registered_features,
    signal_names,
    signals_from_packed,
    unit_of,
    unpack_features,
    unregister_signal,
)
from tests.fixtures.tracked import SIZE_PX, dyad_frames, person

GRID_HZ = 20.0
BUILTIN = ("body", "head", "face", "motion")


# --------------------------------------------------------------------------- the toy signal
# Its whole definition: one feature, one compute function, one table entry.


def nose_x_px(observation: PersonObservation, size_px: tuple[int, int]) -> np.ndarray:
    """(1,) horizontal nose position in pixels, NaN when the nose is not clearly seen."""
    seen = observation.pose_visibility[0] >= 0.5
    return np.array([observation.pose_xy_norm[0, 0] * size_px[0] if seen else math.nan])


def nose_sway(features: Mapping[str, np.ndarray], context: SignalContext) -> np.ndarray:
    """Horizontal nose speed in body widths/s."""
    x = lowpass(features["nose_x_px"], context.grid_hz, context.cutoff_hz, causal=context.causal)
    return speed(x, context.grid_hz, context.causal) / context.scale_px


TOY = SignalSpec(name="nose_sway", unit="body widths/s", label="nose sways sideways",
                 features=(FeatureSpec("nose_x_px", (1,), nose_x_px),), compute=nose_sway,
                 noise_floor=NoiseFloorRule(minimum=1e-4))


@pytest.fixture
def toy() -> Iterator[SignalSpec]:
    """The toy signal, registered for one test only."""
    register_signal(TOY)
    try:
        yield TOY
    finally:
        unregister_signal(TOY.name)


# --------------------------------------------------------------------------- contract


def _grid_features(frames: list[TrackedFrame], person_index: int = 0
                   ) -> tuple[dict[str, np.ndarray], float]:
    raw = person_features(frames, person_index)
    t = np.array([f.timestamp_s for f in frames])
    grid_t = uniform_grid(t, GRID_HZ)
    return {k: resample(t, v, grid_t) for k, v in raw.items()}, median_shoulder_width_px(raw)


def check_contract(spec: SignalSpec) -> None:
    """What every registered signal must satisfy (units, label, rule, features, compute)."""
    assert spec.unit.strip()
    assert spec.label.strip()
    assert spec.display_unit.strip()
    assert unit_of(spec.name) == spec.unit
    rule = spec.noise_floor
    assert rule.level(np.zeros(50)) == rule.minimum  # a still region is "no movement"
    x = np.linspace(0.0, 1.0, 101)
    assert rule.level(x) == pytest.approx(max(rule.margin * np.percentile(x, rule.percentile),
                                              rule.minimum))
    assert noise_floor(np.full(100, 0.5), spec.name, GRID_HZ) == pytest.approx(
        max(rule.margin * 0.5, rule.minimum))
    # features: declared shape whether the person is seen or not; NaN when not seen
    layout = dict(feature_layout())
    frames = dyad_frames(duration_s=6)
    observations = [f.people[0] for f in frames]
    sizes = np.array([f.size_px for f in frames], dtype=np.float64)
    for feature in spec.features:
        assert layout[feature.name] == feature.shape
        seen = np.asarray(feature.extract(person(0.25, 0.01), SIZE_PX))
        unseen = np.asarray(feature.extract(PersonObservation(), SIZE_PX))
        assert seen.shape == unseen.shape == feature.shape, feature.name
        assert np.isfinite(seen).all(), feature.name
        assert np.isnan(unseen).all(), feature.name
        per_frame = np.stack([np.asarray(feature.extract(o, SIZE_PX)) for o in observations])
        np.testing.assert_array_equal(extract_run(feature, observations, sizes), per_frame)
    # compute: one value per grid sample, NaN exactly where the features are NaN
    grid, scale = _grid_features(frames)
    n = len(next(iter(grid.values())))
    for causal in (False, True):
        context = SignalContext(grid_hz=GRID_HZ, causal=causal, scale_px=scale)
        series = spec.compute(grid, context)
        assert series.shape == (n,), (spec.name, causal)
        assert np.isfinite(series).mean() > 0.9, (spec.name, causal)
        holed = dict(grid)
        for feature in spec.features:
            holed[feature.name] = grid[feature.name].copy()
            holed[feature.name][40:70] = np.nan
        series = spec.compute(holed, context)
        assert series.shape == (n,)
        assert np.isnan(series[40:70]).all(), (spec.name, causal)
        assert np.isfinite(series[75:]).any(), (spec.name, causal)


@pytest.mark.parametrize("name", signal_names())
def test_every_registered_signal_meets_the_contract(name: str) -> None:
    check_contract(get_signal(name))


def test_the_built_in_signals_come_first_in_contract_order() -> None:
    assert signal_names()[:4] == BUILTIN
    assert [name for name, _ in feature_layout()][:7] == [
        "upper_body_px", "upper_body_visibility", "shoulder_width_px", "head_quat", "head_cm",
        "blendshapes", "motion"]
    assert dict(feature_layout())["upper_body_px"] == (7, 2)
    assert get_signal("head").display_unit == "deg/s"


# --------------------------------------------------------------------------- registry rules


def _spec(**changes: object) -> SignalSpec:
    return replace(TOY, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(("changes", "message"), [
    ({"name": "body"}, "'body' is already registered"),
    ({"name": "Nose-Sway"}, "lower case letters, digits and _"),
    ({"name": ""}, "lower case letters"),
    ({"unit": " "}, "needs a unit"),
    ({"label": ""}, "needs a label"),
    ({"features": ()}, "non-empty tuple of FeatureSpec"),
    ({"features": [FeatureSpec("nose_x_px", (1,), nose_x_px)]}, "non-empty tuple"),
    ({"features": (FeatureSpec("motion", (2,), nose_x_px),)},
     "feature 'motion' is already registered with another shape"),
    ({"features": (FeatureSpec("nose_x_px", (0,), nose_x_px),)}, "positive integers"),
    ({"features": (FeatureSpec("nose_x_px", (1,), nose_x_px),) * 2}, "lists a feature twice"),
    ({"compute": None}, "compute must be callable"),
    ({"noise_floor": 1e-4}, "needs a NoiseFloorRule"),
])
def test_bad_or_duplicate_specs_are_refused(changes: dict[str, object], message: str) -> None:
    before = (signal_names(), feature_layout())
    with pytest.raises(ValueError, match=message):
        register_signal(_spec(**changes))
    assert (signal_names(), feature_layout()) == before


def test_bad_rules_and_unknown_names_are_clear_errors() -> None:
    with pytest.raises(ValueError, match="minimum must be a finite number >= 0"):
        NoiseFloorRule(minimum=-1.0)
    with pytest.raises(ValueError, match="percentile must be in"):
        NoiseFloorRule(minimum=0.0, percentile=0.0)
    with pytest.raises(ValueError, match="register_signal needs a SignalSpec"):
        register_signal("nose_sway")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="signal must be one of body, head, face, motion"):
        get_signal("nose_sway")
    with pytest.raises(ValueError, match="'nose_sway' is not registered"):
        unregister_signal("nose_sway")


def test_a_compute_function_of_the_wrong_shape_is_reported() -> None:
    register_signal(_spec(name="broken", compute=lambda features, context: np.zeros(3)))
    try:
        grid, scale = _grid_features(dyad_frames(duration_s=4))
        with pytest.raises(ValueError, match="'broken': compute returned shape"):
            compute_signals(grid, SignalContext(grid_hz=GRID_HZ, scale_px=scale))
    finally:
        unregister_signal("broken")


def test_a_feature_is_shared_by_name_and_leaves_with_its_last_signal(toy: SignalSpec) -> None:
    twin = register_signal(_spec(name="nose_sway_twice"))
    try:
        assert [name for name, _ in feature_layout()].count("nose_x_px") == 1
    finally:
        unregister_signal(twin.name)
    assert "nose_x_px" in dict(feature_layout())
    unregister_signal(toy.name)
    assert "nose_x_px" not in dict(feature_layout())
    register_signal(toy)  # for the fixture's teardown


# --------------------------------------------------------------------------- live packing


def _turning_frames(n_frames: int = 150) -> list[TrackedFrame]:
    """Frames whose heads turn at random (quaternion signs flip) and sometimes vanish."""
    rng = np.random.default_rng(3)
    rotvec = np.cumsum(rng.normal(0, 0.4, (n_frames, 3)), axis=0)
    frames = []
    for k, frame in enumerate(dyad_frames(duration_s=n_frames / 25.0)):
        matrix = np.eye(4, dtype=np.float32)
        matrix[:3, :3] = Rotation.from_rotvec(rotvec[k]).as_matrix()
        a = replace(frame.people[0], head_matrix=matrix)
        if 40 <= k < 50:
            a = PersonObservation()
        frames.append(replace(frame, people=(a, frame.people[1])))
    return frames


def test_packed_rows_give_the_same_features_and_signals_as_batch() -> None:
    frames = _turning_frames()
    batch = person_features(frames, 0)
    aligner = FeatureAligner()
    rows = np.stack([aligner.align(extract_features(f.people[0], f.size_px)) for f in frames])
    assert rows.shape == (len(frames), sum(math.prod(s) for _, s in feature_layout()))
    np.testing.assert_array_equal(rows, pack_features(batch))  # aligned frame by frame
    raw = np.stack([extract_features(f.people[0], f.size_px) for f in frames])
    quat = unpack_features(raw)["head_quat"]
    assert np.nanmin(np.sum(quat[1:] * quat[:-1], axis=1)) < 0  # the test really flips
    for name, values in unpack_features(rows).items():
        np.testing.assert_array_equal(values, batch[name], err_msg=name)
    t = np.array([f.timestamp_s for f in frames])
    grid_t = uniform_grid(t, GRID_HZ)
    grid = {k: resample(t, v, grid_t) for k, v in batch.items()}
    scale = median_shoulder_width_px(batch)
    for causal in (False, True):
        packed = signals_from_packed(resample(t, rows, grid_t),
                                     SignalContext(grid_hz=GRID_HZ, causal=causal,
                                                   scale_px=scale))
        expected = signals_from_grid(grid, grid_hz=GRID_HZ, scale_px=scale, causal=causal)
        assert list(packed) == list(signal_names())
        for name in expected:
            np.testing.assert_array_equal(packed[name], expected[name], err_msg=name)


def test_unpack_checks_the_width() -> None:
    width = sum(f.size for f in registered_features())
    with pytest.raises(ValueError, match=f"packed features must be \\(n, {width}\\)"):
        unpack_features(np.zeros((3, width + 1)))


# --------------------------------------------------------------------------- the toy, everywhere


def test_the_toy_signal_meets_the_contract(toy: SignalSpec) -> None:
    check_contract(toy)
    assert signal_names()[-1] == "nose_sway"
    assert "nose_x_px" in dict(feature_layout())


def test_the_toy_signal_is_in_the_analyze_output(toy: SignalSpec, tmp_path: Path) -> None:
    frames = dyad_frames(duration_s=20, lag_s=0.4)
    run = TrackingRun(frames, {"path": "synthetic", "fps": 25.0, "n_frames": len(frames),
                               "duration_s": 20.0})
    out = tmp_path / "out"
    summary = analyze_run(run, out, params=AnalysisParameters(n_surrogates=0),
                          signal_names=parse_signals("body,nose_sway"))
    on_disk = json.loads((out / "summary.json").read_text())
    assert set(on_disk["signals"]) == {"body", "nose_sway"}
    # B sways like A, 0.4 s later: the toy's numbers went through the whole analysis
    assert summary["signals"]["nose_sway"]["median_peak_lag_s"] == pytest.approx(0.4, abs=0.1)
    with (out / "signals.csv").open(newline="") as f:
        header = next(csv.reader(f))
    assert {"A_nose_sway", "B_nose_sway", "A_body", "B_body"} <= set(header)
    assert (out / "wcc_nose_sway.csv").exists()


def test_the_toy_signal_is_in_the_live_pipeline(toy: SignalSpec) -> None:
    from synchrony.live import LivePipeline

    pipeline = LivePipeline(signal="nose_sway", window_s=5.0, step_s=0.5, max_lag_s=2.0,
                            history_s=30.0, n_surrogate_shifts=0)
    for frame in dyad_frames(duration_s=20, lag_s=0.4):
        pipeline.push(frame)
    state = pipeline.snapshot()
    assert state.parameters.signal == "nose_sway"
    assert state.signal_unit == "body widths/s"
    assert np.isfinite(state.trace_a).mean() > 0.8
    assert np.isfinite(state.trace_b).mean() > 0.8
    rows = [row for row in pipeline.drain_rows() if row.signal == "nose_sway"]
    assert len(rows) > 10
    # B sways like A, 0.4 s later: the live peaks see it too (lag > 0: A leads)
    lags = np.array([row.lag_s for row in rows])
    assert np.nanmedian(lags) == pytest.approx(0.4, abs=0.1)
    assert {row.signal for row in pipeline.drain_rows()} <= set(signal_names())
    with pytest.raises(ValueError, match="nose_sway"):
        pipeline.set_parameters(signal="nose")  # the message lists the toy among the choices


def test_the_toy_signal_is_in_the_calibration(toy: SignalSpec) -> None:
    floors = noise_floors(extract_signals(dyad_frames(duration_s=6), grid_hz=GRID_HZ))
    level = floors["A"]["nose_sway"]
    assert level is not None
    assert level > 0
    doc: dict[str, Any] = {"schema": "synchrony.calibration/1",
           "people": {p: {"region": list(region.as_list()), "role": None, "body_scale": None,
                          "noise_floor": dict.fromkeys(BUILTIN)}
                      for p, region in zip("AB", HALVES, strict=True)},
           "camera": {"frame_size_px": [640, 480]}}
    profile = profile_from_dict(doc)  # made before the toy existed: still valid
    assert profile.people["A"].noise_floor["nose_sway"] is None
    data = profile.to_dict()
    assert "nose_sway" in data["people"]["B"]["noise_floor"]
    assert data["units"]["noise_floor"]["nose_sway"] == "body widths/s"
    del doc["people"]["A"]["noise_floor"]["head"]  # the built-in four stay required
    with pytest.raises(InputError, match="people.A.noise_floor.head is missing"):
        profile_from_dict(doc)


def test_the_toy_signal_is_in_the_dashboard_signal_picker(toy: SignalSpec, qtbot: Any) -> None:
    from synchrony.gui.qt_controls import ControlPanel
    from synchrony.live import LiveParameters

    panel = ControlPanel(LiveParameters(signal="nose_sway"), None)
    qtbot.addWidget(panel)
    assert panel.signal_names() == [*BUILTIN, "nose_sway"]
    assert panel.parameters().signal == "nose_sway"
    assert panel.signal.itemText(4) == "5  nose_sway"
    assert "nose sways sideways" in panel.signal.itemData(4, 3)  # ToolTipRole
    with qtbot.waitSignal(panel.parameters_edited, timeout=1000) as edited:
        panel.set_signal("head")
    assert edited.args[0].signal == "head"
    with pytest.raises(ValueError, match="nose_sway, got 'nose'"):
        panel.set_signal("nose")


def test_the_toy_signal_is_in_the_command_line(toy: SignalSpec,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert parse_signals("nose_sway,body") == ["nose_sway", "body"]
    with pytest.raises(InputError, match="subset of body,head,face,motion,nose_sway"):
        parse_signals("nose")
    parser = build_parser()
    args = parser.parse_args(["analyze", "v.mp4", "--out", "o"])
    assert args.signals == "body,head,face,motion,nose_sway"
    for command in (["replay", "session"], ["export-video", "session", "--out", "x.mp4"],
                    ["monitor"]):
        assert parser.parse_args([*command, "--signal", "nose_sway"]).signal == "nose_sway"
    with pytest.raises(SystemExit):
        main(["analyze", "--help"])
    assert "default body,head,face,motion,nose_sway" in " ".join(capsys.readouterr().out.split())


def test_without_the_toy_the_command_line_refuses_it() -> None:
    with pytest.raises(InputError, match="subset of body,head,face,motion, got 'nose_sway'"):
        parse_signals("nose_sway")
