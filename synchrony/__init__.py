"""synchrony: real-time nonverbal synchrony monitor.

Sign convention (used everywhere in this package): at lag > 0, person **A leads and B
follows** -- B's movement resembles A's earlier movement. See :mod:`synchrony.wcc`.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synchrony")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
