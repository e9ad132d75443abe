"""Frames in, tracked people out (imports records, errors, progress).

Modules
-------
sources    frame sources: video files (PyAV), cameras and streams (OpenCV), arrays (tests).
tracking   the MediaPipe two-person tracker (the only mediapipe user) and motion energy.
bundles    the MediaPipe model files: pinned specs, checks, search order, verified download.
factory    the one place that builds a tracker from the bundles.
video      every frame of a video file, decoded in its own thread and tracked.
frame_events  whole-frame events (repeated frame, lighting step, camera bump) from the pictures.
samples    the bundled sample clip (package data).
"""
