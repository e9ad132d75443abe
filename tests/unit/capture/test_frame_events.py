"""Whole-frame event detector on synthetic frames: repeats (also re-encoded), lighting, bumps."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from synchrony.capture.frame_events import (
    BUMP_MIN_SHIFT,
    DUPLICATE_MAX_RATIO,
    FrameEventDetector,
)

SIZE_PX = (640, 480)


class Scene:
    """A textured wall with two textured "people" that sway (sub-pixel), plus sensor noise."""

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        w, h = SIZE_PX
        wall = cv2.GaussianBlur(rng.uniform(60, 200, (h, w)).astype(np.float32), (0, 0), 6)
        self.wall = cv2.normalize(wall, None, 70, 190, cv2.NORM_MINMAX)
        skin = cv2.GaussianBlur(rng.uniform(0, 255, (h, w)).astype(np.float32), (0, 0), 3)
        self.people = []
        for cx in (0.26, 0.76):
            mask = np.zeros((h, w), np.float32)
            cv2.ellipse(mask, (int(cx * w), int(0.55 * h)), (70, 150), 0, 0, 360, 1.0, -1)
            self.people.append((mask, skin * mask))
        self.noise = np.random.default_rng(seed + 1)

    def image(self, t_s: float) -> np.ndarray:
        """RGB uint8 frame at ``t_s``: A sways at 0.5 Hz, B at 0.7 Hz (up to 4 px per frame)."""
        w, h = SIZE_PX
        grey = self.wall.copy()
        for (mask, layer), freq in zip(self.people, (0.5, 0.7), strict=True):
            shift = np.array([[1, 0, 25 * np.sin(2 * np.pi * freq * t_s)], [0, 1, 0]], np.float32)
            m = cv2.warpAffine(mask, shift, (w, h))
            grey = grey * (1 - 0.5 * m) + 0.5 * cv2.warpAffine(layer, shift, (w, h))
        grey += self.noise.normal(0, 1.2, grey.shape).astype(np.float32)
        rgb = np.repeat(np.clip(grey + 0.5, 0, 255).astype(np.uint8)[..., None], 3, axis=2)
        return np.ascontiguousarray(rgb)


def events_of(images: list[np.ndarray]) -> list[str | None]:
    detector = FrameEventDetector()
    return [detector.update(image) for image in images]


@pytest.fixture(scope="module")
def moving() -> list[np.ndarray]:
    """40 frames at 20 fps of both people moving."""
    scene = Scene()
    return [scene.image(k / 20) for k in range(40)]


def test_normal_motion_has_no_event(moving: list[np.ndarray]) -> None:
    assert events_of(moving) == [None] * len(moving)


def test_identical_frame_is_a_duplicate(moving: list[np.ndarray]) -> None:
    images = moving[:10] + [moving[9].copy()] + moving[10:20]
    events = events_of(images)
    assert events[10] == "duplicate"
    assert [k for k, e in enumerate(events) if e] == [10]


def test_first_frame_and_a_new_size_have_no_event(moving: list[np.ndarray]) -> None:
    detector = FrameEventDetector()
    assert detector.update(moving[0]) is None
    assert detector.update(moving[1]) is None
    assert detector.update(moving[1]) == "duplicate"
    small = [np.ascontiguousarray(im[60:420]) for im in moving[2:5]]  # 640 x 360
    assert detector.update(small[0]) is None  # another size: starts afresh
    assert detector.update(small[0]) is None  # no ordinary change to compare with yet
    assert [detector.update(im) for im in small[1:]] == [None, None]
    assert detector.update(small[-1]) == "duplicate"


def test_pictures_without_detail_have_no_event() -> None:
    blank = np.full((48, 64, 3), 90, np.uint8)
    assert events_of([blank, blank, blank + 20, blank]) == [None] * 4


def test_reencoded_duplicates_are_found(moving: list[np.ndarray], tmp_path: Path) -> None:
    """Repeats written by OpenCV's mp4v writer (lossy): found, and nothing else is."""
    repeat_after = (13, 18, 29)  # written twice, as a frame-rate conversion does
    path = tmp_path / "repeats.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 21.0, SIZE_PX)
    assert writer.isOpened()
    expected = []
    n_written = 0
    for k, image in enumerate(moving):
        for _ in range(2 if k in repeat_after else 1):
            writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
            n_written += 1
        if k in repeat_after:
            expected.append(n_written - 1)
    writer.release()
    capture = cv2.VideoCapture(str(path))
    decoded = []
    while (read := capture.read())[0]:
        decoded.append(cv2.cvtColor(read[1], cv2.COLOR_BGR2RGB))
    capture.release()
    assert len(decoded) == n_written
    events = events_of(decoded)
    assert [k for k, e in enumerate(events) if e] == expected
    assert {events[k] for k in expected} == {"duplicate"}


def test_still_people_are_not_repeats() -> None:
    """Still people: only sensor noise changes the picture; that is no repeat."""
    scene = Scene(seed=3)
    still = [scene.image(0.0) for _ in range(12)]
    assert events_of(still) == [None] * 12
    assert events_of([*still[:6], still[5].copy()])[-1] == "duplicate"  # noise never repeats


def test_ordinary_change_is_well_above_the_tolerance(moving: list[np.ndarray]) -> None:
    detector = FrameEventDetector()
    changes = [c for c in map(detector.measure, moving) if c is not None]
    ratios = [c.max_cell_change_grey / c.reference_change_grey for c in changes[1:]]
    assert min(ratios) > 1.5 * DUPLICATE_MAX_RATIO


@pytest.mark.parametrize(("gain", "offset"), [(1.0, 12.0), (1.0, -15.0), (1.12, 0.0),
                                              (0.85, 0.0)])
def test_brightness_step_is_lighting(moving: list[np.ndarray], gain: float,
                                     offset: float) -> None:
    stepped = [np.clip(im.astype(np.float32) * gain + offset, 0, 255).astype(np.uint8)
               for im in moving[10:20]]
    events = events_of(moving[:10] + stepped)
    assert events[10] == "lighting"
    assert [k for k, e in enumerate(events) if e] == [10]  # one step, one event


def test_slow_exposure_drift_is_not_lighting(moving: list[np.ndarray]) -> None:
    drifted = [np.clip(im.astype(np.float32) + 1.5 * k, 0, 255).astype(np.uint8)
               for k, im in enumerate(moving)]
    assert events_of(drifted) == [None] * len(drifted)


@pytest.mark.parametrize(("dx_px", "dy_px"), [(20, 0), (-24, 6), (0, 18)])
def test_global_translation_is_a_camera_bump(moving: list[np.ndarray], dx_px: int,
                                             dy_px: int) -> None:
    assert np.hypot(dx_px, dy_px) / SIZE_PX[0] > BUMP_MIN_SHIFT
    shift = np.array([[1, 0, dx_px], [0, 1, dy_px]], np.float32)
    bumped = cv2.warpAffine(moving[10], shift, SIZE_PX, borderMode=cv2.BORDER_REFLECT)
    events = events_of([*moving[:10], bumped, *moving[11:20]])
    assert events[10] == "camera_bump"
    assert events[11] == "camera_bump"  # and back
    assert [k for k, e in enumerate(events) if e] == [10, 11]


def test_one_person_jumping_is_not_a_camera_bump(moving: list[np.ndarray]) -> None:
    """A large shift of the left half only (one person) is movement, not a bump."""
    w = SIZE_PX[0]
    jumped = moving[10].copy()
    jumped[:, : w // 2] = np.roll(moving[10][:, : w // 2], 25, axis=1)
    events = events_of([*moving[:10], jumped])
    assert events[10] is None
