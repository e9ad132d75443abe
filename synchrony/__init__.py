"""synchrony: real-time nonverbal synchrony of two people in one camera view.

Sign convention (used everywhere in this package): at lag > 0, person **A leads and B
follows** -- B's movement resembles A's earlier movement. A is the person on the left of
the image, B the one on the right. See :mod:`synchrony.engine.lead`.

One data flow: capture -> tracking -> signals -> synchrony -> outputs. The rooms, from the
bottom up (a room imports only rooms below it; ``make test`` checks this with
import-linter, see ``docs/architecture.md``):

Rooms
-----
records     Frame, Region, PersonObservation, TrackedFrame, the landmark counts and the
            PersonTracker protocol: the records every room shares (numpy only).
errors      InputError (bad input: one line, exit 2). logs: the logging set-up of the
            command line. progress: the progress bar.
engine      Numeric kernels, numpy/scipy only: windowed cross-correlation (``wcc``),
            Boker peak picking (``peaks``, ``loess``), streaming WCC, surrogate tests,
            SUSY, rMEA compatibility, the lag sign in words (``lead``).
capture     Frames in, tracked people out: frame sources (files, cameras, streams),
            the MediaPipe tracker, the model bundles, the one tracker factory, whole-video
            tracking.
signals     Movement signals per person on a uniform time grid (body, head, face,
            motion): resampling, low-pass, features.
analysis    Signals to synchrony numbers: per-signal analysis, the summary, episodes.
io          Files: tidy tables, the landmark schema, MEA/ELAN/CSV interchange, the H.264
            writer, all-or-nothing output folders.
render      Pictures: static plots, annotated frames, the people's colours.
live        The live pipeline (causal signals, streaming WCC, chance level) and its
            threads.
batch       Whole recordings to output folders (``analyze``).
session     Recorded sessions: the crash-safe store, session analysis, replay model,
            annotated video export.
commands    The command line's subcommands (argument parsing only); ``cli`` is the entry.

``gui`` (PyQt6 dashboard, replay and calibration wizard) and ``calibration`` (Qt-free scene
and baseline calibration) install as ``synchrony.gui`` and ``synchrony.calibration`` from
the top-level folders of the source tree.

Public import paths kept for researchers' scripts (contract): ``synchrony.wcc``
(``windowed_xcorr``, ``fisher_z``, ``pick_peaks``), ``synchrony.compat`` (``rmea_smooth``)
and ``synchrony.surrogates`` (``susy``, ``surrogate_test``).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("synchrony")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
