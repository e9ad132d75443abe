"""Tests against the R tools' own outputs (rMEA, wcc, SUSY)."""
