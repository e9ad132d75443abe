"""The lag sign convention in words, for the UI, exports and reports.

lag > 0: A leads and B follows (B's movement resembles A's earlier movement).
"""

from __future__ import annotations

import math

SIGN_CONVENTION = "lag > 0: A leads, B follows; lag < 0: B leads, A follows"


def leader_of(lag_s: float, *, tolerance_s: float = 0.0) -> str:
    """Return ``"A"`` for lag > tolerance, ``"B"`` for lag < -tolerance, else ``"none"``."""
    if lag_s is None or not math.isfinite(lag_s) or abs(lag_s) <= tolerance_s:
        return "none"
    return "A" if lag_s > 0 else "B"


def describe_lag(lag_s: float, *, tolerance_s: float = 0.0, names: tuple[str, str] = ("A", "B")
                 ) -> str:
    """Say who leads in words, e.g. ``"B follows A by 0.40 s"``.

    ``names`` replaces the person labels (e.g. roles: ``("therapist", "client")``).
    """
    a, b = names
    if lag_s is None or not math.isfinite(lag_s):
        return "no clear peak"
    if abs(lag_s) <= tolerance_s:
        return f"{a} and {b} move together (lag 0 s)"
    if lag_s > 0:
        return f"{b} follows {a} by {lag_s:.2f} s"
    return f"{a} follows {b} by {-lag_s:.2f} s"


#: the leader words of a window whose state is not ``in_sync``
NO_LEADER_WORDS = {"not_in_sync": "no leader (not above chance)",
                   "unknown": "no leader (chance level unknown)"}


def describe_leader(lag_s: float, state: str, *, tolerance_s: float = 0.0,
                    names: tuple[str, str] = ("A", "B")) -> str:
    """Who leads at one window or moment, named only when its state is ``"in_sync"``.

    A lag read from coupling that is not above chance is the lag of noise: the words then
    say why no leader is named (``NO_LEADER_WORDS``) and callers show the lag as a number.
    ``state``: ``"in_sync"``, ``"not_in_sync"`` or ``"unknown"`` (the timeline's states).
    """
    if state == "in_sync" or lag_s is None or not math.isfinite(lag_s):
        return describe_lag(lag_s, tolerance_s=tolerance_s, names=names)
    return NO_LEADER_WORDS.get(state, NO_LEADER_WORDS["unknown"])
