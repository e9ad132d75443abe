"""Imports point one way: gui -> calibration -> core; the core and calibration never import Qt.

The command modules (``synchrony/commands``) are the entry points: they may start the
dashboard or the calibration wizard (``synchrony.gui``, ``synchrony.calibration``), but they
never import Qt themselves. Studies (``synchrony/study``) sit above calibration too: they
analyse videos with their calibration profiles, like ``analyze``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT = ("PyQt6", "pyqtgraph")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _matches(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _py_files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("path", _py_files("synchrony") + _py_files("calibration"), ids=_rel)
def test_core_and_calibration_never_import_qt(path: Path) -> None:
    bad = [n for n in _imports(path) if _matches(n, QT)]
    assert not bad, f"{_rel(path)} imports {bad}"


LIBRARY = [p for p in _py_files("synchrony")
           if "commands" not in p.parts and "study" not in p.parts and p.name != "cli.py"]


@pytest.mark.parametrize("path", LIBRARY, ids=_rel)
def test_core_library_imports_neither_gui_nor_calibration(path: Path) -> None:
    bad = [n for n in _imports(path) if _matches(n, ("synchrony.gui", "synchrony.calibration"))]
    assert not bad, f"{_rel(path)} imports {bad}"


@pytest.mark.parametrize("path", _py_files("calibration"), ids=_rel)
def test_calibration_does_not_import_gui(path: Path) -> None:
    bad = [n for n in _imports(path) if _matches(n, ("synchrony.gui",))]
    assert not bad, f"{_rel(path)} imports {bad}"
