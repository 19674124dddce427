"""Export networks to ONNX (torch.export based), with their config in the file's metadata."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from ..errors import ModelError
from ..wear.config import CONFIG_KEY, INPUT_NAME, OUTPUT_NAMES, ZONES_INPUT_NAME, ModelConfig
from .wear_net import WearEnsemble, WearNet

if TYPE_CHECKING:
    import onnx

#: ONNX opset of the exported files: the one torch's exporter translates to
#: (an older one would need a version conversion after the export).
OPSET = 18


def export_program(
    net: torch.nn.Module,
    args: tuple[torch.Tensor, ...],
    path: Path,
    *,
    input_names: list[str],
    output_names: list[str],
    dynamic_shapes: tuple[dict[int, object], ...],
    key: str,
    config_json: str,
    opset: int = OPSET,
) -> Path:
    """Export `net` with ``torch.onnx.export(dynamo=True)``, stamp its config, write `path`.

    Parameters
    ----------
    net : torch.nn.Module
        In eval mode.
    args : tuple of Tensor
        Example inputs; axes named in `dynamic_shapes` stay free in the file.
    path : Path
        Target file; written to a temporary name first, then replaced.
    input_names, output_names : list of str
    dynamic_shapes : tuple of dict
        One ``{axis: name}`` per input, e.g. ``({0: "batch"},)``; an axis that
        another input's named axis also fixes takes ``torch.export.Dim.DYNAMIC``.
    key, config_json : str
        Metadata entry holding the config.
    opset : int
        ONNX opset.

    Raises
    ------
    ModelError
        When the network cannot be exported or the result is not valid ONNX.
    """
    import onnx

    try:
        with torch.no_grad():
            program = torch.onnx.export(
                net,
                args,
                dynamo=True,
                input_names=input_names,
                output_names=output_names,
                dynamic_shapes=dynamic_shapes,
                opset_version=opset,
                external_data=False,
                verbose=False,  # None prints each step
            )
        stamp_and_save(program.model_proto, path, key=key, config_json=config_json)
    except (RuntimeError, ValueError, onnx.checker.ValidationError) as exc:
        raise ModelError(f"ONNX export to {path} failed: {_first_line(exc)}") from None
    return path


def stamp_and_save(model: onnx.ModelProto, path: Path, *, key: str, config_json: str) -> None:
    """Put the config into `model` (an ``onnx.ModelProto``), check it and write it to `path`.

    Other metadata (the exporter's notes on every node) is removed. The file is
    written to a temporary name beside `path`, then moved over it, so a failed
    write never leaves half a model behind.

    Raises
    ------
    onnx.checker.ValidationError
        When the graph is not valid ONNX.
    """
    import onnx

    # The exporter notes each node's torch origin, source paths of this machine
    # included: the file keeps the config alone, and reads the same wherever made.
    graph = model.graph
    for item in (graph, *graph.node, *graph.input, *graph.output, *graph.value_info,
                 *graph.initializer, *model.functions,
                 *(n for f in model.functions for n in f.node)):
        del item.metadata_props[:]
    del model.metadata_props[:]
    entry = model.metadata_props.add()
    entry.key, entry.value = key, config_json
    model.producer_name = "shoewear"
    onnx.checker.check_model(model)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        onnx.save(model, str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _first_line(exc: BaseException) -> str:
    """The first line of the innermost cause: the exporter wraps it in a page of advice."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return (lines[0] if lines else type(exc).__name__)[:300]


def export_onnx(
    net: WearNet | WearEnsemble, config: ModelConfig, path: str | Path, *, opset: int = OPSET
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

    Raises
    ------
    ModelError
        When the export fails.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = config.input_size
    args: tuple[torch.Tensor, ...] = (torch.rand(2, config.channels, h, w),)
    names = [INPUT_NAME]
    if config.zone_inputs:
        args += (torch.rand(2, len(config.zones), *config.map_size),)
        names.append(ZONES_INPUT_NAME)
    # The zone weights' batch axis is the photos' one: named once (naming it twice
    # makes the exporter warn that the second name goes unused), free in both.
    dynamic_shapes = ({0: "batch"},) + ({0: torch.export.Dim.DYNAMIC},) * (len(args) - 1)
    return export_program(
        net.eval(),
        args,
        path,
        input_names=names,
        output_names=list(OUTPUT_NAMES),
        dynamic_shapes=dynamic_shapes,
        key=CONFIG_KEY,
        config_json=config.to_json(),
        opset=opset,
    )
