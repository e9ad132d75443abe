"""Pictures (imports analysis, signals, engine, records).

Modules
-------
plots    static PNG plots of an analysis (matplotlib, Agg): heatmap, lag profile, signals.
frames   annotated video frames (OpenCV): skeletons, gauge, timeline strip.
style    the two people's fixed colours and the pose skeleton.
"""
