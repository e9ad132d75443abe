"""From signals to synchrony numbers (Qt-free; imports signals, capture, engine).

Modules
-------
methods      the synchrony-method protocol (per window: strength and lag; per session: a
             statistic for the surrogate tests), its registry and the shared leader rule.
wcc_method   windowed cross-correlation as a method (Boker peaks, mean |peak r|).
pair         per-signal analysis of an (A, B) pair with every chosen method.
summary      who was in view and the ``summary.json`` document (contract).
episodes     synchrony, ruptures and repairs from the per-window strength.
"""
