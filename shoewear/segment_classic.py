"""Classical sole segmentation (colour statistics and sole templates, no network).

`segment.segment_outsole` uses it when no segmenter network is available
(or ``SHOEWEAR_SEGMENTER=classical``).

How it works
------------
1. **Where might a sole be** (coarse image, long side `_COARSE_SIDE`): colours
   and colour-plus-tread-texture combinations that are rare along the photo's
   border are likely sole. The border is split into segments and a colour
   counts as floor only when most segments show it, so a sole touching the
   frame does not teach the floor model its own colours. One round of
   colour re-estimation sharpens the map.
2. **A sole-shaped template** (a typical outline: narrow round heel, widest
   near u = 0.7, rounded toe) is fitted to each large candidate region by
   Nelder-Mead over centre, angle, length and width, alternating with
   colour models learnt inside and outside the template. Anything attached
   that the template cannot cover (a hand, a card, the shoe's side wall)
   falls outside. A region about two soles wide is also fitted as a pair.
   The set of one or two templates that explains the map best wins.
3. **The exact outline** (working resolution): starting from each template,
   the boundary is moved along its normals to where the colour changes from
   sole to floor, by dynamic programming that keeps it smooth; a constant
   midsole rim outside the tread edge is then added when the photo shows
   one all round.
4. **Refusal from shape evidence**: a found region whose width profile along
   its long axis does not look like a sole's (or whose elongation, solidity
   or size is off) is dropped; no region left raises `NoSoleFoundError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import minimize

from .errors import NoSoleFoundError
from .sole import SoleMask
from .sole_shape import half_width, mask_box, sole_quality

#: Long side of the coarse image the soles are first found in.
_COARSE_SIDE = 256
#: Colour histogram bins (L, a, b) of the coarse maps, and texture levels.
_QL, _QA, _QB, _QT = 8, 16, 16, 4
_SHAPE3 = (_QL, _QA, _QB)
_SHAPE4 = (_QL, _QA, _QB, _QT)
_SIGMA3 = (1.0, 0.8, 0.8)
_SIGMA4 = (1.0, 0.8, 0.8, 0.6)
#: Colour histogram bins per channel of the fine (working resolution) model.
_QF = 16
#: Border segments per side for the floor model.
_BORDER_SEGMENTS = 6
#: Template evaluations per fit.
_FIT_EVALS = 120
#: Rounds of template fitting and colour re-estimation.
_FIT_ROUNDS = 3
#: Smallest region worth a template, as a share of the photo.
_MIN_REGION = 0.012
#: Template width may vary by this factor around the typical sole's.
_WIDTH_RANGE = (0.7, 1.25)
#: A template whose interior averages less sole probability is not a sole.
_MIN_SUPPORT = 0.6

@dataclass
class _Template:
    """A placed sole template: centre (x, y), heel-to-toe angle, length, width factor."""

    cx: float
    cy: float
    angle: float
    length: float
    width: float

    def as_array(self) -> np.ndarray:
        return np.array([self.cx, self.cy, self.angle, self.length, self.width])

    def scaled(self, f: float) -> _Template:
        """The same template in an image `f` times larger (pixel centres kept)."""
        return _Template(
            (self.cx + 0.5) * f - 0.5, (self.cy + 0.5) * f - 0.5, self.angle,
            self.length * f, self.width,
        )  # fmt: skip


def segment_classic(rgb: np.ndarray, *, max_soles: int = 2) -> list[SoleMask]:
    """Find up to `max_soles` outsoles in a photo.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo at working resolution.
    max_soles : int
        Most soles to return (a pair side by side gives two).

    Returns
    -------
    list of SoleMask
        Left to right in the picture; each mask is (H, W) bool at the
        resolution of `rgb`, the whole outsole seen from below including the
        midsole rim. `quality` is the sole probability inside the fitted
        template times how well the outline's width profile matches a sole's.

    Raises
    ------
    NoSoleFoundError
        When no region has a sole's shape.
    ValueError
        When `rgb` is not an (H, W, 3) uint8 image or `max_soles` < 1.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"rgb must be (H, W, 3) uint8, got {rgb.shape} {rgb.dtype}")
    if max_soles < 1:
        raise ValueError(f"max_soles must be at least 1, got {max_soles}")
    h, w = rgb.shape[:2]
    if min(h, w) < 16:
        raise NoSoleFoundError("no outsole found in the photo")
    f = min(1.0, _COARSE_SIDE / max(h, w))
    size = (max(1, round(w * f)), max(1, round(h * f)))
    small = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
    templates, supports = _find_templates(small, max_soles)
    if not templates:
        raise NoSoleFoundError("no outsole found in the photo")

    placed = [t.scaled(1.0 / f) for t in templates]
    found = []
    for i, t in enumerate(placed):
        others = [o for j, o in enumerate(placed) if j != i]
        mask = _fine_mask(rgb, t, others)
        quality = sole_quality(mask, supports[i])
        if quality > 0:
            found.append(SoleMask(mask=mask, quality=quality, box=mask_box(mask)))
    if not found:
        raise NoSoleFoundError("no outsole found in the photo")
    found.sort(key=lambda s: s.box[0] + s.box[2])
    return found


# ----------------------------------------------------------------------------
# Stage 1: the coarse sole-probability map


def _hist(idx: np.ndarray, where: np.ndarray | None, shape: tuple, sigma: tuple) -> np.ndarray:
    """Smoothed, normalised histogram of bin indices (optionally under a mask)."""
    v = idx[where] if where is not None else idx.ravel()
    h = np.bincount(v.ravel(), minlength=int(np.prod(shape))).astype(np.float32).reshape(shape)
    h = ndi.gaussian_filter(h, sigma, mode="constant")
    return h.ravel() / max(float(h.sum()), 1e-6)


def _border_segments(h: int, w: int) -> np.ndarray:
    """(h, w) int label of the border strip cut into `_BORDER_SEGMENTS` pieces per side,
    -1 away from the border (corners go to the top and bottom segments)."""
    b = max(3, round(0.04 * min(h, w)))
    n = _BORDER_SEGMENTS
    labels = np.full((h, w), -1, np.int64)
    col = np.minimum(np.arange(w) * n // w, n - 1)
    row = np.minimum(np.arange(h) * n // h, n - 1)
    labels[:, :b] = 2 * n + row[:, None]
    labels[:, w - b :] = 3 * n + row[:, None]
    labels[:b, :] = col[None, :]
    labels[h - b :, :] = n + col[None, :]
    return labels


def _floor_prior(idx: np.ndarray, segs: np.ndarray, shape: tuple, sigma: tuple) -> np.ndarray:
    """Per bin: 1 when the bin is rare along the border, 0 when it is floor.

    `segs` labels each pixel with its border segment (-1 off the border).
    """
    n_bins = int(np.prod(shape))
    n_segs = int(segs.max()) + 1
    on = segs >= 0
    counts = np.bincount(segs[on] * n_bins + idx[on], minlength=n_segs * n_bins)
    per_seg = counts.astype(np.float32).reshape((n_segs, *shape))
    per_seg = ndi.gaussian_filter(per_seg, (0, *sigma), mode="constant").reshape(n_segs, -1)
    per_seg /= np.maximum(per_seg.sum(axis=1, keepdims=True), 1e-6)
    floor = np.percentile(per_seg, 70, axis=0)  # present in most border segments
    overall = _hist(idx, None, shape, sigma)
    return 1.0 - np.minimum(1.0, floor / (overall + 1e-9) / 0.5)


def _coarse_features(small: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colour bin and colour-plus-texture bin of every pixel, and the first sole map."""
    h, w = small.shape[:2]
    lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB)
    cidx = ((lab[..., 0] >> 5).astype(np.int32) * _QA + (lab[..., 1] >> 4)) * _QB + (
        lab[..., 2] >> 4
    )
    g = lab[..., 0].astype(np.float32)
    hp = cv2.GaussianBlur(g, (0, 0), 0.7) - cv2.GaussianBlur(g, (0, 0), 2.0)
    energy = np.sqrt(cv2.GaussianBlur(hp * hp, (0, 0), 2.0))  # tread contrast
    segs = _border_segments(h, w)
    seg_energy = [np.percentile(energy[segs == k], 90) for k in range(int(segs.max()) + 1)]
    ref = max(float(np.percentile(seg_energy, 60)), 1.0)
    level = np.digitize(energy, [0.5 * ref, ref, 2.0 * ref]).astype(np.int32)
    idx = cidx * _QT + level
    p_colour = _floor_prior(cidx, segs, _SHAPE3, _SIGMA3)[cidx]
    p_joint = _floor_prior(idx, segs, _SHAPE4, _SIGMA4)[idx]
    p_texture = 1.0 / (1.0 + np.exp(-4.0 * (np.log(energy + 0.5) - np.log(1.3 * ref))))
    prior = np.maximum(np.maximum(p_colour, p_texture), p_joint).astype(np.float32)
    return cidx, cv2.GaussianBlur(prior, (0, 0), 1.0)


def _colour_map(cidx: np.ndarray, fg: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Sole probability from colour histograms learnt under `fg` and `bg`."""
    hf = _hist(cidx, fg, _SHAPE3, _SIGMA3)
    hb = _hist(cidx, bg, _SHAPE3, _SIGMA3)
    p = hf[cidx] / (hf[cidx] + hb[cidx] + 1e-12)
    return cv2.GaussianBlur(p.astype(np.float32), (0, 0), 0.7)


def _disk(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1))


def _regions(p: np.ndarray, *, threshold: float = 0.5) -> list[np.ndarray]:
    """Filled connected regions of `p > threshold`, largest first."""
    m = cv2.morphologyEx((p > threshold).astype(np.uint8), cv2.MORPH_OPEN, _disk(2))
    contours, _ = cv2.findContours(m, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    out = []
    for c in sorted(contours, key=cv2.contourArea, reverse=True):
        if cv2.contourArea(c) < _MIN_REGION * p.size:
            break
        r = np.zeros_like(m)
        cv2.drawContours(r, [c], -1, 1, cv2.FILLED)
        out.append(r > 0)
    return out


def _learn_colours(cidx: np.ndarray, inside: np.ndarray) -> np.ndarray | None:
    """One colour re-estimation round: sole inside `inside`, floor well outside it."""
    fg = cv2.erode(inside.astype(np.uint8), _disk(2)) > 0
    bg = cv2.dilate(inside.astype(np.uint8), _disk(3)) == 0
    if fg.sum() < 20 or bg.sum() < 20:
        return None
    return _colour_map(cidx, fg, bg)


# ----------------------------------------------------------------------------
# Stage 2: sole templates


def _template_polygon(n: int) -> np.ndarray:
    """(n, 2) outline in sole lengths: x along the sole (heel -0.5, toe +0.5), y across."""
    t = np.linspace(0.0, np.pi, n // 2)
    u = 0.5 - 0.5 * np.cos(t)  # denser at the round ends
    hw = half_width(u)
    return np.vstack([np.stack([u - 0.5, hw], 1), np.stack([u[::-1] - 0.5, -hw[::-1]], 1)])


_POLY_FIT = _template_polygon(96)
_POLY_FINE = _template_polygon(200)
_GRID_U, _GRID_V = (a.ravel() for a in np.meshgrid(
    (np.arange(24) + 0.5) / 24, np.linspace(-0.85, 0.85, 9), indexing="ij"))  # fmt: skip
_GRID_W = half_width(_GRID_U) / half_width(_GRID_U).sum()
_OUTSIDE = _POLY_FIT * np.array([1.04, 1.15])


def _place(params: np.ndarray, pts: np.ndarray) -> np.ndarray:
    """Template-frame points (x along, y across, in sole lengths) -> image (x, y)."""
    cx, cy, angle, length, width = params
    d = np.array([math.cos(angle), math.sin(angle)])
    n = np.array([-d[1], d[0]])
    along = pts[:, 0:1] * length
    across = pts[:, 1:2] * width * length
    return np.array([cx, cy]) + along * d + across * n


def _sample(img: np.ndarray, pts: np.ndarray) -> np.ndarray:
    q = pts.astype(np.float32)
    return cv2.remap(img, q[None, :, 0], q[None, :, 1], cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_CONSTANT, borderValue=0)[0]  # fmt: skip


def _grid_points(params: np.ndarray) -> np.ndarray:
    pts = np.stack([_GRID_U - 0.5, _GRID_V * half_width(_GRID_U)], 1)
    return _place(params, pts)


# Template-frame points scored in one sampling call: the interior grid, then a ring
# just outside the outline.
_SCORE_PTS = np.vstack(
    [np.stack([_GRID_U - 0.5, _GRID_V * half_width(_GRID_U)], 1), _OUTSIDE]
).astype(np.float32)
_N_GRID = len(_GRID_U)


def _score_samples(params: np.ndarray, p: np.ndarray) -> np.ndarray:
    cx, cy, angle, length, width = params
    c, s = math.cos(angle) * length, math.sin(angle) * length
    x, y = _SCORE_PTS[:, 0], _SCORE_PTS[:, 1] * np.float32(width)
    mx = (cx + x * c - y * s).astype(np.float32)
    my = (cy + x * s + y * c).astype(np.float32)
    return cv2.remap(p, mx[None], my[None], cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=0)[0]  # fmt: skip


def _template_score(params: np.ndarray, p: np.ndarray) -> float:
    """How well a template explains the map: sole probability gained inside it, minus
    sole probability just outside it (which a good fit leaves to the floor)."""
    length, width = params[3], params[4]
    if length < 10 or not _WIDTH_RANGE[0] <= width <= _WIDTH_RANGE[1]:
        return -1e6
    v = _score_samples(params, p)
    inside = (float(_GRID_W @ v[:_N_GRID]) - 0.5) * 0.3 * length * length * width
    outside = (float(v[_N_GRID:].mean()) - 0.5) * 0.5 * length
    return inside - outside


def _support(params: np.ndarray, p: np.ndarray) -> float:
    """Mean sole probability inside a template."""
    return float(_GRID_W @ _score_samples(params, p)[:_N_GRID])


def _nelder_mead(p: np.ndarray, x0: np.ndarray, evals: int) -> tuple[np.ndarray, float]:
    steps = (0.05 * x0[3], 0.05 * x0[3], 0.15, 0.08 * x0[3], 0.08)
    simplex = [x0] + [x0 + np.eye(5)[i] * s for i, s in enumerate(steps)]
    res = minimize(
        lambda x: -_template_score(x, p), x0, method="Nelder-Mead",
        options={"initial_simplex": np.array(simplex), "maxfev": evals, "xatol": 0.3,
                 "fatol": 0.05},
    )  # fmt: skip
    return res.x, float(res.fun)


def _fit(p: np.ndarray, start: _Template) -> _Template:
    """Fit one template to the map; then try it turned round (heel and toe swapped)."""
    x, val = _nelder_mead(p, start.as_array(), _FIT_EVALS)
    turned = x.copy()
    turned[2] += math.pi
    if -_template_score(turned, p) < val:
        x, _ = _nelder_mead(p, turned, _FIT_EVALS // 3)
    return _Template(*x)


def _template_mask(
    t: _Template, shape: tuple[int, int], poly: np.ndarray = _POLY_FIT
) -> np.ndarray:
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(_place(t.as_array(), poly) * 16).astype(np.int32)], 1, shift=4)
    return m > 0


def _start(region: np.ndarray) -> tuple[_Template, np.ndarray, np.ndarray, float, float]:
    """A template start from a region's moments, its axes, length and width."""
    ys, xs = np.nonzero(region)
    pts = np.stack([xs, ys], 1).astype(np.float64)
    c = pts.mean(0)
    _, vecs = np.linalg.eigh(np.cov((pts - c).T))
    e1, e2 = vecs[:, 1], vecs[:, 0]
    t = (pts - c) @ e1
    s = (pts - c) @ e2
    length = float(t.max() - t.min())
    width = float(np.percentile(s, 98) - np.percentile(s, 2))
    k = float(np.clip(width / (0.366 * length), 0.75, 1.2))
    return _Template(c[0], c[1], math.atan2(e1[1], e1[0]), length, k), e1, e2, length, width


def _fit_set(cidx: np.ndarray, p: np.ndarray, starts: list[_Template]) -> tuple[list, np.ndarray]:
    """Fit one or two templates, alternating with colour models learnt from them."""
    temps = list(starts)
    q = p
    for it in range(_FIT_ROUNDS):
        for i in range(len(temps)):
            qi = q
            if len(temps) == 2:  # the other sole's pixels are not this sole's
                qi = np.where(_template_mask(temps[1 - i], q.shape), 0.0, q).astype(np.float32)
            temps[i] = _fit(qi, temps[i])
        if it == _FIT_ROUNDS - 1:
            break
        inside = np.zeros(q.shape, bool)
        for t in temps:
            inside |= _template_mask(t, q.shape)
        learnt = _learn_colours(cidx, inside)
        if learnt is None:
            break
        q = learnt
    return temps, q


def _find_templates(small: np.ndarray, max_soles: int) -> tuple[list[_Template], list[float]]:
    """Fit templates to the coarse map and pick the best one or two."""
    cidx, prior = _coarse_features(small)
    seed = cv2.morphologyEx((prior > 0.5).astype(np.uint8), cv2.MORPH_OPEN, _disk(2)) > 0
    p = _learn_colours(cidx, seed) if seed.any() else None
    p = prior if p is None else p
    fitted = []  # (score, template, support)
    for region in _regions(p)[:3]:
        start, _, e2, length, width = _start(region)
        sets = [[start]]
        if max_soles >= 2 and width > 0.45 * length:  # maybe two soles side by side
            off = e2 * width / 4
            a = _Template(start.cx - off[0], start.cy - off[1], start.angle, length, 0.9)
            b = _Template(start.cx + off[0], start.cy + off[1], start.angle, length, 0.9)
            sets.append([a, b])
        for s in sets:
            temps, q = _fit_set(cidx, p, s)
            for t in temps:
                x = t.as_array()
                support = _support(x, q)
                if support >= _MIN_SUPPORT:
                    fitted.append((_template_score(x, q), t, support))
    if not fitted:
        return [], []
    options = [[f] for f in fitted]
    if max_soles >= 2:
        for i, a in enumerate(fitted):
            for b in fitted[i + 1 :]:
                ratio = b[1].length / a[1].length
                if not 0.7 <= ratio <= 1 / 0.7 or min(a[0], b[0]) < 0.35 * max(a[0], b[0]):
                    continue  # a pair is one shoe model: about the same length and weight
                ma, mb = _template_mask(a[1], p.shape), _template_mask(b[1], p.shape)
                if (ma & mb).sum() > 0.15 * min(ma.sum(), mb.sum()):
                    continue
                options.append([a, b])
    best = max(options, key=lambda o: sum(f[0] for f in o))
    return [f[1] for f in best], [f[2] for f in best]


# ----------------------------------------------------------------------------
# Stage 3: the exact outline


def _fine_colours(lab: np.ndarray, inside: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Sole probability at working resolution from colours inside and around the template.

    The sole's colours are those of its deep interior plus the colours found
    in most angular sectors of a band just inside the template (the midsole
    rim runs all round; a side wall or a hand covers only some sectors). The
    floor's colours come from a ring outside the template.
    """
    q = _QF
    idx = ((lab[..., 0] >> 4).astype(np.int32) * q + (lab[..., 1] >> 4)) * q + (lab[..., 2] >> 4)
    shape, sigma = (q, q, q), (0.7, 0.7, 0.7)
    m8 = inside.astype(np.uint8)
    dist_in = cv2.distanceTransform(m8, cv2.DIST_L2, 3)
    half_w = float(dist_in.max())
    band = (dist_in > 1) & (dist_in <= 1 + max(2.0, 0.12 * half_w))
    deep = dist_in > 0.35 * half_w
    dist_out = cv2.distanceTransform(1 - m8, cv2.DIST_L2, 3)
    ring = (dist_out > 4) & (dist_out <= 4 + 0.35 * half_w) & ~others
    ys, xs = np.nonzero(band)
    n_sec = 12
    sector = ((np.arctan2(ys - ys.mean(), xs - xs.mean()) + np.pi) / (2 * np.pi) * n_sec)
    sector = np.minimum(sector.astype(np.int64), n_sec - 1)
    counts = np.bincount(sector * q**3 + idx[ys, xs], minlength=n_sec * q**3)
    per = counts.astype(np.float32).reshape((n_sec, *shape))
    per = ndi.gaussian_filter(per, (0, *sigma), mode="constant").reshape(n_sec, -1)
    filled = per.sum(axis=1) > 0
    per = per[filled] / per[filled].sum(axis=1, keepdims=True)
    rim = np.percentile(per, 40, axis=0) if len(per) else np.zeros(q**3)
    hf = 0.5 * rim / max(float(rim.sum()), 1e-9) + 0.5 * _hist(idx, deep, shape, sigma)
    hb = _hist(idx, ring, shape, sigma) if ring.sum() > 20 else np.full(q**3, 1.0 / q**3)
    p = hf[idx] / (hf[idx] + hb[idx] + 1e-12)
    p = cv2.GaussianBlur(p.astype(np.float32), (0, 0), 0.8)
    p[others & ~inside] = np.minimum(p[others & ~inside], 0.3)
    return p


def _resample(poly: np.ndarray, spacing: float) -> np.ndarray:
    """Points every `spacing` pixels along a closed polygon."""
    d = np.diff(np.vstack([poly, poly[:1]]), axis=0)
    seg = np.hypot(d[:, 0], d[:, 1])
    total = float(seg.sum())
    n = max(32, int(total / spacing))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    s = np.linspace(0.0, total, n, endpoint=False)
    return np.stack(
        [np.interp(s, cum, np.append(poly[:, 0], poly[0, 0])),
         np.interp(s, cum, np.append(poly[:, 1], poly[0, 1]))], 1,
    )  # fmt: skip


def _normals(pts: np.ndarray) -> np.ndarray:
    """Outward unit normals of a closed polygon."""
    tang = np.roll(pts, -3, 0) - np.roll(pts, 3, 0)
    tang /= np.linalg.norm(tang, axis=1, keepdims=True) + 1e-9
    nrm = np.stack([tang[:, 1], -tang[:, 0]], 1)
    x, y = pts[:, 0], pts[:, 1]
    if np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y) < 0:
        nrm = -nrm
    return nrm


def _profiles(labf: np.ndarray, p: np.ndarray, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Colour-step strength and sole probability along each normal, (N, M) each."""
    mx, my = pts[..., 0].astype(np.float32), pts[..., 1].astype(np.float32)
    col = cv2.remap(labf, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    prob = cv2.remap(p, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    g = np.zeros(prob.shape, np.float32)
    g[:, 1:-1] = np.linalg.norm(col[:, 2:] - col[:, :-2], axis=2)
    return g, prob


def _closed_path(cost: np.ndarray, max_step: int, step_cost: float) -> np.ndarray:
    """Cheapest closed path j(k) through rows k of `cost` (N, M), |j(k+1) - j(k)| <= max_step.

    Runs the dynamic programme over one and a half laps (a quarter lap before
    and after) and reads the middle lap, where the path has forgotten the
    arbitrary start.
    """
    n, m = cost.shape
    lead = max(1, n // 4)
    ext = np.concatenate([cost[-lead:], cost, cost[:lead]]).astype(np.float32)
    offsets = np.arange(-max_step, max_step + 1)
    penalty = (step_cost * np.abs(offsets)).astype(np.float32)
    padded = np.full(m + 2 * max_step, np.float32(1e9), np.float32)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * max_step + 1)  # (m, 2s+1)
    cols = np.arange(m)
    acc = ext[0].copy()
    back = np.zeros(ext.shape, np.int8)
    for k in range(1, len(ext)):
        padded[max_step : max_step + m] = acc
        cand = windows + penalty  # cand[j, i]: come from column j + offsets[i]
        arg = cand.argmin(axis=1)
        acc = cand[cols, arg] + ext[k]
        back[k] = offsets[arg]
    j = int(acc.argmin())
    path = np.zeros(len(ext), np.int64)
    path[-1] = j
    for k in range(len(ext) - 1, 0, -1):
        j += int(back[k, j])
        path[k - 1] = j
    return path[lead : lead + n]


def _snap(labf: np.ndarray, p: np.ndarray, poly: np.ndarray, *, half: float, step: float,
          spacing: float) -> np.ndarray:  # fmt: skip
    """Move a closed outline along its normals to the sole/floor boundary.

    Each normal's cost of a boundary at offset j is the share of its samples
    on the wrong side (sole probability outside, floor inside) minus the
    colour step there, plus a mild pull back to the start; the path through
    all normals is kept smooth by dynamic programming.
    """
    pts = _resample(poly, spacing)
    nrm = _normals(pts)
    offs = np.arange(-half, half + step / 2, step)
    samples = pts[:, None, :] + offs[None, :, None] * nrm[:, None, :]
    g, prob = _profiles(labf, p, samples)
    g = np.minimum(g / (float(np.percentile(g, 95)) + 1e-3), 1.5)
    m = prob.shape[1]
    wrong_in = np.concatenate([np.zeros((len(prob), 1)), np.cumsum(1 - prob, axis=1)[:, :-1]], 1)
    wrong_out = np.cumsum(prob[:, ::-1], axis=1)[:, ::-1]
    cost = 4.0 * (wrong_in + wrong_out) / m - g
    cost += 0.1 * ((np.arange(m) - m // 2) / (m / 2))[None, :] ** 2
    path = _closed_path(cost.astype(np.float32), 2, 0.03)
    return samples[np.arange(len(samples)), path]


def _add_rim(labf: np.ndarray, poly: np.ndarray, width: float) -> np.ndarray:
    """Move the outline out to the midsole rim's outer edge when one runs all round.

    Soles often show a band of midsole foam outside the tread; the colour
    step at the tread's edge can be stronger than at the rim's outer edge.
    Along all normals at once, the median colour-step profile then shows a
    second peak at the rim width after a flat valley (the uniform band).
    """
    pts = _resample(poly, 3.0)
    nrm = _normals(pts)
    offs = np.arange(-1.0, max(6.0, 0.16 * width) + 0.25, 0.5)
    g, _ = _profiles(labf, np.zeros(labf.shape[:2], np.float32),
                     pts[:, None, :] + offs[None, :, None] * nrm[:, None, :])  # fmt: skip
    profile = np.median(g, axis=0)
    base = float(np.median(profile))
    first = int(np.searchsorted(offs, 0.5))
    for j in range(int(np.searchsorted(offs, 3.0)), len(profile) - 1):
        if profile[j] < profile[j - 1] or profile[j] < profile[j + 1]:
            continue
        valley = float(profile[first:j].min())
        if profile[j] >= 2.5 * base and profile[j] >= 2.0 * valley and valley <= 2.0 * base:
            return pts + offs[j] * nrm
    return poly


def _fine_mask(rgb: np.ndarray, t: _Template, others: list[_Template]) -> np.ndarray:
    """The exact outline of one sole at working resolution, as a mask."""
    h, w = rgb.shape[:2]
    outline = _place(t.as_array(), _POLY_FINE)
    pad = int(0.2 * t.length) + 12
    x0 = int(max(0, outline[:, 0].min() - pad))
    x1 = int(min(w, outline[:, 0].max() + pad + 1))
    y0 = int(max(0, outline[:, 1].min() - pad))
    y1 = int(min(h, outline[:, 1].max() + pad + 1))
    crop = cv2.cvtColor(rgb[y0:y1, x0:x1], cv2.COLOR_RGB2LAB)
    local = outline - (x0, y0)
    inside = np.zeros(crop.shape[:2], np.uint8)
    cv2.fillPoly(inside, [np.round(local * 16).astype(np.int32)], 1, shift=4)
    taken = np.zeros(crop.shape[:2], np.uint8)
    for o in others:
        poly = _place(o.as_array(), _POLY_FINE) - (x0, y0)
        cv2.fillPoly(taken, [np.round(poly * 16).astype(np.int32)], 1, shift=4)
    p = _fine_colours(crop, inside > 0, taken > 0)
    labf = cv2.GaussianBlur(crop.astype(np.float32), (0, 0), 0.8)
    width = 0.366 * t.width * t.length
    wide = max(6.0, 0.18 * width)
    poly = _snap(labf, p, local, half=wide, step=max(0.5, wide / 20), spacing=4.0)
    poly = _snap(labf, p, poly, half=6.0, step=0.5, spacing=3.0)
    poly = _add_rim(labf, poly, width)
    mask = np.zeros((h, w), np.uint8)
    cv2.fillPoly(mask, [np.round((poly + (x0, y0)) * 16).astype(np.int32)], 1, shift=4)
    return mask > 0
