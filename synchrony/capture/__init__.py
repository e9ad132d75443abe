"""Frames in, tracked people out: sources, tracking, model bundles."""
