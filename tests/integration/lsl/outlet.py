"""A pylsl producer run as its own process by the LSL tests (not a test module).

    python -m tests.integration.lsl.outlet NAME TYPE [MARKER ...]

Opens an outlet; prints ``open``; with markers, waits for a consumer and for a line on
stdin, pushes each marker stamped with the LSL clock and prints ``sent TEXT TIME``; then
stays open until stdin closes.
"""

from __future__ import annotations

import sys

import pylsl


def main() -> int:
    name, kind, markers = sys.argv[1], sys.argv[2], sys.argv[3:]
    info = pylsl.StreamInfo(name, kind, 1, pylsl.IRREGULAR_RATE, pylsl.cf_string, f"test:{name}")
    outlet = pylsl.StreamOutlet(info)
    print("open", flush=True)
    if markers:
        if not outlet.wait_for_consumers(60):
            print("no consumer", flush=True)
            return 1
        print("consumer", flush=True)
        sys.stdin.readline()
        for text in markers:
            stamp = pylsl.local_clock()
            outlet.push_sample([text], stamp)
            print(f"sent {text} {stamp!r}", flush=True)
    sys.stdin.read()  # until the test closes our stdin
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
