"""Where results go (issue 13): an existing file, a non-empty folder, an unwritable folder,
a full disk.

The promise: a command that cannot write says so in one line (exit 2 for a bad ``--out``,
1 for a disk that fills up on the way) and leaves nothing half-written; what was there
before -- a file, an earlier analysis, a recording -- keeps every byte; a recording that
meets a full disk stops as ``"disk full"`` and keeps every frame it wrote.

Unwritable folders and full disks need a small filesystem of their own: as root the tests
mount a ``tmpfs`` (read-only, or a few MB) and unmount it afterwards; as another user the
unwritable folder is ``chmod 0500`` and the full-disk cases are skipped (mounting needs
root). Recordings use a fake tracker (no MediaPipe) on a short generated clip.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from synchrony.records import HALVES
from synchrony.session.store import open_session
from tests.fixtures.live_fakes import FakeTracker
from tests.fixtures.video_files import write_cfr_video
from tests.robustness import sessions as s
from tests.robustness.conftest import assert_one_line_error, listing
from tests.shared import REPO_ROOT

CLIP = REPO_ROOT / "sample_videos" / "demo_dyad_a_leads_0.5s.mp4"
PART_BYTES = 64_000
"""About one landmark part of the fake tracker (2 people, 10 frames): 56 kB."""
SMALL_CLIP_FRAMES = 150
"""Frames of the clip recorded onto a full disk (15 s at 10 fps; the disk fills in ~3 s)."""


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A session, a manifest of one session and a 15 s clip at 10 fps (fake tracker)."""
    folder = tmp_path_factory.mktemp("inputs")
    session = s.make_good(folder / "session")
    manifest = folder / "study.csv"
    manifest.write_text(f"path,id\n{session},s1\n")
    clip = write_cfr_video(folder, n_frames=SMALL_CLIP_FRAMES, fps=10.0, name="clip.mp4")
    return {"clip": CLIP, "session": session, "manifest": manifest, "small_clip": clip}


@pytest.fixture
def mount(tmp_path: Path) -> Iterator[Callable[..., Path]]:
    """``mount(name, size="1m", read_only=False)``: a tmpfs below ``tmp_path`` (root only).

    Skips with the reason when not root or when mounting is not permitted; everything
    mounted is unmounted afterwards.
    """
    mounted: list[Path] = []

    def make(name: str, size: str = "1m", read_only: bool = False) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a small filesystem needs root")
        point = tmp_path / name
        point.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        mounted.append(point)
        return point

    yield make
    gc.collect()  # a failed writer may still hold a file open until collected
    for point in mounted:
        if subprocess.run(["umount", str(point)], check=False).returncode != 0:
            subprocess.run(["umount", "-l", str(point)], check=False)


def fill(folder: Path, leave_bytes: int) -> None:
    """Fill the filesystem of ``folder`` until about ``leave_bytes`` are free."""
    stat = os.statvfs(folder)
    with (folder / "filler.bin").open("wb") as fh:
        fh.write(b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave_bytes))


@pytest.fixture
def fake_tracker(monkeypatch: pytest.MonkeyPatch) -> None:
    """``record``/``stream`` track with :class:`FakeTracker` (no MediaPipe)."""
    monkeypatch.setattr("synchrony.capture.factory.tracker_factory",
                        lambda *a, **k: lambda regions=HALVES: FakeTracker())


def _format(argv: tuple[str, ...], **paths: Path) -> list[str]:
    return [a.format(**paths) for a in argv]


# --------------------------------------------------------------------------- --out taken

# (case id, command line with {clip} {session} {manifest} {taken}, message fragment)
TAKEN_FILE = [
    ("analyze video", ("analyze", "{clip}", "--out", "{taken}"), "exists and is not a directory"),
    ("analyze session", ("analyze", "{session}", "--out", "{taken}"),
     "exists and is not a directory"),
    ("study", ("study", "{manifest}", "--out", "{taken}"), "exists and is not a directory"),
    ("record", ("record", "{clip}", "--out", "{taken}"), "exists and is not an empty directory"),
    ("stream --record", ("stream", "{clip}", "--record", "{taken}"),
     "exists and is not an empty directory"),
    ("export-video", ("export-video", "{session}", "--out", "{taken}"),
     "exists; use --overwrite"),
    ("calibrate", ("calibrate", "{clip}", "--out", "{taken}"), "exists; choose another file"),
]
TAKEN_DIR = [
    ("analyze video", ("analyze", "{clip}", "--out", "{taken}"), "is not empty"),
    ("analyze session", ("analyze", "{session}", "--out", "{taken}"), "is not empty"),
    ("record", ("record", "{clip}", "--out", "{taken}"), "a recording is never overwritten"),
    ("stream --record", ("stream", "{clip}", "--record", "{taken}"),
     "a recording is never overwritten"),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in TAKEN_FILE],
                         ids=[c[0] for c in TAKEN_FILE])
def test_out_is_an_existing_file(argv: tuple[str, ...], message: str,
                                 inputs: dict[str, Path], tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch,
                                 capfd: pytest.CaptureFixture[str]) -> None:
    """Refused before anything is opened; the file keeps its bytes."""
    s.trap_inputs(monkeypatch, models=False)  # analyze finds its models first
    taken = tmp_path / "results.mp4"  # a name every command accepts, even export-video
    taken.write_bytes(b"an earlier file\n")
    before = s.snapshot(tmp_path)
    result = s.run_main(_format(argv, taken=taken, **inputs), capfd)
    assert_one_line_error(result, 2, message)
    assert s.snapshot(tmp_path) == before


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in TAKEN_DIR],
                         ids=[c[0] for c in TAKEN_DIR])
def test_out_is_a_non_empty_folder(argv: tuple[str, ...], message: str,
                                   inputs: dict[str, Path], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch,
                                   capfd: pytest.CaptureFixture[str]) -> None:
    """Refused (analyze: unless --overwrite; a recording: always); the folder is kept."""
    s.trap_inputs(monkeypatch, models=False)  # analyze finds its models first
    taken = tmp_path / "taken"
    (taken / "landmarks").mkdir(parents=True)
    (taken / "notes.txt").write_text("the only copy\n")
    before = s.snapshot(tmp_path)
    result = s.run_main(_format(argv, taken=taken, **inputs), capfd)
    assert_one_line_error(result, 2, message)
    assert s.snapshot(tmp_path) == before


def test_analyze_overwrite_replaces_a_non_empty_folder_whole(
        inputs: dict[str, Path], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("from an earlier run\n")
    result = s.run_main(["analyze", inputs["session"], "--out", out, "--overwrite",
                         *s.FAST_ANALYSIS], capfd)
    assert result.returncode == 0, result.stderr
    assert not (out / "old.txt").exists()
    assert json.loads((out / "summary.json").read_text())["source"]["n_frames"] == s.N_FRAMES
    assert listing(tmp_path) == {"out", *(f"out/{n}" for n in listing(out))}  # no leftovers


# --------------------------------------------------------------------------- unwritable


@pytest.fixture
def unwritable(tmp_path: Path, mount: Callable[..., Path]) -> Iterator[Path]:
    """A folder nobody may write in: chmod 0500, or as root a read-only tmpfs."""
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").touch()
    except PermissionError:
        yield folder
    else:  # root: permission bits do not stop writes
        (folder / "probe").unlink()
        yield mount("read-only", read_only=True)
    folder.chmod(0o700)


UNWRITABLE = [
    ("analyze session", ("analyze", "{session}", "--out", "{locked}/out"), "is not writable"),
    ("export-video", ("export-video", "{session}", "--out", "{locked}/a.mp4"), "is not writable"),
    ("calibrate", ("calibrate", "{clip}", "--out", "{locked}/p.json"), "is not writable"),
    ("record", ("record", "{small_clip}", "--out", "{locked}/s", "--no-progress"),
     "cannot create session directory"),
    ("stream --record", ("stream", "{small_clip}", "--record", "{locked}/s"),
     "cannot create session directory"),
]


@pytest.mark.parametrize(("argv", "message"), [c[1:] for c in UNWRITABLE],
                         ids=[c[0] for c in UNWRITABLE])
@pytest.mark.usefixtures("fake_tracker")
def test_out_in_an_unwritable_folder(argv: tuple[str, ...], message: str,
                                     inputs: dict[str, Path], unwritable: Path,
                                     capfd: pytest.CaptureFixture[str]) -> None:
    result = s.run_main(_format(argv, locked=unwritable, **inputs), capfd)
    assert_one_line_error(result, 2, [message, str(unwritable)])
    assert not any(p.name != "probe" for p in unwritable.iterdir())


# --------------------------------------------------------------------------- full disk


def test_analyze_on_a_full_disk_fails_whole_and_keeps_the_earlier_results(
        inputs: dict[str, Path], mount: Callable[..., Path],
        capfd: pytest.CaptureFixture[str]) -> None:
    disk = mount("disk", size="6m")
    first = s.run_main(["analyze", inputs["session"], "--out", disk / "first",
                        *s.FAST_ANALYSIS], capfd)
    assert first.returncode == 0, first.stderr
    fill(disk, leave_bytes=256_000)
    earlier = s.snapshot(disk / "first")
    for out, extra in ((disk / "second", ()), (disk / "first", ("--overwrite",))):
        result = s.run_main(["analyze", inputs["session"], "--out", out, *extra,
                             *s.FAST_ANALYSIS], capfd)
        assert_one_line_error(result, 1, "No space left on device")
        assert listing(disk) == {"filler.bin", "first", *(f"first/{n}" for n in earlier)}, \
            "a half-written output (or a temporary folder) was left"
        assert s.snapshot(disk / "first") == earlier, "the earlier results were changed"


RECORDERS = [
    ("record", ("record", "{small_clip}", "--out", "{disk}/s", "--no-progress"),
     "synchrony record: disk full: recording stopped"),
    ("stream --record", ("stream", "{small_clip}", "--record", "{disk}/s"),
     "synchrony stream: failed: DiskFullError: [Errno 28] disk full: recording stopped"),
]


@pytest.mark.parametrize(("argv", "last_line"), [c[1:] for c in RECORDERS],
                         ids=[c[0] for c in RECORDERS])
@pytest.mark.usefixtures("fake_tracker")
def test_a_recording_meets_a_full_disk(argv: tuple[str, ...], last_line: str,
                                       inputs: dict[str, Path], mount: Callable[..., Path],
                                       capfd: pytest.CaptureFixture[str]) -> None:
    """Room for about two parts: the session stops as "disk full", says how many frames it
    kept, and holds exactly those (opens; every part complete)."""
    disk = mount("disk", size="1m")
    fill(disk, leave_bytes=int(2.5 * PART_BYTES))
    result = s.run_main(_format(argv, disk=disk, **inputs), capfd)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert lines[-1].startswith(last_line), result.stderr
    session = open_session(disk / "s")
    assert session.ended == "disk full"
    assert session.problems == ()
    kept = session.metadata["frames_recorded"]
    assert f"{kept} frames" in lines[-1]
    assert 10 <= kept < SMALL_CLIP_FRAMES / 2  # at least one part, and not all of them
    assert len(session.frames()) == kept
    assert sorted(p.name for p in (disk / "s" / "landmarks").iterdir() if p.name[0] == ".") \
        == [], "a temporary part was left"
