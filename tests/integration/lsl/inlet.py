"""A pylsl consumer run as its own process by the LSL tests (not a test module).

    python -m tests.integration.lsl.inlet OUT.json PREFIX DEADLINE_S

Resolves ``PREFIX.signals``, ``.timeline`` and ``.frames`` by name, prints ``ready`` once all
three are open and pulls every sample. The test closes this process's standard input once the
stream command has exited; the inlet then pulls what is still queued until the streams have
been silent for 2 s (or DEADLINE_S passes) and writes samples and time stamps as JSON.
Inlets are opened with ``recover=True``: with ``recover=False`` liblsl raises ``LostError``
as soon as the outlet is gone, before handing out the samples it already queued.
"""

from __future__ import annotations

import json
import math
import sys
import threading
import time

import pylsl
from pylsl.util import LostError


def main() -> int:
    out, prefix, deadline_s = sys.argv[1], sys.argv[2], float(sys.argv[3])
    end = time.monotonic() + deadline_s
    inlets = {}
    for key in ("signals", "timeline", "frames"):
        found = pylsl.resolve_byprop("name", f"{prefix}.{key}", minimum=1,
                                     timeout=max(0.1, end - time.monotonic()))
        if not found:
            print(f"missing {key}", flush=True)
            return 1
        inlets[key] = pylsl.StreamInlet(found[0], max_buflen=120, recover=True)
        inlets[key].open_stream(timeout=10)
    print("ready", flush=True)
    data = {k: {"samples": [], "stamps": []} for k in inlets}
    info = {k: {"labels": _labels(inlet.info()), "rate": inlet.info().nominal_srate(),
                "type": inlet.info().type(), "sign": inlet.info().desc().child_value(
                    "sign_convention")} for k, inlet in inlets.items()}
    ended = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), ended.set()), daemon=True).start()
    last_data, ended_at = time.monotonic(), None
    while time.monotonic() < end:
        got = False
        for key, inlet in inlets.items():
            try:
                samples, stamps = inlet.pull_chunk(timeout=0.05)
            except LostError:
                continue
            if stamps:
                got = True
                data[key]["samples"] += [[None if isinstance(v, float) and math.isnan(v)
                                          else v for v in s] for s in samples]
                data[key]["stamps"] += list(stamps)
        if got:
            last_data = time.monotonic()
        elif ended.is_set():
            ended_at = ended_at or time.monotonic()
            if time.monotonic() - max(last_data, ended_at) > 2.0:
                break
    with open(out, "w") as fh:
        json.dump({"data": data, "info": info}, fh)
    return 0


def _labels(info: pylsl.StreamInfo) -> list[str]:
    ch = info.desc().child("channels").child("channel")
    labels = []
    while not ch.empty():
        labels.append(ch.child_value("label"))
        ch = ch.next_sibling()
    return labels


if __name__ == "__main__":
    raise SystemExit(main())
