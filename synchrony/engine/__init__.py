"""Numeric synchrony engine (numpy/scipy only)."""
