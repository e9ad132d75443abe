"""Applying a calibration profile: the arguments ``analyze``, ``record`` and ``monitor`` pass on.

``load_calibration`` (record, monitor), ``calibration_arguments`` (analyze of a video) and
``session_calibration_arguments`` (analyze of a recorded session, with the profile the
session stored) turn a :class:`~synchrony.calibration.profile.CalibrationProfile` into
regions, roles, body scale and noise floor.

A person whose calibration baseline is unusable (they moved during it, see
:mod:`calibration.baseline`) gets no noise floor: :func:`noise_floor_arguments` leaves
them out and logs a warning naming the person and the reason.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synchrony.records import HALVES, Region
from synchrony.session.store import Session

if TYPE_CHECKING:
    from .profile import CalibrationProfile

log = logging.getLogger(__name__)


def noise_floor_arguments(profile: CalibrationProfile) -> dict[str, dict[str, float]]:
    """Return the profile's noise floor for ``extract_signals``, without unusable baselines.

    Each person left out is named in a logging warning with the reason (e.g. "moved during
    the baseline (head noise floor 14.2 deg/s, above 8 for a still person)").
    """
    for person, reason in profile.unusable_baselines().items():
        log.warning("calibration: no noise floor applied for person %s, whose baseline is "
                    "unusable: %s", person, reason)
    return profile.noise_floor()


def load_calibration(path: Path, size_px: tuple[int, int] | None
                     ) -> tuple[dict[str, Any], tuple[Region, Region], dict[str, str | None]]:
    """Load the profile as a dict, its (A, B) regions and roles (via ``load_profile``)."""
    from .profile import load_profile

    profile = load_profile(path)
    warning = profile.frame_size_warning(*size_px) if size_px else None
    if warning:
        log.warning("%s", warning)
    return profile.to_dict(), profile.regions, profile.roles


def session_calibration_arguments(session: Session) -> dict[str, Any]:
    """``analyze_run`` body scale and noise floor from the calibration a session stored."""
    stored = session.metadata.get("calibration")
    if not stored:
        return {}
    from .profile import profile_from_dict

    profile = profile_from_dict(stored)
    width = (session.metadata.get("source") or {}).get("width_px")
    return {"body_scale_px": profile.body_scale_px(width) if width else None,
            "noise_floor": noise_floor_arguments(profile)}


def calibration_arguments(profile_path: Path | None, video: Path) -> dict[str, Any]:
    """``analyze_video`` keyword arguments from a calibration profile (halves if None).

    Regions and roles as stored; body scale rescaled to the video's frame width; the noise
    floor; the whole profile under ``extra_parameters["calibration"]``. A frame size with
    another aspect ratio than the calibration's is reported as a warning on stderr.
    """
    if profile_path is None:
        return {"regions": HALVES, "extra_parameters": {}}
    from synchrony.capture.sources import VideoFileSource

    from .profile import load_profile

    profile = load_profile(profile_path)
    with VideoFileSource(video) as source:  # upright frame size (display rotation applied)
        width, height = source.size_px
    warning = profile.frame_size_warning(width, height)
    if warning:
        log.warning("%s", warning)
    return {"regions": profile.regions, "roles": profile.roles,
            "body_scale_px": profile.body_scale_px(width),
            "noise_floor": noise_floor_arguments(profile),
            "extra_parameters": {"calibration": profile.to_dict()}}
