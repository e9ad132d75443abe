"""Package discovery for setuptools; every other setting is in ``pyproject.toml``.

The source tree keeps ``gui/``, ``calibration/`` and ``sample_videos/`` beside
``synchrony/``; they install as ``synchrony.gui``, ``synchrony.calibration`` and
``synchrony.sample_videos`` (``[tool.setuptools.package-dir]``). setuptools' own ``find``
cannot install a folder under another name, so the packages are listed here: each mapped
root and every folder below it (``__init__.py`` or not), so that a new subpackage can never
be left out of the wheel. ``tests/packaging`` checks that every module imports from the
installed wheel.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from setuptools import find_namespace_packages, setup

HERE = Path(__file__).resolve().parent
SKIPPED = ["__pycache__", "*.__pycache__"]


def package_dirs() -> dict[str, str]:
    """``[tool.setuptools.package-dir]``: installed package name -> source folder."""
    config = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    mapping: dict[str, str] = config["tool"]["setuptools"]["package-dir"]
    return mapping


def packages(mapping: dict[str, str]) -> list[str]:
    """Every installed package name: the mapped roots and all folders below them."""
    found = set(mapping)
    for name, folder in mapping.items():
        below = find_namespace_packages(where=str(HERE / folder), exclude=SKIPPED)
        found.update(f"{name}.{sub}" for sub in below)
    return sorted(found)


setup(packages=packages(package_dirs()))
