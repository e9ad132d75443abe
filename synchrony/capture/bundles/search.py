"""Finding a usable bundle: :func:`find_model`, :func:`fetch_model` and the status views.

:func:`find_model` searches ``model_dir`` → ``SYNCHRONY_MODEL_DIR`` → user cache and only
then downloads into the cache (when allowed); every file found is checked first and a bad
one raises :class:`~synchrony.errors.InputError` instead of being used.
:func:`model_status` and :func:`scan_models` back ``synchrony models status`` / ``verify``.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from synchrony.capture.bundles.checks import MISSING, FileCheck, check_found, require_usable
from synchrony.capture.bundles.download import DownloadError, download_model
from synchrony.capture.bundles.locations import SearchLocation, files_of, search_locations
from synchrony.capture.bundles.specs import (
    ENV_MODEL_DIR,
    ModelSpec,
    PathArg,
    ProgressCallback,
    get_spec,
    registry,
)
from synchrony.errors import ModelNotFoundError


@dataclass(frozen=True)
class ModelStatus:
    """Where a bundle was found and how it checked out (``check`` is None when missing)."""

    spec: ModelSpec
    location: SearchLocation | None
    check: FileCheck | None

    @property
    def state(self) -> str:
        """``"missing"`` or the state of :attr:`check`."""
        return self.check.state if self.check is not None else MISSING

    @property
    def note(self) -> str:
        """Provenance note of the file found, or ``""``."""
        return self.spec.pin(self.check.path.name).note if self.check is not None else ""


def model_status(*, model_dir: PathArg | None = None, specs: Sequence[ModelSpec] | None = None,
                 cache_dir: PathArg | None = None) -> list[ModelStatus]:
    """Return, for each spec, the file :func:`find_model` would look at first, checked.

    Parameters
    ----------
    model_dir : path-like, optional
        As ``--model-dir``.
    specs : sequence of ModelSpec, optional
        Default :data:`MODEL_SPECS`.
    cache_dir : path-like, optional
        Default :func:`default_cache_dir`.
    """
    locations = search_locations(model_dir, cache_dir)
    result = []
    for spec in registry(specs):
        found = next(files_of(spec, locations), None)
        if found is None:
            result.append(ModelStatus(spec, None, None))
        else:
            result.append(ModelStatus(spec, found[0], check_found(spec, found[1])))
    return result


def scan_models(*, model_dir: PathArg | None = None, specs: Sequence[ModelSpec] | None = None,
                cache_dir: PathArg | None = None) -> list[ModelStatus]:
    """Return every accepted bundle file in every search location, checked."""
    locations = search_locations(model_dir, cache_dir)
    return [ModelStatus(spec, location, check_found(spec, path))
            for spec in registry(specs)
            for location, path in files_of(spec, locations)]

def _not_found(spec: ModelSpec, searched: Sequence[SearchLocation], cache: Path,
               reason: str) -> ModelNotFoundError:
    """Return the one-line error naming what was searched and the three ways to fix it."""
    where = "; ".join(location.describe() for location in searched)
    skipped = "" if any(location.path == cache for location in searched) else (
        "; the cache is not searched when a model directory is given and downloading is off")
    names = " or ".join(spec.names)
    return ModelNotFoundError(
        f"no {spec.label} model bundle found ({reason}; searched: {where}{skipped}). Fix: "
        f"pass --model-dir DIR (a folder with {names}), or set {ENV_MODEL_DIR}=DIR, or run "
        f"`synchrony models fetch` with internet access (or put {spec.official.name} "
        f"into {cache})")


_DOWNLOAD_LOCK = threading.Lock()


def _download_once(spec: ModelSpec, cache: Path, base_url: str | None,
                   progress: ProgressCallback | None) -> Path:
    """Download unless another thread already did (checked under a lock)."""
    with _DOWNLOAD_LOCK:
        ready = cache / spec.official.name
        if ready.is_file():
            return require_usable(check_found(spec, ready))
        return download_model(spec, cache_dir=cache, base_url=base_url, progress=progress)


def find_model(kind: str, *, variant: str = "lite", model_dir: PathArg | None = None,
               allow_download: bool = True, progress: ProgressCallback | None = None,
               base_url: str | None = None, cache_dir: PathArg | None = None) -> Path:
    """Return the path of a verified bundle for ``kind`` / ``variant``.

    Search order: ``model_dir`` → ``SYNCHRONY_MODEL_DIR`` → user cache → download into
    the cache. When ``model_dir`` or the environment variable is set but holds no matching
    file, the cache and the download are only tried if ``allow_download``.

    Parameters
    ----------
    kind : str
        ``"pose"`` or ``"face"``.
    variant : str
        Pose variant, ``"lite"`` (default) or ``"full"``; ignored for ``"face"``.
    model_dir : path-like, optional
        Directory searched first (``--model-dir``).
    allow_download : bool
        Whether the official bundle may be downloaded (the only network access).
    progress : callable, optional
        ``progress(bytes_done, bytes_total)`` during a download.
    base_url : str, optional
        Download base URL; default ``SYNCHRONY_MODEL_BASE_URL`` or the official storage.
    cache_dir : path-like, optional
        Cache directory; default :func:`default_cache_dir`.

    Raises
    ------
    ModelNotFoundError
        Nothing found and downloading is off or failed; the message names the fixes.
    InputError
        A file was found but is corrupt or does not match its pinned sha256, or a given
        directory does not exist.
    """
    spec = get_spec(kind, variant)
    locations = search_locations(model_dir, cache_dir)
    cache = locations[-1]
    searched = locations if allow_download or len(locations) == 1 else locations[:-1]
    found = next(files_of(spec, searched), None)
    if found is not None:
        return require_usable(check_found(spec, found[1]))
    if not allow_download:
        raise _not_found(spec, searched, cache.path, "downloading is disabled")
    try:
        return _download_once(spec, cache.path, base_url, progress)
    except DownloadError as exc:
        raise _not_found(spec, searched, cache.path, str(exc)) from exc


def fetch_model(spec: ModelSpec, *, model_dir: PathArg | None = None,
                cache_dir: PathArg | None = None, base_url: str | None = None,
                progress: ProgressCallback | None = None) -> tuple[Path, bool]:
    """Make sure ``spec`` is available, downloading it into the cache if needed.

    A missing bundle, or a corrupt one in the cache, is (re-)downloaded. A corrupt file in
    ``model_dir`` / ``SYNCHRONY_MODEL_DIR`` belongs to the user and is not touched.

    Returns
    -------
    path : Path
        The usable bundle.
    downloaded : bool
        Whether it was downloaded now.

    Raises
    ------
    InputError
        A corrupt file outside the cache would shadow the download.
    ModelNotFoundError
        The download failed; the message names the fixes.
    """
    locations = search_locations(model_dir, cache_dir)
    cache = locations[-1]
    found = next(files_of(spec, locations), None)
    if found is not None:
        location, path = found
        check = check_found(spec, path)
        if check.usable:
            return path, False
        if location is not cache:
            require_usable(check)
    try:
        path = download_model(spec, cache_dir=cache.path, base_url=base_url, progress=progress)
    except DownloadError as exc:
        raise _not_found(spec, locations, cache.path, str(exc)) from exc
    return path, True
