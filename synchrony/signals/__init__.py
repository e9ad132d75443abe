"""Movement signals per person on a uniform time grid.

- :mod:`~synchrony.signals.registry`: the table of signals (name, unit, label, features,
  compute function, noise-floor rule); add a signal here, see its docstring.
- :mod:`~synchrony.signals.specs`: what one table entry is (:class:`SignalSpec` and parts).
- :mod:`~synchrony.signals.builtin`: the four built-in signals ``body``, ``head``, ``face``,
  ``motion`` (registered when this package is imported).
- :mod:`~synchrony.signals.grid`: the uniform grid, resampling, low-pass, derivatives.
- :mod:`~synchrony.signals.extract`: tracked frames -> every registered signal of both
  people (:func:`~synchrony.signals.extract.extract_signals`).
- :mod:`~synchrony.signals.frame_events`: frames with a whole-frame event (repeated frame,
  lighting step, camera bump) and the rule that makes them missing samples.
"""

from synchrony.signals.builtin import register_builtin_signals

register_builtin_signals()
