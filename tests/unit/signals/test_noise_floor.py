"""How much of a signal a calibration noise floor marks as "no movement", and who says so.

Synthetic frames (``tests.fixtures.tracked.dyad_frames``): both people move all the time, so
a floor above their movement marks everything and a floor at tracker-jitter level nothing.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from synchrony.analysis.pair import AnalysisParameters
from synchrony.batch.analyze import analyze_run
from synchrony.capture.video import TrackingRun
from synchrony.signals.extract import (
    MOSTLY_NO_MOVEMENT,
    extract_signals,
    mark_no_movement,
    no_movement_fraction,
)
from tests.fixtures.tracked import dyad_frames


def test_fraction_counts_the_known_samples_only() -> None:
    x = np.array([np.nan] * 40 + [0.01] * 40 + [1.0] * 20)  # not seen, still, moving
    marked = mark_no_movement(x, floor=0.1, grid_hz=20.0)
    assert no_movement_fraction(x, marked) == pytest.approx(40 / 60)
    assert no_movement_fraction(x, x) == 0.0
    nothing = np.full(10, np.nan)
    assert no_movement_fraction(nothing, nothing) == 0.0


def test_signal_set_reports_per_person_and_signal() -> None:
    frames = dyad_frames(duration_s=20, missing_b=(0.0, 8.0))
    high = extract_signals(frames, grid_hz=20.0, noise_floor={"B": {"body": 1e9}})
    # B was seen for 12 of 20 s: all of what was seen is marked, not 60 % of the grid
    assert high.no_movement_fraction["B_body"] == pytest.approx(1.0)
    assert high.no_movement("body") == {"A": 0.0, "B": pytest.approx(1.0)}
    assert high.no_movement("head") == {"A": 0.0, "B": 0.0}  # no floor: 0.0
    assert high.mostly_no_movement() == {"B": {"body": pytest.approx(1.0)}}


def test_a_jitter_level_floor_marks_little_of_a_moving_person() -> None:
    frames = dyad_frames(duration_s=20)
    plain = extract_signals(frames, grid_hz=20.0)
    jitter = float(np.nanpercentile(plain.values["A_head"], 2))  # well below the movement
    floored = extract_signals(frames, grid_hz=20.0, noise_floor={"A": {"head": jitter}})
    assert 0.0 <= floored.no_movement("head")["A"] < 0.1
    assert floored.mostly_no_movement() == {}


@pytest.fixture(scope="module")
def run() -> TrackingRun:
    frames = dyad_frames(duration_s=30, lag_s=0.4)
    return TrackingRun(frames, {"path": "synthetic", "fps": 25.0, "n_frames": len(frames),
                                "duration_s": 30.0})


def test_analyze_reports_a_floor_that_marks_most_of_a_signal(
        run: TrackingRun, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="synchrony.batch.analyze"):
        summary = analyze_run(run, tmp_path / "out", params=AnalysisParameters(n_surrogates=0),
                              signal_names=["body", "head"],
                              noise_floor={"B": {"body": 1e9, "head": 1e-9}})
    body, head = summary["signals"]["body"], summary["signals"]["head"]
    assert body["no_movement_fraction"]["A"] == 0.0
    assert body["no_movement_fraction"]["B"] > MOSTLY_NO_MOVEMENT
    assert head["no_movement_fraction"] == {"A": 0.0, "B": 0.0}  # floor below everything
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(logged) == 1, logged
    assert "marks most of person B's signals as no movement (body 100 %)" in logged[0]
    assert "--baseline START:END" in logged[0]
    assert any("B's body stayed below the calibration noise floor" in w
               for w in summary["warnings"])


def test_analyze_without_calibration_says_nothing_was_marked(
        run: TrackingRun, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="synchrony.batch.analyze"):
        summary = analyze_run(run, tmp_path / "out", params=AnalysisParameters(n_surrogates=0),
                              signal_names=["body"])
    assert summary["signals"]["body"]["no_movement_fraction"] == {"A": 0.0, "B": 0.0}
    assert not [r for r in caplog.records if "noise floor" in r.getMessage()]
