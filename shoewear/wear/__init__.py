"""Read wear off canonical soles: the wear CNN run with onnxruntime, and its input preparation.

`WearModel` runs the ONNX network (`runtime`); `config` is what travels with
its weights; `preprocess` turns canonical soles into network inputs and wear
maps into zone levels.
"""

from .runtime import WearModel

__all__ = ["WearModel"]
