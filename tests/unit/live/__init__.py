"""Tests of ``synchrony.live``."""
