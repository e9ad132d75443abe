"""The two people's fixed colours, shared by plots, the dashboard and exported video.

Okabe-Ito blue for A and orange for B: distinguishable with the common colour-vision
deficiencies, and the same everywhere the product shows a person.
"""

from __future__ import annotations

PERSON_COLOURS: dict[str, str] = {"A": "#0072B2", "B": "#E69F00"}


def hex_rgb(colour: str) -> tuple[int, int, int]:
    """``"#0072B2"`` -> (0, 114, 178)."""
    value = colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


PERSON_RGB: dict[str, tuple[int, int, int]] = {p: hex_rgb(c) for p, c in PERSON_COLOURS.items()}
