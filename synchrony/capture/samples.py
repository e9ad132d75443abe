"""The demo clip that ships with the package, found where it is installed (Qt-free).

The clip and its ground truth are package data of ``synchrony.sample_videos`` (the
``sample_videos/`` folder of the source tree), found through :mod:`importlib.resources`, so
the same call works from a wheel, an sdist install and an editable install.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

SAMPLES_PACKAGE = "synchrony.sample_videos"
#: The 90 s two-person demo clip: B (right) follows A (left) by 0.5 s.
SAMPLE_CLIP = "demo_dyad_a_leads_0.5s.mp4"


def sample_path(name: str) -> Path:
    """Path of the bundled sample file ``name`` (it may be missing from a broken install).

    Video readers need a real file, so this is the installed file itself: packages are
    installed as folders by pip and pipx (not run from a zip archive).
    """
    return Path(str(files(SAMPLES_PACKAGE).joinpath(name)))


def sample_clip() -> Path:
    """Return the path of the bundled demo clip (``demo_dyad_a_leads_0.5s.mp4``)."""
    return sample_path(SAMPLE_CLIP)


def sample_truth() -> dict[str, Any]:
    """Load the demo clip's ground truth (schema ``synchrony.sample_dyad_truth/1``).

    ``lag_s`` is B's delay behind A in s (> 0: A leads), ``coupling`` its strength; the
    full format is in ``sample_videos/README.md``.
    """
    path = sample_path(SAMPLE_CLIP.removesuffix(".mp4") + ".truth.json")
    truth: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return truth
