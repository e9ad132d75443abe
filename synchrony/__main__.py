"""``python -m synchrony``: the same as the ``synchrony`` command."""

from synchrony.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
