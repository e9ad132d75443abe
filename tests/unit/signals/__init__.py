"""Tests of ``synchrony.signals``."""
