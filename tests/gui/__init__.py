"""Tests of ``synchrony.gui`` (pytest-qt, offscreen)."""
