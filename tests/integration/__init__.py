"""End-to-end tests with MediaPipe and real or generated clips."""
