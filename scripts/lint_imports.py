"""Run import-linter on the package as it installs: ``gui/`` and ``calibration/`` inside it.

In the source tree ``gui/`` and ``calibration/`` sit beside ``synchrony/`` and install as
``synchrony.gui`` and ``synchrony.calibration`` (``[tool.setuptools.package-dir]``).
import-linter reads the package from disk, so this script lays the sources out as they
install (a copy in a temporary folder) and runs ``lint-imports`` with the contracts in
``pyproject.toml`` on that copy. Usage: ``python scripts/lint_imports.py``.
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


def main() -> int:
    """Lint the installed layout with the contracts in pyproject.toml; return the exit code."""
    with installed_layout() as tmp:
        env = dict(os.environ, PYTHONPATH=tmp)
        lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) \
            or "lint-imports"
        return subprocess.call([lint, "--no-cache", str(ROOT / "pyproject.toml")],
                               cwd=tmp, env=env)


if __name__ == "__main__":
    sys.exit(main())
