"""The one place that builds a two-person tracker from the MediaPipe bundles.

``analyze``, ``record``, ``monitor``, ``calibrate`` and the live runner all get their
tracker here: :func:`find_models` locates both bundles (``--model-dir`` →
``SYNCHRONY_MODEL_DIR`` → user cache → verified download), :func:`tracker_factory` returns
a function that builds a :class:`~synchrony.capture.tracking.MediaPipeTracker` for given
regions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from synchrony.records import HALVES, PersonTracker, Region

if TYPE_CHECKING:
    from synchrony.capture.tracking import MediaPipeTracker

TrackerFactory = Callable[[tuple[Region, Region]], PersonTracker]
"""Builds a tracker for the (A, B) regions."""


@dataclass(frozen=True, slots=True)
class ModelPaths:
    """The two MediaPipe ``.task`` bundles a tracker needs."""

    pose: Path
    face: Path


def find_models(model_dir: Path | None = None, pose_variant: str = "lite", *,
                allow_download: bool = True) -> ModelPaths:
    """Locate (or, if allowed, download) the pose and face bundles.

    Raises
    ------
    ModelNotFoundError
        A bundle is missing; the message names the three ways to provide it.
    """
    from synchrony.capture import bundles  # looked up at call time (tests replace it)

    return ModelPaths(
        pose=bundles.find_model("pose", variant=pose_variant, model_dir=model_dir,
                                allow_download=allow_download),
        face=bundles.find_model("face", model_dir=model_dir, allow_download=allow_download))


def build_tracker(models: ModelPaths, regions: tuple[Region, Region] = HALVES,
                  **options: Any) -> MediaPipeTracker:
    """Build a MediaPipe tracker for ``regions`` (A left, B right by default).

    ``options`` go to :class:`~synchrony.capture.tracking.MediaPipeTracker` (e.g.
    ``crowd_check_every_s=0``).
    """
    from synchrony.capture import tracking  # MediaPipe is imported only when a tracker is built

    return tracking.MediaPipeTracker(pose_model=models.pose, face_model=models.face,
                                     regions=regions, **options)


def tracker_factory(model_dir: Path | None = None, pose_variant: str = "lite", *,
                    allow_download: bool = True, lazy: bool = False) -> TrackerFactory:
    """Return ``make(regions) -> tracker``.

    Parameters
    ----------
    model_dir : directory searched first for the bundles.
    pose_variant : ``"lite"`` or ``"full"``.
    allow_download : whether a missing bundle may be downloaded into the user cache.
    lazy : find the bundles only when the first tracker is built (in the thread that
        builds it, so that a live view can show a missing model as a message); by default
        they are found now, so a command fails before it opens anything.
    """
    models = None if lazy else find_models(model_dir, pose_variant,
                                           allow_download=allow_download)

    def make(regions: tuple[Region, Region] = HALVES) -> PersonTracker:
        found = models or find_models(model_dir, pose_variant, allow_download=allow_download)
        return build_tracker(found, regions)

    return make
