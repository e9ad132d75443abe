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

#: MediaPipe pose skeleton: pairs of the 33 landmark indices joined by a line.
POSE_CONNECTIONS: tuple[tuple[int, int], ...] = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
