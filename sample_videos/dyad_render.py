"""Drawing the generated sample clips: the two cut-out portraits on a wall behind a desk.

Person A (scikit-image's astronaut) and person B (matplotlib's Grace Hopper portrait) are cut
out of their photos once per process (GrabCut), placed by a :class:`Layout` and moved per
frame by the motion of ``dyad_motion.py``. scikit-image and matplotlib are imported only when
the photos are first needed.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from .dyad_motion import MOTION_CHANNELS, PERSONS, Layout

DESK_TOP = 0.8  # the desk in front of the people starts at this fraction of the height
GRABCUT_ITERATIONS = 4  # more iterations change under 0.1 % of the mask


# Photos and cut-outs
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _PhotoSpec:
    """How to cut one person out of a photo; all coordinates are photo pixels."""

    source: str
    rect: tuple[int, int, int, int]  # x0, y0, x1, y1: outside is background
    sure_fg: tuple[tuple[tuple[int, int], tuple[int, int]], ...]  # ellipses (centre, axes)
    sure_bg: tuple[tuple[tuple[int, int], ...], ...]  # polygons
    neck_xy: tuple[float, float]  # base of the neck: pivot of tilt and lean
    shoulders_x: tuple[float, float]  # outer edges of the shoulders


PHOTOS: dict[str, _PhotoSpec] = {
    "A": _PhotoSpec(
        source="scikit-image skimage/data/astronaut.png (skimage.data.astronaut()): "
               "NASA portrait of astronaut Eileen Collins, public domain",
        rect=(10, 5, 370, 512),
        sure_fg=(((225, 100), (55, 75)), ((225, 240), (80, 40)), ((190, 400), (130, 110))),
        sure_bg=(),
        neck_xy=(222.0, 215.0),
        shoulders_x=(40.0, 355.0),
    ),
    "B": _PhotoSpec(
        source="matplotlib mpl-data/sample_data/grace_hopper.jpg "
               "(matplotlib.cbook.get_sample_data('grace_hopper.jpg')): U.S. Navy portrait "
               "of Commodore Grace M. Hopper, 1984, public domain",
        rect=(0, 10, 512, 600),
        sure_fg=(((262, 200), (95, 130)), ((262, 480), (200, 110))),
        sure_bg=(((0, 360), (24, 360), (16, 600), (0, 600)),),
        neck_xy=(262.0, 360.0),
        shoulders_x=(20.0, 490.0),
    ),
}


def load_source_photos() -> dict[str, np.ndarray]:
    """Load the two public-domain portraits from the installed packages, as BGR uint8.

    Returns
    -------
    dict
        ``{"A": astronaut, 512x512 px, "B": Grace Hopper, 512x600 px (width x height)}``.
    """
    from matplotlib import cbook
    from skimage import data

    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)
    hopper_path = cbook.get_sample_data("grace_hopper.jpg", asfileobj=False)
    hopper = cv2.imread(str(hopper_path), cv2.IMREAD_COLOR)
    if hopper is None:
        raise FileNotFoundError(f"cannot read {hopper_path}")
    return {"A": np.ascontiguousarray(astronaut), "B": hopper}


def cut_out(photo: np.ndarray, spec: _PhotoSpec) -> np.ndarray:
    """Return a soft alpha mask (float32 in [0, 1]) of the person, by GrabCut.

    Parameters
    ----------
    photo : ndarray
        BGR uint8 photo.
    spec : _PhotoSpec
        Rectangle, sure-foreground ellipses and sure-background polygons in photo pixels.
    """
    mask = np.full(photo.shape[:2], cv2.GC_BGD, np.uint8)
    x0, y0, x1, y1 = spec.rect
    mask[y0:y1, x0:x1] = cv2.GC_PR_BGD
    for centre, axes in spec.sure_fg:
        cv2.ellipse(mask, centre, axes, 0, 0, 360, cv2.GC_FGD, -1)
    for polygon in spec.sure_bg:
        cv2.fillPoly(mask, [np.array(polygon, np.int32)], cv2.GC_BGD)
    cv2.setRNGSeed(0)  # GrabCut's k-means initialisation
    bgd, fgd = np.zeros((1, 65)), np.zeros((1, 65))
    cv2.grabCut(photo, mask, None, bgd, fgd, GRABCUT_ITERATIONS, cv2.GC_INIT_WITH_MASK)
    fg = np.isin(mask, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.uint8)
    # keep the largest blob and fill its holes (e.g. inside the astronaut's neck ring)
    contours, _ = cv2.findContours(fg, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    solid = np.zeros_like(fg)
    cv2.drawContours(solid, [max(contours, key=cv2.contourArea)], -1, 1, cv2.FILLED)
    solid = cv2.morphologyEx(solid, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    return cv2.GaussianBlur(solid.astype(np.float32), (0, 0), 1.2)


@dataclass(frozen=True)
class _Sprite:
    """A cut-out person: colour, alpha, and the neck pivot in sprite pixels."""

    bgr: np.ndarray  # float32 (h, w, 3)
    alpha: np.ndarray  # float32 (h, w)
    neck_xy: tuple[float, float]
    shoulder_px: float

    @property
    def corners(self) -> np.ndarray:
        h, w = self.alpha.shape
        return np.array([[0, 0], [w, 0], [0, h], [w, h]], np.float64) - self.neck_xy


_SPRITES: dict[str, _Sprite] = {}


def _sprites() -> dict[str, _Sprite]:
    """Cut out both people once per process; the body is extended below the photo."""
    if not _SPRITES:
        photos = load_source_photos()
        for person, spec in PHOTOS.items():
            photo = photos[person]
            alpha = cut_out(photo, spec)
            # Continue the torso below the photo's bottom edge (it disappears behind the desk):
            # the last row, smoothed sideways and darkened downwards like a shaded torso.
            pad = photo.shape[0] // 2
            last = cv2.GaussianBlur(photo[-1:].astype(np.float32), (0, 0), 12.0)
            shade = np.linspace(1.0, 0.6, pad, dtype=np.float32)[:, None, None]
            bgr = np.vstack([photo.astype(np.float32), last * shade])
            alpha = np.vstack([alpha, np.repeat(alpha[-1:], pad, axis=0)])
            _SPRITES[person] = _Sprite(
                bgr=bgr,
                alpha=alpha,
                neck_xy=spec.neck_xy,
                shoulder_px=spec.shoulders_x[1] - spec.shoulders_x[0],
            )
    return _SPRITES


# ---------------------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------------------
def _texture(rng: np.random.Generator, size: tuple[int, int], cell_px: int,
             sigma_xy: tuple[float, float]) -> np.ndarray:
    """Smooth random texture with unit-ish amplitude: coarse blotches plus fine grain."""
    w, h = size
    coarse = rng.normal(0, 1, (h // cell_px + 2, w // cell_px + 2)).astype(np.float32)
    blotches = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    grain = cv2.GaussianBlur(rng.normal(0, 1, (h, w)).astype(np.float32), (0, 0),
                             sigmaX=sigma_xy[0], sigmaY=sigma_xy[1])
    return blotches + grain


def _scene(size: tuple[int, int], seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Draw the static scenery: a softly lit, slightly textured wall and a wooden desk in front.

    Returns
    -------
    wall : ndarray
        BGR float32 ``(h, w, 3)``, drawn behind the people.
    desk : ndarray
        BGR float32 ``(h, w, 3)``, drawn over the people where ``desk_alpha`` is 1.
    desk_alpha : ndarray
        float32 ``(h, w)`` in [0, 1]: 1 from ``DESK_TOP`` of the height downwards.
    """
    w, h = size
    rng = np.random.default_rng(np.random.SeedSequence([seed, 1]))
    y = np.linspace(0.0, 1.0, h, dtype=np.float32)[:, None, None]
    x = np.linspace(-1.0, 1.0, w, dtype=np.float32)[None, :, None]
    light = 1.0 - 0.15 * y - 0.12 * x**2  # lit from above, darker corners
    wall = np.array([190, 202, 212], np.float32) * light  # warm light grey (BGR)
    wall += 4.0 * _texture(rng, size, 40, (0.8, 0.8))[..., None]

    top = DESK_TOP * h
    rows = np.arange(h, dtype=np.float32)[:, None, None]
    front = rows > top + 0.12 * h  # the desk's front face, below its top surface
    wood = np.where(front, np.float32(0.7), np.float32(1.0)) * np.array([70, 112, 160],
                                                                         np.float32)
    grain = _texture(rng, size, 60, (25.0, 0.7))  # long horizontal grain
    desk = wood * (1.0 - 0.04 * x**2) + 9.0 * grain[..., None]
    desk[np.abs(rows[:, 0, 0] - top - 0.12 * h) < 1.5] *= 1.25  # the lit front edge
    desk_alpha = np.clip(rows[:, 0, 0] - top + 0.5, 0.0, 1.0)[:, None] * np.ones((1, w))
    return wall, desk, desk_alpha.astype(np.float32)


@dataclass(frozen=True)
class _Pose:
    """A person's transform in one frame: pivot position (px), size (px per sprite px)."""

    neck_x: float
    neck_y: float
    k: float
    rot_deg: float


def _render_person(sprite: _Sprite, pose: _Pose, size: tuple[int, int]
                   ) -> tuple[tuple[slice, slice], np.ndarray, np.ndarray] | None:
    """Warp the sprite into the frame; return (ROI slices, colour, alpha) or None.

    The head turns by the full ``rot_deg`` about the base of the neck; the weight of the
    turn fades to zero over the shoulders, so the shoulders only sway, bob and lean.
    """
    w, h = size
    theta = np.deg2rad(pose.rot_deg)
    rot = np.array([[np.cos(theta), np.sin(theta)], [-np.sin(theta), np.cos(theta)]])
    corners = np.vstack([sprite.corners, sprite.corners @ rot.T]) * pose.k
    x0 = max(int(np.floor(pose.neck_x + corners[:, 0].min())) - 2, 0)
    x1 = min(int(np.ceil(pose.neck_x + corners[:, 0].max())) + 2, w)
    y0 = max(int(np.floor(pose.neck_y + corners[:, 1].min())) - 2, 0)
    y1 = min(int(np.ceil(pose.neck_y + corners[:, 1].max())) + 2, h)
    if x1 <= x0 or y1 <= y0:
        return None
    u = (np.arange(x0, x1, dtype=np.float32) - pose.neck_x)[None, :] / pose.k
    v = (np.arange(y0, y1, dtype=np.float32) - pose.neck_y)[:, None] / pose.k
    # tilt weight: 1 above the neck, 0 from half a shoulder width below it
    ramp = np.clip(v / (0.5 * sprite.shoulder_px) + 0.1, 0.0, 1.0)
    phi = theta * (1.0 - ramp * ramp * (3.0 - 2.0 * ramp))
    cos, sin = np.cos(phi), np.sin(phi)
    map_x = (cos * u - sin * v + sprite.neck_xy[0]).astype(np.float32)
    map_y = (sin * u + cos * v + sprite.neck_xy[1]).astype(np.float32)
    colour = cv2.remap(sprite.bgr, map_x, map_y, cv2.INTER_LINEAR,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    alpha = cv2.remap(sprite.alpha, map_x, map_y, cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return (slice(y0, y1), slice(x0, x1)), colour, alpha


class Renderer:
    """Draws frames: wall, soft shadows, then A and B, plus faint sensor noise."""

    SHADOW_OFFSET_PX = (9, 6)
    SHADOW_STRENGTH = 0.28
    NOISE_STD = 1.2  # grey levels

    def __init__(self, size: tuple[int, int], layout: Layout, seed: int) -> None:
        self.size = size
        self.layout = layout
        self.sprites = _sprites()
        self.wall, self.desk, self.desk_alpha = _scene(size, seed)
        self.noise_rng = np.random.default_rng(np.random.SeedSequence([seed, 2]))
        w, h = size
        self.k0 = {p: pl.scale * w / self.sprites[p].shoulder_px
                   for p, pl in layout.placements().items()}
        self.bbox = {p: [w, h, 0, 0] for p in PERSONS}  # union of visible pixels, px

    def frame(self, motion: dict[str, dict[str, np.ndarray]], i: int) -> np.ndarray:
        """Render frame ``i`` of ``motion`` as BGR uint8."""
        w, h = self.size
        frame = self.wall.copy()
        shadow = np.zeros((h, w), np.float32)
        people = []
        for person, place in self.layout.placements().items():
            m = {c: float(motion[person][c][i]) for c in MOTION_CHANNELS}
            pose = _Pose(neck_x=place.center_x * w + m["dx_px"],
                         neck_y=place.neck_y * h + m["dy_px"],
                         k=self.k0[person] * m["scale"], rot_deg=m["rot_deg"])
            drawn = _render_person(self.sprites[person], pose, self.size)
            if drawn is None:
                continue
            people.append(drawn)
            (ys, xs), _, alpha = drawn
            self._grow_bbox(person, ys, xs, alpha * (1.0 - self.desk_alpha[ys, xs]))
            dx, dy = self.SHADOW_OFFSET_PX
            sys_ = slice(min(ys.start + dy, h), min(ys.stop + dy, h))
            sxs = slice(min(xs.start + dx, w), min(xs.stop + dx, w))
            np.maximum(shadow[sys_, sxs], alpha[: sys_.stop - sys_.start, : sxs.stop - sxs.start],
                       out=shadow[sys_, sxs])
        shadow = cv2.GaussianBlur(shadow, (0, 0), 9.0)
        frame *= (1.0 - self.SHADOW_STRENGTH * shadow)[..., None]
        for roi, colour, alpha in people:
            a = alpha[..., None]
            frame[roi] = frame[roi] * (1.0 - a) + colour * a
        d = self.desk_alpha[..., None]
        frame = frame * (1.0 - d) + self.desk * d
        noise = self.noise_rng.normal(0.0, self.NOISE_STD, (h, w)).astype(np.float32)
        frame += noise[..., None]
        return np.clip(frame + 0.5, 0, 255).astype(np.uint8)

    def _grow_bbox(self, person: str, ys: slice, xs: slice, alpha: np.ndarray) -> None:
        solid = alpha > 0.5
        cols, rows = np.flatnonzero(solid.any(axis=0)), np.flatnonzero(solid.any(axis=1))
        if cols.size == 0:
            return
        box = self.bbox[person]
        box[0] = min(box[0], xs.start + int(cols[0]))
        box[1] = min(box[1], ys.start + int(rows[0]))
        box[2] = max(box[2], xs.start + int(cols[-1]) + 1)
        box[3] = max(box[3], ys.start + int(rows[-1]) + 1)

    def regions(self) -> dict[str, list[float] | None]:
        """Union of each person's visible pixels over all frames, normalised x0, y0, x1, y1.

        None for a person who was never visible (placed outside the frame).
        """
        w, h = self.size
        return {p: [round(b[0] / w, 4), round(b[1] / h, 4), round(b[2] / w, 4),
                    round(b[3] / h, 4)] if b[2] > b[0] else None
                for p, b in self.bbox.items()}

