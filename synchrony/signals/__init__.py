"""Movement signals."""
