"""The movement of the two people in the generated sample clips (no rendering).

Person A is on the LEFT, person B on the RIGHT. Each person's own movement is a *driver*:
per channel (sway, bob, head tilt, lean) a sum of sinusoids in 0.1-1 Hz, times a slow on/off
envelope (pauses). B's movement is a delayed, partly independent copy of A's::

    B(t) = c(t) * A(t - lag_s) + sqrt(1 - c(t)**2) * N_B(t)        (per channel)

where the coupling ``c(t)`` is one constant or follows a schedule of stretches.

Sign convention (the product's contract): ``lag_s > 0`` means **A leads and B follows**
(B's movement resembles A's movement ``lag_s`` seconds earlier); ``lag_s < 0`` means B leads
and A follows by ``|lag_s|``; ``coupling = 0`` gives an independent pair.

Used by ``make_dyad_clip.py`` (rendering and the command line) and by the benches.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SIGN_CONVENTION = (
    "lag_s > 0: A (left person) leads and B (right person) follows, B's movement resembles "
    "A's movement lag_s seconds earlier; lag_s < 0: B leads and A follows by |lag_s|. "
    "Same as rMEA's 's1 leads' with s1 = A."
)
MOTION_MODEL = (
    "per channel c in (dx_px, dy_px, rot_deg, scale): driver_B(t) = coupling * driver_A(t - lag_s)"
    " + sqrt(1 - coupling^2) * own_B(t); a driver is a sum of sinusoids (0.1-1.0 Hz, random "
    "phases) times a slow on/off envelope (pauses); dx_px = sway_px * size * driver, dy_px = "
    "bob_px * size * driver, rot_deg = tilt_deg * driver, scale = 1 + lean * driver, with "
    "size = person scale / default scale. B is not mirrored: same sign of dx_px and rot_deg "
    "as A's delayed movement."
)
MOTION_CHANNELS: tuple[str, ...] = ("dx_px", "dy_px", "rot_deg", "scale")
PERSONS: tuple[str, str] = ("A", "B")

DEFAULT_SCALE = 0.40
DEFAULT_NECK_Y = 0.52

# Movement per unit of driver (a driver has an RMS of about 0.8 with its pauses included and
# peaks of about +-2.2; with the defaults sway reaches about +-24 px and tilt about +-7 deg).
SWAY_PX = 11.0
BOB_PX = 4.0
TILT_DEG = 3.5
LEAN = 0.025

DRIVER_BAND_HZ = (0.1, 1.0)
DRIVER_COMPONENTS = 12
ENVELOPE_BAND_HZ = (0.02, 0.07)
ENVELOPE_COMPONENTS = 3
SCHEDULE_RAMP_S = 1.0  # a change of coupling ramps smoothly over this long


# ---------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonPlacement:
    """Where one person sits in the frame (all values are fractions of the frame).

    Parameters
    ----------
    center_x : float
        Horizontal position of the base of the neck, as a fraction of the frame width.
    scale : float
        Shoulder width as a fraction of the frame width (0.40 fills about 4/5 of a half).
    neck_y : float
        Vertical position of the base of the neck, as a fraction of the frame height.
    """

    center_x: float
    scale: float = DEFAULT_SCALE
    neck_y: float = DEFAULT_NECK_Y

    def __post_init__(self) -> None:
        if not (0.0 < self.center_x < 1.0 and 0.0 < self.neck_y < 1.0):
            raise ValueError(f"center_x and neck_y must lie in (0, 1), got {self}")
        if not 0.02 <= self.scale <= 1.0:
            raise ValueError(f"scale must lie in [0.02, 1], got {self.scale}")


@dataclass(frozen=True)
class Layout:
    """Placement of person A (left photo, astronaut) and person B (right, Grace Hopper)."""

    a: PersonPlacement = PersonPlacement(center_x=0.26)
    b: PersonPlacement = PersonPlacement(center_x=0.76)

    @classmethod
    def parse(cls, layout: "Layout | dict | None") -> "Layout":
        """Return a :class:`Layout` from ``None`` (default), a Layout or a mapping.

        A mapping looks like ``{"A": {"center_x": 0.2, "scale": 0.3}, "B": {...}}``; keys
        that are left out keep their defaults.
        """
        if layout is None:
            return cls()
        if isinstance(layout, Layout):
            return layout
        if set(layout) - set(PERSONS):
            raise ValueError(f"layout keys must be 'A' and/or 'B', got {sorted(layout)}")
        placements = {}
        for person, default in cls().placements().items():
            given = dict(layout.get(person, {}))
            if set(given) - {"center_x", "scale", "neck_y"}:
                raise ValueError(f"layout[{person!r}] may set center_x, scale and neck_y, "
                                 f"got {sorted(given)}")
            placements[person] = PersonPlacement(**{**placement_dict(default), **given})
        return cls(a=placements["A"], b=placements["B"])

    def placements(self) -> dict[str, PersonPlacement]:
        """Return ``{"A": placement, "B": placement}``."""
        return {"A": self.a, "B": self.b}


def placement_dict(p: PersonPlacement) -> dict[str, float]:
    """Return a placement as ``{"center_x", "scale", "neck_y"}`` (fractions of the frame)."""
    return {"center_x": p.center_x, "scale": p.scale, "neck_y": p.neck_y}


# ---------------------------------------------------------------------------------------
# Motion
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Sines:
    """A sum of sinusoids with an RMS of 1, evaluable at any time (so delays are exact)."""

    freqs_hz: np.ndarray
    phases: np.ndarray
    amps: np.ndarray

    @classmethod
    def random(cls, rng: np.random.Generator, n: int, band_hz: tuple[float, float]) -> "_Sines":
        lo, hi = band_hz
        freqs = np.exp(rng.uniform(np.log(lo), np.log(hi), n))
        phases = rng.uniform(0.0, 2.0 * np.pi, n)
        amps = freqs ** -0.5  # more slow than fast movement
        amps *= np.sqrt(2.0 / np.sum(amps**2))  # long-run RMS 1
        return cls(freqs, phases, amps)

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        arg = 2.0 * np.pi * np.outer(t_s, self.freqs_hz) + self.phases
        return np.sin(arg) @ self.amps


@dataclass(frozen=True)
class Driver:
    """One person's own movement: per-channel sinusoid sums times a shared envelope."""

    envelope: _Sines
    channels: tuple[_Sines, ...]

    @classmethod
    def random(cls, rng: np.random.Generator) -> "Driver":
        """Draw a new person's movement from ``rng`` (envelope first, then the channels)."""
        envelope = _Sines.random(rng, ENVELOPE_COMPONENTS, ENVELOPE_BAND_HZ)
        channels = tuple(_Sines.random(rng, DRIVER_COMPONENTS, DRIVER_BAND_HZ)
                         for _ in MOTION_CHANNELS)
        return cls(envelope, channels)

    def gain(self, t_s: np.ndarray) -> np.ndarray:
        """Movement amplitude in [0.05, 1]: near 0.05 during pauses."""
        on = 1.0 / (1.0 + np.exp(-3.0 * (self.envelope(t_s) + 0.6)))
        return 0.05 + 0.95 * on

    def __call__(self, t_s: np.ndarray) -> np.ndarray:
        """Return the unitless driver, shape ``(len(t_s), len(MOTION_CHANNELS))``."""
        g = self.gain(t_s)
        return np.stack([g * ch(t_s) for ch in self.channels], axis=1)


Schedule = tuple[tuple[float, float], ...]


def parse_coupling(coupling: "float | Sequence[Sequence[float]]") -> Schedule:
    """Return the coupling as a schedule ``((start_s, coupling), ...)`` starting at 0 s.

    A number is one stretch from 0 s. A sequence of ``(start_s, coupling)`` pairs must start
    at 0 s, with starts at least ``2 * SCHEDULE_RAMP_S`` apart and couplings in [0, 1].
    """
    if isinstance(coupling, (int, float, np.floating, np.integer)):
        stretches: Schedule = ((0.0, float(coupling)),)
    else:
        try:
            stretches = tuple((float(start), float(c)) for start, c in coupling)
        except (TypeError, ValueError):
            raise ValueError("coupling must be a number or (start_s, coupling) pairs, "
                             f"got {coupling!r}") from None
    if not stretches or stretches[0][0] != 0.0:
        raise ValueError(f"a coupling schedule must start at 0 s, got {stretches}")
    starts = np.array([start for start, _ in stretches])
    if np.any(np.diff(starts) < 2.0 * SCHEDULE_RAMP_S) or not np.all(np.isfinite(starts)):
        raise ValueError(f"schedule starts must increase by at least {2 * SCHEDULE_RAMP_S} s, "
                         f"got {starts.tolist()}")
    for _, c in stretches:
        if not 0.0 <= c <= 1.0:
            raise ValueError(f"coupling must lie in [0, 1], got {c}")
    return stretches


def coupling_at(t_s: np.ndarray, schedule: Schedule) -> np.ndarray:
    """Return the coupling at times ``t_s`` (seconds).

    Each change is a smooth ramp of ``SCHEDULE_RAMP_S`` centred on its start time, so B's
    position does not jump.
    """
    c = np.full(len(t_s), schedule[0][1])
    for (_, before), (start, after) in zip(schedule[:-1], schedule[1:], strict=True):
        x = np.clip((np.asarray(t_s) - start) / SCHEDULE_RAMP_S + 0.5, 0.0, 1.0)
        c += (after - before) * x * x * (3.0 - 2.0 * x)
    return c


def schedule_events(schedule: Schedule) -> list[dict[str, float | str]]:
    """List each change of coupling as ``{"kind", "time_s", "from", "to"}``.

    ``kind`` is ``"rupture"`` where the coupling falls and ``"repair"`` where it rises.
    """
    return [{"kind": "rupture" if after < before else "repair", "time_s": start,
             "from": before, "to": after}
            for (_, before), (start, after) in zip(schedule[:-1], schedule[1:], strict=True)
            if after != before]


def _drivers(n_frames: int, fps: float, lag_s: float, schedule: Schedule,
             seed: int) -> dict[str, np.ndarray]:
    """Unitless drivers of A and B, each ``(n_frames, 4)``; B follows A by ``lag_s``."""
    rng_a, rng_b = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    own_a, own_b = Driver.random(rng_a), Driver.random(rng_b)
    t_s = np.arange(n_frames) / fps
    c = coupling_at(t_s, schedule)[:, None]
    drv_b = c * own_a(t_s - lag_s) + np.sqrt(1.0 - c**2) * own_b(t_s)
    return {"A": own_a(t_s), "B": drv_b}


def lead_of(lag_s: float, schedule: Schedule) -> str:
    """Return ``"A"``, ``"B"`` or ``"none"``: who leads whenever the people are coupled."""
    if max(c for _, c in schedule) == 0.0 or lag_s == 0.0:
        return "none"
    return "A" if lag_s > 0 else "B"


def _check_params(duration_s: float, fps: float, lag_s: float) -> int:
    if not fps > 0:
        raise ValueError(f"fps must be > 0, got {fps}")
    if not duration_s > 0:
        raise ValueError(f"duration_s must be > 0, got {duration_s}")
    if not np.isfinite(lag_s):
        raise ValueError(f"lag_s must be finite, got {lag_s}")
    n_frames = round(duration_s * fps)
    if n_frames < 2:
        raise ValueError("the clip must have at least 2 frames")
    return n_frames


def dyad_motion(*, duration_s: float = 20.0, fps: float = 25.0, lag_s: float = 0.5,
                coupling: "float | Sequence[Sequence[float]]" = 0.9, seed: int = 0,
                layout: Layout | dict | None = None) -> dict[str, dict[str, np.ndarray]]:
    """Compute the per-frame movement of both people without rendering a video.

    Frame ``i`` is at time ``i / fps`` seconds. The result is exactly the motion that
    :func:`make_dyad_clip` applies (and writes, rounded, into the truth JSON).

    Parameters
    ----------
    duration_s : float
        Clip length in seconds; ``n_frames = round(duration_s * fps)``.
    fps : float
        Frame rate in frames per second.
    lag_s : float
        Delay of B's movement behind A's in seconds. ``> 0``: A leads, B follows;
        ``< 0``: B leads by ``|lag_s|``. Fractional frame delays are exact.
    coupling : float or sequence of (start_s, coupling)
        Weight of A's delayed movement in B's, in [0, 1]; 0 gives independent people. A
        schedule such as ``((0, 0.8), (30, 0), (60, 0.8))`` changes it over time (coupled,
        independent from 30 s, coupled again from 60 s), each change a smooth ramp of
        ``SCHEDULE_RAMP_S`` centred on its start; see :func:`parse_coupling`.
    seed : int
        Random seed. A's movement depends only on the seed, not on lag or coupling.
    layout : Layout or dict or None
        Placement of the people; it scales the movement in pixels (``dx_px``, ``dy_px``).

    Returns
    -------
    dict
        ``{"A": {"dx_px", "dy_px", "rot_deg", "scale"}, "B": {...}}`` of float64 arrays of
        shape ``(n_frames,)``: sway (x translation, px, + = right), bob (y translation, px,
        + = down), head tilt about the base of the neck (degrees, + = counter-clockwise in the
        image) and lean (scale factor about the base of the neck, 1 = rest).
    """
    n_frames = _check_params(duration_s, fps, lag_s)
    places = Layout.parse(layout).placements()
    drivers = _drivers(n_frames, fps, lag_s, parse_coupling(coupling), seed)
    motion = {}
    for person, drv in drivers.items():
        size = places[person].scale / DEFAULT_SCALE
        motion[person] = {
            "dx_px": SWAY_PX * size * drv[:, 0],
            "dy_px": BOB_PX * size * drv[:, 1],
            "rot_deg": TILT_DEG * drv[:, 2],
            "scale": 1.0 + LEAN * drv[:, 3],
        }
    return motion

