"""``monitor --lsl``: the dashboard publishes the same three LSL streams while it runs, and
LSL markers reach the recording and the banner (issue 12). In-process pylsl consumer and
producer; the dashboard uses the fake tracker."""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import pytest

from synchrony.gui.app import MonitorConfig, build_window
from synchrony.gui.workers import SourceChoice
from tests.fixtures.live_fakes import FAST

pylsl = pytest.importorskip("pylsl")


def test_monitor_lsl_publishes_the_streams_and_stores_markers(
        qtbot, fake_tracker, clip: Path, tmp_path: Path) -> None:  # noqa: ANN001
    prefix = f"synchrony-gui-{uuid.uuid4().hex[:8]}"
    marker_name = prefix + "-markers"
    marker_outlet = pylsl.StreamOutlet(pylsl.StreamInfo(
        marker_name, "Markers", 1, pylsl.IRREGULAR_RATE, pylsl.cf_string, marker_name))
    config = MonitorConfig(source=None, parameters=FAST, lsl=True, lsl_prefix=prefix,
                           markers_lsl=marker_name)
    window = build_window(config, fake_tracker)
    qtbot.addWidget(window)
    window.show()
    try:
        window.start(SourceChoice("file", str(clip), loop=True))
        assert window.start_recording(tmp_path / "session")
        inlets = {}
        for key, kind in (("signals", "Motion"), ("timeline", "Synchrony"),
                          ("frames", "VideoFrames")):
            (info,) = pylsl.resolve_byprop("name", f"{prefix}.{key}", minimum=1, timeout=10)
            assert info.type() == kind
            inlets[key] = pylsl.StreamInlet(info)
            inlets[key].open_stream(timeout=10)
        got: dict[str, list[float]] = {k: [] for k in inlets}

        def pulled(need: dict[str, int]) -> bool:
            for key, inlet in inlets.items():
                _, stamps = inlet.pull_chunk(timeout=0.0)
                got[key] += stamps
            return all(len(got[k]) >= n for k, n in need.items())

        qtbot.waitUntil(lambda: pulled({"frames": 50, "signals": 20, "timeline": 2}),
                        timeout=20000)
        for stamps in got.values():
            assert np.all(np.diff(stamps) > 0)
        qtbot.waitUntil(marker_outlet.have_consumers, timeout=15000)
        sent_at = pylsl.local_clock()
        marker_outlet.push_sample(["repair"], sent_at)
        qtbot.waitUntil(lambda: window.session.messages.get("markers") == (
            "info", "marker: repair"), timeout=5000)
        recording = window.session.recording
        assert recording is not None
        (stored,) = recording.writer.metadata["markers"]
        assert stored["label"] == "repair"
        assert stored["lsl_time_s"] == pytest.approx(sent_at, abs=0.01)
        origin = recording.writer.metadata["lsl_clock"]["origin_lsl_time_s"]
        assert stored["time_s"] == pytest.approx(sent_at - origin, abs=0.01)
    finally:
        window.close()
