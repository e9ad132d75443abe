"""Subcommands of the ``synchrony`` command line.

Each module here defines ``register(subparsers)``, which adds its parser and sets
``func`` (``(argparse.Namespace) -> int``) as the parser default. ``cli.py`` lists them.
"""
