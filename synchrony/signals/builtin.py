"""The four built-in movement signals (contract names and units), as registry entries.

``body``   mean speed of the visible upper-body pose landmarks (nose, shoulders, elbows,
           wrists; a landmark whose median visibility is below 0.8 for either person is left
           out for the session, so hidden, guessed arms add no false movement),
           in body widths per second: pixel speed divided by the person's shoulder width
           (calibration's ``body_scale`` or the session median).
``head``   head movement from the face's transformation matrix: rotation speed (deg/s) and
           translation speed (cm/s) combined as sqrt(rot^2 + trans^2), so 1 cm/s counts
           like 1 deg/s; unit "deg/s".
``face``   facial expression change: Euclidean norm of the rate of change of the 51
           expression blendshapes (``_neutral`` left out), in coefficient units per second.
``motion`` Motion Energy Analysis: fraction (0-1) of the person's region whose grey level
           changed by more than the noise threshold since the previous frame.

Positions, angles and blendshapes are low-pass filtered on the grid (``cutoff_hz``) before
they are differentiated, because MediaPipe landmarks jitter from frame to frame. The table
itself is :data:`BUILTIN_SIGNALS`; :mod:`synchrony.signals` registers it on import.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
from scipy.spatial.transform import Rotation

from synchrony.records import (
    LEFT_SHOULDER,
    N_BLENDSHAPES,
    RIGHT_SHOULDER,
    UPPER_BODY,
    PersonObservation,
)

from .grid import derivative, lowpass, speed
from .registry import (
    FeatureSpec,
    NoiseFloorRule,
    RunExtractor,
    SignalContext,
    SignalSpec,
    register_signal,
)

__all__ = [
    "BUILTIN_SIGNALS",
    "MIN_RELIABLE_VISIBILITY",
    "MIN_VISIBILITY",
    "median_shoulder_width_px",
    "reliable_landmarks",
]

#: Pose landmarks with a lower MediaPipe visibility are treated as not seen.
MIN_VISIBILITY = 0.5
#: A landmark enters ``body`` only if its median visibility reaches this for both people.
MIN_RELIABLE_VISIBILITY = 0.8
_UPPER = list(UPPER_BODY)

Features = Mapping[str, np.ndarray]


# --------------------------------------------------------------------------- features
# Each feature is computed for a run of observations at once (``extract_many``, fast in
# batch); its per-frame ``extract`` is the same code on a run of one, so live and batch
# give the same numbers.


def _stack(observations: Sequence[PersonObservation], attr: str) -> np.ndarray:
    return np.stack([getattr(o, attr) for o in observations]).astype(np.float64)


def _pose_px(observations: Sequence[PersonObservation], sizes_px: np.ndarray) -> np.ndarray:
    """(n, 33, 2) pose landmarks in pixels; NaN where visibility < MIN_VISIBILITY."""
    pose = _stack(observations, "pose_xy_norm") * sizes_px[:, None, :]
    vis = _stack(observations, "pose_visibility")
    pose[~(vis >= MIN_VISIBILITY)] = np.nan
    return pose


def _upper_body_px(observations: Sequence[PersonObservation],
                   sizes_px: np.ndarray) -> np.ndarray:
    return _pose_px(observations, sizes_px)[:, _UPPER]


def _upper_body_visibility(observations: Sequence[PersonObservation],
                           sizes_px: np.ndarray) -> np.ndarray:
    return _stack(observations, "pose_visibility")[:, _UPPER]


def _shoulder_width_px(observations: Sequence[PersonObservation],
                       sizes_px: np.ndarray) -> np.ndarray:
    pose = _pose_px(observations, sizes_px)
    return np.linalg.norm(pose[:, LEFT_SHOULDER] - pose[:, RIGHT_SHOULDER], axis=1)


def _head_quat(observations: Sequence[PersonObservation], sizes_px: np.ndarray) -> np.ndarray:
    """(n, 4) quaternions (x, y, z, w) of the head rotation; signs made continuous by align."""
    rot = _stack(observations, "head_matrix")[:, :3, :3]
    out = np.full((len(rot), 4), np.nan)
    ok = np.isfinite(rot).all(axis=(1, 2))
    if ok.any():
        out[ok] = Rotation.from_matrix(rot[ok]).as_quat()
    return out


def continuous_quaternions(quat: np.ndarray) -> np.ndarray:
    """(n, 4) quaternions with signs flipped so that each finite one follows the last.

    q and -q are the same rotation; interpolating or differentiating across a sign flip
    would show a jump that is not movement. NaN rows are skipped.
    """
    out = np.array(quat, dtype=np.float64, copy=True)
    ok = np.isfinite(out).all(axis=1)
    if ok.any():
        q = out[ok]
        flips = np.concatenate([[1.0], np.sign(np.sum(q[1:] * q[:-1], axis=1))])
        flips[flips == 0] = 1.0
        out[ok] = q * np.cumprod(flips)[:, None]
    return out


def _head_cm(observations: Sequence[PersonObservation], sizes_px: np.ndarray) -> np.ndarray:
    return _stack(observations, "head_matrix")[:, :3, 3]


def _blendshapes(observations: Sequence[PersonObservation],
                 sizes_px: np.ndarray) -> np.ndarray:
    return _stack(observations, "blendshapes")[:, 1:]  # ``_neutral`` left out


def _motion(observations: Sequence[PersonObservation], sizes_px: np.ndarray) -> np.ndarray:
    return np.array([o.motion_fraction for o in observations], dtype=np.float64)


def _feature(name: str, shape: tuple[int, ...], many: RunExtractor,
             align: Callable[[np.ndarray], np.ndarray] | None = None) -> FeatureSpec:
    """Make a FeatureSpec whose per-frame ``extract`` is ``many`` on a run of one frame."""
    def extract(observation: PersonObservation, size_px: tuple[int, int]) -> np.ndarray:
        return many([observation], np.asarray([size_px], dtype=np.float64))[0]

    extract.__name__ = extract.__qualname__ = many.__name__.lstrip("_")
    return FeatureSpec(name, shape, extract, align=align, extract_many=many)


UPPER_BODY_PX = _feature("upper_body_px", (len(UPPER_BODY), 2), _upper_body_px)
UPPER_BODY_VISIBILITY = _feature("upper_body_visibility", (len(UPPER_BODY),),
                                 _upper_body_visibility)
SHOULDER_WIDTH_PX = _feature("shoulder_width_px", (), _shoulder_width_px)
HEAD_QUAT = _feature("head_quat", (4,), _head_quat, align=continuous_quaternions)
HEAD_CM = _feature("head_cm", (3,), _head_cm)
BLENDSHAPES = _feature("blendshapes", (N_BLENDSHAPES - 1,), _blendshapes)
MOTION = _feature("motion", (), _motion)


# --------------------------------------------------------------------------- body scale


def reliable_landmarks(features: Sequence[Features],
                       min_visibility: float = MIN_RELIABLE_VISIBILITY) -> np.ndarray:
    """(7,) mask of the upper-body landmarks clearly visible for every person with a pose.

    A landmark counts as clearly visible when its median MediaPipe visibility over the
    frames with a pose is at least ``min_visibility``. Hidden arms (behind a desk, out of
    frame) are guessed by MediaPipe with middling visibility that drifts around the
    threshold; they would add jumps that are not movement. Using the same landmarks for
    both people keeps their ``body`` signals comparable.
    """
    masks = []
    for feats in features:
        vis = feats["upper_body_visibility"]
        with_pose = np.isfinite(vis).any(axis=1)
        if with_pose.any():
            masks.append(np.nanmedian(vis[with_pose], axis=0) >= min_visibility)
    if not masks:
        return np.ones(len(UPPER_BODY), dtype=bool)
    both = np.logical_and.reduce(masks)
    return both if both.any() else np.logical_or.reduce(masks)


def median_shoulder_width_px(features: Features) -> float:
    """Median shoulder width in pixels over the frames where both shoulders were seen."""
    widths = features["shoulder_width_px"]
    return float(np.nanmedian(widths)) if np.isfinite(widths).any() else math.nan


# --------------------------------------------------------------------------- signals


def body_speed(features: Features, context: SignalContext) -> np.ndarray:
    """Mean speed of the seen reliable upper-body landmarks, in body widths/s."""
    upper = features["upper_body_px"]
    if context.landmarks is not None and context.landmarks.any():
        upper = upper[:, context.landmarks]
    pos = lowpass(upper, context.grid_hz, context.cutoff_hz, causal=context.causal)
    with np.errstate(invalid="ignore"):
        per_landmark = np.sqrt(np.sum(derivative(pos, context.grid_hz, context.causal) ** 2,
                                      axis=2))
    seen = np.isfinite(per_landmark)
    n_seen = seen.sum(axis=1)
    body = np.where(n_seen > 0, np.where(seen, per_landmark, 0.0).sum(axis=1)
                    / np.maximum(n_seen, 1), np.nan)
    scale = context.scale_px
    return body / scale if scale > 0 and math.isfinite(scale) else body * np.nan


def head_speed(features: Features, context: SignalContext) -> np.ndarray:
    """Rotation speed (deg/s) and translation speed (cm/s) combined as their hypot."""
    fs, cutoff, causal = context.grid_hz, context.cutoff_hz, context.causal
    quat = lowpass(features["head_quat"], fs, cutoff, causal=causal)
    with np.errstate(invalid="ignore"):
        quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
    rot_deg_s = 2.0 * np.degrees(speed(quat, fs, causal))
    trans_cm_s = speed(lowpass(features["head_cm"], fs, cutoff, causal=causal), fs, causal)
    return np.hypot(rot_deg_s, trans_cm_s)


def face_change(features: Features, context: SignalContext) -> np.ndarray:
    """Norm of the rate of change of the expression blendshapes, in units/s."""
    shapes = lowpass(features["blendshapes"], context.grid_hz, context.cutoff_hz,
                     causal=context.causal)
    return speed(shapes, context.grid_hz, context.causal)


def motion_energy(features: Features, context: SignalContext) -> np.ndarray:
    """Return the tracker's motion fraction as it is (already a per-frame change)."""
    return np.asarray(features["motion"], dtype=np.float64)


#: The built-in signals, in the order they are listed everywhere (keys 1-4 in the GUI).
BUILTIN_SIGNALS = (
    SignalSpec(name="body", unit="body widths/s", label="upper-body movement",
               features=(UPPER_BODY_PX, UPPER_BODY_VISIBILITY, SHOULDER_WIDTH_PX),
               compute=body_speed, noise_floor=NoiseFloorRule(minimum=1e-4)),
    SignalSpec(name="head", unit="deg/s (rotation and translation combined)",
               label="head movement", features=(HEAD_QUAT, HEAD_CM), compute=head_speed,
               noise_floor=NoiseFloorRule(minimum=1e-3), short_unit="deg/s"),
    SignalSpec(name="face", unit="blendshape units/s", label="facial expression change",
               features=(BLENDSHAPES,), compute=face_change,
               noise_floor=NoiseFloorRule(minimum=1e-4), short_unit="units/s"),
    # motion's minimum: under one pixel of a 1000 x 1000 region
    SignalSpec(name="motion", unit="fraction of region pixels changed per frame",
               label="motion energy (MEA)", features=(MOTION,), compute=motion_energy,
               noise_floor=NoiseFloorRule(minimum=1e-6), short_unit="of pixels"),
)


def register_builtin_signals() -> None:
    """Put the built-in signals into the table (once; called by :mod:`synchrony.signals`)."""
    for spec in BUILTIN_SIGNALS:
        register_signal(spec)
