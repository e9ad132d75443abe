"""Fixtures for end-to-end tests: the product's own generated two-person clips."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.shared import load_generator


@pytest.fixture(scope="session")
def dyad_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two 24 s clips: A leads by 0.5 s, independent people (B leading: test_rendered_dyads)."""
    gen = load_generator()
    folder = tmp_path_factory.mktemp("clips")
    specs = {
        "a_leads_0.5": {"lag_s": 0.5, "coupling": 0.85, "seed": 11},
        "independent": {"lag_s": 0.0, "coupling": 0.0, "seed": 13},
    }
    clips = {}
    for name, spec in specs.items():
        path = folder / f"{name}.mp4"
        gen.make_dyad_clip(path, duration_s=24.0, fps=25.0, **spec)
        clips[name] = path
    return clips
