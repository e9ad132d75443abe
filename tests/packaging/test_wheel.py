"""The package as a user installs it: built wheel, clean virtual environment, no checkout.

``python -m build`` makes the sdist and then the wheel *from the sdist*, so a file missing
from either shows up here. The wheel is installed (not editable) into a new virtual
environment, and every command runs with a working directory outside the checkout and
without ``PYTHONPATH``, so nothing can come from the source tree. Truths: the source tree
itself (every module in it must import from the wheel), ``pyproject.toml``'s version, and
the demo clip's known lag (B follows A by 0.5 s).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
import venv
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.shared import REPO_ROOT, model_dir

pytestmark = pytest.mark.slow

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
#: installed package name -> source folder, e.g. ``synchrony.gui`` -> ``gui``
PACKAGE_DIR: dict[str, str] = PYPROJECT["tool"]["setuptools"]["package-dir"]
SAMPLE_FILES = ("demo_dyad_a_leads_0.5s.mp4", "demo_dyad_a_leads_0.5s.truth.json")

IMPORT_EACH = """
import importlib, json, sys
result = {"failed": {}, "files": {}}
for name in json.load(sys.stdin):
    try:
        result["files"][name] = importlib.import_module(name).__file__
    except Exception as exc:
        result["failed"][name] = f"{type(exc).__name__}: {exc}"
print(json.dumps(result))
"""


def source_modules() -> list[str]:
    """Every module of the source tree, by the name it has once installed."""
    names = []
    for package, folder in PACKAGE_DIR.items():
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            parts = path.relative_to(REPO_ROOT / folder).with_suffix("").parts
            if "__pycache__" in parts:
                continue
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names.append(".".join((package, *parts)))
    return names


@dataclass(frozen=True)
class Installed:
    """The wheel installed into a clean virtual environment."""

    wheel: Path
    sdist: Path
    python: Path
    synchrony: Path
    prefix: Path
    workdir: Path  # outside the checkout

    def env(self) -> dict[str, str]:
        """A user's environment: no source tree on the path; the test models; no display."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        env.update(SYNCHRONY_MODEL_DIR=str(model_dir()), QT_QPA_PLATFORM="offscreen")
        return env

    def run(self, *argv: str | Path, stdin: str | None = None, timeout_s: float = 600
            ) -> subprocess.CompletedProcess[str]:
        """Run a command of the installed package in ``workdir``."""
        return subprocess.run([str(a) for a in argv], cwd=self.workdir, env=self.env(),
                              input=stdin, capture_output=True, text=True, timeout=timeout_s,
                              check=False)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build sdist + wheel from the checkout; install the wheel into a new venv."""
    root = tmp_path_factory.mktemp("packaging")
    assert not root.resolve().is_relative_to(REPO_ROOT)
    dist = root / "dist"
    build = subprocess.run([sys.executable, "-m", "build", "--outdir", str(dist), str(REPO_ROOT)],
                           capture_output=True, text=True, timeout=900, check=False)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    (wheel,) = dist.glob("synchrony-*.whl")
    (sdist,) = dist.glob("synchrony-*.tar.gz")
    prefix = root / "venv"
    venv.create(prefix, with_pip=True, clear=True)
    python = prefix / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)],
                             cwd=root, capture_output=True, text=True, timeout=1800,
                             check=False)
    assert install.returncode == 0, install.stderr[-3000:]
    workdir = root / "elsewhere"
    workdir.mkdir()
    return Installed(wheel, sdist, python, prefix / "bin" / "synchrony", prefix, workdir)


def test_wheel_holds_every_module_and_the_package_data(installed: Installed) -> None:
    with zipfile.ZipFile(installed.wheel) as wheel:
        names = set(wheel.namelist())
    in_wheel = {n.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
                for n in names if n.endswith(".py")}
    assert sorted(in_wheel) == sorted(source_modules())
    for data in ("synchrony/py.typed", *(f"synchrony/sample_videos/{f}" for f in SAMPLE_FILES)):
        assert data in names
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_every_module_of_the_source_tree_imports_from_the_wheel(installed: Installed) -> None:
    modules = source_modules()
    assert {"synchrony.commands.demo", "synchrony.gui.app", "synchrony.calibration.apply",
            "synchrony.capture.samples", "synchrony.sample_videos"} <= set(modules)
    done = installed.run(installed.python, "-c", IMPORT_EACH, stdin=json.dumps(modules))
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["failed"] == {}
    site = installed.prefix.resolve()
    outside = {name: file for name, file in result["files"].items()
               if not Path(file).resolve().is_relative_to(site)}
    assert outside == {}, "imported from outside the installed wheel"
    assert len(result["files"]) == len(modules)


def test_version_comes_from_the_installed_metadata(installed: Installed) -> None:
    done = installed.run(installed.synchrony, "--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"synchrony {PYPROJECT['project']['version']}"


@pytest.mark.mediapipe
def test_demo_analyses_the_bundled_clip(installed: Installed) -> None:
    out = installed.workdir / "demo"
    done = installed.run(installed.synchrony, "demo", "--out", out, "--no-progress")
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads((out / "summary.json").read_text())
    clip = Path(summary["source"]["path"]).resolve()
    assert clip.is_relative_to(installed.prefix.resolve())
    assert clip.name == SAMPLE_FILES[0]
    for signal in ("body", "head"):  # the clip's truth: B follows A by 0.5 s
        block = summary["signals"][signal]
        assert block["leader"] == "A"
        assert block["median_peak_lag_s"] == pytest.approx(0.5, abs=0.1)
    assert "truth: B follows A by 0.50 s" in done.stderr


def test_demo_into_an_existing_file_is_one_line_exit_2(installed: Installed) -> None:
    target = installed.workdir / "a_file.txt"
    target.write_text("not a folder")
    done = installed.run(installed.synchrony, "demo", "--out", target)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"synchrony demo: error: --out {target} exists and is not a directory"]
    assert target.read_text() == "not a folder"


@pytest.mark.mediapipe
@pytest.mark.gui
def test_monitor_without_camera_plays_the_bundled_clip(installed: Installed) -> None:
    done = installed.run(installed.synchrony, "monitor", "--exit-after-s", "5", timeout_s=300)
    assert done.returncode == 0, done.stderr[-3000:]
    site_clip = next(installed.prefix.glob(f"lib/*/site-packages/synchrony/sample_videos/"
                                           f"{SAMPLE_FILES[0]}"))
    assert f"playing the sample clip {site_clip}" in done.stderr
    processed = re.search(r"(\d+) frames processed", done.stderr)
    assert processed, done.stderr[-3000:]
    assert int(processed.group(1)) > 0
