"""Annotated frames of a session, drawn with OpenCV (Qt-free; used by ``export-video``).

An output frame is the video frame (a neutral grey background when the session saved no
video) with a panel below it, so that nothing covers the people:

- on the video: both people's skeletons and face points in their fixed colours
  (:data:`synchrony.render.style.PERSON_COLOURS`: A blue, B orange) and their region boxes labelled
  ``A`` / ``B`` with their roles;
- gauge row: the signal, the timeline's smoothed r now, a bar of it with the chance
  level tick, the timeline lag and who leads in words ("B follows A by 0.40 s");
- legend row;
- timeline strip over the whole session: the smoothed r (tanh of the timeline strength)
  as bars coloured by value (viridis), the chance level as a curve, episodes in a lane
  above (synchrony, rupture, repair), markers as white ticks, time ticks in m:ss, and a
  cursor at the current time.

Sizes scale with the video width (``unit = width / 640``). Colours are RGB. Sign convention:
lag > 0 means A leads and B follows.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import cv2
import numpy as np

from synchrony.analysis.episodes import Episode, SignalTimeline
from synchrony.engine.lead import describe_leader
from synchrony.records import PERSONS, PersonObservation, Region, TrackedFrame
from synchrony.render.style import PERSON_RGB, POSE_CONNECTIONS
from synchrony.signals.extract import MIN_VISIBILITY

RGB = tuple[int, int, int]
#: MediaPipe Pose's 33-landmark skeleton as pairs of landmark indices.
#: Okabe-Ito colours of the episode kinds.
EPISODE_RGB: dict[str, RGB] = {"synchrony": (0, 158, 115), "rupture": (213, 94, 0),
                               "repair": (204, 121, 167)}
BACKGROUND_RGB: RGB = (96, 96, 96)
PANEL_RGB: RGB = (24, 24, 28)
TEXT_RGB: RGB = (235, 235, 235)
DIM_RGB: RGB = (150, 150, 150)
FONT = cv2.FONT_HERSHEY_SIMPLEX
_PAIRS = np.array(POSE_CONNECTIONS)





def ascii_text(text: str) -> str:
    """``text`` in the ASCII OpenCV's fonts draw: accents dropped (é -> e), others -> ``?``.

    ``cv2.putText`` draws each byte of a UTF-8 character as ``?``: a role such as
    "thérapeute" would read "th??rapeute".
    """
    plain = "".join(c for c in unicodedata.normalize("NFKD", text)
                    if not unicodedata.combining(c))
    return plain.encode("ascii", "replace").decode("ascii")


def _text(image: np.ndarray, text: str, org: tuple[int, int], scale: float,
          colour: RGB = TEXT_RGB, thickness: int = 1) -> int:
    """Draw ``text`` (made ASCII) with its baseline at ``org``; return the x just after it."""
    text = ascii_text(text)
    cv2.putText(image, text, org, FONT, scale, colour, thickness, cv2.LINE_AA)
    return org[0] + cv2.getTextSize(text, FONT, scale, thickness)[0][0]


def _tag(image: np.ndarray, text: str, corner: tuple[int, int], scale: float,
         colour: RGB) -> None:
    """Draw a filled label with white text, its top-left corner at ``corner``."""
    (w, h), base = cv2.getTextSize(ascii_text(text), FONT, scale, 1)
    x, y = corner
    cv2.rectangle(image, (x, y), (x + w + 8, y + h + base + 6), colour, -1)
    _text(image, text, (x + 4, y + h + 3), scale, (255, 255, 255))


def draw_person(image: np.ndarray, obs: PersonObservation, region: Region, colour: RGB,
                label: str, unit: float) -> None:
    """Region box with its label, skeleton and face points of one person (in place)."""
    h, w = image.shape[:2]
    x0, y0, x1, y1 = region.to_px(w, h)
    thick = max(1, round(2 * unit))
    cv2.rectangle(image, (x0 + thick, y0 + thick), (x1 - thick, y1 - thick), colour, thick)
    _tag(image, label, (x0 + thick, y0 + thick), 0.5 * unit, colour)
    scale = np.array([w, h], dtype=np.float32)
    if obs.has_face:
        face = obs.face_xy_norm[::4] * scale
        for x, y in face[np.isfinite(face).all(axis=1)].astype(np.int32):
            cv2.circle(image, (int(x), int(y)), max(1, round(unit)), colour, -1, cv2.LINE_AA)
    pose = obs.pose_xy_norm * scale
    seen = np.isfinite(pose).all(axis=1) & (obs.pose_visibility >= MIN_VISIBILITY)
    segments = [pose[pair].astype(np.int32) for pair in _PAIRS[seen[_PAIRS].all(axis=1)]]
    cv2.polylines(image, segments, False, (0, 0, 0), thick + 2, cv2.LINE_AA)
    cv2.polylines(image, segments, False, colour, thick, cv2.LINE_AA)
    for x, y in pose[seen].astype(np.int32):
        cv2.circle(image, (int(x), int(y)), thick + 1, colour, -1, cv2.LINE_AA)


def _tick_step_s(span_s: float) -> float:
    """Pick a round time step (s) giving at most ~8 ticks over ``span_s`` seconds."""
    for step in (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600):
        if span_s / step <= 8:
            return float(step)
    return 7200.0


def _clock(t_s: float) -> str:
    return f"{int(t_s // 60)}:{int(t_s % 60):02d}"


class Annotator:
    """Draws annotated frames for one session (static parts rendered once).

    Parameters
    ----------
    size_px : (width, height) of the video frames.
    timeline : the signal's per-window synchrony, or None (nothing computed).
    episodes : episodes of that signal.
    markers : ``[{"time_s": …, "label": …}]``.
    span_s : (first, last) time in seconds of the session (the strip's extent).
    labels : region labels of A and B, e.g. ``("A · therapist", "B · client")``.
    note : text shown in the strip when ``timeline`` is None.
    """

    def __init__(self, size_px: tuple[int, int], *, timeline: SignalTimeline | None,
                 episodes: Sequence[Episode] = (), markers: Sequence[Mapping[str, Any]] = (),
                 span_s: tuple[float, float] = (0.0, 1.0), labels: tuple[str, str] = PERSONS,
                 note: str = "no synchrony computed") -> None:
        self.width, self.height = size_px
        self.unit = self.width / 640
        u = self.unit
        self.timeline, self.labels = timeline, labels
        self._rows = {"gauge": round(30 * u), "legend": round(20 * u), "lane": round(12 * u),
                      "bars": round(56 * u), "axis": round(18 * u)}
        panel = sum(self._rows.values()) + round(8 * u)
        self.panel_height = panel + (self.height + panel) % 2
        self._x0, self._x1 = round(44 * u), self.width - round(12 * u)
        t0, t1 = span_s
        self._t0, self._span = t0, max(t1 - t0, 1e-6)
        self._bars_top = sum(self._rows[k] for k in ("gauge", "legend", "lane")) + round(4 * u)
        self._panel = self._static_panel(episodes, markers, note)

    @property
    def size_px(self) -> tuple[int, int]:
        """(width, height) of the annotated frames (even, for yuv420p)."""
        return self.width, self.height + self.panel_height

    def _x(self, t_s: float | np.ndarray) -> Any:
        return self._x0 + (np.asarray(t_s) - self._t0) / self._span * (self._x1 - self._x0)

    def _y(self, r: float) -> int:
        return round(self._bars_top + (1.0 - min(max(r, 0.0), 1.0)) * self._rows["bars"])

    def _static_panel(self, episodes: Sequence[Episode], markers: Sequence[Mapping[str, Any]],
                      note: str) -> np.ndarray:
        u, rows = self.unit, self._rows
        panel = np.empty((self.panel_height, self.width, 3), np.uint8)
        panel[:] = PANEL_RGB
        self._legend(panel, rows["gauge"] + round(14 * u))
        lane_top = rows["gauge"] + rows["legend"] + round(2 * u)
        bottom = self._bars_top + rows["bars"]
        cv2.rectangle(panel, (self._x0, self._bars_top), (self._x1, bottom), (40, 40, 46), -1)
        for r, text in ((1.0, "1"), (0.5, ".5"), (0.0, "0")):
            _text(panel, text, (round(6 * u), self._y(r) + round(4 * u)), 0.38 * u, DIM_RGB)
        _text(panel, "r", (round(6 * u), lane_top + round(10 * u)), 0.38 * u, DIM_RGB)
        tl = self.timeline
        if tl is None or not np.isfinite(tl.strength).any():
            _text(panel, note, (self._x0 + round(8 * u), self._y(0.5)), 0.45 * u, TEXT_RGB)
        else:
            self._bars(panel, tl, bottom)
            for e in episodes:
                x0, x1 = (int(v) for v in self._x(np.array([e.start_s, e.end_s])))
                cv2.rectangle(panel, (x0, lane_top), (max(x1 - 1, x0 + 1),
                              lane_top + rows["lane"] - round(2 * u)), EPISODE_RGB[e.kind], -1)
        for m in markers:
            x = int(self._x(float(m["time_s"])))
            cv2.line(panel, (x, lane_top), (x, bottom), (255, 255, 255), max(1, round(u)))
        step = _tick_step_s(self._span)
        for t in np.arange(math.ceil(self._t0 / step) * step, self._t0 + self._span + 1e-9,
                           step):
            x = int(self._x(t))
            cv2.line(panel, (x, bottom), (x, bottom + round(4 * u)), DIM_RGB, 1)
            label = _clock(t)
            w = cv2.getTextSize(label, FONT, 0.38 * u, 1)[0][0]
            _text(panel, label, (min(max(x - w // 2, 0), self.width - w), bottom +
                                 round(15 * u)), 0.38 * u, DIM_RGB)
        return panel

    def _bars(self, panel: np.ndarray, tl: SignalTimeline, bottom: int) -> None:
        r = np.clip(np.nan_to_num(np.tanh(tl.strength), nan=0.0), 0.0, 1.0)
        colours = cv2.applyColorMap(np.round(r * 255).astype(np.uint8).reshape(-1, 1),
                                    cv2.COLORMAP_VIRIDIS)[:, 0, ::-1]
        half = tl.step_s / 2
        for k in np.flatnonzero(np.isfinite(tl.strength)):
            x0, x1 = (int(v) for v in self._x(np.array([tl.centre_s[k] - half,
                                                        tl.centre_s[k] + half])))
            cv2.rectangle(panel, (x0, self._y(float(r[k]))), (max(x1 - 1, x0), bottom),
                          tuple(int(c) for c in colours[k]), -1)
        chance = np.tanh(tl.chance_level)
        ok = np.isfinite(chance)
        if ok.any():
            points = np.column_stack([self._x(tl.centre_s[ok]),
                                      [self._y(float(c)) for c in chance[ok]]])
            cv2.polylines(panel, [np.round(points).astype(np.int32)], False, (255, 230, 80),
                          max(1, round(self.unit)))

    def _legend(self, panel: np.ndarray, baseline: int) -> None:
        u = self.unit
        x = _text(panel, "synchrony (r, smoothed)", (self._x0, baseline), 0.38 * u, DIM_RGB)
        x += round(12 * u)
        cv2.line(panel, (x, baseline - round(4 * u)), (x + round(14 * u), baseline - round(4 * u)),
                 (255, 230, 80), max(1, round(u)))
        x = _text(panel, "chance", (x + round(18 * u), baseline), 0.38 * u, DIM_RGB)
        for kind, colour in EPISODE_RGB.items():
            x += round(12 * u)
            size = round(9 * u)
            cv2.rectangle(panel, (x, baseline - size), (x + size, baseline), colour, -1)
            x = _text(panel, kind, (x + size + round(4 * u), baseline), 0.38 * u, DIM_RGB)

    def _gauge(self, panel: np.ndarray, time_s: float) -> None:
        u, tl = self.unit, self.timeline
        baseline = round(21 * u)
        name = tl.signal if tl is not None else "synchrony"
        x = _text(panel, name, (round(6 * u), baseline), 0.55 * u, TEXT_RGB, max(1, round(u)))
        k = tl.window_at(time_s) if tl is not None else None
        if tl is None or k is None or not math.isfinite(tl.strength[k]):
            _text(panel, "no window at this time", (x + round(14 * u), baseline), 0.5 * u,
                  DIM_RGB)
            return
        r, lag, chance = (float(np.tanh(tl.strength[k])), float(tl.lag_s[k]),
                          float(np.tanh(tl.chance_level[k])))
        x = _text(panel, f"r {r:+.2f}", (x + round(14 * u), baseline), 0.5 * u)
        bar_x0, bar_w, bar_h = x + round(10 * u), round(110 * u), round(12 * u)
        top = baseline - bar_h + round(1 * u)
        cv2.rectangle(panel, (bar_x0, top), (bar_x0 + bar_w, top + bar_h), (60, 60, 66), -1)
        fill = round(bar_w * min(max(r, 0.0), 1.0))
        cv2.rectangle(panel, (bar_x0, top), (bar_x0 + fill, top + bar_h),
                      EPISODE_RGB["synchrony"] if tl.state[k] == "in_sync" else DIM_RGB, -1)
        if math.isfinite(chance):
            tx = bar_x0 + round(bar_w * min(max(chance, 0.0), 1.0))
            cv2.line(panel, (tx, top - round(3 * u)), (tx, top + bar_h + round(3 * u)),
                     (255, 230, 80), max(1, round(2 * u)))
        words = describe_leader(lag, str(tl.state[k]))
        lag_text = f"lag {lag:+.2f} s: {words}" if math.isfinite(lag) else words
        _text(panel, lag_text, (bar_x0 + bar_w + round(12 * u), baseline), 0.5 * u)

    def render(self, image_rgb: np.ndarray | None, tracked: TrackedFrame | None,
               time_s: float) -> np.ndarray:
        """One annotated frame: ``image_rgb`` (None: grey) with ``tracked`` at ``time_s``."""
        out = np.empty((self.height + self.panel_height, self.width, 3), np.uint8)
        video = out[:self.height]
        if image_rgb is None:
            video[:] = BACKGROUND_RGB
        else:
            video[:] = image_rgb[:self.height, :self.width]
        if tracked is not None:
            for i, person in enumerate(PERSONS):
                draw_person(video, tracked.people[i], tracked.regions[i], PERSON_RGB[person],
                            self.labels[i], self.unit)
        panel = out[self.height:]
        panel[:] = self._panel
        self._gauge(panel, time_s)
        x = int(self._x(min(max(time_s, self._t0), self._t0 + self._span)))
        top, bottom = self._rows["gauge"] + self._rows["legend"], self._bars_top + \
            self._rows["bars"] + round(4 * self.unit)
        cv2.line(panel, (x, top), (x, bottom), (0, 0, 0), max(3, round(4 * self.unit)))
        cv2.line(panel, (x, top), (x, bottom), (255, 255, 255), max(1, round(2 * self.unit)))
        return out
