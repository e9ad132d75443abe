"""A baseline during which someone moves is flagged and never applied; --baseline START:END.

No MediaPipe: tracked frames are synthetic (``tests.fixtures.tracked.person``) with known
still and moving stretches; the CLI checks run before any model is needed.
"""

from __future__ import annotations

import copy
import logging
from pathlib import Path

import numpy as np
import pytest

from synchrony.calibration.apply import noise_floor_arguments
from synchrony.calibration.baseline import (
    baseline_from_frames,
    baseline_from_stillest,
    stillest_stretch,
)
from synchrony.calibration.estimate import STILL_LIMITS, movement_reason, stillness_score
from synchrony.calibration.profile import (
    CalibrationProfile,
    PersonCalibration,
    load_profile,
    profile_from_dict,
    save_profile,
)
from synchrony.cli import main
from synchrony.commands.calibrate import parse_stretch
from synchrony.errors import InputError
from synchrony.records import HALVES, TrackedFrame
from tests.fixtures.tracked import SIZE_PX, person
from tests.fixtures.video_files import write_cfr_video

FPS = 25.0


def frames(duration_s: float, *, a_still: tuple[float, float] = (0.0, 0.0),
           b_still: tuple[float, float] = (0.0, 0.0), seed: int = 0) -> list[TrackedFrame]:
    """Both people sway their heads (up to 40 deg/s) and change pixels, except while still.

    ``a_still`` / ``b_still`` = (start_s, end_s): the person holds still then (tracker
    jitter of 0.05 deg and 0.0002 of the frame only, no pixel changes).
    """
    rng = np.random.default_rng(seed)
    out = []
    for k in range(int(duration_s * FPS)):
        t = k / FPS
        people = []
        for centre, (s0, s1), phase in ((0.25, a_still, 0.0), (0.75, b_still, 1.0)):
            wave = 0.0 if s0 <= t < s1 else np.sin(2 * np.pi * 0.7 * t + phase)
            people.append(person(centre, 0.03 * wave + rng.normal(0, 0.0002),
                                 rot_deg=8 * wave + rng.normal(0, 0.05),
                                 motion=0.04 * abs(wave)))
        out.append(TrackedFrame(timestamp_s=t, index=k, size_px=SIZE_PX,
                                people=(people[0], people[1]), regions=HALVES))
    return out


def profile_with(baseline_block: dict, floors: dict[str, dict]) -> CalibrationProfile:
    people = {p: PersonCalibration(region=r, noise_floor=floors[p])
              for p, r in zip("AB", HALVES, strict=True)}
    return CalibrationProfile(people=people, camera={"frame_size_px": list(SIZE_PX)},
                              baseline=baseline_block)


# --------------------------------------------------------------------------- the rule


def test_movement_reason_uses_head_and_motion_limits() -> None:
    still = {"body": 0.5, "head": 0.3, "face": 2.0, "motion": 1e-6}  # body, face: not used
    assert movement_reason(still) is None
    assert stillness_score(still) == pytest.approx(0.3 / STILL_LIMITS["head"])
    assert movement_reason({"head": 8.0, "motion": 0.005}) is None  # at the limits: still
    reason = movement_reason({"head": 14.2, "motion": 0.001})
    assert reason is not None
    assert reason.startswith("moved during the baseline (head noise floor 14.2 deg/s")
    reason = movement_reason({"head": 0.3, "motion": 0.02})
    assert reason is not None
    assert "motion noise floor 0.02" in reason
    assert "head" not in reason
    # only motion measured (face not seen): judged by motion alone
    assert movement_reason({"head": None, "motion": 1e-6}) is None
    unchecked = movement_reason({"body": 0.1, "head": None, "motion": None})
    assert unchecked is not None
    assert "could not be checked" in unchecked
    assert stillness_score({"head": None, "motion": None}) == np.inf


def test_baseline_while_a_person_moves_is_flagged_and_not_applied(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    base = baseline_from_frames(frames(4.0, b_still=(0.0, 4.0)))
    assert base.usable == {"A": False, "B": True}
    assert base.noise_floor["A"]["head"] > STILL_LIMITS["head"]  # measured, kept
    assert base.noise_floor["B"]["head"] < 1.0
    block = base.as_dict()
    assert block["usable"] == {"A": False, "B": True}
    assert block["unusable_reason"]["B"] is None
    assert block["unusable_reason"]["A"].startswith("moved during the baseline")
    profile = profile_with(block, base.noise_floor)
    again = load_profile(save_profile(profile, tmp_path / "p.json"))
    assert again.people["A"].noise_floor["head"] == pytest.approx(
        base.noise_floor["A"]["head"])  # stored for reference
    assert set(again.unusable_baselines()) == {"A"}
    with caplog.at_level(logging.WARNING, logger="synchrony.calibration.apply"):
        applied = noise_floor_arguments(again)
    assert set(applied) == {"B"}  # A gets no floor at all
    assert applied["B"]["head"] == pytest.approx(base.noise_floor["B"]["head"])
    warned = [r.getMessage() for r in caplog.records]
    assert len(warned) == 1
    assert "no noise floor applied for person A" in warned[0]
    assert "moved during the baseline (head noise floor" in warned[0]


def test_still_baseline_is_applied_for_both() -> None:
    base = baseline_from_frames(frames(4.0, a_still=(0.0, 4.0), b_still=(0.0, 4.0)))
    assert base.usable == {"A": True, "B": True}
    assert base.warnings == []
    profile = profile_with(base.as_dict(), base.noise_floor)
    assert profile.unusable_baselines() == {}
    assert set(profile.noise_floor()) == {"A", "B"}
    assert profile.noise_floor()["A"]["motion"] == pytest.approx(1e-6)  # rule's minimum


def test_profile_without_the_flag_is_checked_when_read() -> None:
    """A profile written before ``usable`` existed, with floors of a moving person."""
    moving = {"body": 0.3, "head": 14.0, "face": 1.2, "motion": 0.06}
    still = {"body": 0.02, "head": 0.2, "face": 0.02, "motion": 1e-6}
    profile = profile_with({"duration_s": 3.0}, {"A": moving, "B": still})
    reasons = profile.unusable_baselines()
    assert set(reasons) == {"A"}
    assert "made without this check" in reasons["A"]
    assert profile.noise_floor() == {"B": still}
    # a profile without any baseline has nothing to check
    empty = profile_with({}, {"A": dict.fromkeys(moving), "B": dict.fromkeys(moving)})
    assert empty.unusable_baselines() == {}


@pytest.mark.parametrize(("usable", "reason", "message"), [
    ({"A": "yes", "B": True}, None, "baseline.usable.A must be true or false"),
    ({"A": True}, None, "baseline.usable.B is missing"),
    ([True, True], None, "baseline.usable must be a JSON object"),
    ({"A": True, "B": False}, {"B": 3}, "baseline.unusable_reason.B must be text or null"),
])
def test_usable_flags_are_validated(usable: object, reason: object, message: str) -> None:
    doc = profile_with({}, {"A": {}, "B": {}}).to_dict()
    doc = copy.deepcopy(doc)
    doc["baseline"] = {"usable": usable} | ({"unusable_reason": reason} if reason else {})
    with pytest.raises(InputError, match=message):
        profile_from_dict(doc)


# --------------------------------------------------------------------------- still stretch


def test_stillest_stretch_finds_the_known_still_seconds() -> None:
    tracked = frames(20.0, a_still=(8.0, 12.5), b_still=(7.5, 12.0))
    start_s, end_s = stillest_stretch(tracked, 3.0)
    assert end_s - start_s == pytest.approx(3.0)
    assert start_s >= 7.5
    assert end_s <= 12.5
    base = baseline_from_stillest(tracked, 3.0)
    assert base.usable == {"A": True, "B": True}
    assert base.chosen == "stillest"
    assert base.start_s == pytest.approx(start_s, abs=1 / FPS)
    assert base.as_dict()["end_s"] == pytest.approx(end_s, abs=1 / FPS)


def test_no_still_stretch_leaves_both_baselines_unused() -> None:
    base = baseline_from_stillest(frames(12.0), 3.0)
    assert base.usable == {"A": False, "B": False}
    assert base.unusable["A"].startswith("no 3 s in which both people sat still in the 12 s "
                                         "searched")
    assert "A moved during the baseline" in base.unusable["A"]
    assert any(w.startswith("the baselines are not used as noise floors") for w in
               base.warnings)


def test_one_person_still_alone_is_no_still_stretch() -> None:
    """The stretch is the best of many: one person passing alone in it is not enough."""
    base = baseline_from_stillest(frames(12.0, a_still=(0.0, 12.0)), 3.0)
    assert movement_reason(base.noise_floor["A"]) is None  # A alone would pass
    assert base.usable == {"A": False, "B": False}
    assert "B moved during the baseline" in base.unusable["A"]


# --------------------------------------------------------------------------- --baseline


@pytest.mark.parametrize(("text", "expected"), [
    ("0:5", (0.0, 5.0)), ("2.5:7", (2.5, 7.0)), (" 1 : 4 ", (1.0, 4.0))])
def test_parse_stretch(text: str, expected: tuple[float, float]) -> None:
    assert parse_stretch(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("5", "--baseline must be START:END in seconds \\(e.g. 0:5\\), got '5'"),
    ("a:b", "must be START:END"),
    ("1:2:3", "must be START:END"),
    ("", "must be START:END"),
    ("5:3", "--baseline 5:3: END must be after START, got 3 <= 5"),
    ("3:3", "END must be after START"),
    ("-1:2", "START must be >= 0 s, got -1"),
    ("0:inf", "needs finite seconds"),
])
def test_parse_stretch_errors(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        parse_stretch(text)


@pytest.mark.parametrize(("args", "message"), [
    (["{clip}", "--baseline", "0:5"], "--baseline 0:5 ends after the video (clip.mp4 is "),
    (["{clip}", "--baseline", "2:3"], "--baseline 2:3 ends after the video"),
    (["{clip}", "--baseline", "0:1.1"], "--baseline 0:1.1 ends after the video"),
    (["{clip}", "--baseline", "4:1"], "END must be after START"),
    (["{clip}", "--baseline", "0:1", "--baseline-s", "3"], "not both"),
    (["--camera", "0", "--baseline", "0:1"], "names seconds of a video file"),
    (["{clip}", "--baseline-search-s", "0"], "--baseline-search-s must be > 0"),
])
def test_calibrate_baseline_arguments_are_checked_before_tracking(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        message: str) -> None:
    clip = write_cfr_video(tmp_path, n_frames=25, fps=25.0, name="clip.mp4")  # 1.0 s
    argv = ["calibrate", *(a.format(clip=clip) for a in args),
            "--out", str(tmp_path / "p.json"), "--model-dir", str(tmp_path / "no_models")]
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1, err
    assert message in err[0]
    assert not (tmp_path / "p.json").exists()

