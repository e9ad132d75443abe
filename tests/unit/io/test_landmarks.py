"""The landmark table (:mod:`synchrony.io.landmarks`) is built column by column."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from synchrony.io.landmarks import (
    landmark_rows,
    landmarks_schema,
    landmarks_table,
    write_landmarks_parquet,
)
from synchrony.records import HALVES, PersonObservation, TrackedFrame


def _person(rng: np.random.Generator, *, face: bool, pose: bool) -> PersonObservation:
    def values(*shape: int, present: bool = True) -> np.ndarray:
        return (rng.random(shape) if present else np.full(shape, np.nan)).astype(np.float32)

    return PersonObservation(
        pose_xy_norm=values(33, 2, present=pose), pose_visibility=values(33, present=pose),
        face_xy_norm=values(478, 2, present=face), head_matrix=values(4, 4, present=face),
        blendshapes=values(52, present=face), motion_fraction=float(rng.random()))


def _frames(n: int) -> list[TrackedFrame]:
    """Frames with every mix of missing faces and poses (A no face every 3rd frame, B no
    pose every 5th), irregular timestamps and indices."""
    rng = np.random.default_rng(0)
    return [TrackedFrame(timestamp_s=0.04 * i + 0.001 * (i % 7), index=2 * i,
                         size_px=(640, 480),
                         people=(_person(rng, face=i % 3 != 0, pose=True),
                                 _person(rng, face=True, pose=i % 5 != 0)),
                         regions=HALVES) for i in range(n)]


def _assert_same_table(got: pa.Table, want: pa.Table) -> None:
    """Same schema and, column by column, the same values (NaN equals NaN)."""
    assert got.schema.equals(want.schema)
    for name in want.column_names:
        a, b = got[name].combine_chunks(), want[name].combine_chunks()
        if pa.types.is_floating(a.type):
            assert a.null_count == b.null_count == 0, name
            np.testing.assert_array_equal(a.to_numpy(), b.to_numpy(), err_msg=name)
        else:
            assert a.equals(b), name


def test_the_column_wise_table_equals_the_row_by_row_one() -> None:
    """case -> expected: 60 frames with missing faces and poses -> the same schema and,
    column by column, the same values (NaN where NaN, a null face list where no face)."""
    frames = _frames(60)
    got = landmarks_table(frames)
    want = pa.Table.from_pylist([r for f in frames for r in landmark_rows(f)],
                                schema=landmarks_schema())
    assert got.num_rows == 120
    _assert_same_table(got, want)
    assert got["face_xy_norm"].null_count == 20  # A's missing faces


def test_landmarks_parquet_is_written_in_row_groups_with_the_same_rows(tmp_path: Path) -> None:
    """case -> expected: 45 frames written 20 at a time -> 3 row groups of 40, 40 and 10
    rows, read back equal to the table built at once; no frames -> an empty file with the
    schema."""
    frames = _frames(45)
    path = tmp_path / "landmarks.parquet"
    write_landmarks_parquet(frames, path, group_frames=20)
    meta = pq.ParquetFile(path).metadata
    assert [meta.row_group(i).num_rows for i in range(meta.num_row_groups)] == [40, 40, 10]
    _assert_same_table(pq.read_table(path), landmarks_table(frames))
    write_landmarks_parquet([], path)
    assert pq.read_table(path).schema.equals(landmarks_schema())
    assert pq.read_table(path).num_rows == 0


def test_no_frames_give_an_empty_table_with_the_schema() -> None:
    table = landmarks_table([])
    assert table.num_rows == 0
    assert table.schema.equals(landmarks_schema())


def test_a_session_part_equals_its_row_by_row_construction() -> None:
    """case -> expected: 30 frames with people counts (some unknown), processing times and
    whole-frame events (some none) -> the part table equals ``from_pylist`` of each
    person's row plus the frame's extras, schema ``PART_SCHEMA``."""
    from dataclasses import replace

    from synchrony.session.parts import PART_SCHEMA, part_table

    frames = [replace(f, n_people_in_view=None if i % 4 else 2, processing_s=0.01 * i,
                      frame_event="repeated" if i % 6 == 1 else None)
              for i, f in enumerate(_frames(30))]
    got = part_table(frames)
    want = pa.Table.from_pylist(
        [row | {"n_people_in_view": f.n_people_in_view, "processing_s": f.processing_s,
                "frame_event": f.frame_event} for f in frames for row in landmark_rows(f)],
        schema=PART_SCHEMA)
    assert got.schema.equals(PART_SCHEMA)
    for name in want.column_names:
        a, b = got[name].combine_chunks(), want[name].combine_chunks()
        if pa.types.is_floating(a.type):
            np.testing.assert_array_equal(a.to_numpy(zero_copy_only=False),
                                          b.to_numpy(zero_copy_only=False), err_msg=name)
        else:
            assert a.equals(b), name
    assert got["frame_event"].null_count == 50
    assert got["n_people_in_view"].null_count == 44
