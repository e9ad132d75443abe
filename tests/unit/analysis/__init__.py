"""Tests of ``synchrony.analysis``."""
