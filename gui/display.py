"""No-display check for the window-opening commands (Qt-free: runs before Qt is imported)."""

from __future__ import annotations

import os
import sys

_DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")


def no_display(command: str) -> bool:
    """On Linux without a display, say so in one line on stderr and return True.

    Qt would otherwise abort the process with its own multi-line message.
    """
    if not sys.platform.startswith("linux") or any(os.environ.get(n) for n in _DISPLAY_VARIABLES):
        return False
    print(f"synchrony {command}: failed: no display to show the window on (DISPLAY is not "
          "set); run it in a desktop session, or headless with QT_QPA_PLATFORM=offscreen "
          "and --exit-after-s/--screenshot", file=sys.stderr)
    return True
