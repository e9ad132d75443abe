"""Fixtures for end-to-end tests: the product's own generated two-person clips."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def load_generator() -> ModuleType:
    """``sample_videos/make_dyad_clip.py`` as a module."""
    path = REPO / "sample_videos" / "make_dyad_clip.py"
    spec = importlib.util.spec_from_file_location("make_dyad_clip", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def dyad_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Three 24 s clips: A leads by 0.5 s, B leads by 0.4 s, independent people."""
    gen = load_generator()
    folder = tmp_path_factory.mktemp("clips")
    specs = {
        "a_leads_0.5": {"lag_s": 0.5, "coupling": 0.85, "seed": 11},
        "b_leads_0.4": {"lag_s": -0.4, "coupling": 0.85, "seed": 12},
        "independent": {"lag_s": 0.0, "coupling": 0.0, "seed": 13},
    }
    clips = {}
    for name, spec in specs.items():
        path = folder / f"{name}.mp4"
        gen.make_dyad_clip(path, duration_s=24.0, fps=25.0, **spec)
        clips[name] = path
    return clips
