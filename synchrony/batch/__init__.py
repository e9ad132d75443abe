"""Whole recordings to output folders."""
