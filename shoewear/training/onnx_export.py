"""Export the network to ONNX, with its config in the file's metadata."""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import torch

from ..errors import ModelError
from ..onnxfile import stamp_and_save
from ..wear.config import CONFIG_KEY, INPUT_NAME, OUTPUT_NAMES, ZONES_INPUT_NAME, ModelConfig
from .wear_net import WearEnsemble, WearNet


def export_onnx(
    net: WearNet | WearEnsemble, config: ModelConfig, path: str | Path, *, opset: int = 17
) -> Path:
    """Write `net` as ONNX with a dynamic batch axis, atomically.

    Parameters
    ----------
    net : WearNet or WearEnsemble
        The network (put in eval mode here).
    config : ModelConfig
        Stored as JSON in the model's ``metadata_props`` under `CONFIG_KEY`.
    path : str or Path
        Target file; written to a temporary name first, then replaced.
    opset : int
        ONNX opset.

    Returns
    -------
    Path
        `path`.
    """
    import onnx

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    net = net.eval()
    h, w = config.input_size
    args: tuple[torch.Tensor, ...] = (torch.rand(2, config.channels, h, w),)
    names = [INPUT_NAME]
    if config.zone_inputs:
        args += (torch.rand(2, len(config.zones), *config.map_size),)
        names.append(ZONES_INPUT_NAME)
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                net,
                args,
                str(tmp),
                input_names=names,
                output_names=list(OUTPUT_NAMES),
                dynamic_axes={n: {0: "batch"} for n in [*names, *OUTPUT_NAMES]},
                opset_version=opset,
                dynamo=False,
            )
        stamp_and_save(tmp, path, key=CONFIG_KEY, config_json=config.to_json())
    except (RuntimeError, ValueError, onnx.checker.ValidationError) as exc:
        raise ModelError(f"ONNX export to {path} failed: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return path
