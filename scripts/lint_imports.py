"""Check the package as it installs: import contracts and types, ``gui/`` inside it.

In the source tree ``gui/`` and ``calibration/`` sit beside ``synchrony/`` and install as
``synchrony.gui`` and ``synchrony.calibration`` (``[tool.setuptools.package-dir]``).
import-linter reads the package from disk, and mypy cannot see the package-dir mapping (in
the source tree it types ``synchrony.gui.*`` imports as ``Any``), so this script lays the
sources out as they install (a copy in a temporary folder) and runs ``lint-imports`` with
the contracts in ``pyproject.toml`` and ``mypy -p synchrony`` on that copy.
Usage: ``python scripts/lint_imports.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPED = {"gui": "gui", "calibration": "calibration"}  # synchrony.<name> <- <folder>


@contextlib.contextmanager
def installed_layout() -> Iterator[str]:
    """Yield a temporary folder holding ``synchrony/`` as it installs."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    with tempfile.TemporaryDirectory(prefix="synchrony-lint-") as tmp:
        package = Path(tmp) / "synchrony"
        shutil.copytree(ROOT / "synchrony", package, ignore=ignore)
        for name, folder in MAPPED.items():
            shutil.copytree(ROOT / folder, package / name, ignore=ignore)
        yield tmp


def _tool(name: str) -> str:
    return shutil.which(name, path=str(Path(sys.executable).parent)) or name


def main() -> int:
    """Lint and type-check the installed layout (pyproject.toml's settings); return the code."""
    config = str(ROOT / "pyproject.toml")
    with installed_layout() as tmp:
        env = dict(os.environ, PYTHONPATH=tmp)
        imports = subprocess.call([_tool("lint-imports"), "--no-cache", config],
                                  cwd=tmp, env=env)
        print("mypy on the installed layout:", flush=True)
        types = subprocess.call([_tool("mypy"), "--config-file", config, "--no-incremental",
                                 "-p", "synchrony"], cwd=tmp, env=env)
        return imports or types


if __name__ == "__main__":
    sys.exit(main())
