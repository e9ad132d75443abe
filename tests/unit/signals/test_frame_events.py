"""Whole-frame events become missing samples: repeats, lighting steps, camera bumps.

Synthetic tracked frames (``tests.fixtures.tracked``): the truth is the same run without
the event, so every check compares against a known answer.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest

import synchrony.signals.extract as extract
from synchrony.live.features import LiveFeatures
from synchrony.records import PersonObservation, TrackedFrame
from synchrony.signals.extract import extract_signals
from synchrony.signals.frame_events import (
    FrameEvent,
    MissingFrames,
    event_counts,
    find_frame_events,
    landmark_duplicates,
    missing_frames,
    report_frame_events,
)
from tests.fixtures.tracked import dyad_frames

FPS = 20.0


def repeat_every(frames: list[TrackedFrame], every: int) -> tuple[list[TrackedFrame], list[int]]:
    """A frame-rate conversion: every ``every``-th frame shows the picture before it again.

    The repeated frame keeps its own time; a tracker gives it the same landmarks and no
    motion energy (the picture did not change). Returns the frames and the repeats' indices.
    """
    out, repeats = list(frames), []
    for k in range(every // 2, len(frames), every):
        prev = out[k - 1]
        people = tuple(replace(p, motion_fraction=0.0) for p in prev.people)
        out[k] = replace(prev, timestamp_s=frames[k].timestamp_s, index=frames[k].index,
                         people=(people[0], people[1]))
        repeats.append(k)
    return out, repeats


def lag0_r(a: np.ndarray, b: np.ndarray) -> float:
    ok = np.isfinite(a) & np.isfinite(b)
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


@pytest.fixture(scope="module")
def independent() -> list[TrackedFrame]:
    """Two independent people; motion energy follows each one's frame-to-frame movement."""
    frames = dyad_frames(duration_s=60.0, fps=FPS, coupling=0.0, lag_s=0.0, seed=4)
    out = [frames[0]]
    for prev, frame in zip(frames, frames[1:], strict=False):
        people = tuple(replace(p, motion_fraction=float(
            20 * abs(p.pose_xy_norm[0, 0] - q.pose_xy_norm[0, 0])))
            for p, q in zip(frame.people, prev.people, strict=True))
        out.append(replace(frame, people=(people[0], people[1])))
    return out


def test_landmark_repeats_are_found(independent: list[TrackedFrame]) -> None:
    frames, repeats = repeat_every(independent[:100], 20)
    assert list(np.flatnonzero(landmark_duplicates(frames))) == repeats
    events = find_frame_events(frames)
    assert [(e.frame_index, e.event) for e in events] == [(k, "duplicate") for k in repeats]
    assert events[0].time_s == frames[repeats[0]].timestamp_s


def test_nobody_in_view_is_not_a_repeat(independent: list[TrackedFrame]) -> None:
    empty = (PersonObservation(), PersonObservation())
    frames = [replace(f, people=empty) for f in independent[:5]]
    assert not landmark_duplicates(frames).any()
    one = [replace(f, people=(independent[0].people[0], PersonObservation()))
           for f in independent[:3]]  # A repeated, B missing in both: a repeat
    assert list(landmark_duplicates(one)) == [False, True, True]


def test_flag_from_the_images_wins(independent: list[TrackedFrame]) -> None:
    frames = list(independent[:10])
    frames[4] = replace(frames[4], frame_event="lighting")
    assert [(e.frame_index, e.event) for e in find_frame_events(frames)] == [(4, "lighting")]


def test_missing_rule_repeat_and_the_frame_after(independent: list[TrackedFrame]) -> None:
    frames = list(independent[:8])
    events = [FrameEvent(2, 0.1, "duplicate"), FrameEvent(5, 0.25, "lighting"),
              FrameEvent(7, 0.35, "duplicate")]
    assert list(np.flatnonzero(missing_frames(frames, events))) == [2, 3, 5, 7]
    live = MissingFrames()
    flags = {e.frame_index: e.event for e in events}
    assert [live.missing(replace(f, frame_event=flags.get(f.index))) for f in frames] == [
        False, False, True, True, False, True, False, True]


def test_repeats_add_lag0_synchrony_unless_handled(
        independent: list[TrackedFrame], monkeypatch: pytest.MonkeyPatch) -> None:
    """Repeated tracker output: both people stop together once a second."""
    clean = extract_signals(independent, grid_hz=FPS)
    frames, repeats = repeat_every(independent, 20)
    handled = extract_signals(frames, grid_hz=FPS)
    assert len(handled.frame_events) == len(repeats)
    monkeypatch.setattr(extract, "find_frame_events", lambda frames: [])
    ignored = extract_signals(frames, grid_hz=FPS)
    r = {name: [lag0_r(*s.pair(name)) for s in (clean, handled, ignored)]
         for name in ("body", "head", "motion")}
    for name, (r_clean, r_handled, _) in r.items():
        assert abs(r_handled - r_clean) < 0.05, (name, r)
    # motion energy (not low-pass filtered) drops to 0 for both: a lag-0 correlation that
    # nobody produced; positions are low-pass filtered (3 Hz) before they are
    # differentiated, so a one-frame stall barely moves body and head
    assert r["motion"][2] > r["motion"][0] + 0.05, r
    # handled signals follow the clean ones, apart from interpolation across the repeats
    a_clean, a_handled = clean.values["A_body"], handled.values["A_body"]
    ok = np.isfinite(a_clean) & np.isfinite(a_handled)
    assert ok.mean() > 0.95
    assert np.corrcoef(a_clean[ok], a_handled[ok])[0, 1] > 0.95


def test_lighting_step_is_not_movement(independent: list[TrackedFrame]) -> None:
    frames = list(independent[:200])
    k = 100
    flash = tuple(replace(p, motion_fraction=0.9) for p in frames[k].people)
    frames[k] = replace(frames[k], people=(flash[0], flash[1]), frame_event="lighting")
    motion = extract_signals(frames, grid_hz=FPS).values["A_motion"]
    assert np.isfinite(motion[k])
    assert motion[k] < 0.2  # interpolated from the neighbours, not the flash


def test_camera_bump_is_cut_not_interpolated(independent: list[TrackedFrame]) -> None:
    """From frame 100 on the camera points elsewhere: every landmark moved by 0.05."""
    def shifted(p: PersonObservation) -> PersonObservation:
        return replace(p, pose_xy_norm=p.pose_xy_norm + np.float32(0.05))

    frames = [f if f.index < 100 else replace(f, people=(shifted(f.people[0]),
                                                        shifted(f.people[1])))
              for f in independent[:200]]
    unflagged = extract_signals(frames, grid_hz=FPS).values["A_body"]
    frames[100] = replace(frames[100], frame_event="camera_bump")
    body = extract_signals(frames, grid_hz=FPS).values["A_body"]
    typical = np.nanmedian(body)
    assert np.nanmax(unflagged[95:106]) > 4 * typical  # the jump reads as movement
    assert np.isnan(body[100])
    assert np.nanmax(body[90:110]) < 2 * typical


def test_report_counts_and_one_log_line(caplog: pytest.LogCaptureFixture) -> None:
    events = [FrameEvent(3, 0.15, "duplicate"), FrameEvent(9, 0.45, "camera_bump")]
    assert event_counts(events) == {"duplicate": 1, "lighting": 0, "camera_bump": 1}
    with caplog.at_level(logging.INFO, logger="synchrony.signals.frame_events"):
        counts, rows = report_frame_events(events, n_frames=100)
        report_frame_events(events * 10, n_frames=100)
        report_frame_events([], n_frames=100)
    assert counts == event_counts(events)
    assert rows == [(3, 0.15, "duplicate"), (9, 0.45, "camera_bump")]
    assert [r.levelno for r in caplog.records] == [logging.INFO, logging.WARNING]
    assert "1 duplicate, 1 camera bump" in caplog.records[0].getMessage()


def test_live_features_drop_event_frames(independent: list[TrackedFrame]) -> None:
    features = LiveFeatures(grid_hz=FPS, n_warm=10, history_n=50)
    rows = [features.frame(f) for f in independent[:3]]
    assert all(np.isfinite(r).any() for r in rows)
    assert np.isnan(features.frame(replace(independent[3], frame_event="duplicate"))).all()
    assert np.isnan(features.frame(independent[4])).all()  # spans two frame intervals
    assert np.isfinite(features.frame(independent[5])).any()
