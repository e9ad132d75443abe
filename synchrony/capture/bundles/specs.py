"""What synchrony downloads and accepts: the pinned bundle files and the spec registry.

Each :class:`ModelSpec` names one bundle (pose ``lite``/``full``, face), the file names
accepted for it (``files[0]`` is the official download) with their pinned sha256, and the
zip members a valid bundle holds. :data:`MODEL_SPECS` is the registry; every reader looks
it up here at call time (:func:`registry`), so tests replace it in this module only.

Pinned digests (all registry entries are pinned, none is left to a structural check):

* ``face_landmarker.task`` (official ``face_landmarker/float16/1``): from
  ``../shared/models/README.md``, which traces it to two unrelated public repositories
  holding the same git blob.
* ``pose_landmarker_{lite,full}.task`` (official ``float16/1``): the digests and sizes that
  several unrelated public projects pin for Google's bundles, among them
  ``toublence/motionfit`` (``tool/download_pose_models.sh``) and
  ``Bioliminal/bioliminal-mobile-application`` (``assets/models/CHECKSUMS.md``); the full
  digest also in ``LeeDongHyun00/TREX``. Those two repositories download the ``float16/latest``
  URL; other public code pins the same values for the ``float16/1`` URL (version 1 is the only
  published one). They were not checked against a download here (no internet access).
* ``pose_landmarker_{lite,full}_offline.task``: bundles built from the legacy BlazePose
  models (not Google's bytes), digests from ``../shared/models/README.md``.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from synchrony.errors import InputError

#: ``progress(bytes_done, bytes_total)``; ``bytes_total`` is ``None`` when unknown.
ProgressCallback = Callable[[int, int | None], None]
PathArg = str | os.PathLike[str]

ENV_MODEL_DIR = "SYNCHRONY_MODEL_DIR"
ENV_BASE_URL = "SYNCHRONY_MODEL_BASE_URL"
DEFAULT_BASE_URL = "https://storage.googleapis.com/mediapipe-models"


@dataclass(frozen=True)
class PinnedFile:
    """A file name accepted for a model, with its known-good digest.

    Attributes
    ----------
    name : str
        File name looked for in a directory.
    sha256 : str or None
        Pinned hex digest; ``None`` means not pinned (checked structurally only).
    size : int or None
        Size in bytes, if known.
    note : str
        Where the file comes from, shown by ``synchrony models``.
    """

    name: str
    sha256: str | None
    size: int | None = None
    note: str = ""


@dataclass(frozen=True)
class ModelSpec:
    """One model bundle synchrony can use.

    Attributes
    ----------
    kind : str
        ``"pose"`` or ``"face"``.
    variant : str
        ``"lite"`` / ``"full"`` for pose, ``"default"`` for face.
    url_path : str
        Path of the official download below the base URL; its last part is the name of
        ``files[0]``.
    files : tuple of PinnedFile
        Accepted file names in order of preference; ``files[0]`` is the official download.
    members : tuple of str
        Zip members a valid bundle must contain.
    """

    kind: str
    variant: str
    url_path: str
    files: tuple[PinnedFile, ...]
    members: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.files or self.files[0].name != self.url_path.rsplit("/", 1)[-1]:
            raise ValueError(f"files[0] of {self.kind}/{self.variant} must be the download")

    @property
    def official(self) -> PinnedFile:
        """The file that is downloaded."""
        return self.files[0]

    @property
    def names(self) -> tuple[str, ...]:
        """Accepted file names, in order of preference."""
        return tuple(pinned.name for pinned in self.files)

    @property
    def label(self) -> str:
        """Short human-readable name, e.g. ``"pose (lite)"``."""
        return f"{self.kind} ({self.variant})"

    @property
    def official_url(self) -> str:
        """URL of the official download."""
        return self.url(DEFAULT_BASE_URL)

    def url(self, base_url: str | None = None) -> str:
        """Return the download URL below ``base_url`` (default: env or official storage)."""
        return f"{resolve_base_url(base_url)}/{self.url_path}"

    def pin(self, name: str) -> PinnedFile:
        """Return the accepted file called ``name``."""
        for pinned in self.files:
            if pinned.name == name:
                return pinned
        raise KeyError(name)


_POSE_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
_FACE_MEMBERS = (
    "face_detector.tflite",
    "face_landmarks_detector.tflite",
    "face_blendshapes.tflite",
    "geometry_pipeline_metadata_landmarks.binarypb",
)
_OFFLINE_NOTE = "offline build of the legacy BlazePose models"

# Official pose digests: pinned identically by toublence/motionfit
# (tool/download_pose_models.sh) and Bioliminal/bioliminal-mobile-application
# (assets/models/CHECKSUMS.md); the full one also by LeeDongHyun00/TREX.
# Offline and face digests: ../shared/models/README.md.
MODEL_SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        kind="pose",
        variant="lite",
        url_path="pose_landmarker/pose_landmarker_lite/float16/1/pose_landmarker_lite.task",
        files=(
            PinnedFile(
                "pose_landmarker_lite.task",
                "59929e1d1ee95287735ddd833b19cf4ac46d29bc7afddbbf6753c459690d574a",
                5_777_746,
                "official float16/1",
            ),
            PinnedFile(
                "pose_landmarker_lite_offline.task",
                "1e143604f28e65e904e0dedb173e34be4220245b5553b2b3f6623a84f663f934",
                5_777_714,
                _OFFLINE_NOTE,
            ),
        ),
        members=_POSE_MEMBERS,
    ),
    ModelSpec(
        kind="pose",
        variant="full",
        url_path="pose_landmarker/pose_landmarker_full/float16/1/pose_landmarker_full.task",
        files=(
            PinnedFile(
                "pose_landmarker_full.task",
                "4eaa5eb7a98365221087693fcc286334cf0858e2eb6e15b506aa4a7ecdcec4ad",
                9_398_198,
                "official float16/1",
            ),
            PinnedFile(
                "pose_landmarker_full_offline.task",
                "e4e614ff5acf888eca9bec1001ad6c8bc30f0c550dc59f0e07fb05c128be3506",
                9_398_198,
                _OFFLINE_NOTE,
            ),
        ),
        members=_POSE_MEMBERS,
    ),
    ModelSpec(
        kind="face",
        variant="default",
        url_path="face_landmarker/face_landmarker/float16/1/face_landmarker.task",
        files=(
            PinnedFile(
                "face_landmarker.task",
                "64184e229b263107bc2b804c6625db1341ff2bb731874b0bcc2fe6544e0bc9ff",
                3_758_596,
                "official float16/1",
            ),
        ),
        members=_FACE_MEMBERS,
    ),
)



def registry(specs: Sequence[ModelSpec] | None = None) -> Sequence[ModelSpec]:
    """Return ``specs``, or the registry :data:`MODEL_SPECS` when ``specs`` is None."""
    return MODEL_SPECS if specs is None else specs


def get_spec(kind: str, variant: str = "lite",
             specs: Sequence[ModelSpec] | None = None) -> ModelSpec:
    """Return the spec for ``kind`` and ``variant``.

    Parameters
    ----------
    kind : str
        ``"pose"`` or ``"face"``.
    variant : str
        Pose variant (``"lite"`` or ``"full"``); ignored for a kind with a single variant.
    specs : sequence of ModelSpec, optional
        Registry to search; default :data:`MODEL_SPECS`.

    Raises
    ------
    InputError
        Unknown kind or variant.
    """
    searched = registry(specs)
    candidates = [spec for spec in searched if spec.kind == kind]
    if not candidates:
        kinds = sorted({spec.kind for spec in searched})
        raise InputError(f"unknown model kind {kind!r}; expected one of {', '.join(kinds)}")
    if len(candidates) == 1:
        return candidates[0]
    for spec in candidates:
        if spec.variant == variant:
            return spec
    variants = ", ".join(spec.variant for spec in candidates)
    raise InputError(f"unknown {kind} model variant {variant!r}; expected one of {variants}")


def resolve_base_url(base_url: str | None = None) -> str:
    """Return the download base URL: argument, else ``SYNCHRONY_MODEL_BASE_URL``, else official.

    Raises
    ------
    InputError
        The URL is not http(s).
    """
    value = base_url or os.environ.get(ENV_BASE_URL, "").strip() or DEFAULT_BASE_URL
    if urllib.parse.urlsplit(value).scheme not in ("http", "https"):
        raise InputError(f"model base URL must be http(s): {value!r}")
    return value.rstrip("/")
