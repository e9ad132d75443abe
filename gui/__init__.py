"""PyQt6 + pyqtgraph dashboard (installed as synchrony.gui)."""
