"""Tests of ``synchrony.render``."""
