"""Find the outsoles in a photo: the segmenter network, its input preparation and the masks.

`SoleSegmenter` runs the ONNX network (`runtime`), `config` prepares its
input, and `segment_outsole` turns its scores into one mask per sole
(`soles`).
"""

from .runtime import SoleSegmenter
from .soles import segment_outsole, upscale_mask

__all__ = ["SoleSegmenter", "segment_outsole", "upscale_mask"]
