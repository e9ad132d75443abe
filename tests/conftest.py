"""Shared pytest set-up: Qt runs offscreen; helpers for ../shared live in tests/shared.py."""

from __future__ import annotations

import gc
import os
import sys

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Import every command module now, before any test patches a library name: a module first
# imported inside a monkeypatch would keep the patched object for the rest of the run.
import synchrony.cli  # noqa: E402

synchrony.cli.build_parser()

#: Shared fixtures, loaded for every test (plain helpers are imported from tests.fixtures).
pytest_plugins = ["tests.fixtures.model_sandbox"]


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Finish a Qt test's widget deletes and collect their Python wrappers in its own teardown.

    pytest-qt closes the widgets a test registered and calls ``deleteLater``; the deletes
    then run in whatever event processing comes next, and the wrappers' cycles (pyqtgraph
    keeps parentless, Python-owned menus and widgets per plot) go at whatever allocation
    next triggers the garbage collector, possibly inside a later test's paint. A CI run
    once crashed inside pyqtgraph's ``AxisItem.paint`` on a deleted axis. Here both happen
    at a fixed point. Nothing else is deleted: deleting pyqtgraph's parentless menus from
    C++ (e.g. every top-level widget) frees them twice and crashes (seen here).
    """
    if "qtbot" not in getattr(item, "fixturenames", ()) or "PyQt6" not in sys.modules:
        return
    from PyQt6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    QtCore.QCoreApplication.sendPostedEvents(None, QtCore.QEvent.Type.DeferredDelete.value)
    gc.collect()
    app.processEvents()


def pytest_sessionstart(session: pytest.Session) -> None:
    """Print pytest-randomly's seed even under ``-q``: a failure that depends on the test
    order (CI runs in random order) can then be rerun in the same order."""
    seed = getattr(session.config.option, "randomly_seed", None)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if isinstance(seed, int) and reporter is not None:
        reporter.write_line(f"test order: pytest-randomly seed {seed} "
                            f"(the same order again: --randomly-seed={seed})")
