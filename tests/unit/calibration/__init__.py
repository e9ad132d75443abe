"""Tests of ``synchrony.calibration``."""
