"""Tests of the built package."""
