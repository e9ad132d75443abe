"""Shared pytest set-up: Qt runs offscreen; helpers for ../shared live in tests/shared.py."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
