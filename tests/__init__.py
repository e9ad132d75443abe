"""Tests of synchrony (see README, Development)."""
