"""Helpers shared by the tests: drawn soles and photos, and the shipped networks.

Plain helpers are imported with ``from conftest import ...``; fixtures are
used by name.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest


def foot_outline(length: float, *, arch: float = 1.0) -> np.ndarray:
    """A right sole seen from below, toe up (-y), medial on +x, centred on (0, 0).

    Edges (in sole lengths, every 0.05 of u from heel to toe) of a typical
    running-shoe outline: narrow round heel, forefoot widest near u = 0.7, a
    medial arch concavity (scaled by `arch`) and a toe box leaning medially.
    """
    u = np.linspace(0, 1, 21)
    lateral = -np.array(
        [0.0, 0.106, 0.127, 0.131, 0.136, 0.143, 0.149, 0.154, 0.156, 0.159, 0.162,
         0.168, 0.175, 0.178, 0.176, 0.166, 0.148, 0.123, 0.091, 0.052, 0.0]
    )  # fmt: skip
    medial = np.array(
        [0.0, 0.106, 0.127, 0.13, 0.133, 0.134, 0.131, 0.122, 0.113, 0.111, 0.122,
         0.14, 0.161, 0.178, 0.19, 0.196, 0.198, 0.198, 0.189, 0.151, 0.0]
    )  # fmt: skip
    straight = np.interp(u, [0.25, 0.6], [medial[5], medial[12]])
    dip = (u > 0.25) & (u < 0.6)
    medial = np.where(dip, straight + arch * (medial - straight), medial)
    uu = np.linspace(0, 1, 200)
    env = np.sqrt(np.clip(np.minimum(uu / 0.04, (1 - uu) / 0.04), 0, 1))  # round caps
    right = np.stack([np.interp(uu, u, medial) * env, 0.5 - uu], 1) * length
    left = np.stack([np.interp(uu, u, lateral) * env, 0.5 - uu], 1)[::-1] * length
    return np.vstack([right, left])


def foot_mask(
    shape: tuple[int, int] = (300, 360),
    *,
    side: str = "right",
    angle: float = 0.0,
    centre: tuple[float, float] | None = None,
    length: float = 220.0,
    arch: float = 1.0,
) -> np.ndarray:
    """(H, W) bool mask of a sole; `angle` turns the toe clockwise from straight up (degrees)."""
    pts = foot_outline(length, arch=arch)
    if side == "left":
        pts[:, 0] = -pts[:, 0]
    a = np.deg2rad(angle)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    pts = pts @ rot.T + (centre or (shape[1] / 2, shape[0] / 2))
    m = np.zeros(shape, np.uint8)
    cv2.fillPoly(m, [np.round(pts * 16).astype(np.int32)], 1, shift=4)
    return m.astype(bool)


def toe_direction(angle: float) -> np.ndarray:
    a = np.deg2rad(angle)
    return np.array([np.sin(a), -np.cos(a)])


def write_foot_photo(path, *, side="right", angle=20, size=(480, 640), seed=0):
    """Write a photo of one treaded sole on a mottled floor; return its true mask."""
    h, w = size
    rng = np.random.default_rng(seed)
    floor = np.array([176, 160, 130], np.float32) + rng.normal(0, 6, (h, w, 3))
    mask = foot_mask((h, w), side=side, angle=angle, length=0.7 * h)
    yy, xx = np.mgrid[:h, :w]
    cell = max(5, round(5 * h / 480))  # the same picture at any size
    tread = np.where((xx // cell + yy // cell) % 2 == 0, 45.0, 95.0)[..., None] * np.ones(3)
    img = np.where(mask[..., None], tread, floor).clip(0, 255).astype(np.uint8)
    cv2.imwrite(str(path), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
    return mask


@pytest.fixture(scope="session")
def foot_photo():
    """`write_foot_photo`: write a photo of one treaded sole; returns its true mask."""
    return write_foot_photo


@pytest.fixture(scope="session")
def models():
    """The shipped networks, opened once for the session."""
    from shoewear.pipeline import Models

    return Models.load()
