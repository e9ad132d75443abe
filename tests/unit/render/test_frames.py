"""Annotated frames (:mod:`synchrony.render.frames`): labels OpenCV can draw."""

from __future__ import annotations

import numpy as np

from synchrony.records import HALVES
from synchrony.render.frames import ascii_text, draw_person
from tests.fixtures.tracked import person


def test_labels_lose_their_accents_not_their_letters() -> None:
    """case -> expected: accented roles keep their letters; what has no ASCII form is ?."""
    assert ascii_text("A (thérapeute)") == "A (therapeute)"
    assert ascii_text("B (Klientin, Zürich)") == "B (Klientin, Zurich)"
    assert ascii_text("B · 来访者") == "B ? ???"
    assert ascii_text("A") == "A"


def test_an_accented_label_is_drawn_as_its_ascii_form() -> None:
    """case -> expected: the same person labelled "A (thérapeute)" and "A (therapeute)" ->
    the same pixels (OpenCV would draw each UTF-8 byte of é as ?)."""
    images = []
    for label in ("A (thérapeute)", "A (therapeute)"):
        image = np.zeros((240, 320, 3), np.uint8)
        draw_person(image, person(0.25, 0.0), HALVES[0], (0, 114, 178), label, 0.5)
        images.append(image)
    np.testing.assert_array_equal(images[0], images[1])
    assert images[0].any()
