"""Real footage of two people (``sample_media/real_dyads``): regions, coverage, identities.

Each clip is searched for its people the way ``synchrony calibrate`` does it (automatic
regions: :func:`synchrony.calibration.workflow.propose_scene`, first 3 s), then every frame
is tracked once per module with those regions through the product's tracker factory and
:func:`synchrony.capture.video.track_video`. What must hold on real people standing
off-centre (PROVENANCE.md, ``real_dyads/``):

- the proposal finds exactly the two people (no phantom third person, no warning);
- each automatic region holds its own person (face mesh and visible head-and-shoulder
  landmarks inside it) and never the other person's face, in >= 95 % of frames;
- both people are found (pose and face) in >= 95 % of frames;
- identities never swap: A is the proposal's left person in every frame, A's face stays
  left of B's, each person's face and skeleton move continuously from frame to frame, and a
  person's skeleton and face belong together.

Measured when written (mediapipe 1.2.3, lite pose bundle): both clips 100 % of frames inside
the regions, faces 100 %, poses 99-100 %; the largest frame-to-frame step of a face centre is
0.07 of the distance between the two people (a swap would be ~1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from synchrony.calibration.detect import Detection, drop_chimeras
from synchrony.calibration.workflow import SceneProposal, propose_scene
from synchrony.capture.factory import find_models, tracker_factory
from synchrony.capture.sources import VideoFileSource
from synchrony.capture.video import track_video
from synchrony.records import PERSONS, PersonObservation, Region, TrackedFrame
from tests.shared import model_dir, shared_path

CLIPS = ("intel_female_and_male_head_pose", "obama_biden_statement_2015")
#: Fraction of frames in which a property must hold.
MIN_FRACTION = 0.95
#: Pose landmarks of the head and shoulders (nose ... mouth, both shoulders).
HEAD_AND_SHOULDERS = tuple(range(13))
#: A pose landmark counts when its visibility reaches this (as in calibration.detect).
MIN_VISIBILITY = 0.5
#: Largest frame-to-frame step of a person's face or head, as a fraction of the distance
#: between the two people (an identity swap steps by about 1).
MAX_STEP_OF_SEPARATION = 0.25
#: A person's skeleton head and face centre lie within this many shoulder widths.
MAX_POSE_FACE_SW = 0.5

@dataclass(frozen=True, slots=True)
class TrackedDyad:
    """One real clip: its automatic proposal and every frame tracked with those regions."""

    name: str
    proposal: SceneProposal
    frames: list[TrackedFrame]

    @property
    def regions(self) -> tuple[Region, Region]:
        return self.proposal.regions.regions

    def frame_px(self) -> np.ndarray:
        """(width, height) of the frames in pixels."""
        return np.array(self.frames[0].size_px, dtype=np.float64)


@pytest.fixture(scope="module", params=CLIPS)
def dyad(request: pytest.FixtureRequest) -> TrackedDyad:
    """Propose regions on one clip, then track every frame with them (once per module)."""
    name = request.param
    path = shared_path("sample_media", "real_dyads", f"{name}.mp4")
    models = find_models(model_dir(), allow_download=False)
    with VideoFileSource(path) as source:
        proposal = propose_scene(source, models)
    make_tracker = tracker_factory(model_dir(), allow_download=False)
    tracker = make_tracker(proposal.regions.regions)
    try:
        frames = track_video(path, tracker, progress=False).frames
    finally:
        tracker.close()
    return TrackedDyad(name, proposal, frames)


# --------------------------------------------------------------------------- geometry


def has_face(person: PersonObservation) -> bool:
    return bool(np.isfinite(person.face_xy_norm).all())


def has_pose(person: PersonObservation) -> bool:
    return bool(np.isfinite(person.pose_xy_norm).all())


def face_centre(person: PersonObservation) -> np.ndarray:
    """Mean of the face mesh (``xy_norm``), NaN if no face."""
    if not has_face(person):
        return np.full(2, np.nan)
    return person.face_xy_norm.astype(np.float64).mean(axis=0)


def pose_head(person: PersonObservation) -> np.ndarray:
    """Mean of the visible head landmarks of the skeleton (``xy_norm``), NaN if none."""
    if not has_pose(person):
        return np.full(2, np.nan)
    seen = [i for i in range(11) if person.pose_visibility[i] >= MIN_VISIBILITY]
    if not seen:
        return np.full(2, np.nan)
    return person.pose_xy_norm[seen].astype(np.float64).mean(axis=0)


def inside(region: Region, xy_norm: np.ndarray) -> bool:
    """True if every point lies inside ``region``."""
    x, y = xy_norm[:, 0], xy_norm[:, 1]
    return bool(((x >= region.x0) & (x <= region.x1) & (y >= region.y0) & (y <= region.y1)).all())


def head_and_shoulders(person: PersonObservation) -> np.ndarray:
    """Visible head-and-shoulder pose landmarks that lie in the picture, (n, 2) ``xy_norm``."""
    idx = [i for i in HEAD_AND_SHOULDERS if person.pose_visibility[i] >= MIN_VISIBILITY]
    xy = person.pose_xy_norm[idx].astype(np.float64)
    in_picture = (xy >= 0.0).all(axis=1) & (xy <= 1.0).all(axis=1)
    return xy[in_picture]


def track(dyad: TrackedDyad, k: int, where: str) -> np.ndarray:
    """(n_frames, 2) positions of person ``k`` in pixels: ``"face"`` centre or ``"pose"`` head."""
    locate = face_centre if where == "face" else pose_head
    return np.array([locate(f.people[k]) for f in dyad.frames]) * dyad.frame_px()


def separation_px(dyad: TrackedDyad) -> float:
    """Distance between the two people's median face centres, in pixels."""
    a, b = (np.nanmedian(track(dyad, k, "face"), axis=0) for k in range(2))
    return float(np.linalg.norm(a - b))


# --------------------------------------------------------------------------- tests


@pytest.mark.mediapipe
@pytest.mark.slow
def test_proposal_finds_exactly_the_two_people(dyad: TrackedDyad) -> None:
    """No phantom third person (a chimera skeleton between the two) and no other warning."""
    regions = dyad.proposal.regions
    assert regions.warnings == [], (dyad.name, regions.warnings)
    left, right = regions.people
    assert left.head_xy_px[0] < right.head_xy_px[0]
    for person in regions.people:
        assert person.n_frames == regions.n_frames, (dyad.name, person)


@pytest.mark.mediapipe
@pytest.mark.slow
def test_automatic_regions_hold_each_person(dyad: TrackedDyad) -> None:
    """Face mesh and head-and-shoulders inside one's own region; the other's face never in it."""
    for k, person in enumerate(PERSONS):
        region, other = dyad.regions[k], 1 - k
        faces = [inside(region, f.people[k].face_xy_norm)
                 for f in dyad.frames if has_face(f.people[k])]
        bodies = [inside(region, head_and_shoulders(f.people[k]))
                  for f in dyad.frames if has_pose(f.people[k])]
        intruders = [region.contains(*face_centre(f.people[other]))
                     for f in dyad.frames if has_face(f.people[other])]
        assert faces, (dyad.name, person)
        assert bodies, (dyad.name, person)
        assert np.mean(faces) >= MIN_FRACTION, (dyad.name, person, np.mean(faces))
        assert np.mean(bodies) >= MIN_FRACTION, (dyad.name, person, np.mean(bodies))
        assert not any(intruders), (dyad.name, person, sum(intruders))


@pytest.mark.mediapipe
@pytest.mark.slow
def test_both_people_found_in_nearly_every_frame(dyad: TrackedDyad) -> None:
    """Pose and face of each person in >= 95 % of frames, both people together likewise."""
    n = len(dyad.frames)
    assert n >= 50, (dyad.name, n)
    for k, person in enumerate(PERSONS):
        pose = np.mean([has_pose(f.people[k]) for f in dyad.frames])
        face = np.mean([has_face(f.people[k]) for f in dyad.frames])
        assert pose >= MIN_FRACTION, (dyad.name, person, "pose", pose)
        assert face >= MIN_FRACTION, (dyad.name, person, "face", face)
    both = np.mean([all(has_face(p) or has_pose(p) for p in f.people) for f in dyad.frames])
    assert both >= MIN_FRACTION, (dyad.name, both)


@pytest.mark.mediapipe
@pytest.mark.slow
def test_identities_never_swap(dyad: TrackedDyad) -> None:
    """A is the proposal's left person throughout; tracks are continuous; pose and face agree."""
    separation = separation_px(dyad)
    proposed = dyad.proposal.regions.people
    faces = [track(dyad, k, "face") for k in range(2)]
    heads = [track(dyad, k, "pose") for k in range(2)]
    # A's face is left of B's in every frame in which both are found
    both = np.isfinite(faces[0][:, 0]) & np.isfinite(faces[1][:, 0])
    assert both.any()
    assert (faces[0][both, 0] < faces[1][both, 0]).all(), dyad.name
    for k, person in enumerate(PERSONS):
        # the tracked person is the one proposed for this letter
        median = np.nanmedian(faces[k], axis=0)
        distance = np.linalg.norm(median - np.array(proposed[k].head_xy_px))
        assert distance <= MAX_POSE_FACE_SW * proposed[k].shoulder_width_px, (
            dyad.name, person, distance)
        # no jump between consecutive frames in which the person was found
        for where, xy in (("face", faces[k]), ("pose", heads[k])):
            found = xy[np.isfinite(xy).all(axis=1)]
            steps = np.linalg.norm(np.diff(found, axis=0), axis=1)
            assert steps.max() <= MAX_STEP_OF_SEPARATION * separation, (
                dyad.name, person, where, steps.max() / separation)
        # skeleton and face of one letter are one person
        paired = np.isfinite(faces[k]).all(axis=1) & np.isfinite(heads[k]).all(axis=1)
        gaps = np.linalg.norm(faces[k][paired] - heads[k][paired], axis=1)
        assert gaps.max() <= MAX_POSE_FACE_SW * proposed[k].shoulder_width_px, (
            dyad.name, person, gaps.max())


# --------------------------------------------------------------------------- chimeras


def _det(kind: str, x: float, y: float, shoulder_width: float = 70.0) -> Detection:
    return Detection(frame=0, kind=kind, head_xy_px=(x, y), shoulder_width_px=shoulder_width,
                     shoulder_y_px=y + 45.0, box_px=(x - 40.0, y - 25.0, x + 40.0, y + 130.0))


def test_chimera_between_two_faces_is_dropped() -> None:
    """The Obama/Biden chimera (measured): head at x = 128 px between faces at 89 and 193 px."""
    biden = [_det("pose", 93, 75, 83), _det("face", 89, 76, 67)]
    obama = [_det("pose", 189, 48, 82), _det("face", 193, 50, 79)]
    chimera = _det("pose", 128, 60, 65)  # nearest face 0.65 shoulder widths away
    kept = drop_chimeras([*biden, chimera, *obama])
    assert kept == [*biden, *obama]


def test_person_without_a_face_is_kept_unless_flanked() -> None:
    """A skeleton whose face was missed stays unless faces lie on both of its sides."""
    lone = _det("pose", 100, 60)
    right_face = _det("face", 300, 60)
    assert drop_chimeras([lone, right_face]) == [lone, right_face]
    assert drop_chimeras([lone]) == [lone]
    own_face = _det("face", 110, 62)  # 0.16 shoulder widths from the head
    left_face = _det("face", 20, 60)
    assert drop_chimeras([left_face, lone, own_face, right_face]) == [
        left_face, lone, own_face, right_face]
