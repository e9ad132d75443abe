"""Files in and out (imports analysis, signals, engine, records).

Modules
-------
tidy            JSON, CSV and Parquet writers of ``analyze`` (grids, signals, rows).
landmarks       the landmark storage schema: tracked frames to Arrow rows and back.
interchange     files for other tools: landmark CSV, MEA text (rMEA), ELAN tiers.
h264            the H.264 writer of session videos and annotated exports.
episode_files   ``episodes.json`` / ``episodes.csv`` / ``timeline.csv`` / ``timeline.parquet``.
atomic          files replaced atomically (temporary name, fsync, rename).
output_dir      output folders written all or nothing.
text_tables     two-person series from text tables (MEA output, CSV, TSV).
"""
