"""The one diagnostics channel: :mod:`logging`, configured by the command line.

Library modules log through ``logging.getLogger(__name__)`` (all below the ``synchrony``
logger) and never print. The command line (:func:`configure`) sends the records to stderr,
one line each: warnings and errors as ``warning: …`` / ``error: …``, information as it is,
debug lines only with ``--verbose``. ``--quiet`` keeps warnings and errors only.
"""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "synchrony"


class _StderrHandler(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record arrives (test captures work)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
            sys.stderr.flush()
        except Exception:  # noqa: BLE001 - logging must never raise
            self.handleError(record)


class _Formatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.levelno >= logging.ERROR:
            return f"error: {message}"
        if record.levelno >= logging.WARNING:
            return f"warning: {message}"
        if record.levelno <= logging.DEBUG:
            return f"debug: {record.name}: {message}"
        return message


def configure(*, verbose: bool = False, quiet: bool = False) -> None:
    """Route the ``synchrony`` loggers to stderr (idempotent: one handler).

    Parameters
    ----------
    verbose : also show debug lines (with the logger's name).
    quiet : show warnings and errors only.
    """
    logger = logging.getLogger(LOGGER_NAME)
    for handler in list(logger.handlers):
        if isinstance(handler, _StderrHandler):
            logger.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(_Formatter())
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)

