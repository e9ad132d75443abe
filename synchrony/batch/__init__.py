"""Whole recordings to output folders (``synchrony analyze``, ``synchrony demo``).

Modules
-------
analyze   video or tracked frames -> signals -> analysis -> every output file, all or nothing.
report    the one-line-per-signal summary the commands print.
"""
