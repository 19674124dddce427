"""Contact sheets of synthetic photos, labelled so a person can check them by eye.

Each tile shows the photo, the sole outline (green, from the mask), an arrow
from heel to toe, the pattern and side, and a small zone map of the painted
wear drawn in the canonical frame (heel at the bottom, medial on the right).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from ..contract import CANON_SHAPE, ZONES
from ..zones import split_zones
from .records import SynthPhoto

_TILE = 240


def _zone_map(zones: dict[str, float], height: int) -> np.ndarray:
    """A small canonical sole coloured by zone level (green 0 -> red 1), RGB uint8."""
    from .outline import OutlineParams, place_outline

    params = OutlineParams("road", 0.38, 0.68, 0.5, 0.4, 0.06, 0.45, 0.7, 0.02, 0.12, 0.13,
                           0.26)
    mask = place_outline(params, CANON_SHAPE[0]).mask
    labels = split_zones(mask)
    levels = np.array([zones[z] for z in ZONES], np.float32)
    value = np.where(labels >= 0, levels[np.clip(labels, 0, None)], 0.0)
    rgb = np.zeros((*mask.shape, 3), np.float32)
    rgb[..., 0] = value
    rgb[..., 1] = 1.0 - value
    rgb[..., 2] = 0.15
    rgb[~mask] = 0.0
    small = cv2.resize((rgb * 255).astype(np.uint8), (height // 2, height),
                       interpolation=cv2.INTER_AREA)
    cv2.putText(small, "M", (height // 2 - 9, 10), cv2.FONT_HERSHEY_SIMPLEX, 0.3,
                (255, 255, 255), 1, cv2.LINE_AA)
    return small


def _tile(rgb: np.ndarray, soles: Sequence[dict]) -> np.ndarray:
    h, w = rgb.shape[:2]
    s = _TILE / max(h, w)
    th, tw = max(int(round(h * s)), 1), max(int(round(w * s)), 1)
    img = cv2.resize(rgb, (tw, th), interpolation=cv2.INTER_AREA)
    tile = np.full((_TILE, _TILE, 3), 30, np.uint8)
    oy, ox = (_TILE - th) // 2, (_TILE - tw) // 2
    tile[oy:oy + th, ox:ox + tw] = img
    zy = 2
    for k, sole in enumerate(soles):
        mask = cv2.resize(sole["mask"].astype(np.uint8), (tw, th), interpolation=cv2.INTER_NEAREST)
        contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for c in contours:
            cv2.drawContours(tile, [c + (ox, oy)], -1, (0, 255, 0), 1, offset=(0, 0))
        heel = (int(sole["heel"][0] * s + ox), int(sole["heel"][1] * s + oy))
        toe = (int(sole["toe"][0] * s + ox), int(sole["toe"][1] * s + oy))
        cv2.arrowedLine(tile, heel, toe, (255, 255, 0), 1, cv2.LINE_AA, tipLength=0.12)
        text = f"{k + 1}: {sole['pattern']} {sole['side']}" if len(soles) > 1 else \
            f"{sole['pattern']} {sole['side']}"
        y = _TILE - 5 - 14 * (len(soles) - 1 - k)
        (tw_, th_), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.4, 1)
        tile[y - th_ - 3:y + 3, 0:tw_ + 6] = (0, 0, 0)
        cv2.putText(tile, text, (3, y), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (255, 255, 255), 1,
                    cv2.LINE_AA)
        if len(soles) > 1:  # number the sole at its box so the label can be matched
            bx = int(0.5 * (sole["box"][0] + sole["box"][2]) * s + ox)
            by = int(sole["box"][1] * s + oy) + 12
            cv2.putText(tile, str(k + 1), (bx - 4, by), cv2.FONT_HERSHEY_SIMPLEX, 0.45,
                        (255, 255, 255), 2, cv2.LINE_AA)
        zmap = _zone_map(sole["zones"], 56)
        zx = _TILE - 2 - (k + 1) * (zmap.shape[1] + 2)
        tile[zy:zy + zmap.shape[0], zx:zx + zmap.shape[1]] = zmap
    return tile


def _grid(tiles: list[np.ndarray], cols: int) -> np.ndarray:
    rows = -(-len(tiles) // cols)
    sheet = np.full((rows * (_TILE + 2), cols * (_TILE + 2), 3), 255, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet[r * (_TILE + 2):r * (_TILE + 2) + _TILE, c * (_TILE + 2):c * (_TILE + 2) + _TILE] = t
    return sheet


def contact_sheet(photos: Sequence[SynthPhoto], *, cols: int = 8) -> np.ndarray:
    """Lay labelled thumbnails of photos out in a grid.

    Parameters
    ----------
    photos : sequence of SynthPhoto
    cols : int
        Tiles per row.

    Returns
    -------
    (H, W, 3) uint8 ndarray
        RGB sheet.
    """
    tiles = []
    for p in photos:
        soles = [{"mask": s.mask, "heel": s.heel_xy, "toe": s.toe_xy, "pattern": s.pattern,
                  "side": s.side, "zones": s.zones, "box": s.box} for s in p.soles]
        tiles.append(_tile(p.rgb, soles))
    return _grid(tiles, cols)


def sheet_from_dataset(out_dir: str | Path, *, n: int = 48, cols: int = 8) -> np.ndarray:
    """A contact sheet of the first `n` photos of a written data set.

    Parameters
    ----------
    out_dir : str or Path
        A folder written by `write_dataset`.
    n : int
        Photos to show (at most 48 make a readable sheet).

    Returns
    -------
    (H, W, 3) uint8 ndarray
        RGB sheet.
    """
    out = Path(out_dir)
    with (out / "labels.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    by_file: dict[str, list[dict]] = {}
    for row in rows:
        by_file.setdefault(row["file"], []).append(row)
    tiles = []
    for file, sole_rows in list(by_file.items())[:n]:
        rgb = cv2.cvtColor(cv2.imread(str(out / file)), cv2.COLOR_BGR2RGB)
        soles = []
        for r in sole_rows:
            soles.append({
                "mask": cv2.imread(str(out / r["mask"]), cv2.IMREAD_GRAYSCALE) > 127,
                "heel": (float(r["heel_x"]), float(r["heel_y"])),
                "toe": (float(r["toe_x"]), float(r["toe_y"])),
                "pattern": r["pattern"], "side": r["side"],
                "zones": {z: float(r[z]) for z in ZONES},
                "box": tuple(int(r[k]) for k in ("x0", "y0", "x1", "y1")),
            })
        tiles.append(_tile(rgb, soles))
    return _grid(tiles, cols)
