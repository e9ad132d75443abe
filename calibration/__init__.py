"""Scene, person and baseline calibration, free of Qt (installed as synchrony.calibration)."""
