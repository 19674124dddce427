"""Synthetic photos of worn outsoles with their ground truth: the wear model's training data.

Public API::

    generate_photo(seed, *, pair=False, pattern=None, side=None, long_side=1024) -> SynthPhoto
    generate_negative(seed, *, long_side=1024) -> (H, W, 3) uint8
    render_canonical(seed, *, pattern=None, tread=None) -> (rgb, mask, zones)
    write_dataset(out_dir, *, n, seed, pairs=0, long_side=1024, workers=2, progress=True) -> Path
    PATTERN_PROTOTYPES, TREAD_FAMILIES, SynthPhoto, SynthSole
"""

from __future__ import annotations

from .dataset import write_dataset
from .negative import generate_negative
from .photo import generate_photo, render_canonical
from .records import SynthPhoto, SynthSole
from .tread import TREAD_FAMILIES
from .wear import PATTERN_PROTOTYPES

__all__ = [
    "PATTERN_PROTOTYPES",
    "TREAD_FAMILIES",
    "SynthPhoto",
    "SynthSole",
    "generate_negative",
    "generate_photo",
    "render_canonical",
    "write_dataset",
]
