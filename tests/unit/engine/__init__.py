"""Tests of ``synchrony.engine``."""
