"""Shared pytest set-up: Qt runs offscreen; helpers for ../shared live in tests/shared.py."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# Import every command module now, before any test patches a library name: a module first
# imported inside a monkeypatch would keep the patched object for the rest of the run.
import synchrony.cli  # noqa: E402

synchrony.cli.build_parser()

#: Shared fixtures, loaded for every test (plain helpers are imported from tests.fixtures).
pytest_plugins = ["tests.fixtures.model_sandbox"]
