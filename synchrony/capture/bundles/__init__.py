"""MediaPipe model bundles: where they are looked for, how they are checked and fetched.

mediapipe 1.2.x ships no models. synchrony needs two ``.task`` bundles: a pose landmarker
(variant ``"lite"``, the default, or ``"full"``) and the face landmarker. :func:`find_model`
returns the path of a usable bundle, searching in this order:

1. the ``model_dir`` argument (``--model-dir DIR`` on the command line);
2. the directory in the environment variable ``SYNCHRONY_MODEL_DIR`` (a relative path is
   resolved against the current directory);
3. the user cache, ``platformdirs.user_cache_dir("synchrony")/models``;
4. a download from the official Google model storage into that cache.

When a ``--model-dir`` or ``SYNCHRONY_MODEL_DIR`` is given but holds no matching file, the
cache and the download are only tried when downloading is allowed.

Integrity
---------
Every file that is found or downloaded is checked before it is used. A file whose name has a
pinned sha256 must match it; a file without a pin must at least be a readable zip holding the
bundle's members. Anything else raises :class:`~synchrony.errors.InputError` naming the file
and the problem; a bad file is never used silently. Digests are cached in-process by
``(path, size, mtime)``, so repeated look-ups do not re-read the file. Where each pinned
digest comes from is documented in :mod:`synchrony.capture.bundles.specs`.

Privacy
-------
Downloading a bundle is the **only** network access anywhere in synchrony. It happens only
when no usable local file exists and downloading is allowed (``allow_download=False`` forbids
it), it is a plain HTTP(S) GET of a public file (``User-Agent: synchrony/<version>``, no
video, landmarks or other user data are sent), and it goes to the official Google model
storage unless ``base_url`` / ``SYNCHRONY_MODEL_BASE_URL`` points elsewhere (a mirror, or a
loopback server in tests).

Modules (each imports only those above it)
------------------------------------------
specs
    :class:`PinnedFile`, :class:`ModelSpec`, the registry :data:`MODEL_SPECS`,
    :func:`get_spec`, :func:`resolve_base_url`.
checks
    Hashing (:func:`file_sha256`, cached) and :func:`check_bundle` (:class:`FileCheck`).
locations
    The search locations (:func:`search_locations`) and :func:`default_cache_dir`.
download
    :func:`download_model`: HTTP with resume, retry and verification; ``TIMEOUT_S``,
    ``RETRIES``, ``RETRY_BACKOFF_S``.
search
    :func:`find_model`, :func:`fetch_model`, :func:`model_status`, :func:`scan_models`.

This package only re-exports; a test that replaces a name must patch it in the module that
looks it up (``specs.MODEL_SPECS``, ``locations.user_cache_dir``, ``checks._digest``,
``download._open`` / ``TIMEOUT_S`` / ``RETRY_BACKOFF_S``), not here. The one exception is
:func:`find_model`, which :mod:`synchrony.capture.factory` looks up on this package at call
time.
"""

from __future__ import annotations

from synchrony.capture.bundles.checks import (
    CORRUPT,
    MISMATCH,
    MISSING,
    NOT_PINNED,
    OK,
    FileCheck,
    check_bundle,
    file_sha256,
)
from synchrony.capture.bundles.download import DownloadError, download_model
from synchrony.capture.bundles.locations import (
    SearchLocation,
    default_cache_dir,
    search_locations,
)
from synchrony.capture.bundles.search import (
    ModelStatus,
    fetch_model,
    find_model,
    model_status,
    scan_models,
)
from synchrony.capture.bundles.specs import (
    DEFAULT_BASE_URL,
    ENV_BASE_URL,
    ENV_MODEL_DIR,
    MODEL_SPECS,
    ModelSpec,
    PinnedFile,
    ProgressCallback,
    get_spec,
    registry,
    resolve_base_url,
)

__all__ = [
    "CORRUPT",
    "DEFAULT_BASE_URL",
    "ENV_BASE_URL",
    "ENV_MODEL_DIR",
    "MISMATCH",
    "MISSING",
    "MODEL_SPECS",
    "NOT_PINNED",
    "OK",
    "DownloadError",
    "FileCheck",
    "ModelSpec",
    "ModelStatus",
    "PinnedFile",
    "ProgressCallback",
    "SearchLocation",
    "check_bundle",
    "default_cache_dir",
    "download_model",
    "fetch_model",
    "file_sha256",
    "find_model",
    "get_spec",
    "model_status",
    "registry",
    "resolve_base_url",
    "scan_models",
    "search_locations",
]
