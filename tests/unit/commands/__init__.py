"""Tests of ``synchrony.commands``."""
