"""From signals to synchrony numbers (Qt-free; imports signals, capture, engine).

Modules
-------
methods      the synchrony-method protocol (per window: strength and lag; per session: a
             statistic for the surrogate tests), its registry and the shared leader rule.
wcc_method   windowed cross-correlation as a method (session statistic: the lag-profile
             peak; lag: its argmax; Boker peaks per window).
pair         per-signal analysis of an (A, B) pair with every chosen method.
summary      who was in view and the ``summary.json`` document (contract).
timeline     the synchrony timeline (per window: smoothed strength, lag, chance level of the
             same statistic, state) for analyze, replay, export and the live view.
episodes     synchrony, ruptures and repairs: sustained runs of timeline states.
"""
