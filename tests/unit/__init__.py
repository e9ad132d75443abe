"""Unit tests, one folder per room of the package (``synchrony/<room>``)."""
