"""The lag sign convention in words (lag > 0: A leads, B follows), and when a leader is named."""

from __future__ import annotations

import math

import pytest

from synchrony.engine.lead import describe_lag, describe_leader, leader_of


@pytest.mark.parametrize(("lag_s", "leader", "words"), [
    (0.4, "A", "B follows A by 0.40 s"),
    (-1.25, "B", "A follows B by 1.25 s"),
    (0.01, "none", "A and B move together (lag 0 s)"),
    (math.nan, "none", "no clear peak"),
])
def test_the_sign_convention_in_words(lag_s: float, leader: str, words: str) -> None:
    assert leader_of(lag_s, tolerance_s=0.025) == leader
    assert describe_lag(lag_s, tolerance_s=0.025) == words


def test_roles_replace_the_person_labels() -> None:
    assert describe_lag(-0.5, names=("therapist", "client")) == \
        "therapist follows client by 0.50 s"


@pytest.mark.parametrize(("state", "words"), [
    ("in_sync", "A follows B by 0.70 s"),
    ("not_in_sync", "no leader (not above chance)"),
    ("unknown", "no leader (chance level unknown)"),
])
def test_a_leader_is_named_only_above_chance(state: str, words: str) -> None:
    assert describe_leader(-0.7, state) == words


def test_no_peak_is_said_whatever_the_state() -> None:
    assert describe_leader(math.nan, "not_in_sync") == "no clear peak"
