"""Movement signals per person on a uniform time grid (contract names and units).

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

Every quantity is first resampled by timestamp onto the grid ``t0 + k / grid_hz`` (linear
interpolation across gaps of at most ``max_gap_s``; longer gaps and missing people stay
NaN), then low-pass filtered (zero-phase Butterworth, ``cutoff_hz``) because MediaPipe
landmarks jitter from frame to frame, then differentiated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.signal import butter, sosfilt, sosfilt_zi, sosfiltfilt
from scipy.spatial.transform import Rotation

from synchrony.engine import validation
from synchrony.records import LEFT_SHOULDER, PERSONS, RIGHT_SHOULDER, UPPER_BODY, TrackedFrame

SIGNALS = ("body", "head", "face", "motion")
UNITS = {
    "body": "body widths/s",
    "head": "deg/s (rotation and translation combined)",
    "face": "blendshape units/s",
    "motion": "fraction of region pixels changed per frame",
}
#: Pose landmarks with a lower MediaPipe visibility are treated as not seen.
MIN_VISIBILITY = 0.5
#: A landmark enters ``body`` only if its median visibility reaches this for both people.
MIN_RELIABLE_VISIBILITY = 0.8
DEFAULT_MAX_GAP_S = 0.5
#: Grid times this close to a sample take its value (rounding of k / grid_hz).
_SAME_TIME_S = 1e-6
DEFAULT_CUTOFF_HZ = 3.0


@dataclass(frozen=True, slots=True)
class SignalSet:
    """All signals of both people on one grid.

    Attributes
    ----------
    time_s : (n,) grid times in seconds (same clock as the frames' ``timestamp_s``).
    grid_hz : grid rate in Hz.
    values : ``"A_body"``, ``"B_body"``, … -> (n,) arrays, NaN where unknown.
    detected_fraction : person -> fraction of frames with a pose (``pose``) / face (``face``).
    """

    time_s: np.ndarray
    grid_hz: float
    values: dict[str, np.ndarray]
    detected_fraction: dict[str, dict[str, float]]
    #: ``"A_body"`` … -> fraction of the grid marked "no movement" (below the noise floor).
    no_movement_fraction: dict[str, float] = field(default_factory=dict)

    def pair(self, signal: str) -> tuple[np.ndarray, np.ndarray]:
        """(A, B) series of one signal."""
        return self.values[f"A_{signal}"], self.values[f"B_{signal}"]


def uniform_grid(timestamps_s: np.ndarray, grid_hz: float) -> np.ndarray:
    """Grid times from the first to the last timestamp, ``1 / grid_hz`` apart."""
    grid_hz = validation.positive("grid_hz", grid_hz)
    if len(timestamps_s) == 0:
        return np.zeros(0)
    t0, t1 = float(timestamps_s[0]), float(timestamps_s[-1])
    n = int(math.floor((t1 - t0) * grid_hz + 1e-9)) + 1
    return t0 + np.arange(n) / grid_hz


def resample(t_src: np.ndarray, values: np.ndarray, t_grid: np.ndarray,
             max_gap_s: float = DEFAULT_MAX_GAP_S) -> np.ndarray:
    """Linear interpolation of each column onto ``t_grid``, bridging gaps <= ``max_gap_s``.

    ``values`` is (n_src,) or (n_src, d); NaN rows are missing samples. A grid time gets a
    value only if the valid samples on both sides are at most ``max_gap_s`` apart (or it
    coincides with a valid sample); otherwise NaN.
    """
    vals = np.asarray(values, dtype=np.float64)
    flat = vals.reshape(len(t_src), -1)
    out = np.full((len(t_grid), flat.shape[1]), np.nan)
    for j in range(flat.shape[1]):
        ok = np.isfinite(flat[:, j])
        if ok.sum() == 0:
            continue
        ts, ys = t_src[ok], flat[ok, j]
        right = np.searchsorted(ts, t_grid, side="left")
        left = np.clip(right - 1, 0, len(ts) - 1)
        right_c = np.clip(right, 0, len(ts) - 1)
        exact = (np.abs(ts[right_c] - t_grid) <= _SAME_TIME_S) | (
            np.abs(ts[left] - t_grid) <= _SAME_TIME_S)
        inside = (right > 0) & (right < len(ts)) & (ts[right_c] - ts[left] <= max_gap_s + 1e-9)
        col = np.interp(t_grid, ts, ys)
        out[:, j] = np.where(inside | exact, col, np.nan)
    return out.reshape((len(t_grid),) + vals.shape[1:])


def lowpass(x: np.ndarray, fs_hz: float, cutoff_hz: float = DEFAULT_CUTOFF_HZ, *,
            causal: bool = False) -> np.ndarray:
    """2nd-order Butterworth low-pass along axis 0, segment by segment (NaN gaps).

    Zero-phase (forward-backward) by default; ``causal=True`` filters forward only, as a
    live view must (it then lags by the filter's group delay). Segments too short to
    filter zero-phase are left as they are. Columns (all trailing axes) that share the
    same gaps are filtered together in one call.
    """
    out = np.array(x, dtype=np.float64, order="C")  # a C-contiguous copy: flat is a view
    if cutoff_hz <= 0 or cutoff_hz >= fs_hz / 2 or out.size == 0:
        return out
    sos = butter(2, cutoff_hz, btype="low", fs=fs_hz, output="sos")
    flat = out.reshape(len(out), -1)
    finite = np.isfinite(flat)
    _, group_of = np.unique(np.packbits(finite, axis=0).T, axis=0, return_inverse=True)
    for group in np.unique(group_of):
        cols = np.flatnonzero(group_of == group)
        present = finite[:, cols[0]].astype(np.int8)
        edges = np.flatnonzero(np.diff(np.concatenate([[0], present, [0]])))
        for start, stop in zip(edges[::2], edges[1::2], strict=True):
            seg = flat[start:stop][:, cols]
            if causal:
                zi = sosfilt_zi(sos)[:, :, None] * seg[0][None, None, :]
                flat[start:stop, cols] = sosfilt(sos, seg, axis=0, zi=zi)[0]
            elif stop - start > 9:
                flat[start:stop, cols] = sosfiltfilt(sos, seg, axis=0,
                                                     padlen=min(9, stop - start - 1))
    return out


def _derivative(x: np.ndarray, fs_hz: float, causal: bool) -> np.ndarray:
    """d/dt along axis 0: central differences, or backward differences if ``causal``."""
    if len(x) < 2:
        return np.full_like(x, np.nan, dtype=np.float64)
    if not causal:
        return np.gradient(x, axis=0) * fs_hz
    d = np.empty_like(x, dtype=np.float64)
    d[1:] = np.diff(x, axis=0) * fs_hz
    d[0] = np.nan
    return d


def _speed(x: np.ndarray, fs_hz: float, causal: bool = False) -> np.ndarray:
    """Euclidean norm over the trailing axes of d/dt, per sample."""
    d = _derivative(x, fs_hz, causal)
    return np.sqrt(np.sum(d.reshape(len(d), -1) ** 2, axis=1))


def reliable_landmarks(features: Sequence[Mapping[str, np.ndarray]],
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


def signals_from_grid(grid: Mapping[str, np.ndarray], *, grid_hz: float, scale_px: float,
                      cutoff_hz: float = DEFAULT_CUTOFF_HZ, causal: bool = False,
                      landmarks: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The four signals of one person from features already on the grid.

    ``grid`` holds :func:`person_features` keys resampled onto the grid; ``scale_px`` is
    the shoulder width used for ``body``; ``landmarks`` is an optional (7,) mask of the
    upper-body landmarks to use (see :func:`reliable_landmarks`). ``causal=True`` uses
    only past samples (live).
    """
    upper = grid["upper_body_px"]
    if landmarks is not None and landmarks.any():
        upper = upper[:, landmarks]
    pos = lowpass(upper, grid_hz, cutoff_hz, causal=causal)
    with np.errstate(invalid="ignore"):
        per_landmark = np.sqrt(np.sum(_derivative(pos, grid_hz, causal) ** 2, axis=2))
    seen = np.isfinite(per_landmark)
    n_seen = seen.sum(axis=1)
    body = np.where(n_seen > 0, np.where(seen, per_landmark, 0.0).sum(axis=1)
                    / np.maximum(n_seen, 1), np.nan)
    body = body / scale_px if scale_px > 0 and math.isfinite(scale_px) else body * np.nan
    quat = lowpass(grid["head_quat"], grid_hz, cutoff_hz, causal=causal)
    with np.errstate(invalid="ignore"):
        quat = quat / np.linalg.norm(quat, axis=1, keepdims=True)
    rot_deg_s = 2.0 * np.degrees(_speed(quat, grid_hz, causal))
    trans_cm_s = _speed(lowpass(grid["head_cm"], grid_hz, cutoff_hz, causal=causal), grid_hz,
                        causal)
    face = _speed(lowpass(grid["blendshapes"], grid_hz, cutoff_hz, causal=causal), grid_hz,
                  causal)
    return {"body": body, "head": np.hypot(rot_deg_s, trans_cm_s), "face": face,
            "motion": np.asarray(grid["motion"], dtype=np.float64)}


def person_features(frames: Sequence[TrackedFrame], person: int) -> dict[str, np.ndarray]:
    """Per-frame raw quantities of one person (index 0 = A), in pixels / cm / coefficients.

    Keys: ``upper_body_px`` (n, 7, 2), ``upper_body_visibility`` (n, 7),
    ``shoulder_width_px`` (n,), ``head_quat`` (n, 4),
    ``head_cm`` (n, 3), ``blendshapes`` (n, 51), ``motion`` (n,); NaN = not seen.
    """
    obs = [f.people[person] for f in frames]
    size = np.array([f.size_px for f in frames], dtype=np.float64)  # (n, 2) width, height
    pose = np.stack([o.pose_xy_norm for o in obs]).astype(np.float64) * size[:, None, :]
    vis = np.stack([o.pose_visibility for o in obs]).astype(np.float64)
    pose[~(vis >= MIN_VISIBILITY)] = np.nan
    shoulders = np.linalg.norm(pose[:, LEFT_SHOULDER] - pose[:, RIGHT_SHOULDER], axis=1)
    matrices = np.stack([o.head_matrix for o in obs]).astype(np.float64)
    return {
        "upper_body_px": pose[:, list(UPPER_BODY)],
        "upper_body_visibility": vis[:, list(UPPER_BODY)],
        "shoulder_width_px": shoulders,
        "head_quat": _quaternions(matrices[:, :3, :3]),
        "head_cm": matrices[:, :3, 3],
        "blendshapes": np.stack([o.blendshapes for o in obs]).astype(np.float64)[:, 1:],
        "motion": np.array([o.motion_fraction for o in obs], dtype=np.float64),
    }


def _quaternions(rot: np.ndarray) -> np.ndarray:
    """(n, 3, 3) rotation matrices (NaN = none) -> (n, 4) quaternions, signs made continuous."""
    out = np.full((len(rot), 4), np.nan)
    ok = np.isfinite(rot).all(axis=(1, 2))
    if ok.any():
        q = Rotation.from_matrix(rot[ok]).as_quat()
        flips = np.concatenate([[1.0], np.sign(np.sum(q[1:] * q[:-1], axis=1))])
        flips[flips == 0] = 1.0
        out[ok] = q * np.cumprod(flips)[:, None]
    return out


def extract_signals(
    frames: Sequence[TrackedFrame],
    *,
    grid_hz: float,
    max_gap_s: float = DEFAULT_MAX_GAP_S,
    cutoff_hz: float = DEFAULT_CUTOFF_HZ,
    body_scale_px: Mapping[str, float] | None = None,
    noise_floor: Mapping[str, Mapping[str, float]] | None = None,
) -> SignalSet:
    """Turn tracked frames into the four signals of both people on a uniform grid.

    Parameters
    ----------
    frames : tracked frames in time order.
    grid_hz : rate of the output grid in Hz.
    max_gap_s : gaps up to this long are interpolated; longer ones stay NaN.
    cutoff_hz : low-pass cut-off applied to positions, angles and blendshapes.
    body_scale_px : person -> shoulder width in pixels (calibration); default: the
        median shoulder width seen in the session.
    noise_floor : person -> signal -> level (in the signal's unit) that a still person
        reaches from tracker jitter alone (calibration baseline); stretches that stay
        below it are marked as no movement (NaN), see :func:`mark_no_movement`.
    """
    if len(frames) < 2:
        raise ValueError(f"need at least 2 tracked frames to measure movement, got {len(frames)}")
    t_src = np.array([f.timestamp_s for f in frames], dtype=np.float64)
    if np.any(np.diff(t_src) <= 0):
        raise ValueError("frame timestamps must be strictly increasing")
    t_grid = uniform_grid(t_src, grid_hz)
    values: dict[str, np.ndarray] = {}
    detected: dict[str, dict[str, float]] = {}
    still: dict[str, float] = {}
    features = [person_features(frames, i) for i in range(len(PERSONS))]
    landmarks = reliable_landmarks(features)
    for person, raw in zip(PERSONS, features, strict=True):
        detected[person] = {
            "pose": float(np.mean(np.isfinite(raw["upper_body_px"]).any(axis=(1, 2)))),
            "face": float(np.mean(np.isfinite(raw["blendshapes"][:, 0]))),
        }
        grid = {k: resample(t_src, v, t_grid, max_gap_s) for k, v in raw.items()}
        scale = (body_scale_px or {}).get(person) or median_shoulder_width_px(raw)
        for name, series in signals_from_grid(grid, grid_hz=grid_hz, scale_px=scale,
                                              cutoff_hz=cutoff_hz,
                                              landmarks=landmarks).items():
            floor = (noise_floor or {}).get(person, {}).get(name)
            key = f"{person}_{name}"
            values[key] = mark_no_movement(series, floor, grid_hz) if floor else series
            if floor:
                still[key] = float(np.mean(np.isnan(values[key]) & np.isfinite(series)))
    return SignalSet(time_s=t_grid, grid_hz=float(grid_hz), values=values,
                     detected_fraction=detected, no_movement_fraction=still)


def median_shoulder_width_px(features: Mapping[str, np.ndarray]) -> float:
    """Median shoulder width in pixels over the frames where both shoulders were seen."""
    widths = features["shoulder_width_px"]
    return float(np.nanmedian(widths)) if np.isfinite(widths).any() else math.nan


#: A stretch below the noise floor must last this long to count as "no movement".
MIN_STILL_S = 1.0


def mark_no_movement(x: np.ndarray, floor: float, grid_hz: float,
                     min_still_s: float = MIN_STILL_S) -> np.ndarray:
    """Replace stretches of at least ``min_still_s`` below ``floor`` by NaN ("no movement").

    A person sitting still produces only tracker jitter; correlating that jitter with the
    other person's movement would report noise as synchrony. Such stretches become missing
    samples, which the WCC treats as missing (rMEA drops windows that are mostly missing).
    """
    below = np.isfinite(x) & (x < floor)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], below.astype(np.int8), [0]])))
    out = np.array(x, dtype=np.float64, copy=True)
    min_len = max(1, int(round(min_still_s * grid_hz)))
    for start, stop in zip(edges[::2], edges[1::2], strict=True):
        if stop - start >= min_len:
            out[start:stop] = np.nan
    return out
