"""Recorded sessions (imports live, batch and everything below).

Modules
-------
store          the crash-safe session directory: writer, reader, markers.
recorder       the live runner's output that records a session (and, opt-in, its video).
analysis       analysis of a session from its landmarks, and its tidy exports.
replay         the replay model behind ``synchrony replay`` (Qt-free).
export_video   every frame of a session as an annotated H.264 video.
"""
