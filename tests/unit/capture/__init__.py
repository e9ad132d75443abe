"""Tests of ``synchrony.capture``."""
