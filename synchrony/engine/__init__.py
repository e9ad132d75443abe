"""Numeric synchrony engine: numpy/scipy only (no capture, files, plots or GUI).

Sign convention: at lag > 0, A leads and B follows.

Modules
-------
wcc          windowed cross-correlation (rMEA and Boker windowing), Fisher z.
peaks        Boker et al. (2002) peak picking, as wcc's ``wccPeakPick``.
loess        R's loess + spline smoothing of a WCC row as one cached matrix.
streaming    streaming WCC of the newest window in O(n_lags) per sample.
surrogates   session-level surrogate tests (circular shift, segment shuffle).
susy         SUSY 0.1.0 (surrogate synchrony), reproduced.
compat       rMEA 1.3.0 pre-processing (``MEAsmooth``, scaling, ``ccfRes``).
lead         the lag sign in words ("B follows A by 0.40 s").
validation   argument checks whose messages name the argument, expected and got.

Researchers' scripts import ``synchrony.wcc``, ``synchrony.compat`` and
``synchrony.surrogates`` (public re-exports, a contract).
"""
