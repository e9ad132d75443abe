"""Tests of ``synchrony.session``."""
