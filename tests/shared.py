"""Paths to test inputs in ``../shared`` (never copied into the repository).

When they are missing, tests that need them *fail* in CI (``CI`` set) and skip elsewhere.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

import pytest

from bench.dyads import clip_generator

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SYNCHRONY_SHARED_DIR", REPO_ROOT.parent / "shared"))


def shared_path(*parts: str) -> Path:
    """Return a path inside ``../shared``; fail in CI, skip elsewhere, if it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"shared test input missing: {path}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def model_dir() -> Path:
    """Directory with MediaPipe bundles for tests: SYNCHRONY_MODEL_DIR or ../shared/models."""
    env = os.environ.get("SYNCHRONY_MODEL_DIR")
    if env:
        path = Path(env).resolve()
        if not path.is_dir():
            pytest.fail(f"SYNCHRONY_MODEL_DIR={env} is not a directory")
        return path
    return shared_path("models")


def load_generator() -> ModuleType:
    """``sample_videos/make_dyad_clip.py`` (the product's clip generator) as a module."""
    return clip_generator()
