"""Exceptions that the command line turns into one-line messages.

``InputError`` (a ``ValueError``) means the user gave bad input: exit status 2.
Any other failure is exit status 1.
"""


class InputError(ValueError):
    """Bad input from the user (file, parameter, table): reported in one line, exit 2."""


class ModelNotFoundError(InputError):
    """No MediaPipe model bundle could be found or fetched."""
