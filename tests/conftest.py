"""Shared pytest set-up: Qt runs offscreen; helpers for ../shared live in tests/shared.py."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

#: Shared fixtures, loaded for every test (plain helpers are imported from tests.fixtures).
pytest_plugins = ["tests.fixtures.model_sandbox"]
