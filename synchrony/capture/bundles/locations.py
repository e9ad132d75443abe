"""Where bundles are looked for: ``--model-dir``, ``SYNCHRONY_MODEL_DIR``, the user cache.

The search order is ``--model-dir`` → ``SYNCHRONY_MODEL_DIR`` (a relative path is resolved
against the current directory) → the user cache,
``platformdirs.user_cache_dir("synchrony")/models``, which is always last.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_cache_dir

from synchrony.capture.bundles.specs import ENV_MODEL_DIR, ModelSpec, PathArg
from synchrony.errors import InputError


@dataclass(frozen=True)
class SearchLocation:
    """A directory searched for bundles, with the reason it is searched."""

    label: str
    path: Path

    def describe(self) -> str:
        """Return e.g. ``"SYNCHRONY_MODEL_DIR=/data/models"`` or ``"cache /root/..."``."""
        if self.label == ENV_MODEL_DIR:
            return f"{ENV_MODEL_DIR}={self.path}"
        return f"{self.label} {self.path}"


def default_cache_dir() -> Path:
    """Return the user cache directory for bundles (it may not exist yet)."""
    return Path(user_cache_dir("synchrony")) / "models"


def _existing_dir(value: PathArg, what: str) -> Path:
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise InputError(f"{what} {path} is not a directory")
    return path


def search_locations(model_dir: PathArg | None = None,
                     cache_dir: PathArg | None = None) -> list[SearchLocation]:
    """Return the directories searched, in order; the cache is always last.

    Raises
    ------
    InputError
        ``model_dir`` or ``SYNCHRONY_MODEL_DIR`` is given but is not a directory.
    """
    locations = []
    if model_dir is not None:
        locations.append(SearchLocation("--model-dir", _existing_dir(model_dir, "--model-dir")))
    env_dir = os.environ.get(ENV_MODEL_DIR, "").strip()
    if env_dir:
        path = _existing_dir(env_dir, f"{ENV_MODEL_DIR}={env_dir}:")
        locations.append(SearchLocation(ENV_MODEL_DIR, path))
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    locations.append(SearchLocation("cache", cache))
    return locations


def files_of(spec: ModelSpec,
             locations: Sequence[SearchLocation]) -> Iterator[tuple[SearchLocation, Path]]:
    """Yield every existing accepted file of ``spec``, in search order, without duplicates."""
    seen: set[Path] = set()
    for location in locations:
        for name in spec.names:
            path = location.path / name
            if path.is_file() and path.resolve() not in seen:
                seen.add(path.resolve())
                yield location, path
