"""Scene, person and baseline calibration, free of Qt (installed as synchrony.calibration).

Modules
-------
profile   :class:`~.profile.CalibrationProfile` and its JSON file (``load_profile`` is what
          ``analyze``, ``monitor`` and ``record`` call for ``--calibration``).
detect    MediaPipe IMAGE-mode passes that find people in still frames.
estimate  pure functions: people from detections, regions, noise floor, body scale.
camera    camera check: measured frame rate, resolution, exposure.
baseline  noise floor and body scale from a still stretch, with the analysis' own signals.
workflow  the steps on a frame source, used by ``synchrony calibrate`` and the wizard
          (whose Qt view is ``synchrony.gui.qt_calibration``).
"""
