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
    """Destroy a Qt test's widgets before the next test starts.

    pytest-qt closes the widgets a test registered and calls ``deleteLater``, but deferred
    deletes only run in the next event loop, which may belong to any later test (pytest-qt
    processes events around every test once a ``QApplication`` exists). A window half torn
    down in some later test's event loop once crashed the run inside pyqtgraph's
    ``AxisItem.paint``. Here the deletes and the Python wrappers' collection happen now,
    inside the test that made the widgets.
    """
    if "qtbot" not in getattr(item, "fixturenames", ()) or "PyQt6" not in sys.modules:
        return
    from PyQt6 import QtCore, QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        return
    for widget in app.topLevelWidgets():
        widget.close()
        widget.deleteLater()
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
