"""From signals to synchrony numbers."""
