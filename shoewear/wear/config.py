"""The model's configuration: what travels with the weights (no torch here)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..contract import PATTERNS, ZONES
from ..errors import ModelError
from ..jsonconfig import JsonConfig, build_config, config_fields

#: Bumped whenever the meaning of the inputs or outputs changes; a file with
#: another format version is refused.
FORMAT_VERSION = 1

#: Names of the network's input and outputs in the ONNX file.
INPUT_NAME = "sole"
#: Name of the second input (zone weights) of a model with ``zone_inputs``.
ZONES_INPUT_NAME = "zones"
OUTPUT_NAMES = ("logits", "wear_map")

#: Tread-detail channels of a model trained from scratch by `shoewear train`
#: (the shipped model's); a config without the key has none.
DEFAULT_DETAIL = 1

#: AdamW's decoupled weight decay of `shoewear train` (``--weight-decay``), the
#: shipped model's (the models before it used 0.05 and, earlier, 1e-4: see
#: models/README.md).
WEIGHT_DECAY = 0.1

#: Most networks an ensemble may average (keeps the model small and fast).
MAX_MEMBERS = 4

#: Metadata key holding the JSON config (safetensors metadata, ONNX metadata_props).
CONFIG_KEY = "shoewear_config"


@dataclass(frozen=True)
class ModelConfig(JsonConfig):
    """Everything needed to rebuild the network and read its outputs.

    Attributes
    ----------
    classes : tuple of str
        Pattern names in logit order (`design.PATTERNS`).
    zones : tuple of str
        Zone names in level order (`design.ZONES`).
    input_size : (int, int)
        (H, W) of the network input; the canonical sole is area-downsampled to it.
    map_size : (int, int)
        (H, W) of the wear map, `input_size` / 4.
    detail : int
        Channels of tread detail (0, 1 or 2) measured at the canonical
        resolution (`preprocess.tread_detail`) added to the input: how sharp
        the lugs still are, which the shrunk colours blur away.
    mean, std : tuple of float
        RGB normalisation applied inside the network to inputs in [0, 1].
    widths : tuple of int
        Channels of the stem and the three stages.
    head_width : int
        Hidden units of the pattern classifier.
    dropout : float
        Dropout before the last classifier layer (training only).
    sole_norm : bool
        Also feed the network the colours relative to the sole's own mean and
        spread (wear shows as a change against the rest of the sole).
    zone_inputs : bool
        The classifier also sees the seven zone levels of the wear map; the
        network then takes the zone weights (`preprocess.zone_weights`) as a
        second input.
    members : int
        Copies of the network, trained independently (`net.WearEnsemble`);
        the model's probabilities and wear map are their means. 1: one network.
    format_version : int
        `FORMAT_VERSION` of the code that wrote the file.
    metrics : dict
        Validation figures measured when the model was trained.
    recipe : dict
        How the model was made: data, seed, epochs, commands.
    """

    classes: tuple[str, ...] = PATTERNS
    zones: tuple[str, ...] = ZONES
    input_size: tuple[int, int] = (128, 64)
    map_size: tuple[int, int] = (32, 16)
    mean: tuple[float, float, float] = (0.45, 0.45, 0.45)
    std: tuple[float, float, float] = (0.25, 0.25, 0.25)
    widths: tuple[int, ...] = (16, 32, 64, 96)
    head_width: int = 64
    dropout: float = 0.1
    sole_norm: bool = False
    zone_inputs: bool = False
    detail: int = 0
    members: int = 1
    format_version: int = FORMAT_VERSION
    metrics: dict = field(default_factory=dict, compare=False)
    recipe: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        h, w = self.input_size
        if (h % 16) or (w % 16):
            raise ModelError(f"input_size must be multiples of 16, got {self.input_size}")
        if tuple(self.map_size) != (h // 4, w // 4):
            raise ModelError(
                f"map_size must be input_size / 4 = {(h // 4, w // 4)}, got {self.map_size}"
            )
        if isinstance(self.detail, bool):  # files written when it was a switch
            object.__setattr__(self, "detail", int(self.detail))
        if self.detail not in (0, 1, 2):
            raise ModelError(f"detail must be 0, 1 or 2 channels, got {self.detail!r}")
        if isinstance(self.members, bool) or self.members not in range(1, MAX_MEMBERS + 1):
            raise ModelError(f"members must be 1 to {MAX_MEMBERS}, got {self.members!r}")
        if len(self.widths) != 4:
            raise ModelError(f"widths must hold 4 channel counts, got {self.widths}")

    @property
    def channels(self) -> int:
        """Channels of the network input: RGB, mask and the tread-detail bands."""
        return 4 + self.detail

    @classmethod
    def from_json(cls, text: str, *, source: str = "model") -> ModelConfig:
        """Parse and validate a config written by `to_json`.

        Raises
        ------
        ModelError
            When the JSON is unreadable, the format version differs, or the
            class or zone names do not match `design.PATTERNS` / `design.ZONES`.
        """
        data = config_fields(
            cls, text, source=source, what="model", version=FORMAT_VERSION,
            tuples=("classes", "zones", "input_size", "map_size", "mean", "std", "widths"),
            hint="; retrain with `shoewear train` or use a matching release",
        )
        if data.get("classes") != PATTERNS:
            raise ModelError(
                f"{source}: model classes {list(data.get('classes', ()))} do not match the wear "
                f"patterns {list(PATTERNS)}"
            )
        if data.get("zones") != ZONES:
            raise ModelError(
                f"{source}: model zones {list(data.get('zones', ()))} do not match {list(ZONES)}"
            )
        return build_config(cls, data, source=source, what="model")
