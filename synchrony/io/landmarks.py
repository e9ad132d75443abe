"""The landmark storage schema: tracked frames to Arrow rows and back.

One row per frame and person: 33 pose landmarks (``x``, ``y`` normalised to the frame,
visibility), the head transformation matrix, 52 blendshapes, motion energy and the face
mesh. Written by ``analyze`` (``landmarks.parquet``) and by sessions (``landmarks/part-*``);
:func:`frames_from_table` reads them back into :class:`~synchrony.records.TrackedFrame`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from synchrony.errors import InputError
from synchrony.records import (
    HALVES,
    N_BLENDSHAPES,
    N_FACE_LANDMARKS,
    N_POSE_LANDMARKS,
    PERSONS,
    PersonObservation,
    Region,
    TrackedFrame,
)

#: MediaPipe's 33 pose landmark names, in index order.
POSE_LANDMARK_NAMES = (
    "nose", "left_eye_inner", "left_eye", "left_eye_outer", "right_eye_inner", "right_eye",
    "right_eye_outer", "left_ear", "right_ear", "mouth_left", "mouth_right", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist", "left_pinky",
    "right_pinky", "left_index", "right_index", "left_thumb", "right_thumb", "left_hip",
    "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_heel",
    "right_heel", "left_foot_index", "right_foot_index",
)
#: MediaPipe's 52 face blendshape names, in index order.
BLENDSHAPE_NAMES = (
    "_neutral", "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft",
    "browOuterUpRight", "cheekPuff", "cheekSquintLeft", "cheekSquintRight", "eyeBlinkLeft",
    "eyeBlinkRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookInLeft", "eyeLookInRight",
    "eyeLookOutLeft", "eyeLookOutRight", "eyeLookUpLeft", "eyeLookUpRight", "eyeSquintLeft",
    "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "jawForward", "jawLeft", "jawOpen",
    "jawRight", "mouthClose", "mouthDimpleLeft", "mouthDimpleRight", "mouthFrownLeft",
    "mouthFrownRight", "mouthFunnel", "mouthLeft", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthPressLeft", "mouthPressRight", "mouthPucker", "mouthRight", "mouthRollLower",
    "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmileLeft", "mouthSmileRight",
    "mouthStretchLeft", "mouthStretchRight", "mouthUpperUpLeft", "mouthUpperUpRight",
    "noseSneerLeft", "noseSneerRight",
)


def landmark_rows(frame: TrackedFrame) -> list[dict[str, Any]]:
    """One row per person of one frame: pose x/y/visibility, head matrix, blendshapes, motion.

    Face mesh points (478 per face) are kept as one list column ``face_xy_norm``
    (x0, y0, x1, y1, …) to keep the table narrow.
    """
    rows = []
    for person, obs in zip(PERSONS, frame.people, strict=True):
        row: dict[str, Any] = {
            "frame_index": frame.index, "timestamp_s": frame.timestamp_s, "person": person,
            "width_px": frame.size_px[0], "height_px": frame.size_px[1],
            "motion_fraction": obs.motion_fraction,
        }
        for i, name in enumerate(POSE_LANDMARK_NAMES):
            row[f"pose_{name}_x_norm"] = float(obs.pose_xy_norm[i, 0])
            row[f"pose_{name}_y_norm"] = float(obs.pose_xy_norm[i, 1])
            row[f"pose_{name}_visibility"] = float(obs.pose_visibility[i])
        for i, value in enumerate(obs.head_matrix.ravel()):
            row[f"head_matrix_{i // 4}{i % 4}"] = float(value)
        for i, name in enumerate(BLENDSHAPE_NAMES):
            row[f"blendshape_{name}"] = float(obs.blendshapes[i])
        face = obs.face_xy_norm
        row["face_xy_norm"] = None if not np.isfinite(face[0, 0]) else face.ravel().tolist()
        rows.append(row)
    return rows


#: Frames per row group of ``landmarks.parquet``: the table of one group is built at a time,
#: so writing a long session's landmarks needs tens of MB, not twice the landmarks' size.
LANDMARK_GROUP_FRAMES = 2000


def write_landmarks_parquet(frames: Sequence[TrackedFrame], path: Path,
                            group_frames: int = LANDMARK_GROUP_FRAMES) -> None:
    """Write :func:`landmarks_table` of ``frames`` to ``path``, ``group_frames`` at a time.

    The file holds the same rows as one ``landmarks_table`` (one row group per
    ``group_frames`` frames).
    """
    with pq.ParquetWriter(path, landmarks_schema()) as writer:
        for start in range(0, max(len(frames), 1), group_frames):
            writer.write_table(landmarks_table(frames[start:start + group_frames]))


def landmarks_table(frames: Sequence[TrackedFrame]) -> pa.Table:
    """All frames' landmark rows as one Arrow table (NaN stays NaN; no face = null list).

    Built column by column from stacked arrays: the same table as
    ``pa.Table.from_pylist`` of :func:`landmark_rows`, without a Python object per value
    (that took about 50 kB of memory per row).
    """
    people = [obs for f in frames for obs in f.people]
    n_rows = len(people)
    schema = landmarks_schema()
    if n_rows == 0:
        return schema.empty_table()

    def stacked(attr: str, shape: tuple[int, ...]) -> np.ndarray:
        return np.stack([getattr(obs, attr) for obs in people]).astype(np.float32).reshape(
            (n_rows, *shape))

    pose = stacked("pose_xy_norm", (N_POSE_LANDMARKS, 2))
    visibility = stacked("pose_visibility", (N_POSE_LANDMARKS,))
    head = stacked("head_matrix", (16,))
    shapes = stacked("blendshapes", (N_BLENDSHAPES,))
    face = stacked("face_xy_norm", (2 * N_FACE_LANDMARKS,))
    columns: list[pa.Array] = [
        pa.array(np.repeat([f.index for f in frames], len(PERSONS)), pa.int64()),
        pa.array(np.repeat([f.timestamp_s for f in frames], len(PERSONS)), pa.float64()),
        pa.array(list(PERSONS) * len(frames), pa.string()),
        pa.array(np.repeat([f.size_px[0] for f in frames], len(PERSONS)), pa.int32()),
        pa.array(np.repeat([f.size_px[1] for f in frames], len(PERSONS)), pa.int32()),
        pa.array([obs.motion_fraction for obs in people], pa.float64()),
    ]
    for i in range(N_POSE_LANDMARKS):
        columns += [pa.array(pose[:, i, 0]), pa.array(pose[:, i, 1]), pa.array(visibility[:, i])]
    columns += [pa.array(head[:, i]) for i in range(16)]
    columns += [pa.array(shapes[:, i]) for i in range(N_BLENDSHAPES)]
    has_face = np.isfinite(face[:, 0])
    offsets = np.concatenate([[0], np.cumsum(np.where(has_face, face.shape[1], 0))])
    columns.append(pa.ListArray.from_arrays(
        pa.array(offsets.astype(np.int32)), pa.array(face[has_face].ravel()),
        type=pa.list_(pa.float32()), mask=pa.array(~has_face)))
    return pa.Table.from_arrays(columns, schema=schema)


def landmarks_schema() -> pa.Schema:
    """Arrow schema of the landmark table (stable column order for incremental writers)."""
    fields = [
        pa.field("frame_index", pa.int64()), pa.field("timestamp_s", pa.float64()),
        pa.field("person", pa.string()), pa.field("width_px", pa.int32()),
        pa.field("height_px", pa.int32()), pa.field("motion_fraction", pa.float64()),
    ]
    for name in POSE_LANDMARK_NAMES:
        fields += [pa.field(f"pose_{name}_x_norm", pa.float32()),
                   pa.field(f"pose_{name}_y_norm", pa.float32()),
                   pa.field(f"pose_{name}_visibility", pa.float32())]
    fields += [pa.field(f"head_matrix_{i // 4}{i % 4}", pa.float32()) for i in range(16)]
    fields += [pa.field(f"blendshape_{name}", pa.float32()) for name in BLENDSHAPE_NAMES]
    fields.append(pa.field("face_xy_norm", pa.list_(pa.float32())))
    return pa.schema(fields)


def _floats(table: pa.Table, names: list[str]) -> np.ndarray:
    """(n_rows, len(names)) float32 from numeric columns (nulls -> NaN)."""
    cols = [pc.fill_null(table.column(n), np.nan).to_numpy() for n in names]
    return np.stack(cols, axis=1).astype(np.float32)


def _face_points(table: pa.Table) -> np.ndarray:
    """(n_rows, 478, 2) face mesh from the list column (null list -> NaN)."""
    col = table.column("face_xy_norm").combine_chunks()
    lengths = pc.fill_null(pc.list_value_length(col), 0).to_numpy()
    out = np.full((table.num_rows, N_FACE_LANDMARKS, 2), np.nan, dtype=np.float32)
    full = lengths == 2 * N_FACE_LANDMARKS
    if np.any((lengths > 0) & ~full):
        raise InputError("damaged landmark data: a face mesh with the wrong number of points")
    if full.any():
        out[full] = pc.list_flatten(col).to_numpy().reshape(-1, N_FACE_LANDMARKS, 2)
    return out


def frames_from_table(table: pa.Table, regions: tuple[Region, Region] = HALVES
                      ) -> list[TrackedFrame]:
    """Rebuild :class:`TrackedFrame` records from landmark rows (inverse of ``landmark_rows``).

    A person without a row in a frame is NaN (not seen).
    """
    index = table.column("frame_index").to_numpy()
    frame_ids, first = np.unique(index, return_index=True)
    pose_cols = [f"pose_{n}_{c}_norm" for n in POSE_LANDMARK_NAMES for c in "xy"]
    vis_cols = [f"pose_{n}_visibility" for n in POSE_LANDMARK_NAMES]
    head_cols = [f"head_matrix_{i // 4}{i % 4}" for i in range(16)]
    shape_cols = [f"blendshape_{n}" for n in BLENDSHAPE_NAMES]
    person = table.column("person").to_numpy(zero_copy_only=False)
    per_person = []
    for p in PERSONS:
        rows = table.filter(pc.equal(table.column("person"), p))
        slot = np.searchsorted(frame_ids, index[person == p])
        arrays = {
            "pose": (_floats(rows, pose_cols), (N_POSE_LANDMARKS, 2)),
            "vis": (_floats(rows, vis_cols), (N_POSE_LANDMARKS,)),
            "face": (_face_points(rows), (N_FACE_LANDMARKS, 2)),
            "head": (_floats(rows, head_cols), (4, 4)),
            "shapes": (_floats(rows, shape_cols), (N_BLENDSHAPES,)),
            "motion": (_floats(rows, ["motion_fraction"]), ()),
        }
        full = {}
        for key, (values, shape) in arrays.items():
            out = np.full((len(frame_ids), *shape), np.nan, dtype=np.float32)
            out[slot] = values.reshape(len(slot), *shape)
            out.setflags(write=False)
            full[key] = out
        per_person.append(full)
    times = table.column("timestamp_s").to_numpy()[first]
    widths = table.column("width_px").to_numpy()[first]
    heights = table.column("height_px").to_numpy()[first]
    crowd = table.column("n_people_in_view").to_pylist()
    proc = pc.fill_null(table.column("processing_s"), np.nan).to_numpy()[first]
    frames = []
    for k, frame_id in enumerate(frame_ids):
        people = tuple(PersonObservation(
            pose_xy_norm=d["pose"][k], pose_visibility=d["vis"][k], face_xy_norm=d["face"][k],
            head_matrix=d["head"][k], blendshapes=d["shapes"][k],
            motion_fraction=float(d["motion"][k])) for d in per_person)
        frames.append(TrackedFrame(
            timestamp_s=float(times[k]), index=int(frame_id),
            size_px=(int(widths[k]), int(heights[k])), people=(people[0], people[1]),
            regions=regions, n_people_in_view=crowd[first[k]], processing_s=float(proc[k])))
    return frames
