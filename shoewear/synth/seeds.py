"""Turn a user's integer seed into independent random streams."""

from __future__ import annotations

import numpy as np


def seed_sequence(seed: int, *tags: int) -> np.random.SeedSequence:
    """A seed sequence for `seed` (any Python int, negative too) and a purpose tag.

    Parameters
    ----------
    seed : int
        Reduced modulo 2**64; two seeds that differ below that never collide.
    *tags : int
        Small non-negative integers naming what the stream is for.

    Returns
    -------
    numpy.random.SeedSequence
    """
    s = int(seed) % 2**64
    return np.random.SeedSequence([s & 0xFFFFFFFF, s >> 32, *tags])
