"""The ``synchrony`` command line: parses arguments and calls library functions.

Errors are one line on stderr: exit status 2 for bad input (``ValueError``, missing or
unreadable files), 1 for any other failure. ``--debug`` shows the traceback instead.
SIGTERM ends a command exactly like Ctrl-C (its clean-up runs; ``synchrony: interrupted``,
exit 130) unless the command handles both itself (``record``, ``stream``, ``monitor``).
"""

from __future__ import annotations

import argparse
import errno
import importlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from synchrony import __version__, logs

#: Subcommand modules in ``synchrony.commands``, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "demo",
    "analyze",
    "wcc",
    "models",
    "monitor",
    "calibrate",
    "record",
    "export_video",
    "replay",
    "study",
    "stream",
)

SIGN_NOTE = "Lag sign: lag > 0 means A leads and B follows (B resembles A's earlier movement)."


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser with every available subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="synchrony",
        description="Nonverbal synchrony of two people: tracking, windowed cross-correlation, "
        "surrogate tests. " + SIGN_NOTE,
    )
    parser.add_argument("--version", action="version", version=f"synchrony {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    noise = parser.add_mutually_exclusive_group()
    noise.add_argument("-v", "--verbose", action="store_true",
                       help="also print debug messages (with the module they come from)")
    noise.add_argument("-q", "--quiet", action="store_true",
                       help="print warnings and errors only")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"synchrony.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"synchrony.commands.{name}":
                continue  # subcommand not built yet
            raise
        module.register(subparsers)
    return parser


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().replace("\n", " ")
    return text or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(verbose=args.verbose or args.debug, quiet=args.quiet)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return _run(args)
    except KeyboardInterrupt:
        sys.unraisablehook = _debug_unraisable  # objects the interrupt left half-built
        print("synchrony: interrupted", file=sys.stderr)
        return 130
    except (ValueError, FileNotFoundError, IsADirectoryError, NotADirectoryError,
            PermissionError) as exc:
        if args.debug:
            raise
        print(f"synchrony {args.command}: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - the CLI promises one line, never a traceback
        if args.debug:
            raise
        if isinstance(exc, OSError) and exc.errno == errno.ENAMETOOLONG:  # a bad path given
            print(f"synchrony {args.command}: error: {_one_line(exc)}", file=sys.stderr)
            return 2
        print(f"synchrony {args.command}: failed: {type(exc).__name__}: {_one_line(exc)}",
              file=sys.stderr)
        return 1


def _debug_unraisable(unraisable: Any) -> None:
    """Log an error in a finalizer (``__del__``) at debug level instead of a traceback."""
    logging.getLogger("synchrony").debug("after the interrupt: %s: %s in %r",
                                         unraisable.exc_type.__name__, unraisable.exc_value,
                                         unraisable.object)


def _run(args: argparse.Namespace) -> int:
    """Run the command with SIGTERM raising KeyboardInterrupt (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        return int(args.func(args) or 0)
    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)  # as SIGINT does
    try:
        return int(args.func(args) or 0)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL if previous is None else previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
