"""Calibration profile (JSON contract, strict validation) and the pure estimation steps.

No MediaPipe and no video: detections and tracked frames are synthetic, with known answers.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from synchrony.calibration.baseline import baseline_from_frames
from synchrony.calibration.camera import camera_report
from synchrony.calibration.detect import Detection, face_detection, pose_detection, strips
from synchrony.calibration.estimate import (
    STILL_LIMITS,
    group_people,
    noise_floor,
    propose_regions,
)
from synchrony.calibration.profile import (
    CalibrationProfile,
    PersonCalibration,
    load_profile,
    overlap_fraction,
    profile_from_dict,
    save_profile,
)
from synchrony.cli import main
from synchrony.errors import InputError
from synchrony.records import PersonObservation, Region, TrackedFrame
from synchrony.signals.registry import get_signal
from tests.fixtures.tracked import SIZE_PX, person

FLOOR = {"body": 0.02, "head": 0.5, "face": 0.01, "motion": 0.0003}


def valid_doc() -> dict:
    """A valid profile document (contract layout)."""
    return {
        "schema": "synchrony.calibration/1",
        "people": {
            "A": {"region": [0.0, 0.2, 0.33, 0.85], "role": "therapist", "body_scale": 0.13,
                  "noise_floor": dict(FLOOR)},
            "B": {"region": [0.33, 0.0, 1.0, 1.0], "role": "client", "body_scale": 0.32,
                  "noise_floor": {"body": 0.03, "head": None, "face": 0.02, "motion": 0.0}},
        },
        "camera": {"frame_size_px": [640, 480], "measured_fps": 25.0},
    }


# --------------------------------------------------------------------------- profile


def test_round_trip_and_derived_values(tmp_path: Path) -> None:
    profile = profile_from_dict(valid_doc())
    path = save_profile(profile, tmp_path / "p.json")
    again = load_profile(path)
    assert again == profile
    data = json.loads(path.read_text())
    assert data["schema"] == "synchrony.calibration/1"
    assert set(data["people"]["A"]) == {"region", "role", "body_scale", "noise_floor"}
    assert again.schema_version == 1
    assert again.regions == (Region(0.0, 0.2, 0.33, 0.85), Region(0.33, 0.0, 1.0, 1.0))
    assert again.roles == {"A": "therapist", "B": "client"}
    # body scale is a fraction of the frame width: rescaled to any width
    assert again.body_scale_px(1280) == pytest.approx({"A": 166.4, "B": 409.6})
    # only measured, positive floors reach extract_signals
    assert again.noise_floor() == {"A": FLOOR, "B": {"body": 0.03, "face": 0.02}}


def test_frame_size_warning_only_for_another_aspect_ratio() -> None:
    profile = profile_from_dict(valid_doc())
    assert profile.frame_size_warning(1280, 960) is None
    assert "aspect ratio" in (profile.frame_size_warning(1280, 720) or "")


def test_with_roles_and_regions_return_validated_copies() -> None:
    profile = profile_from_dict(valid_doc())
    assert profile.with_roles("", "coach").roles == {"A": None, "B": "coach"}
    with pytest.raises(InputError, match="must lie left of"):
        profile.with_regions(Region(0.5, 0, 1, 1), Region(0, 0, 0.5, 1))


def _set(doc: dict, path: str, value: object) -> dict:
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    node = doc
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return doc


@pytest.mark.parametrize(("path", "value", "message"), [
    ("schema", "synchrony.calibration/9", "schema must be 'synchrony.calibration/1'"),
    ("schema", KeyError, "schema is missing"),
    ("people.B", KeyError, "people.B is missing"),
    ("people.C", {"region": [0, 0, 1, 1]}, "people may only hold A and B"),
    ("people.A.region", KeyError, "people.A.region is missing"),
    ("people.A.role", KeyError, "people.A.role is missing"),
    ("people.A.body_scale", KeyError, "people.A.body_scale is missing"),
    ("people.B.noise_floor.face", KeyError, "people.B.noise_floor.face is missing"),
    ("people.A.region", [0.0, 0.2, 1.3, 0.9], "people.A.region must lie within 0-1"),
    ("people.A.region", [-0.1, 0.2, 0.3, 0.9], "people.A.region must lie within 0-1"),
    ("people.A.region", [0.3, 0.2, 0.1, 0.9], "needs x0 < x1"),
    ("people.A.region", [0.0, 0.2, 0.3], "must be \\[x0, y0, x1, y1\\]"),
    ("people.A.region", [0.0, "top", 0.3, 0.9], "people.A.region\\[1\\] must be a number"),
    ("people.A.region", [0.0, 0.0, 0.9, 1.0], "overlap by 85 %"),
    ("people.A.body_scale", "wide", "people.A.body_scale \\(or null\\) must be a number"),
    ("people.A.body_scale", True, "must be a number"),
    ("people.A.body_scale", 2.5, "body_scale must be in \\(0, 1\\]"),
    ("people.A.noise_floor.head", -1.0, "noise_floor.head must be >= 0"),
    ("people.A.noise_floor.head", "low", "noise_floor.head \\(or null\\) must be a number"),
    ("people.A.role", 3, "people.A.role must be text or null"),
    ("camera", KeyError, "camera is missing"),
    ("camera.frame_size_px", [640], "camera.frame_size_px must be \\[width_px, height_px\\]"),
    ("camera.measured_fps", "fast", "camera.measured_fps"),
])
def test_bad_profiles_name_the_field(path: str, value: object, message: str) -> None:
    with pytest.raises(InputError, match=message):
        profile_from_dict(_set(valid_doc(), path, value))


def test_a_must_be_the_left_person() -> None:
    doc = _set(valid_doc(), "people.A.region", [0.6, 0.0, 1.0, 1.0])
    doc = _set(doc, "people.B.region", [0.0, 0.0, 0.4, 1.0])
    with pytest.raises(InputError, match="A is the left person"):
        profile_from_dict(doc)


def test_overlap_rule_is_relative_to_the_smaller_region() -> None:
    small, big = Region(0.0, 0.0, 0.2, 0.5), Region(0.1, 0.0, 1.0, 1.0)
    assert overlap_fraction(small, big) == pytest.approx(0.5)
    doc = _set(valid_doc(), "people.A.region", small.as_list())
    doc = _set(doc, "people.B.region", big.as_list())
    profile_from_dict(doc)  # exactly 50 % is allowed
    with pytest.raises(InputError, match="overlap"):
        profile_from_dict(_set(doc, "people.A.region", [0.0, 0.0, 0.21, 0.5]))


def test_load_profile_reports_file_problems(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_profile(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": ')
    with pytest.raises(InputError, match=r"bad.json: not valid JSON: .* line 1"):
        load_profile(bad)


@pytest.mark.parametrize(("path", "value"), [
    ("people.B", KeyError),
    ("people.A.region", [0.0, 0.2, 1.3, 0.9]),
    ("people.A.region", [0.0, 0.0, 0.9, 1.0]),
    ("schema", "synchrony.calibration/2"),
    ("people.A.noise_floor.body", "x"),
])
def test_analyze_with_a_bad_profile_prints_one_line_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], path: str, value: object) -> None:
    profile = tmp_path / "bad.json"
    profile.write_text(json.dumps(_set(valid_doc(), path, value)))
    video = tmp_path / "clip.mp4"
    video.write_bytes(b"not opened: the profile is checked first")
    code = main(["analyze", str(video), "--out", str(tmp_path / "out"),
                 "--calibration", str(profile)])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert err[0].startswith("synchrony analyze: error: calibration profile ")
    assert "bad.json" in err[0]
    assert not (tmp_path / "out").exists()


def test_person_calibration_defaults_to_unmeasured() -> None:
    person_cal = PersonCalibration(region=Region(0, 0, 0.5, 1))
    assert set(person_cal.noise_floor) == {"body", "head", "face", "motion"}
    profile = CalibrationProfile(people={"A": person_cal,
                                         "B": PersonCalibration(region=Region(0.5, 0, 1, 1))},
                                 camera={"frame_size_px": [640, 480]})
    assert profile.noise_floor() == {"A": {}, "B": {}}
    assert profile.body_scale_px(640) == {}


# --------------------------------------------------------------------------- estimation


def _pose_det(frame: int, head_x: float, width: float, kind: str = "pose") -> Detection:
    return Detection(frame=frame, kind=kind, head_xy_px=(head_x, 180.0),
                     shoulder_width_px=width, shoulder_y_px=250.0,
                     box_px=(head_x - width / 2, 150.0, head_x + width / 2, 300.0))


def test_strips_overlap_by_half_and_cover_the_frame() -> None:
    assert strips((1.0, 0.5)) == [(0.0, 1.0), (0.0, 0.5), (0.25, 0.75), (0.5, 1.0)]
    for width in (0.6, 0.45, 0.3):
        found = strips((width,))
        starts = [x0 for x0, _ in found]
        assert found[0][0] == 0.0
        assert found[-1][1] == pytest.approx(1.0)
        assert max(np.diff(starts)) <= width / 2 + 1e-9  # anyone narrower than w/2 fits


def test_pose_and_face_detections_from_landmarks() -> None:
    xy = np.zeros((33, 2))
    xy[:11] = (100.0, 80.0)
    xy[11], xy[12] = (140.0, 150.0), (60.0, 150.0)
    vis = np.ones(33)
    vis[13:] = 0.0  # arms hidden
    det = pose_detection(xy, vis, frame=2)
    assert det is not None
    assert det.shoulder_width_px == pytest.approx(80.0)
    assert det.head_xy_px == (100.0, 80.0)
    assert det.box_px == (60.0, 80.0, 140.0, 150.0)
    vis[12] = 0.1
    assert pose_detection(xy, vis, frame=2) is None
    face = face_detection(np.array([[90.0, 60.0], [110.0, 100.0]]), frame=0)
    assert face is not None
    assert face.kind == "face"
    assert face.shoulder_width_px == pytest.approx(20.0 * 1.9)


def test_group_people_merges_duplicates_and_keeps_neighbours_apart() -> None:
    dets = []
    for f in range(6):  # A small at 128 px, B large at 384 px; each seen by several passes
        dets += [_pose_det(f, 128 + f, 90), _pose_det(f, 131, 88), _pose_det(f, 126, 50, "face")]
        dets += [_pose_det(f, 384 - f, 200), _pose_det(f, 390, 190, "face")]
    dets.append(_pose_det(0, 600, 40))  # a one-off false detection
    people = group_people(dets)
    assert len(people) == 3
    a, b = sorted(people[:2], key=lambda p: p.head_xy_px[0])
    assert a.n_frames == 6
    assert b.n_frames == 6
    assert a.width_measured
    assert a.shoulder_width_px == pytest.approx(89, abs=1.5)  # poses only, faces ignored
    assert b.head_xy_px[0] == pytest.approx(385, abs=5)
    assert people[2].n_frames == 1


def test_proposed_regions_do_not_overlap_and_follow_the_people() -> None:
    # A at 20 % of the width and small, B at 60 % and large: halves would cut B
    dets = [d for f in range(6) for d in (_pose_det(f, 128, 90), _pose_det(f, 384, 200))]
    proposal = propose_regions(group_people(dets), (640, 480), 6, searched="in the first 3 s")
    a, b = proposal.regions
    assert a.x1 == b.x0  # split, no overlap
    assert a.contains(128 / 640, 180 / 480)
    assert b.contains(384 / 640, 180 / 480)
    # split where the outlines meet: 128 + 90 * 256 / 290 px
    assert a.x1 == pytest.approx((128 + 90 * 256 / 290) / 640, abs=1e-3)
    assert b.x1 == 1.0  # B's margin reaches the frame edge
    assert a.x0 == pytest.approx((128 - 1.5 * 90) / 640 if 128 > 1.5 * 90 else 0.0, abs=1e-3)
    assert proposal.body_scale == pytest.approx({"A": 90 / 640, "B": 200 / 640})
    assert proposal.warnings == []


def test_fewer_than_two_people_is_a_clear_error() -> None:
    dets = [_pose_det(f, 128, 90) for f in range(6)] + [_pose_det(0, 400, 90)]
    with pytest.raises(InputError, match="found 1 person in the first 3 s"):
        propose_regions(group_people(dets), (640, 480), 6, searched="in the first 3 s")


def test_noise_floor_is_a_margin_over_the_95th_percentile() -> None:
    rng = np.random.default_rng(0)
    x = np.abs(rng.normal(0, 0.01, 100))
    floor = noise_floor(x, "body", 20.0)
    assert floor == pytest.approx(1.5 * np.percentile(x[10:90], 95))
    # a perfectly still region: the motion rule's lower bound, not 0
    assert noise_floor(np.zeros(100), "motion", 20.0) == get_signal("motion").noise_floor.minimum
    assert get_signal("motion").noise_floor.minimum == 1e-6
    assert noise_floor(np.full(100, np.nan), "head", 20.0) is None


def _still_frames(n: int = 75, jitter: float = 0.0002, a_moves: bool = False
                  ) -> list[TrackedFrame]:
    rng = np.random.default_rng(1)
    frames = []
    for k in range(n):
        t = k / 25.0
        wave = np.sin(2 * np.pi * 0.8 * t) if a_moves else 0.0
        people = (person(0.25, 0.04 * wave + rng.normal(0, jitter),
                         rot_deg=10 * wave + rng.normal(0, 0.05),
                         motion=0.05 * abs(wave)),
                  person(0.75, rng.normal(0, jitter), rot_deg=rng.normal(0, 0.05), motion=0.0))
        frames.append(TrackedFrame(timestamp_s=t, index=k, size_px=SIZE_PX, people=people,
                                   regions=(Region(0, 0, 0.5, 1), Region(0.5, 0, 1, 1))))
    return frames


def test_baseline_of_still_people_gives_small_positive_floors() -> None:
    base = baseline_from_frames(_still_frames())
    for p in ("A", "B"):
        floors = base.noise_floor[p]
        assert all(v is not None and v > 0 for v in floors.values()), floors
        assert floors["body"] < 0.05  # body widths/s
        assert floors["head"] < STILL_LIMITS["head"] / 2  # deg/s
        assert floors["head"] < 1.0  # deg/s
        # the fixture's shoulders are 0.16 of the frame width apart
        assert base.body_scale[p] == pytest.approx(0.16, abs=0.005)
    assert base.warnings == []
    assert base.usable == {"A": True, "B": True}
    assert base.as_dict()["n_frames"] == 75
    assert base.as_dict()["usable"] == {"A": True, "B": True}


def test_baseline_warns_when_someone_moves_or_is_missing() -> None:
    moving = baseline_from_frames(_still_frames(a_moves=True))
    assert moving.noise_floor["A"]["head"] > STILL_LIMITS["head"]
    assert moving.usable == {"A": False, "B": True}
    assert any("person A's baseline is not used as a noise floor: moved during the "
               "baseline (head noise floor" in w for w in moving.warnings)
    frames = [TrackedFrame(timestamp_s=f.timestamp_s, index=f.index, size_px=f.size_px,
                           people=(f.people[0], PersonObservation()), regions=f.regions)
              for f in _still_frames()]
    missing = baseline_from_frames(frames)
    assert missing.noise_floor["B"]["body"] is None
    assert missing.body_scale["B"] is None
    assert any("person B was found in only 0 %" in w for w in missing.warnings)
    assert any("no noise floor for person B's body, head, face, motion" in w
               for w in missing.warnings)


def test_camera_report_measures_fps_and_exposure() -> None:
    dark = np.full((240, 320, 3), 10, np.uint8)
    report = camera_report(images=[dark], timestamps_s=[0.0, 0.1, 0.2, 0.3],
                           claimed_fps=30.0, source="camera 0")
    assert report["frame_size_px"] == [320, 240]
    assert report["measured_fps"] == pytest.approx(10.0)
    text = " ".join(report["warnings"])
    assert "too dark" in text
    assert "measured 10.0 fps but the source claims 30.0" in text
    bright = np.full((480, 640, 3), 255, np.uint8)
    report = camera_report(images=[bright], timestamps_s=[0.0, 0.04], claimed_fps=25.0,
                           source="file x.mp4")
    assert [w.split(":")[0] for w in report["warnings"]] == ["overexposed"]


# --------------------------------------------------------------------------- calibrate CLI


@pytest.mark.parametrize(("args", "message"), [
    (["{tmp}/clip.mp4", "--camera", "0"], "give either a VIDEO file or --camera N"),
    ([], "give either a VIDEO file or --camera N"),
    (["{tmp}/missing.mp4"], "no such video file"),
    (["{tmp}/clip.mp4", "--baseline-s", "-1"], "--baseline-s must be >= 0"),
    (["{tmp}/clip.mp4", "--out", "{tmp}/exists.json"], "exists; choose another file"),
    (["{tmp}/clip.mp4", "--out", "{tmp}/no/dir/p.json"], "does not exist"),
])
def test_calibrate_bad_arguments_print_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        message: str) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"x")
    (tmp_path / "exists.json").write_text("{}")
    argv = ["calibrate", *(a.format(tmp=tmp_path) for a in args)]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "p.json")]
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(err) == 1
    assert message in err[0]
