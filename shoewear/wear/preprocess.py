"""Turn canonical soles into network inputs and wear maps into zone levels.

numpy and cv2 only: shared by training (through the crop cache) and by the
ONNX runtime, so both see exactly the same inputs.
"""

from __future__ import annotations

import cv2
import numpy as np

from ..contract import ZONES

#: Grey levels of local tread detail that map to 255 in the detail channel.
DETAIL_FULL_SCALE: float = 42.5


def tread_detail(image: np.ndarray, mask: np.ndarray, *, bands: int = 1) -> np.ndarray:
    """Local tread detail of a canonical sole, in one or two frequency bands.

    Fresh lugs leave sharp light/dark steps at the canonical resolution that
    an area-downsampled copy averages away; worn rubber is smooth. Band 0 is
    |grey - blur(grey, 1 px)| (edge sharpness), band 1 |blur(grey, 1 px) -
    blur(grey, 3 px)| (lug-to-groove contrast). Blurs are normalised by the
    blurred mask, so the sole's outline adds nothing.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
    mask : (H, W) bool ndarray
    bands : {1, 2}

    Returns
    -------
    (H, W, bands) float32 ndarray
        Detail in grey levels, 0 outside the mask.
    """
    if bands not in (1, 2):
        raise ValueError(f"bands must be 1 or 2, got {bands!r}")
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY).astype(np.float32)
    m = mask.astype(np.float32)

    def blur(sigma: float) -> np.ndarray:
        num = cv2.GaussianBlur(grey * m, (0, 0), sigma)
        den = cv2.GaussianBlur(m, (0, 0), sigma)
        return num / np.maximum(den, 1e-3)

    fine = blur(1.0)
    out = [np.abs(grey - fine) * m]
    if bands == 2:
        out.append(np.abs(fine - blur(3.0)) * m)
    return np.dstack(out)


def shrink_sole(
    image: np.ndarray, mask: np.ndarray, *, size: tuple[int, int], detail: int = 0
) -> np.ndarray:
    """Area-downsample a canonical sole and stack its mask as a 4th channel.

    Parameters
    ----------
    image : (H, W, 3) uint8 ndarray
        Canonical RGB sole.
    mask : (H, W) bool ndarray
        The sole in the canonical frame.
    size : (int, int)
        (h, w) of the result.
    detail : {0, 1, 2}
        Bands of `tread_detail` to add as channels, each measured at full
        resolution, then area-downsampled (255 = `DETAIL_FULL_SCALE` grey
        levels).

    Returns
    -------
    (h, w, 4 + detail) uint8 ndarray
        RGB, the mask's coverage (0-255) per pixel and the tread detail bands.
    """
    image = np.asarray(image)
    mask = np.asarray(mask)
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
        raise ValueError(f"image must be (H, W, 3) uint8, got {image.shape} {image.dtype}")
    if mask.shape != image.shape[:2]:
        raise ValueError(f"mask {mask.shape} and image {image.shape[:2]} differ in shape")
    h, w = size
    rgb = cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)
    cover = cv2.resize(mask.astype(np.float32), (w, h), interpolation=cv2.INTER_AREA)
    alpha = np.clip(np.rint(cover * 255.0), 0, 255).astype(np.uint8)
    bands = int(detail)
    if not bands:
        return np.dstack([rgb, alpha])
    fine = cv2.resize(tread_detail(image, mask, bands=bands), (w, h),
                      interpolation=cv2.INTER_AREA).reshape(h, w, bands)
    fine = np.clip(np.rint(fine * (255.0 / DETAIL_FULL_SCALE)), 0, 255).astype(np.uint8)
    return np.dstack([rgb, alpha, fine])


def to_network_input(small: np.ndarray) -> np.ndarray:
    """Scale shrunk soles to the float input of the network.

    Parameters
    ----------
    small : (B, h, w, C) uint8 ndarray
        Output of `shrink_sole`, stacked (C = 4, or 5-6 with detail channels).

    Returns
    -------
    (B, C, h, w) float32 ndarray
        Channels RGB + mask (+ detail), all in [0, 1]; normalisation happens
        inside the network.
    """
    small = np.asarray(small)
    if small.ndim != 4 or small.shape[3] not in (4, 5, 6):
        raise ValueError(f"expected (B, h, w, 4 to 6) inputs, got {small.shape}")
    x = small.astype(np.float32) * np.float32(1.0 / 255.0)
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def zone_weights(zones: np.ndarray, *, map_size: tuple[int, int]) -> np.ndarray:
    """Fraction of each wear-map cell that belongs to each zone.

    Parameters
    ----------
    zones : (H, W) int ndarray
        Zone index per canonical pixel (`zones.split_zones`), -1 outside.
        H and W must be multiples of the map size.
    map_size : (int, int)
        (h, w) of the wear map.

    Returns
    -------
    (7, h, w) float32 ndarray
        Weight of zone z in each cell, in [0, 1]; a zone's level is the
        weighted mean of the map (`zone_levels`).
    """
    zones = np.asarray(zones)
    if zones.ndim != 2:
        raise ValueError(f"zones must be 2-D (H, W), got shape {zones.shape}")
    onehot = zones[None, :, :] == np.arange(len(ZONES), dtype=zones.dtype)[:, None, None]
    return _cell_means(onehot, map_size, what="zones")


def _cell_means(planes: np.ndarray, map_size: tuple[int, int], *, what: str) -> np.ndarray:
    """Mean of each (K, H, W) plane over the pixels of each wear-map cell: (K, h, w) float32."""
    k, hh, ww = planes.shape
    h, w = map_size
    if hh % h or ww % w:
        raise ValueError(f"{what} shape {(hh, ww)} is not a multiple of the map size {map_size}")
    return planes.reshape(k, h, hh // h, w, ww // w).mean(axis=(2, 4), dtype=np.float32)


def zone_levels(maps: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted zone means of wear maps.

    Parameters
    ----------
    maps : (B, h, w) float ndarray
        Wear per cell in [0, 1].
    weights : (B, 7, h, w) float ndarray
        From `zone_weights`.

    Returns
    -------
    (B, 7) float32 ndarray
        Wear level per zone (`design.ZONES` order); 0 for a zone with no pixels.
    """
    maps = np.asarray(maps, dtype=np.float32)
    weights = np.asarray(weights, dtype=np.float32)
    if weights.shape[:1] + weights.shape[2:] != maps.shape or weights.shape[1] != len(ZONES):
        raise ValueError(f"weights {weights.shape} do not fit maps {maps.shape}")
    sums = np.einsum("bzhw,bhw->bz", weights, maps)
    counts = weights.sum(axis=(2, 3))
    return np.where(counts > 0, sums / np.maximum(counts, 1e-6), 0.0).astype(np.float32)


def dense_target(
    wear: np.ndarray, known: np.ndarray, mask: np.ndarray, *, map_size: tuple[int, int]
) -> np.ndarray:
    """The true wear of each wear-map cell, for training the map cell by cell.

    Parameters
    ----------
    wear : (H, W) float ndarray
        True wear per canonical pixel, in [0, 1] (0 where not known).
    known : (H, W) bool ndarray
        Where `wear` is known (a painted sole pixel).
    mask : (H, W) bool ndarray
        The sole in the canonical frame; H and W multiples of the map size.
    map_size : (int, int)
        (h, w) of the wear map.

    Returns
    -------
    (2, h, w) float32 ndarray
        Channel 1 is the share of each cell that is sole with known wear
        (the cell's weight), channel 0 the mean wear over that share times
        channel 1. Both are means over the cell's pixels, so a warp of both
        keeps their ratio the cell's wear.
    """
    wear = np.asarray(wear, np.float32)
    sel = np.asarray(known, bool) & np.asarray(mask, bool)
    if wear.shape != sel.shape or wear.ndim != 2:
        raise ValueError(f"wear {wear.shape}, known and mask must be one (H, W) shape")
    return _cell_means(np.stack([wear * sel, sel.astype(np.float32)]), map_size, what="mask")
