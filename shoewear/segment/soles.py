"""Find the outsoles in a photo: one binary mask per sole, left to right.

How it works
------------
1. **The segmenter network** (`segment.runtime`, run with onnxruntime) sees
   the photo shrunk to a long side of 256 pixels and scores every pixel
   twice: *sole* (part of an outsole, midsole rim included, hands and cards
   on top excluded) and *core* (deep inside one sole). It was trained on
   `shoewear.synth` photos: busy floors, hands, cards, side walls, touching
   pairs and photos with no sole at all.
2. **Soles from cores**: every sole pixel goes to its nearest core region,
   and the core regions of each connected sole region are grouped into soles
   the way that leaves the most of it sole-shaped: two soles that touch are
   cut apart where their cores are furthest from each other, and a core
   broken by glare or a logo still gives one sole.
3. **A closer look**: when all that may be a sole (every sole region
   holding a core) fills less than 90% of the photo's long side, the
   segmenter looks again at its box plus a margin, where each of its pixels
   covers less of the photo: edges come out tighter, and small soles side
   by side, even ones the first look merged, are told apart. The closer
   look is kept unless it finds fewer soles than the first.
4. **The exact outline**: the sole score is enlarged bilinearly to the
   working resolution and cut at zero, so the edge falls between the
   network's pixels.
5. **Refusal from shape evidence** (`sole_shape.sole_quality`): a region
   whose elongation, solidity or width profile is not a sole's is dropped; no
   region left raises `NoSoleFoundError`.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..errors import NoSoleFoundError
from ..sole import SoleMask
from ..sole_shape import mask_box, sole_quality
from .runtime import SoleSegmenter

#: Smallest core worth a sole, as a share of the network's image.
_MIN_CORE = 0.002
#: Most cores looked at (the largest); their groupings are tried one by one.
_MAX_CORES = 5
#: Holes in a sole smaller than this share of it are filled (glare, a pale logo).
_MAX_HOLE = 0.05
#: Shape gates of a found sole (`sole_shape.sole_quality`); loose, since the network
#: has already told soles from other things.
_MAX_SHAPE_ERROR = 0.15
_MIN_SOLIDITY = 0.75
#: The closer look is taken when the candidate box, margin included, is shorter than this
#: share of the photo's long side; the margin is this share of the box's long side.
_CLOSER_BELOW = 0.9
_CLOSER_MARGIN = 0.1


def segment_outsole(
    rgb: np.ndarray, segmenter: SoleSegmenter, *, max_soles: int = 2
) -> list[SoleMask]:
    """Find up to `max_soles` outsoles in a photo.

    Parameters
    ----------
    rgb : (H, W, 3) uint8 ndarray
        The photo at working resolution.
    segmenter : SoleSegmenter
        The network (`SoleSegmenter.load`).
    max_soles : int
        Most soles to return (a pair side by side gives two).

    Returns
    -------
    list of SoleMask
        Left to right in the picture; each mask is (H, W) bool at the
        resolution of `rgb`, the whole outsole seen from below including the
        midsole rim. `quality` is the network's mean sole probability over
        the sole times how well its width profile matches a sole's.

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
    if min(rgb.shape[:2]) < 16:
        raise NoSoleFoundError("no outsole found in the photo")
    logits, f = segmenter.logits(rgb)
    box = _candidate_box(logits, f, rgb.shape[:2])
    closer = None if box is None else _look_closer(segmenter, rgb, box, max_soles=max_soles)
    cores = _kept_cores(logits)
    # Each sole needs a core of its own: with no more cores than the closer look found
    # soles, the first look cannot have found more.
    if closer and len(closer) >= min(max_soles, len(cores[1])):
        return closer
    parts = _sole_parts(logits, cores, max_soles=max_soles)
    if closer and len(closer) >= len(parts):
        return closer
    found = _masks(logits[0], parts, rgb.shape[:2])
    if not found:
        raise NoSoleFoundError("no outsole found in the photo")
    return found


def _kept_cores(logits: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The core regions worth a sole: their label image and the labels kept.

    A core region is kept when it covers at least `_MIN_CORE` of the image;
    the `_MAX_CORES` largest are kept, largest first.
    """
    core = ((logits[1] > 0) & (logits[0] > 0)).astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(core, connectivity=8)
    keep = [k for k in range(1, n) if stats[k, cv2.CC_STAT_AREA] >= _MIN_CORE * core.size]
    return lab, sorted(keep, key=lambda k: -stats[k, cv2.CC_STAT_AREA])[:_MAX_CORES]


def _candidate_box(logits: np.ndarray, f: float, shape: tuple[int, int]
                   ) -> tuple[int, int, int, int] | None:
    """Box (x0, y0, x1, y1), in `shape`'s pixels, of every sole region holding a core.

    It bounds all the segmenter thinks may be a sole, found or not, plus a
    margin; None when that is most of the photo (or nothing), so that a
    closer look would gain little.
    """
    fg = (logits[0] > 0).astype(np.uint8)
    core = (logits[1] > 0) & (fg > 0)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(fg, connectivity=8)
    held = np.bincount(lab[core], minlength=n)
    regions = [k for k in range(1, n) if held[k] >= _MIN_CORE * core.size]
    if not regions:
        return None
    x0 = min(stats[k, cv2.CC_STAT_LEFT] for k in regions)
    y0 = min(stats[k, cv2.CC_STAT_TOP] for k in regions)
    x1 = max(stats[k, cv2.CC_STAT_LEFT] + stats[k, cv2.CC_STAT_WIDTH] for k in regions)
    y1 = max(stats[k, cv2.CC_STAT_TOP] + stats[k, cv2.CC_STAT_HEIGHT] for k in regions)
    h, w = shape
    margin = _CLOSER_MARGIN * max(x1 - x0, y1 - y0) + 2
    x0, y0 = max(0, int((x0 - margin) / f)), max(0, int((y0 - margin) / f))
    x1, y1 = min(w, int((x1 + margin) / f) + 1), min(h, int((y1 + margin) / f) + 1)
    if max(x1 - x0, y1 - y0) > _CLOSER_BELOW * max(h, w):
        return None
    return x0, y0, x1, y1


def _look_closer(segmenter, rgb: np.ndarray, box: tuple[int, int, int, int], *, max_soles: int
                 ) -> list[SoleMask]:
    """The soles as the segmenter sees them in `box`, in `rgb`'s coordinates."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    logits, _ = segmenter.logits(np.ascontiguousarray(rgb[y0:y1, x0:x1]))
    out = []
    for sole in soles_from_logits(logits, (y1 - y0, x1 - x0), max_soles=max_soles):
        mask = np.zeros((h, w), bool)
        mask[y0:y1, x0:x1] = sole.mask
        bx0, by0, bx1, by1 = sole.box
        out.append(SoleMask(mask=mask, quality=sole.quality,
                            box=(bx0 + x0, by0 + y0, bx1 + x0, by1 + y0)))
    return out


def soles_from_logits(
    logits: np.ndarray, shape: tuple[int, int], *, max_soles: int = 2
) -> list[SoleMask]:
    """Sole masks at `shape` from the segmenter's sole and core logits.

    Each connected sole region is cut along its cores: every pixel goes to
    its nearest core, and the cores are grouped (one group per sole) the way
    that leaves the most of the region in sole-shaped parts. A core broken
    into pieces by glare or a logo thus still gives one sole, and two
    touching soles give two.

    Parameters
    ----------
    logits : (2, h, w) float ndarray
        Sole and core logits over the whole photo at the network's scale.
    shape : (int, int)
        (H, W) of the masks to return.
    max_soles : int

    Returns
    -------
    list of SoleMask
        Left to right; empty when nothing is sole-shaped.
    """
    return _masks(logits[0], _sole_parts(logits, _kept_cores(logits), max_soles=max_soles),
                  shape)


def _sole_parts(
    logits: np.ndarray, cores: tuple[np.ndarray, list[int]], *, max_soles: int = 2
) -> list[tuple[np.ndarray, float]]:
    """The soles of `soles_from_logits` at the network's scale, largest first.

    `cores` is `_kept_cores(logits)`.

    Returns
    -------
    list of (own, quality)
        `own` (h, w) bool: the network pixels the sole owns, small holes
        filled; `quality` as `SoleMask.quality`.
    """
    sole_l = logits[0]
    fg = (sole_l > 0).astype(np.uint8)
    lab, keep = cores
    if not keep:
        return []
    # Every pixel belongs to its nearest core.
    kept = np.isin(lab, keep)
    _, near = cv2.distanceTransformWithLabels(np.where(kept, 0, 255).astype(np.uint8),
                                              cv2.DIST_L2, 5, labelType=cv2.DIST_LABEL_CCOMP)
    owner = np.zeros(near.max() + 1, np.int32)
    for k in keep:
        ys, xs = np.nonzero(lab == k)
        owner[near[ys[0], xs[0]]] = k
    cell = owner[near]
    _, flab = cv2.connectedComponents(fg, connectivity=8)
    prob = 1.0 / (1.0 + np.exp(-sole_l))

    parts: list[tuple[np.ndarray, float]] = []
    # (np.unique would import numpy.ma, a noticeable share of a one-photo run's start-up)
    for c in np.flatnonzero(np.bincount(flab[kept])):
        region = flab == c
        cores = [k for k in keep if (region & (lab == k)).any()]
        parts.extend(_best_grouping(region, cell, cores, prob, max(2, max_soles)))
    parts.sort(key=lambda pq: -int(pq[0].sum()))
    return parts[:max_soles]


def _masks(sole_l: np.ndarray, parts: list[tuple[np.ndarray, float]], shape: tuple[int, int]
           ) -> list[SoleMask]:
    """`_sole_parts` enlarged to masks at `shape` (`_enlarge`), left to right."""
    taken = np.zeros(sole_l.shape, bool)
    for own, _ in parts:
        taken |= own
    found = []
    for own, quality in parts:
        mask = _enlarge(sole_l, own, taken & ~own, shape)
        if mask.any():
            found.append(SoleMask(mask=mask, quality=quality, box=mask_box(mask)))
    found.sort(key=lambda s: s.box[0] + s.box[2])
    return found


def _best_grouping(
    region: np.ndarray, cell: np.ndarray, cores: list[int], prob: np.ndarray, most: int
) -> list[tuple[np.ndarray, float]]:
    """The sole-shaped parts of one region under the best grouping of its cores.

    A grouping scores the share of the region its sole-shaped parts cover,
    each weighted by its quality; parts that are not sole-shaped are dropped.
    The work is done in the region's bounding box; the parts come back at
    full size.
    """
    ys, xs = np.nonzero(region)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    sub_region = region[y0:y1, x0:x1]
    sub_cell = cell[y0:y1, x0:x1]
    sub_prob = prob[y0:y1, x0:x1]
    area = float(sub_region.sum())
    parts: dict[frozenset, tuple[np.ndarray, float]] = {}

    def part(group: list[int]) -> tuple[np.ndarray, float]:
        key = frozenset(group)
        if key not in parts:
            own = _fill_small_holes(sub_region & np.isin(sub_cell, group))
            parts[key] = (own, _quality(own, sub_prob, region.shape))
        return parts[key]

    best: list[tuple[np.ndarray, float]] = []
    best_score = 0.0
    for groups in _groupings(cores, most):
        kept = [pq for pq in map(part, groups) if pq[1] > 0]
        score = sum(q * own.sum() / area for own, q in kept)
        if score > best_score:
            best, best_score = kept, score
    out = []
    for own, q in best:
        full = np.zeros(region.shape, bool)
        full[y0:y1, x0:x1] = own
        out.append((full, q))
    return out


def _groupings(items: list[int], most: int):
    """Every way to split `items` into at most `most` non-empty groups."""
    if not items:
        yield []
        return
    first, rest = items[0], items[1:]
    for groups in _groupings(rest, most):
        for i in range(len(groups)):
            yield [*groups[:i], [first, *groups[i]], *groups[i + 1 :]]
        if len(groups) < most:
            yield [[first], *groups]


def _quality(own: np.ndarray, prob: np.ndarray, frame: tuple[int, int]) -> float:
    """`sole_shape.sole_quality` of a part cut from a frame of shape `frame`."""
    if own.sum() < 0.01 * frame[0] * frame[1]:
        return 0.0
    return sole_quality(own, float(prob[own].mean()), max_shape_error=_MAX_SHAPE_ERROR,
                        min_solidity=_MIN_SOLIDITY)


def _fill_small_holes(own: np.ndarray) -> np.ndarray:
    """`own` with its holes smaller than `_MAX_HOLE` of its area filled."""
    own8 = own.astype(np.uint8)
    n, lab, stats, _ = cv2.connectedComponentsWithStats(1 - own8, connectivity=4)
    h, w = own.shape
    out = own.copy()
    for k in range(1, n):
        x, y, bw, bh, area = stats[k]
        touches = x == 0 or y == 0 or x + bw == w or y + bh == h
        if not touches and area < _MAX_HOLE * own.sum():
            out[lab == k] = True
    return out


def _enlarge(
    sole_l: np.ndarray, own: np.ndarray, others: np.ndarray, shape: tuple[int, int]
) -> np.ndarray:
    """One sole's mask at `shape`: the sole logit enlarged bilinearly and cut at zero.

    Inside the pixels the sole owns at the network's scale the logit is kept
    positive (filled holes included); one pixel around them it is the
    network's own, so the edge falls between pixels; elsewhere, and on pixels
    another sole owns, it is strongly negative.
    """
    big_h, big_w = shape
    ring = (cv2.dilate(own.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0) & ~others
    logit = np.where(own, np.maximum(sole_l, 0.1), np.where(ring, sole_l, -10.0))
    return cv2.resize(logit.astype(np.float32), (big_w, big_h),
                      interpolation=cv2.INTER_LINEAR) > 0


def upscale_mask(mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a working-resolution mask to the photo's own size without pixel steps.

    Parameters
    ----------
    mask : (h, w) bool ndarray
    size : tuple of int
        (width, height) to resize to, e.g. `LoadedImage.original_size`.

    Returns
    -------
    (height, width) bool ndarray
        The float mask, lightly smoothed when enlarging, resized linearly and
        thresholded at 0.5.
    """
    m = np.asarray(mask, dtype=np.float32)
    if (m.shape[1], m.shape[0]) == tuple(size):
        return m >= 0.5
    if size[0] > m.shape[1]:
        m = cv2.GaussianBlur(m, (0, 0), 0.6)
    return cv2.resize(m, tuple(size), interpolation=cv2.INTER_LINEAR) >= 0.5
