"""``synchrony record``: record a session (landmarks always, the raw video only on request).

Threads:

- capture: reads every frame of the source (a file is paced at real time, like a camera),
  gives it to the video encoder's bounded queue (``--save-video``: every captured frame is
  kept; when the encoder falls behind, capture waits for it) and offers it to a one-slot
  mailbox;
- encoder (``--save-video``): H.264 into ``SESSION_DIR/video.mp4`` (fragmented MP4, timed by
  each frame's ``timestamp_s``);
- main: tracks the newest frame in the mailbox and writes it to the session. Frames replaced
  in the mailbox before the tracker took them are counted in ``frames_dropped_by_tracker``.

Consent and privacy: landmarks only by default. ``--save-video`` keeps identifiable faces, so
it requires ``--consent-confirmed`` (else: one-line error, exit status 2). A landmark-only
recording without ``--consent-confirmed`` is allowed (no images are kept) and is stored with
``consent_confirmed: false`` so that it can be filtered out later.

SIGINT/SIGTERM stop the recording; everything captured and tracked is written and the session
is closed with ``ended: "interrupted"``. A full disk stops it with ``ended: "disk full"``.
"""

from __future__ import annotations

import argparse
import errno
import queue
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from synchrony.capture.sources import FrameSource, VideoFileSource, open_source
from synchrony.errors import InputError
from synchrony.io.h264 import H264Writer
from synchrony.live import LatestFrameMailbox
from synchrony.progress import ProgressBar
from synchrony.records import HALVES, PERSONS, Frame, PersonTracker, Region
from synchrony.session.store import VIDEO_FILE, DiskFullError, SessionWriter, now_iso

#: A live source silent for this long (s) ends the recording ("source lost").
MAX_SILENCE_S = 5.0
#: Frames the encoder may fall behind before capture waits (about 2 s at 30 fps).
VIDEO_QUEUE_FRAMES = 64


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``record`` subcommand."""
    p = subparsers.add_parser(
        "record", help="record a session: landmarks (and, with consent, the video)",
        description="Track person A (left) and B (right) live and write their landmarks "
        "into a crash-safe session directory. Files are played at real time like a camera. "
        "--save-video also keeps every captured frame as H.264 and requires "
        "--consent-confirmed. Stop with Ctrl-C.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("video", nargs="?", type=Path, help="video file played at real time")
    src.add_argument("--camera", type=int, metavar="N", help="camera index")
    src.add_argument("--stream", metavar="URL", help="network stream URL")
    p.add_argument("--out", type=Path, required=True, help="new session directory")
    p.add_argument("--save-video", action="store_true",
                   help="also keep the raw video (needs --consent-confirmed)")
    p.add_argument("--consent-confirmed", action="store_true",
                   help="both participants consented to this recording")
    p.add_argument("--consent-by", metavar="NAME", help="who confirmed consent")
    for person in ("a", "b"):
        p.add_argument(f"--participant-{person}", metavar="CODE",
                       help=f"pseudonymous code of person {person.upper()}")
        p.add_argument(f"--role-{person}", metavar="ROLE",
                       help=f"role of person {person.upper()} (e.g. therapist)")
    p.add_argument("--duration-s", type=float, help="stop after this many seconds")
    p.add_argument("--calibration", type=Path, metavar="PROFILE.json",
                   help="calibration profile (synchrony calibrate): regions and roles of A "
                   "and B, stored in the session for analyze")
    p.add_argument("--model-dir", type=Path, help="folder with the MediaPipe .task bundles")
    p.add_argument("--pose-variant", choices=("lite", "full"), default="lite")
    p.add_argument("--no-progress", action="store_true", help="no progress on stderr")
    p.set_defaults(func=run)


class Recorder:
    """Capture, (optional) encoder and tracking threads of one recording (module docstring)."""

    def __init__(self, source: FrameSource, tracker: PersonTracker, writer: SessionWriter, *,
                 save_video: bool, duration_s: float | None, progress: bool) -> None:
        self.source, self.tracker, self.writer = source, tracker, writer
        self.duration_s = duration_s
        self.stop = threading.Event()
        self.interrupted = False
        self.mailbox: LatestFrameMailbox[Frame] = LatestFrameMailbox()
        self.video_queue: queue.Queue[Frame | None] | None = (
            queue.Queue(maxsize=VIDEO_QUEUE_FRAMES) if save_video else None)
        self.video_frames = 0
        self.n_captured = 0
        self.ended = "clean"
        self.failure: BaseException | None = None
        self._capture_done = threading.Event()
        self._encoder_done = threading.Event()
        self._last_s = 0.0
        self._bar = ProgressBar("recording frames", source.n_frames_hint) if progress else None

    def counts(self) -> dict[str, Any]:
        """Frame counters for ``session.json`` (and the measured rate if none was known)."""
        counts: dict[str, Any] = {"frames_captured": self.n_captured,
                                  "frames_dropped_by_tracker": self.mailbox.n_dropped,
                                  "video_frames_written": self.video_frames}
        if self.source.fps_hint is None and self.n_captured > 1 and self._last_s > 0:
            counts["fps"] = (self.n_captured - 1) / self._last_s
        return counts

    def request_stop(self, *_: object) -> None:
        """Stop after the current frame (signal handler)."""
        self.interrupted = True
        self.stop.set()

    def _fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self.stop.set()

    def _capture(self) -> None:
        last_frame_s = time.perf_counter()
        try:
            while not self.stop.is_set():
                frame = self.source.read()
                if frame is None:
                    if not self.source.is_live:
                        return
                    if time.perf_counter() - last_frame_s > MAX_SILENCE_S:
                        self.ended = "source lost"
                        return
                    continue
                last_frame_s = time.perf_counter()
                if self.duration_s is not None and frame.timestamp_s >= self.duration_s:
                    return
                self.n_captured += 1
                self._last_s = frame.timestamp_s
                if self.video_queue is not None:
                    self._put_video(frame)
                self.mailbox.put(frame)
                if self._bar:
                    self._bar.update()
        except BaseException as exc:  # handed to the main thread
            self._fail(exc)
        finally:
            self._capture_done.set()
            self.mailbox.close()

    def _put_video(self, frame: Frame | None) -> None:
        """Queue a frame (None: the end) for the encoder; wait while it is behind."""
        assert self.video_queue is not None
        while not self._encoder_done.is_set():
            try:
                self.video_queue.put(frame, timeout=0.2)
                return
            except queue.Full:
                continue

    def _encode(self) -> None:
        assert self.video_queue is not None
        video: H264Writer | None = None
        try:
            while (frame := self.video_queue.get()) is not None:
                if video is None:
                    video = H264Writer(self.writer.path / VIDEO_FILE, size_px=frame.size_px,
                                       fps_hint=self.source.fps_hint, crash_safe=True)
                video.write(frame.image_rgb, frame.timestamp_s)
                self.video_frames = video.n_frames
        except BaseException as exc:
            self._fail(exc)
        finally:
            self._encoder_done.set()
            try:
                if video is not None:
                    video.close()
            except OSError as exc:
                self._fail(exc)

    def run(self) -> str:
        """Record until the end of the source, ``duration_s``, a stop request or a failure."""
        threads = [threading.Thread(target=self._capture, name="capture", daemon=True)]
        if self.video_queue is not None:
            threads.append(threading.Thread(target=self._encode, name="encoder", daemon=True))
        for thread in threads:
            thread.start()
        try:
            self._track()
        except BaseException as exc:
            self._fail(exc)
        finally:
            self.stop.set()
            threads[0].join()
            if self.video_queue is not None:
                self._put_video(None)
                threads[1].join()
            if self._bar:
                self._bar.close()
        return self._outcome()

    def _track(self) -> None:
        while True:
            frame = self.mailbox.get(timeout=0.25)
            if frame is None:
                if self._capture_done.is_set():
                    return
                self.writer.flush_if_due()
                continue
            self.writer.write(self.tracker.track(frame))
            self.writer.update(**self.counts())

    def _outcome(self) -> str:
        if isinstance(self.failure, OSError) and self.failure.errno == errno.ENOSPC:
            return "disk full"
        if self.failure is not None:
            return f"error: {type(self.failure).__name__}"
        return "interrupted" if self.interrupted else self.ended


def _source_block(source: FrameSource, args: argparse.Namespace) -> dict[str, Any]:
    kind = "camera" if args.camera is not None else "stream" if args.stream else "file"
    block: dict[str, Any] = {"kind": kind, "description": source.description,
                             "fps_hint": source.fps_hint, "n_frames_hint": source.n_frames_hint}
    if source.size_px:
        block["width_px"], block["height_px"] = source.size_px
    if kind == "file":
        block["path"] = str(Path(args.video).resolve())
    return block


def _check_arguments(args: argparse.Namespace) -> None:
    if args.save_video and not args.consent_confirmed:
        raise InputError("--save-video keeps identifiable video and requires "
                         "--consent-confirmed (landmark-only recording does not)")
    if args.duration_s is not None and not args.duration_s > 0:
        raise InputError(f"--duration-s must be > 0, got {args.duration_s}")
    if args.out.exists() and (not args.out.is_dir() or any(args.out.iterdir())):
        raise InputError(f"--out {args.out} exists and is not an empty directory; a recording "
                         "is never overwritten")


def run(args: argparse.Namespace) -> int:
    """Record a session; print where it is and how it ended."""
    from synchrony.calibration.apply import load_calibration
    from synchrony.capture.factory import tracker_factory

    _check_arguments(args)
    source = (VideoFileSource(args.video, realtime=True) if args.video is not None
              else open_source(args.camera if args.camera is not None else args.stream))
    with source:
        make_tracker = tracker_factory(args.model_dir, args.pose_variant)
        calibration, regions, roles = (load_calibration(args.calibration, source.size_px)
                                       if args.calibration else
                                       (None, HALVES, dict.fromkeys(PERSONS)))
        tracker = make_tracker(regions)
        try:
            writer, recorder = _record(args, source, tracker, calibration=calibration,
                                       regions=regions, roles=roles)
        finally:
            tracker.close()
    return _report(args, writer, recorder)


def _record(args: argparse.Namespace, source: FrameSource, tracker: PersonTracker, *,
            calibration: dict[str, Any] | None, regions: tuple[Region, Region],
            roles: dict[str, str | None]) -> tuple[SessionWriter, Recorder]:
    participants = {p: {"code": getattr(args, f"participant_{p.lower()}"),
                        "role": getattr(args, f"role_{p.lower()}") or roles[p]}
                    for p in PERSONS}
    consent = {"confirmed": args.consent_confirmed, "by": args.consent_by,
               "at": now_iso() if args.consent_confirmed else None}
    writer = SessionWriter(
        args.out, source=_source_block(source, args), fps=source.fps_hint,
        parameters={"pose_variant": args.pose_variant, "duration_s": args.duration_s},
        regions=regions, calibration=calibration, participants=participants,
        consent=consent, video_saved=args.save_video)
    with writer:
        recorder = Recorder(source, tracker, writer, save_video=args.save_video,
                            duration_s=args.duration_s, progress=not args.no_progress)
        ended = _run_with_signals(recorder)
        if not writer.closed:
            writer.update(**recorder.counts())
            try:
                writer.close(ended=ended)
            except DiskFullError as exc:
                recorder.failure = recorder.failure or exc
    return writer, recorder


def _report(args: argparse.Namespace, writer: SessionWriter, recorder: Recorder) -> int:
    """Print how the recording ended; return the exit status (1: disk full, source lost)."""
    meta = writer.metadata
    if meta["ended"] == "disk full":
        print(f"synchrony record: disk full: recording stopped; {meta['frames_recorded']} "
              f"frames written before are kept in {args.out}", file=sys.stderr)
        return 1
    if recorder.failure is not None:
        raise recorder.failure
    print(f"recorded {meta['frames_recorded']} of {recorder.n_captured} captured frames "
          f"({meta['frames_dropped_by_tracker']} dropped by the tracker) into {args.out}; "
          f"ended: {meta['ended']}", file=sys.stderr)
    if args.save_video:
        print(f"video: {recorder.video_frames} frames in {args.out / VIDEO_FILE}",
              file=sys.stderr)
    return 1 if meta["ended"] == "source lost" else 0


def _run_with_signals(recorder: Recorder) -> str:
    """Run the recorder with SIGINT/SIGTERM set to stop it cleanly (main thread only)."""
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, recorder.request_stop)
    try:
        return recorder.run()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
