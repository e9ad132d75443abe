"""Studies: many sessions analysed as one study, locally or on a Dask cluster (Qt-free).

- :mod:`~synchrony.study.manifest`: the manifest CSV (or a glob) -> items;
- :mod:`~synchrony.study.item`: one item (video, session directory or text table) -> its
  analyze output and its rows of ``study.csv``, resumable;
- :mod:`~synchrony.study.executors`: local processes, a Dask scheduler, SLURM/PBS;
- :mod:`~synchrony.study.pseudo`: between-dyad pseudo-synchrony and the study statistics;
- :mod:`~synchrony.study.tables`: ``study.csv``/``.parquet``, ``pseudo.parquet``,
  ``failures.csv``, ``study_summary.json``; :mod:`~synchrony.study.report`: ``report.html``;
- :mod:`~synchrony.study.run`: the whole study (``synchrony study``).

Sign convention of every lag: lag > 0 means A leads and B follows.
"""
