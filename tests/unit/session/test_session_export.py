"""Exports of a session: MEA text for rMEA, ELAN tiers, landmark CSV, annotated video."""

from __future__ import annotations

import csv
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import av
import numpy as np
import pytest

from synchrony.analysis.episodes import Episode, EpisodeReport
from synchrony.cli import main
from synchrony.io.h264 import H264Writer
from synchrony.io.interchange import elan_tiers, write_eaf, write_landmarks_csv, write_mea_text
from synchrony.session.store import PART_SCHEMA, VIDEO_FILE, open_session
from tests.fixtures.sessions import SIZE_PX, coupled_frames, write_session
from tests.shared import shared_path


def read_mea_like_rmea(path: Path) -> tuple[list[str], np.ndarray]:
    """What ``readMEA(path, skip = 1)`` sees: ``read.table(sep = "")`` after the header.

    Whitespace-separated fields, ``NA`` as missing; every row must have two numbers.
    """
    lines = path.read_text().splitlines()
    names = re.findall(r'"([^"]*)"', lines[0])
    rows = [[math.nan if field == "NA" else float(field) for field in line.split()]
            for line in lines[1:]]
    assert all(len(row) == 2 for row in rows)
    return names, np.array(rows)


def test_mea_text_has_the_layout_of_rmea_example_files(tmp_path: Path) -> None:
    a = np.array([0.0, 0.012345678, np.nan, 0.5])
    b = np.array([0.25, np.nan, 1e-7, 0.0])
    write_mea_text(tmp_path / "m.txt", a, b)
    text = (tmp_path / "m.txt").read_text()
    assert text.splitlines()[0] == '"A" "B"'
    assert text.splitlines()[2] == "0.0123457 NA"
    names, values = read_mea_like_rmea(tmp_path / "m.txt")
    assert names == ["A", "B"]
    np.testing.assert_allclose(values, np.column_stack([a, b]), rtol=1e-5)
    # the reference file parses the same way: quoted header, space-separated columns
    ref_names, ref = read_mea_like_rmea(
        shared_path("reference_data", "rmea", "extdata", "normal", "200_01.txt"))
    assert ref_names == ["pat", "th"]
    assert ref.shape == (15000, 2)


def test_elan_file_holds_episodes_and_markers_in_milliseconds(tmp_path: Path) -> None:
    episodes = [Episode("body", "synchrony", 2.25, 18.25, 0.97, 32),
                Episode("body", "rupture", 18.25, 41.0, 0.41, 46),
                Episode("body", "repair", 41.0, 55.2506, 0.95, 28)]
    report = EpisodeReport({"body": None}, episodes)  # type: ignore[dict-item]
    video = tmp_path / "s" / "video.mp4"
    video.parent.mkdir()
    video.write_bytes(b"")
    write_eaf(tmp_path / "x.eaf", elan_tiers(report, [{"time_s": 30.0, "label": "switch"}]),
              media=video)
    root = ET.parse(tmp_path / "x.eaf").getroot()
    assert root.tag == "ANNOTATION_DOCUMENT"
    assert root.findall("HEADER")[0].get("TIME_UNITS") == "milliseconds"
    media = root.findall("HEADER/MEDIA_DESCRIPTOR")[0]
    assert media.get("RELATIVE_MEDIA_URL") == "./s/video.mp4"
    slots = {s.get("TIME_SLOT_ID"): int(s.get("TIME_VALUE", "-1"))
             for s in root.iter("TIME_SLOT")}
    tiers = {t.get("TIER_ID"): t for t in root.iter("TIER")}
    assert set(tiers) == {"episodes body", "markers"}
    got = [(slots[a.get("TIME_SLOT_REF1")], slots[a.get("TIME_SLOT_REF2")],
            a.findtext("ANNOTATION_VALUE"))
           for a in tiers["episodes body"].iter("ALIGNABLE_ANNOTATION")]
    assert got == [(2250, 18250, "synchrony (strength 0.97 z)"),
                   (18250, 41000, "rupture (strength 0.41 z)"),
                   (41000, 55251, "repair (strength 0.95 z)")]
    marker = next(tiers["markers"].iter("ALIGNABLE_ANNOTATION"))
    assert slots[marker.get("TIME_SLOT_REF1")] == 30000
    assert marker.findtext("ANNOTATION_VALUE") == "switch"
    ids = [a.get("ANNOTATION_ID") for a in root.iter("ALIGNABLE_ANNOTATION")]
    assert len(set(ids)) == 4
    assert root.findall("LINGUISTIC_TYPE")[0].get("LINGUISTIC_TYPE_ID") == "default-lt"
    assert all(t.get("LINGUISTIC_TYPE_REF") == "default-lt" for t in tiers.values())


def test_landmarks_csv_is_the_table_without_the_face_mesh(tmp_path: Path) -> None:
    frames = coupled_frames(1.0)
    write_session(tmp_path / "s", frames)
    write_landmarks_csv(tmp_path / "l.csv", open_session(tmp_path / "s").landmarks_table())
    with (tmp_path / "l.csv").open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [n for n in PART_SCHEMA.names if n != "face_xy_norm"]
    assert len(rows) == 1 + 2 * len(frames)
    head = rows[0].index("head_matrix_00")
    assert rows[1][head] == ""  # NaN (no face) is an empty cell


def _decoded(path: Path) -> tuple[str, list[float], tuple[int, int]]:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = list(container.decode(stream))
        return (stream.codec_context.name, [float(f.time) for f in frames],
                (frames[0].width, frames[0].height))


def test_export_video_without_saved_video_keeps_every_recorded_frame(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    frames = coupled_frames(12.0)
    jitter = np.random.default_rng(0).uniform(0, 0.03, len(frames))  # variable timing
    frames = [type(f)(round(f.timestamp_s + j, 3), f.index, f.size_px, f.people, f.regions)
              for f, j in zip(frames, jitter, strict=True)]
    writer = write_session(tmp_path / "s", frames)
    writer.add_marker(6.0, "look")
    out = tmp_path / "annotated.mp4"
    assert main(["export-video", str(tmp_path / "s"), "--out", str(out), "--no-progress"]) == 0
    codec, times, size = _decoded(out)
    assert codec == "h264"
    assert len(times) == len(frames)
    np.testing.assert_allclose(times, [f.timestamp_s for f in frames], atol=1e-3)
    assert size[0] == SIZE_PX[0]
    assert size[1] > SIZE_PX[1]  # the panel below the video
    assert main(["export-video", str(tmp_path / "s"), "--out", str(out)]) == 2
    assert "exists" in capsys.readouterr().err


def test_export_video_with_saved_video_has_every_video_frame(tmp_path: Path) -> None:
    frames = coupled_frames(3.0)
    tracked = frames[::2]  # the tracker took every other frame
    write_session(tmp_path / "s", tracked, video_saved=True)
    with H264Writer(tmp_path / "s" / VIDEO_FILE, size_px=SIZE_PX, fps_hint=10.0) as video:
        for f in frames:
            video.write(np.full((SIZE_PX[1], SIZE_PX[0], 3), 90, np.uint8), f.timestamp_s)
    out = tmp_path / "annotated.mp4"
    assert main(["export-video", str(tmp_path / "s"), "--out", str(out), "--no-progress"]) == 0
    codec, times, _ = _decoded(out)
    assert codec == "h264"
    assert len(times) == len(frames)
    np.testing.assert_allclose(times, [f.timestamp_s for f in frames], atol=1e-3)
